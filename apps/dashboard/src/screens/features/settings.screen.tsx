import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.js';
import { hasRole, type Locale, type Role } from '../../api/session.js';
import { useAuth, useSession } from '../../auth.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Page } from '../../components/page.js';
import { CellView } from '../../components/panel-table.js';
import { useLoad } from '../../components/use-load.js';
import { LOCALE_NAMES, LOCALES, useI18n } from '../../i18n/index.js';
import { Link } from '../../router.js';
import type { CapView } from './feature-catalog.js';
import { issuesByField } from './panel-values.js';
import { localized, panelPath } from './panel-types.js';
import { SpendingCap } from './spending-cap.js';
import { usePanels } from './use-panels.js';

interface Account {
  id: string;
  name: string;
  locale: Locale;
  timeZone: string;
}
interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

const MIN_PASSWORD = 12;

/** `/settings`: the account's language and time zone, one's own password, the users, and the plugins' settings panels. */
export function SettingsScreen() {
  const { t, locale } = useI18n();
  const session = useSession();
  const panels = usePanels();
  const settingsPanels = (panels.data ?? []).filter((panel) => panel.placement === 'settings');
  return (
    <Page title={t('settings.title')}>
      <AccountSettings />
      {session.user && <PasswordChange />}
      <UsersList />
      <section aria-labelledby="settings-plugins">
        <h2 id="settings-plugins">{t('settings.plugins')}</h2>
        {panels.error ? <ErrorMessage error={panels.error} onRetry={panels.reload} /> : null}
        {panels.loading && <Busy />}
        {panels.data && settingsPanels.length === 0 && <p className="muted">{t('app.none')}</p>}
        <ul className="panel-links">
          {settingsPanels.map((panel) => (
            <li key={`${panel.pluginId}/${panel.id}`}>
              <Link to={panelPath(panel)}>{localized(panel.title, locale)}</Link>
              {panel.description && <span className="muted"> — {localized(panel.description, locale)}</span>}
            </li>
          ))}
        </ul>
      </section>
    </Page>
  );
}

function timeZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: 'timeZone') => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? ['Europe/Brussels', 'Europe/Amsterdam', 'Europe/Paris', 'Europe/Berlin', 'Europe/Luxembourg', 'UTC'];
}

function AccountSettings() {
  const session = useSession();
  const { refresh } = useAuth();
  const admin = hasRole(session, 'admin');
  const account = useLoad((signal) => api.get<Account>('/v1/account', undefined, signal), []);
  if (account.loading && !account.data) return <Busy />;
  if (!account.data) return <ErrorMessage error={account.error} onRetry={account.reload} />;
  return (
    <AccountForm
      // Not keyed by the values: the form already holds what was saved, and its "saved" note must stay.
      account={account.data}
      editable={admin}
      onSaved={() => {
        account.reload();
        // The session carries the account's language and time zone: dates follow the new zone.
        void refresh().catch(() => undefined);
      }}
    />
  );
}

function AccountForm({ account, editable, onSaved }: { account: Account; editable: boolean; onSaved(): void }) {
  const { t } = useI18n();
  const [accountLocale, setAccountLocale] = useState<Locale>(account.locale);
  const [timeZone, setTimeZone] = useState(account.timeZone);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const issues = error instanceof ApiError && error.status === 400 ? issuesByField(error.details) : {};
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api.patch('/v1/account', { locale: accountLocale, timeZone: timeZone.trim() });
      setSaved(true);
      onSaved();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="settings-account">
      <h2 id="settings-account">{t('settings.account', { name: account.name })}</h2>
      {!editable && <p className="muted">{t('app.needsRole', { role: t('role.admin') })}</p>}
      <form className="stack" onSubmit={(event) => void submit(event)}>
        <div className="stack">
          <label htmlFor="account-locale">{t('settings.accountLanguage')}</label>
          <select id="account-locale" value={accountLocale} disabled={!editable} onChange={(event) => setAccountLocale(event.target.value as Locale)}>
            {LOCALES.map((code) => (
              <option key={code} value={code} lang={code}>
                {LOCALE_NAMES[code]}
              </option>
            ))}
          </select>
          <p className="muted field-help">{t('settings.accountLanguageHelp')}</p>
        </div>
        <div className="stack">
          <label htmlFor="account-timezone">{t('settings.timeZone')}</label>
          <input
            id="account-timezone"
            list="time-zones"
            value={timeZone}
            readOnly={!editable}
            autoComplete="off"
            aria-invalid={issues.timeZone ? true : undefined}
            aria-describedby={issues.timeZone ? 'account-timezone-error' : 'account-timezone-help'}
            onChange={(event) => setTimeZone(event.target.value)}
          />
          <datalist id="time-zones">
            {timeZones().map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
          <p id="account-timezone-help" className="muted field-help">
            {t('settings.timeZoneHelp')}
          </p>
          {issues.timeZone && (
            <p id="account-timezone-error" className="field-error">
              {issues.timeZone.join(' ')}
            </p>
          )}
        </div>
        {editable && (
          <div className="row">
            <button type="submit" className="primary" disabled={busy}>
              {t('app.save')}
            </button>
            {busy && <Busy label={t('app.working')} />}
          </div>
        )}
      </form>
      <ErrorMessage error={error} />
      <p role="status" aria-live="polite" className={saved ? 'success' : 'sr-only'}>
        {saved ? t('app.saved') : ''}
      </p>
    </section>
  );
}

function PasswordChange() {
  const { t } = useI18n();
  const session = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setError(null);
    if (next.length < MIN_PASSWORD) return setProblem(t('settings.password.tooShort', { min: MIN_PASSWORD }));
    if (next !== again) return setProblem(t('settings.password.mismatch'));
    setProblem(null);
    setBusy(true);
    try {
      await api.put('/v1/users/me/password', { ...(current ? { currentPassword: current } : {}), newPassword: next });
      setSaved(true);
      setCurrent('');
      setNext('');
      setAgain('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="settings-password">
      <h2 id="settings-password">{t('settings.password.title')}</h2>
      <form className="stack" onSubmit={(event) => void submit(event)} noValidate>
        {/* For password managers: whose password this is. */}
        <input type="text" name="username" autoComplete="username" value={session.user?.email ?? ''} readOnly hidden />
        <div className="stack">
          <label htmlFor="password-current">{t('settings.password.current')}</label>
          <input id="password-current" type="password" autoComplete="current-password" value={current} onChange={(event) => setCurrent(event.target.value)} />
          <p className="muted field-help">{t('settings.password.currentHelp')}</p>
        </div>
        <div className="stack">
          <label htmlFor="password-new">{t('settings.password.new')}</label>
          <input
            id="password-new"
            type="password"
            autoComplete="new-password"
            minLength={MIN_PASSWORD}
            required
            value={next}
            aria-describedby="password-new-help"
            onChange={(event) => setNext(event.target.value)}
          />
          <p id="password-new-help" className="muted field-help">
            {t('settings.password.rule', { min: MIN_PASSWORD })}
          </p>
        </div>
        <div className="stack">
          <label htmlFor="password-again">{t('settings.password.again')}</label>
          <input
            id="password-again"
            type="password"
            autoComplete="new-password"
            required
            value={again}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'password-error' : undefined}
            onChange={(event) => setAgain(event.target.value)}
          />
        </div>
        {problem && (
          <p id="password-error" className="field-error" role="alert">
            {problem}
          </p>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={busy}>
            {t('settings.password.submit')}
          </button>
          {busy && <Busy label={t('app.working')} />}
        </div>
      </form>
      <ErrorMessage error={error} />
      <p role="status" aria-live="polite" className={saved ? 'success' : 'sr-only'}>
        {saved ? t('settings.password.saved') : ''}
      </p>
    </section>
  );
}

function UsersList() {
  const { t } = useI18n();
  const users = useLoad((signal) => api.get<{ data: User[] }>('/v1/users', undefined, signal), []);
  const caps = useLoad((signal) => api.get<{ data: CapView[] }>('/v1/wallet/caps', undefined, signal), []);
  return (
    <section aria-labelledby="settings-users">
      <h2 id="settings-users">{t('settings.users')}</h2>
      {users.error ? <ErrorMessage error={users.error} onRetry={users.reload} /> : null}
      {users.loading && !users.data && <Busy />}
      {users.data && (
        <div className="table-scroll">
          <table aria-labelledby="settings-users">
            <thead>
              <tr>
                <th scope="col">{t('settings.user.name')}</th>
                <th scope="col">{t('settings.user.email')}</th>
                <th scope="col">{t('settings.user.role')}</th>
                <th scope="col">{t('settings.user.since')}</th>
              </tr>
            </thead>
            <tbody>
              {users.data.data.map((user) => (
                <tr key={user.id}>
                  <td>{user.name}</td>
                  <td>{user.email}</td>
                  <td>{t(`role.${user.role}`)}</td>
                  <td>
                    <CellView value={user.createdAt} format="datetime" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {users.data && (
        <>
          <h3 id="settings-user-caps">{t('settings.userCaps')}</h3>
          <p className="muted">{t('settings.userCapsHelp')}</p>
          {caps.error ? <ErrorMessage error={caps.error} onRetry={caps.reload} /> : null}
          {caps.data && (
            <ul className="user-caps" aria-labelledby="settings-user-caps">
              {users.data.data.map((user) => (
                <li key={user.id}>
                  <strong>{user.name}</strong>
                  <SpendingCap
                    kind="user"
                    target={user.id}
                    owner={user.name}
                    cap={caps.data?.data.find((cap) => cap.kind === 'user' && cap.target === user.id) ?? null}
                    onChanged={caps.reload}
                  />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
