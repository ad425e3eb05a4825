import { api } from '../api/client.js';
import type { AutoRefillView, BillingDocumentView, PacksView, PaymentMethodView } from '../api/funding-views.js';
import { hasRole } from '../api/session.js';
import type { Page as ListPage } from '../api/wallet-views.js';
import { useSession } from '../auth.js';
import { Busy } from '../components/busy.js';
import { Page } from '../components/page.js';
import { SectionLoad } from '../components/section-load.js';
import { useLoad } from '../components/use-load.js';
import { useI18n } from '../i18n/index.js';
import { navigate, useLocation } from '../router.js';
import { AutoRefillSection } from './fill/auto-refill-section.js';
import { BillingDocuments } from './fill/billing-documents.js';
import { BuySection } from './fill/buy-section.js';
import { PaymentMethodsSection } from './fill/payment-methods-section.js';
import { PurchaseProgress } from './fill/purchase-progress.js';

/** Fill your wallet: packs, payment methods, auto-refill and the billing documents. Members see it all, admins and owners act. */
export function FillScreen() {
  const { t } = useI18n();
  const session = useSession();
  const canAct = hasRole(session, 'admin');
  const { query } = useLocation();
  const returned = query.get('purchase');
  const packs = useLoad((signal) => api.get<PacksView>('/v1/funding/packs', undefined, signal), []);
  const methods = useLoad((signal) => api.get<{ data: PaymentMethodView[] }>('/v1/funding/payment-methods', undefined, signal), []);
  const refill = useLoad((signal) => api.get<AutoRefillView>('/v1/funding/auto-refill', undefined, signal), []);
  const documents = useLoad((signal) => api.get<ListPage<BillingDocumentView>>('/v1/billing/documents', { limit: 20 }, signal), []);
  const active = (methods.data?.data ?? []).filter((method) => method.status === 'active');

  return (
    <Page title={t('fill.title')}>
      {returned && (
        <PurchaseProgress key={returned} purchaseId={returned} onSettled={documents.reload} onDismiss={() => navigate('/fill', { replace: true })} />
      )}
      <section aria-labelledby="fill-buy">
        <h2 id="fill-buy">{t('fill.buy.title')}</h2>
        <SectionLoad state={packs}>{(data) => <BuySection packs={data.packs} methods={active} canBuy={canAct} onBought={documents.reload} />}</SectionLoad>
      </section>
      <section aria-labelledby="fill-methods">
        <h2 id="fill-methods">{t('fill.methods.title')}</h2>
        <SectionLoad state={methods}>
          {() => (
            <PaymentMethodsSection
              methods={active}
              canEdit={canAct}
              onChanged={() => {
                methods.reload();
                refill.reload();
              }}
            />
          )}
        </SectionLoad>
      </section>
      <section aria-labelledby="fill-refill">
        <h2 id="fill-refill">{t('fill.refill.title')}</h2>
        <p className="muted">{t('fill.refill.help')}</p>
        <SectionLoad state={refill}>
          {(data) =>
            packs.data && methods.data ? (
              <AutoRefillSection settings={data} packs={packs.data.packs} methods={active} canEdit={canAct} onSaved={refill.reload} />
            ) : (
              <Busy />
            )
          }
        </SectionLoad>
      </section>
      <section aria-labelledby="fill-documents">
        <h2 id="fill-documents">{t('fill.documents.title')}</h2>
        <SectionLoad state={documents}>{(data) => <BillingDocuments key={data.data[0]?.id ?? 'none'} first={data} />}</SectionLoad>
      </section>
    </Page>
  );
}
