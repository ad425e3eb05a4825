import { Fragment, Suspense, useEffect } from 'react';
import { useAuth } from './auth.js';
import { Busy } from './components/busy.js';
import { Page } from './components/page.js';
import { useI18n } from './i18n/index.js';
import { Layout, LanguageSelect } from './layout.js';
import { match, navigate, useLocation } from './router.js';
import { ROUTES } from './routes.js';
import { LoginScreen } from './screens/login.screen.js';

export function App() {
  const { session } = useAuth();
  const { path } = useLocation();
  const { t } = useI18n();
  if (session === undefined) return <Busy />;
  if (session === null)
    return (
      <>
        <header className="topbar">
          <span className="brand">{t('app.name')}</span>
          <LanguageSelect />
        </header>
        <LoginScreen />
      </>
    );
  for (const route of ROUTES) {
    if (route.kind !== session.kind) continue;
    const params = match(route.path, path);
    if (params)
      return (
        <Layout>
          <Fragment key={path}>
            <Suspense fallback={<Busy />}>{route.render(params)}</Suspense>
          </Fragment>
        </Layout>
      );
  }
  // A screen of the other kind of session (an admin signing in on /app/invoices, say): start at home instead.
  if (ROUTES.some((route) => route.kind !== session.kind && match(route.path, path))) return <Redirect to="/" />;
  return (
    <Layout>
      <Page title={t('app.notFound')}>{null}</Page>
    </Layout>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return <Busy />;
}
