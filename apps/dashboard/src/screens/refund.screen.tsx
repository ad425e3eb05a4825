import { useState } from 'react';
import { api } from '../api/client.js';
import type { PacksView, ReferralView, RefundView } from '../api/funding-views.js';
import { hasRole } from '../api/session.js';
import type { BalanceView } from '../api/wallet-views.js';
import { useSession } from '../auth.js';
import { Busy } from '../components/busy.js';
import { Money } from '../components/money.js';
import { Page } from '../components/page.js';
import { SectionLoad } from '../components/section-load.js';
import { useLoad } from '../components/use-load.js';
import { useI18n } from '../i18n/index.js';
import { ReferralCard } from './refund/referral-card.js';
import { RefundForm } from './refund/refund-form.js';
import { RefundsTable } from './refund/refunds-table.js';

/** Refund of purchased credit (owner only, fee shown before confirming) and the referral code to share. */
export function RefundScreen() {
  const { t } = useI18n();
  const session = useSession();
  const [requested, setRequested] = useState<RefundView | null>(null);
  const referral = useLoad((signal) => api.get<ReferralView>('/v1/funding/referral', undefined, signal), []);
  const balance = useLoad((signal) => api.get<BalanceView>('/v1/wallet', undefined, signal), []);
  const packs = useLoad((signal) => api.get<PacksView>('/v1/funding/packs', undefined, signal), []);
  const refunds = useLoad((signal) => api.get<{ data: RefundView[] }>('/v1/funding/refunds', undefined, signal), []);

  return (
    <Page title={t('refund.title')}>
      <section aria-labelledby="refund-referral">
        <h2 id="refund-referral">{t('refund.referral.title')}</h2>
        <SectionLoad state={referral}>{(data) => <ReferralCard referral={data} />}</SectionLoad>
      </section>
      <section aria-labelledby="refund-request">
        <h2 id="refund-request">{t('refund.form.title')}</h2>
        <div role="status" aria-live="polite">
          {requested && (
            <p className="success">
              {t('refund.form.requested')} <Money amount={requested.payout} />
            </p>
          )}
        </div>
        <SectionLoad state={balance}>
          {(wallet) =>
            packs.data ? (
              <RefundForm
                key={wallet.refundable}
                refundable={wallet.refundable}
                fee={packs.data.refundFee}
                canRefund={hasRole(session, 'owner')}
                onRequested={(refund) => {
                  setRequested(refund);
                  balance.reload();
                  refunds.reload();
                }}
              />
            ) : (
              <SectionLoad state={packs}>{() => <Busy />}</SectionLoad>
            )
          }
        </SectionLoad>
      </section>
      <section aria-labelledby="refund-list">
        <h2 id="refund-list">{t('refund.list.title')}</h2>
        <SectionLoad state={refunds}>{(data) => <RefundsTable refunds={data.data} />}</SectionLoad>
      </section>
    </Page>
  );
}
