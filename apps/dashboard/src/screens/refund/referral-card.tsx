import { useId, useState } from 'react';
import type { ReferralView } from '../../api/funding-views.js';
import { Money } from '../../components/money.js';
import { formatMoney } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';

/** The account's referral code and an invitation to share, each with a copy button. */
export function ReferralCard({ referral }: { referral: ReferralView }) {
  const { t, locale } = useI18n();
  const id = useId();
  const [copied, setCopied] = useState('');
  // The host has no sign-up page yet: the link opens the dashboard with the code, the text says where it goes.
  const link = `${window.location.origin}/app/?referral=${encodeURIComponent(referral.code)}`;
  const invitation = t('refund.referral.invitation', { code: referral.code, link });

  async function copy(text: string, what: string, fieldId: string) {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(t('refund.referral.copied', { what }));
    } catch {
      // No clipboard (an insecure origin, a refused permission): select the text so Ctrl+C copies it.
      const field = document.getElementById(fieldId) as HTMLInputElement | HTMLTextAreaElement | null;
      field?.focus();
      field?.select();
      setCopied(t('refund.referral.selectToCopy'));
    }
  }

  return (
    <div className="card stack">
      <p>{t('refund.referral.explain', { credit: formatMoney(locale, referral.creditPerReferral) })}</p>
      <label htmlFor={`${id}-code`}>{t('refund.referral.code')}</label>
      <div className="row">
        <input id={`${id}-code`} readOnly value={referral.code} className="code-field" />
        <button type="button" onClick={() => void copy(referral.code, t('refund.referral.code'), `${id}-code`)}>
          {t('refund.referral.copyCode')}
        </button>
      </div>
      <label htmlFor={`${id}-invitation`}>{t('refund.referral.share')}</label>
      <textarea id={`${id}-invitation`} readOnly rows={3} value={invitation} />
      <div>
        <button type="button" onClick={() => void copy(invitation, t('refund.referral.share'), `${id}-invitation`)}>
          {t('refund.referral.copyInvitation')}
        </button>
      </div>
      <p role="status" aria-live="polite">
        {copied}
      </p>
      <p className="muted">
        {t('refund.referral.stats', { referred: referral.referred, rewarded: referral.rewarded })} <Money amount={referral.creditPerReferral} />
      </p>
    </div>
  );
}
