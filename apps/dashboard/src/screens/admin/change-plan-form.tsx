import { useId, useState, type FormEvent } from 'react';
import { api, newIdempotencyKey } from '../../api/client.js';
import { ErrorMessage } from '../../components/error-message.js';
import { useI18n } from '../../i18n/index.js';
import type { AccountPlan, PlanDefinition } from './types.js';

/**
 * Moves an account to another plan (PUT /admin/accounts/:id/plan). One idempotency key per chosen
 * plan, so a retried click after a lost answer does not record a second move.
 */
export function ChangePlanForm({
  accountId,
  current,
  plans,
  onMoved,
}: {
  accountId: string;
  current: AccountPlan;
  plans: PlanDefinition[];
  onMoved(plan: AccountPlan): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [plan, setPlan] = useState(current.id);
  const [key, setKey] = useState<{ plan: string; key: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const idempotency = key?.plan === plan ? key : { plan, key: newIdempotencyKey('plan') };
    setKey(idempotency);
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const moved = await api.request<AccountPlan>({
        method: 'PUT',
        path: `/admin/accounts/${encodeURIComponent(accountId)}/plan`,
        body: { plan },
        idempotencyKey: idempotency.key,
      });
      setResult(moved.changed ? t('admin.plan.moved', { label: moved.label }) : t('admin.plan.unchanged', { label: moved.label }));
      setKey(null);
      onMoved(moved);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="stack">
      <label htmlFor={`${id}-plan`}>{t('admin.plan.new')}</label>
      <div className="row">
        <select id={`${id}-plan`} value={plan} onChange={(event) => setPlan(event.target.value)}>
          {plans.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" disabled={busy || plan === current.id}>
          {busy ? t('app.working') : t('admin.plan.change')}
        </button>
      </div>
      <div role="status" aria-live="polite">
        {result && <p className="success">{result}</p>}
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}
