import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import type { PaymentMethodView } from '../../api/funding-views.js';
import { ErrorMessage } from '../../components/error-message.js';
import { useRowAction } from '../../components/use-row-action.js';
import { useIdempotencyKey } from '../../components/use-idempotency-key.js';
import { useI18n } from '../../i18n/index.js';

/** The SEPA plugin's provider id (plugins/payments-sepa); a mandate needs an IBAN and the holder's name, a BIC only outside the EEA. */
const SEPA_PROVIDER = 'payments-sepa';

export function PaymentMethodsSection({ methods, canEdit, onChanged }: { methods: PaymentMethodView[]; canEdit: boolean; onChanged(): void }) {
  const { t } = useI18n();
  const rows = useRowAction({ onDone: onChanged });
  const { busyId, error, status, setStatus } = rows;
  const remove = (method: PaymentMethodView) =>
    rows.run({
      id: method.id,
      action: () => api.delete(`/v1/funding/payment-methods/${encodeURIComponent(method.id)}`),
      doneText: t('fill.methods.removed', { label: method.label }),
    });

  return (
    <>
      {methods.length === 0 ? (
        <p className="muted">{t('fill.methods.none')}</p>
      ) : (
        <table>
          <caption className="sr-only">{t('fill.methods.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('fill.methods.label')}</th>
              <th scope="col">{t('fill.methods.kind')}</th>
              {canEdit && <th scope="col">{t('fill.methods.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {methods.map((method) => (
              <tr key={method.id}>
                <td>{method.label}</td>
                <td>{t(`fill.methods.kind.${method.kind}`)}</td>
                {canEdit && (
                  <td>
                    <button type="button" onClick={() => void remove(method)} disabled={busyId === method.id}>
                      {t('fill.methods.remove')}
                      <span className="sr-only"> {method.label}</span>
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p role="status" aria-live="polite" className="sr-only">
        {status}
      </p>
      <ErrorMessage error={error} />
      {canEdit && (
        <AddMandateForm
          onAdded={(label) => {
            setStatus(t('fill.methods.added', { label }));
            onChanged();
          }}
        />
      )}
      <p className="muted">{t('fill.methods.cardNote')}</p>
    </>
  );
}

function AddMandateForm({ onAdded }: { onAdded(label: string): void }) {
  const { t } = useI18n();
  const id = useId();
  const [iban, setIban] = useState('');
  const [holder, setHolder] = useState('');
  const [bic, setBic] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const keys = useIdempotencyKey('mandate');

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const details: Record<string, string> = { iban: iban.replace(/\s+/g, '').toUpperCase(), holder: holder.trim() };
    if (bic.trim()) details.bic = bic.trim().toUpperCase();
    setBusy(true);
    try {
      const method = await api.post<PaymentMethodView>(
        '/v1/funding/payment-methods',
        { provider: SEPA_PROVIDER, kind: 'sepa_direct_debit', details },
        { idempotencyKey: keys.keyFor(JSON.stringify(details)) },
      );
      keys.settle();
      setIban('');
      setHolder('');
      setBic('');
      onAdded(method.label);
    } catch (caught) {
      keys.settle(caught);
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="card stack" aria-busy={busy} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('fill.mandate.title')}</h3>
      <p className="muted">{t('fill.mandate.help')}</p>
      <label htmlFor={`${id}-holder`}>{t('fill.mandate.holder')}</label>
      <input id={`${id}-holder`} required maxLength={70} autoComplete="name" value={holder} onChange={(event) => setHolder(event.target.value)} />
      <label htmlFor={`${id}-iban`}>{t('fill.mandate.iban')}</label>
      <input
        id={`${id}-iban`}
        required
        autoComplete="off"
        spellCheck={false}
        placeholder="BE68 5390 0754 7034"
        value={iban}
        onChange={(event) => setIban(event.target.value)}
      />
      <label htmlFor={`${id}-bic`}>{t('fill.mandate.bic')}</label>
      <input id={`${id}-bic`} autoComplete="off" spellCheck={false} value={bic} onChange={(event) => setBic(event.target.value)} />
      <ErrorMessage error={error} />
      <div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('app.working') : t('fill.mandate.submit')}
        </button>
      </div>
    </form>
  );
}
