import { useId, useState, type FormEvent } from 'react';
import { ErrorMessage } from '../../components/error-message.js';
import { useI18n } from '../../i18n/index.js';
import type { Profile, ProfileInput } from './types.js';

const BLANK: ProfileInput = {
  name: '',
  directDebit: false,
  paymentLink: true,
  transfer: true,
  sourceOptionValue: null,
  isDefault: false,
  sendInvitation: false,
};

/** A collection profile: its name, which payment options it offers, and the Teamleader option that selects it. */
export function ProfileForm({ profile, onSave, onCancel }: { profile: Profile | null; onSave(input: ProfileInput): Promise<void>; onCancel(): void }) {
  const { t } = useI18n();
  const id = useId();
  const [value, setValue] = useState<ProfileInput>(() => (profile ? { ...profile } : BLANK));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSave({ ...value, name: value.name.trim(), sourceOptionValue: value.sourceOptionValue?.trim() || null });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const check = (name: 'directDebit' | 'paymentLink' | 'transfer' | 'isDefault' | 'sendInvitation') => (
    <div className="check">
      <input id={`${id}-${name}`} type="checkbox" checked={value[name]} onChange={(event) => setValue({ ...value, [name]: event.target.checked })} />
      <label htmlFor={`${id}-${name}`}>{t(`invoices.profile.${name}`)}</label>
    </div>
  );

  return (
    <form onSubmit={submit} className="stack">
      <label htmlFor={`${id}-name`}>{t('invoices.profile.name')}</label>
      <input id={`${id}-name`} required maxLength={100} value={value.name} onChange={(event) => setValue({ ...value, name: event.target.value })} />
      <fieldset className="stack">
        <legend>{t('invoices.profile.options')}</legend>
        {check('directDebit')}
        {check('paymentLink')}
        {check('transfer')}
      </fieldset>
      <label htmlFor={`${id}-option`}>{t('invoices.profile.sourceOptionValue')}</label>
      <input
        id={`${id}-option`}
        maxLength={200}
        aria-describedby={`${id}-option-help`}
        value={value.sourceOptionValue ?? ''}
        onChange={(event) => setValue({ ...value, sourceOptionValue: event.target.value })}
      />
      <p id={`${id}-option-help`} className="muted">
        {t('invoices.profile.sourceOptionHelp')}
      </p>
      {check('sendInvitation')}
      {/* Un-defaulting the default is refused by the host (default_profile_required): make another one the default instead. */}
      {!profile?.isDefault && check('isDefault')}
      <ErrorMessage error={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('app.working') : t('app.save')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('app.cancel')}
        </button>
      </div>
    </form>
  );
}
