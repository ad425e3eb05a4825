import { api } from '../api/client.js';
import type { AutoRefillView, PurchaseView } from '../api/funding-views.js';
import type { AlertView, AllowanceView, BalanceView, HoldView, Page as ListPage, LotView, QuotaView } from '../api/wallet-views.js';
import { Page } from '../components/page.js';
import { SectionLoad } from '../components/section-load.js';
import { useLoad } from '../components/use-load.js';
import { useI18n } from '../i18n/index.js';
import { Link } from '../router.js';
import { AlertsSection } from './wallet/alerts-section.js';
import { BalanceSection, IncomingPurchases } from './wallet/balance-section.js';
import { LotsTable } from './wallet/lots-table.js';
import { AllowanceList, HoldsTable, QuotaList } from './wallet/usage-section.js';

/** The wallet: balance by kind of credit, money on its way, holds, free quotas, allowances, alerts. */
export function WalletScreen() {
  const { t } = useI18n();
  const balance = useLoad((signal) => api.get<BalanceView>('/v1/wallet', undefined, signal), []);
  // Read only to tell a low balance; a failure here leaves the balance shown without that hint.
  const autoRefill = useLoad((signal) => api.get<AutoRefillView>('/v1/funding/auto-refill', undefined, signal), []);
  const alerts = useLoad((signal) => api.get<{ data: AlertView[] }>('/v1/wallet/alerts', undefined, signal), []);
  const incoming = useLoad((signal) => api.get<ListPage<PurchaseView>>('/v1/funding/purchases', { status: 'pending', limit: 20 }, signal), []);
  const lots = useLoad((signal) => api.get<{ data: LotView[] }>('/v1/wallet/lots', undefined, signal), []);
  const holds = useLoad((signal) => api.get<ListPage<HoldView>>('/v1/wallet/holds', { status: 'pending', limit: 20 }, signal), []);
  const quotas = useLoad((signal) => api.get<{ data: QuotaView[] }>('/v1/wallet/quotas', undefined, signal), []);
  const allowances = useLoad((signal) => api.get<{ data: AllowanceView[] }>('/v1/wallet/allowances', undefined, signal), []);

  return (
    <Page
      title={t('wallet.title')}
      actions={
        <Link to="/fill" className="button-link">
          {t('wallet.fillAction')}
        </Link>
      }
    >
      <section aria-labelledby="wallet-balance">
        <h2 id="wallet-balance" className="sr-only">
          {t('wallet.balance')}
        </h2>
        <SectionLoad state={balance}>{(data) => <BalanceSection balance={data} autoRefill={autoRefill.data} alerts={alerts.data?.data} />}</SectionLoad>
      </section>
      <section aria-labelledby="wallet-lots">
        <h2 id="wallet-lots">{t('wallet.lots.title')}</h2>
        <p className="muted">{t('wallet.lots.help')}</p>
        <SectionLoad state={lots}>{(data) => <LotsTable lots={data.data} />}</SectionLoad>
      </section>
      <section aria-labelledby="wallet-incoming">
        <h2 id="wallet-incoming">{t('wallet.incomingList')}</h2>
        <SectionLoad state={incoming}>
          {/* A hosted checkout still pending is a payment page not (yet) paid, not money on its way (as the host's `incoming` counts it). */}
          {(data) => <IncomingPurchases purchases={data.data.filter((purchase) => !purchase.hosted)} />}
        </SectionLoad>
      </section>
      <section aria-labelledby="wallet-holds">
        <h2 id="wallet-holds">{t('wallet.holds.title')}</h2>
        <p className="muted">{t('wallet.holds.help')}</p>
        <SectionLoad state={holds}>{(data) => <HoldsTable holds={data.data} />}</SectionLoad>
      </section>
      <section aria-labelledby="wallet-quotas">
        <h2 id="wallet-quotas">{t('wallet.quotas.title')}</h2>
        <SectionLoad state={quotas}>{(data) => <QuotaList quotas={data.data} />}</SectionLoad>
      </section>
      <section aria-labelledby="wallet-allowances">
        <h2 id="wallet-allowances">{t('wallet.allowances.title')}</h2>
        <SectionLoad state={allowances}>{(data) => <AllowanceList allowances={data.data} />}</SectionLoad>
      </section>
      <section aria-labelledby="wallet-alerts">
        <h2 id="wallet-alerts">{t('wallet.alerts.title')}</h2>
        <SectionLoad state={alerts}>
          {(data) => (
            <AlertsSection
              alerts={data.data}
              onChanged={() => {
                alerts.reload();
                balance.reload();
              }}
            />
          )}
        </SectionLoad>
      </section>
    </Page>
  );
}
