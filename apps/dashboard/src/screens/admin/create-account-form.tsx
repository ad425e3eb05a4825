import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import type { Locale } from '../../api/session.js';
import { ErrorMessage } from '../../components/error-message.js';
import { LOCALE_NAMES, LOCALES, useI18n } from '../../i18n/index.js';
import type { CreatedAccount, PlanDefinition } from './types.js';

/** Creates an account with its owner; the owner's first API key is in the answer, shown once by the caller. */
export function CreateAccountForm({ plans, onCreated, onCancel }: { plans: PlanDefinition[]; onCreated(created: CreatedAccount): void; onCancel(): void }) {
  const { t } = useI18n();
  const id = useId();
  const [name, setName] = useState('');
  const [ownerName, setOwnerName] = useState('');
  const [ownerEmail, setOwnerEmail] = useState('');
  const [locale, setLocale] = useState<Locale>('nl');
  const [timeZone, setTimeZone] = useState('Europe/Brussels');
  const [plan, setPlan] = useState(() => plans.find((p) => p.default)?.id ?? '');
  const [referralCode, setReferralCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<CreatedAccount>('/admin/accounts', {
        name: name.trim(),
        locale,
        timeZone: timeZone.trim(),
        owner: { name: ownerName.trim(), email: ownerEmail.trim() },
        ...(plan ? { plan } : {}),
        ...(referralCode.trim() ? { referralCode: referralCode.trim() } : {}),
      });
      onCreated(created);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="stack">
      <label htmlFor={`${id}-name`}>{t('admin.create.name')}</label>
      <input id={`${id}-name`} required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
      <label htmlFor={`${id}-owner-name`}>{t('admin.create.ownerName')}</label>
      <input id={`${id}-owner-name`} required maxLength={200} value={ownerName} onChange={(event) => setOwnerName(event.target.value)} />
      <label htmlFor={`${id}-owner-email`}>{t('admin.create.ownerEmail')}</label>
      <input
        id={`${id}-owner-email`}
        type="email"
        required
        maxLength={254}
        autoComplete="off"
        value={ownerEmail}
        onChange={(event) => setOwnerEmail(event.target.value)}
      />
      <label htmlFor={`${id}-locale`}>{t('admin.create.locale')}</label>
      <select id={`${id}-locale`} value={locale} onChange={(event) => setLocale(event.target.value as Locale)}>
        {LOCALES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LOCALE_NAMES[code]}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-tz`}>{t('admin.create.timeZone')}</label>
      <input id={`${id}-tz`} required maxLength={64} value={timeZone} onChange={(event) => setTimeZone(event.target.value)} />
      <label htmlFor={`${id}-plan`}>{t('admin.plan.label')}</label>
      <select id={`${id}-plan`} value={plan} onChange={(event) => setPlan(event.target.value)}>
        {plans.map((p) => (
          <option key={p.id} value={p.id}>
            {p.default ? t('admin.plan.defaultOption', { label: p.label }) : p.label}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-referral`}>{t('admin.create.referralCode')}</label>
      <input id={`${id}-referral`} maxLength={20} value={referralCode} onChange={(event) => setReferralCode(event.target.value)} />
      <ErrorMessage error={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('app.working') : t('admin.create.submit')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('app.cancel')}
        </button>
      </div>
    </form>
  );
}
