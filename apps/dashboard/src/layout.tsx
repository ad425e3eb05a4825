import type { ChangeEvent, ReactNode } from 'react';
import type { Locale } from './api/session.js';
import { hasRole } from './api/session.js';
import { useAuth, useSession } from './auth.js';
import { LOCALE_NAMES, LOCALES, useI18n } from './i18n/index.js';
import { Link } from './router.js';
import { ROUTES } from './routes.js';

export function LanguageSelect() {
  const { t, locale, setLocale } = useI18n();
  return (
    <label className="language">
      <span>{t('app.language')}</span>
      <select value={locale} onChange={(event: ChangeEvent<HTMLSelectElement>) => setLocale(event.target.value as Locale)}>
        {LOCALES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LOCALE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const session = useSession();
  const { signOut } = useAuth();
  const items = ROUTES.filter((route) => route.nav && route.kind === session.kind && (!route.minRole || hasRole(session, route.minRole)));
  const who = session.kind === 'admin' ? t('app.platformAdmin') : `${session.user?.name ?? session.account?.name ?? ''}`;
  return (
    <>
      <a href="#main" className="skip-link">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        {session.account && <span className="account-name">{session.account.name}</span>}
        <span className="who">
          {t('app.signedInAs', { name: who })}
          {session.role ? ` (${t(`role.${session.role}`)})` : ''}
        </span>
        <LanguageSelect />
        <button type="button" onClick={() => void signOut()}>
          {t('app.signOut')}
        </button>
      </header>
      <div className="shell">
        <nav aria-label={t('app.mainNav')} className="sidenav">
          <ul>
            {items.map((route) => (
              <li key={route.path}>
                <Link to={route.path}>{t(route.nav!)}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </>
  );
}
