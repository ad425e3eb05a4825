import { api } from '../../api/client.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { Page } from '../../components/page.js';
import { useLoad } from '../../components/use-load.js';
import { formatDate, formatDateTime } from '../../i18n/format.js';
import { LOCALE_NAMES, useI18n } from '../../i18n/index.js';
import { Link } from '../../router.js';
import { ChangePlanForm } from './change-plan-form.js';
import type { AccountPlan, AccountView, WalletBalance } from './types.js';
import { usePlans } from './use-plans.js';

const KINDS = ['trial', 'promo', 'referral', 'purchased'] as const;

/** One account for support: its details, its wallet, its plan with the plan history, and moving it to another plan. */
export function AccountDetailScreen({ accountId }: { accountId: string }) {
  const { t, locale } = useI18n();
  const base = `/admin/accounts/${encodeURIComponent(accountId)}`;
  const account = useLoad((signal) => api.get<AccountView>(base, undefined, signal), [base]);
  const wallet = useLoad((signal) => api.get<WalletBalance>(`${base}/wallet`, undefined, signal), [base]);
  const plan = useLoad((signal) => api.get<AccountPlan>(`${base}/plan`, undefined, signal), [base]);
  const plans = usePlans();

  return (
    <Page title={account.data ? account.data.name : t('admin.account.title')}>
      <p>
        <Link to="/">{t('admin.account.back')}</Link>
      </p>
      {account.loading && !account.data && <Busy />}
      <ErrorMessage error={account.error} onRetry={account.reload} />
      {account.data && (
        <section className="card" aria-labelledby="account-facts">
          <h2 id="account-facts">{t('admin.account.details')}</h2>
          <dl className="facts">
            <dt>{t('admin.account.id')}</dt>
            <dd>
              <code>{account.data.id}</code>
            </dd>
            <dt>{t('admin.accounts.status')}</dt>
            <dd>{t(`admin.accounts.status.${account.data.status}`)}</dd>
            <dt>{t('admin.accounts.locale')}</dt>
            <dd>{LOCALE_NAMES[account.data.locale]}</dd>
            <dt>{t('admin.account.timeZone')}</dt>
            <dd>{account.data.timeZone}</dd>
            <dt>{t('admin.accounts.createdAt')}</dt>
            <dd>{formatDateTime(locale, account.data.createdAt)}</dd>
          </dl>
        </section>
      )}
      <section className="card" aria-labelledby="account-wallet">
        <h2 id="account-wallet">{t('admin.wallet.title')}</h2>
        {wallet.loading && !wallet.data && <Busy />}
        <ErrorMessage error={wallet.error} onRetry={wallet.reload} />
        {wallet.data && (
          <>
            <dl className="facts">
              <dt>{t('admin.wallet.available')}</dt>
              <dd>
                <Money amount={wallet.data.available} currency={wallet.data.currency} />
              </dd>
              <dt>{t('admin.wallet.pending')}</dt>
              <dd>
                <Money amount={wallet.data.pending} currency={wallet.data.currency} />
              </dd>
              <dt>{t('admin.wallet.total')}</dt>
              <dd>
                <Money amount={wallet.data.total} currency={wallet.data.currency} />
              </dd>
              {wallet.data.incoming && (
                <>
                  <dt>{t('admin.wallet.incoming')}</dt>
                  <dd>
                    <Money amount={wallet.data.incoming.amount} currency={wallet.data.currency} />
                  </dd>
                </>
              )}
            </dl>
            <table>
              <caption>{t('admin.wallet.byKind')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('admin.wallet.kind')}</th>
                  <th scope="col" className="num">
                    {t('admin.wallet.available')}
                  </th>
                  <th scope="col" className="num">
                    {t('admin.wallet.pending')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {KINDS.filter((kind) => wallet.data?.byKind[kind]).map((kind) => (
                  <tr key={kind}>
                    <th scope="row">{t(`admin.wallet.kind.${kind}`)}</th>
                    <td className="num">
                      <Money amount={wallet.data!.byKind[kind]!.available} currency={wallet.data!.currency} />
                    </td>
                    <td className="num">
                      <Money amount={wallet.data!.byKind[kind]!.pending} currency={wallet.data!.currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
      <section className="card" aria-labelledby="account-plan">
        <h2 id="account-plan">{t('admin.plan.title')}</h2>
        {plan.loading && !plan.data && <Busy />}
        <ErrorMessage error={plan.error} onRetry={plan.reload} />
        {plan.data && (
          <>
            <p>{t('admin.plan.current', { label: plan.data.label, since: formatDate(locale, plan.data.since) })}</p>
            <ErrorMessage error={plans.error} onRetry={plans.reload} />
            {plans.data && <ChangePlanForm accountId={accountId} current={plan.data} plans={plans.data} onMoved={() => plan.reload()} />}
            <table>
              <caption>{t('admin.plan.history')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('admin.plan.label')}</th>
                  <th scope="col">{t('admin.plan.from')}</th>
                  <th scope="col">{t('admin.plan.to')}</th>
                  <th scope="col">{t('admin.plan.changedBy')}</th>
                </tr>
              </thead>
              <tbody>
                {plan.data.history.map((period) => (
                  <tr key={period.from}>
                    <th scope="row">{period.label}</th>
                    <td>{formatDateTime(locale, period.from)}</td>
                    <td>{period.to ? formatDateTime(locale, period.to) : t('admin.plan.now')}</td>
                    <td>{period.changedBy ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </Page>
  );
}
