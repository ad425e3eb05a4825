import { useState } from 'react';
import { Busy } from '../components/busy.js';
import { Dialog } from '../components/dialog.js';
import { ErrorMessage } from '../components/error-message.js';
import { Page } from '../components/page.js';
import { formatDateTime } from '../i18n/format.js';
import { LOCALE_NAMES, useI18n } from '../i18n/index.js';
import { Link } from '../router.js';
import { CreateAccountForm } from './admin/create-account-form.js';
import type { AccountView, CreatedAccount } from './admin/types.js';
import { useAccountsPages } from './admin/use-accounts-pages.js';
import { usePlans } from './admin/use-plans.js';

/** Platform admin home: every account (oldest first, 20 a page) and creating one. */
export function AdminScreen() {
  const { t, locale } = useI18n();
  const accounts = useAccountsPages();
  const plans = usePlans();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedAccount | null>(null);

  return (
    <Page
      title={t('admin.accounts.title')}
      actions={
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          {t('admin.create.title')}
        </button>
      }
    >
      <div aria-live="polite">
        {created && (
          <div className="success stack" data-testid="created-account">
            <p>{t('admin.create.done', { name: created.account.name, plan: created.plan })}</p>
            <p>{t('admin.create.keyOnce')}</p>
            <p>
              <code className="secret">{created.apiKey.key}</code>
            </p>
            <p>
              <Link to={`/accounts/${encodeURIComponent(created.account.id)}`}>{t('admin.accounts.open', { name: created.account.name })}</Link>
            </p>
          </div>
        )}
      </div>
      <ErrorMessage error={accounts.error} onRetry={accounts.retry} />
      {accounts.items.length === 0 && !accounts.loading && !accounts.error && <p>{t('app.none')}</p>}
      {accounts.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('admin.accounts.name')}</th>
              <th scope="col">{t('admin.accounts.status')}</th>
              <th scope="col">{t('admin.accounts.locale')}</th>
              <th scope="col">{t('admin.accounts.createdAt')}</th>
            </tr>
          </thead>
          <tbody>
            {accounts.items.map((account: AccountView) => (
              <tr key={account.id}>
                <th scope="row">
                  <Link to={`/accounts/${encodeURIComponent(account.id)}`}>{account.name}</Link>
                </th>
                <td>{t(`admin.accounts.status.${account.status}`)}</td>
                <td>{LOCALE_NAMES[account.locale]}</td>
                <td>{formatDateTime(locale, account.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {accounts.loading && <Busy />}
      {accounts.hasMore && !accounts.loading && (
        <div className="row pager">
          <button type="button" onClick={accounts.more}>
            {t('app.loadMore')}
          </button>
        </div>
      )}
      {creating && (
        <Dialog open title={t('admin.create.title')} onClose={() => setCreating(false)}>
          {plans.loading && <Busy />}
          <ErrorMessage error={plans.error} onRetry={plans.reload} />
          {plans.data && (
            <CreateAccountForm
              plans={plans.data}
              onCancel={() => setCreating(false)}
              onCreated={(result) => {
                setCreated(result);
                setCreating(false);
                accounts.restart();
              }}
            />
          )}
        </Dialog>
      )}
    </Page>
  );
}
