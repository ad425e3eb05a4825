import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import type { AutoRefillView, PaymentMethodView } from '../../api/funding-views.js';
import { useSession } from '../../auth.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { formatDateTime, formatMoney } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import { AMOUNT_INPUT, normaliseAmount } from '../../money/cents.js';

const typedAmount = (value: string) => value.trim().replace(',', '.');

/**
 * Auto-refill (C-3): below a minimum, buy a pack or top up to a target, optionally also once a
 * month. The limits are shown next to the fields; the host checks them again and its refusal
 * (`invalid_auto_refill` with the fields in `details`) is shown with its code.
 */
export function AutoRefillSection({
  settings,
  packs,
  methods,
  canEdit,
  onSaved,
}: {
  settings: AutoRefillView;
  packs: string[];
  methods: PaymentMethodView[];
  canEdit: boolean;
  onSaved(settings: AutoRefillView): void;
}) {
  const { t, locale } = useI18n();
  const { account } = useSession();
  const id = useId();
  const [enabled, setEnabled] = useState(settings.enabled);
  const [minimum, setMinimum] = useState(settings.minimum ?? '10.00');
  const [mode, setMode] = useState<'pack' | 'target'>(settings.mode ?? 'pack');
  const [pack, setPack] = useState(settings.pack ?? (packs.includes('25.00') ? '25.00' : (packs[0] ?? '')));
  const [target, setTarget] = useState(settings.target ?? '');
  const [day, setDay] = useState(settings.schedule ? String(settings.schedule.dayOfMonth) : '');
  const [chosenMethod, setMethodId] = useState(settings.paymentMethodId ?? '');
  // A method added (or removed) after this form opened: fall back to the first one there is.
  const methodId = methods.some((method) => method.id === chosenMethod) ? chosenMethod : (methods[0]?.id ?? '');
  const [maxPerPeriod, setMaxPerPeriod] = useState(String(settings.maxPerPeriod ?? 3));
  const [periodHours, setPeriodHours] = useState(String(settings.periodHours ?? 24));
  const [hint, setHint] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setHint('');
    setError(null);
    setSaved(false);
    const min = typedAmount(minimum);
    const top = typedAmount(target);
    if (!AMOUNT_INPUT.test(min) || (mode === 'target' && !AMOUNT_INPUT.test(top))) return setHint(t('fill.refill.badAmount'));
    if (!methodId) return setHint(t('fill.refill.needsMethod'));
    const body: Record<string, unknown> = {
      enabled,
      minimum: normaliseAmount(min),
      mode,
      paymentMethodId: methodId,
      schedule: day ? { dayOfMonth: Number(day) } : null,
      maxPerPeriod: Number(maxPerPeriod),
      periodHours: Number(periodHours),
    };
    if (mode === 'pack') body.pack = pack;
    else body.target = normaliseAmount(top);
    setBusy(true);
    try {
      const answer = await api.put<AutoRefillView>('/v1/funding/auto-refill', body);
      setSaved(true);
      onSaved(answer);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <RefillState settings={settings} />
      <form onSubmit={submit} className="stack" aria-busy={busy} aria-describedby={`${id}-limits`}>
        {!canEdit && <p className="notice">{t('fill.needsAdmin')}</p>}
        {methods.length === 0 && <p className="notice">{t('fill.refill.needsMethod')}</p>}
        <fieldset disabled={!canEdit || busy} className="stack">
          <legend className="sr-only">{t('fill.refill.title')}</legend>
          <label className="choice">
            <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
            {t('fill.refill.enabled')}
          </label>
          <label htmlFor={`${id}-minimum`}>{t('fill.refill.minimum')}</label>
          <input id={`${id}-minimum`} className="narrow" inputMode="decimal" required value={minimum} onChange={(event) => setMinimum(event.target.value)} />
          <fieldset>
            <legend>{t('fill.refill.mode')}</legend>
            <label className="choice">
              <input type="radio" name={`${id}-mode`} checked={mode === 'pack'} onChange={() => setMode('pack')} />
              {t('fill.refill.mode.pack')}
            </label>
            <label className="choice">
              <input type="radio" name={`${id}-mode`} checked={mode === 'target'} onChange={() => setMode('target')} />
              {t('fill.refill.mode.target')}
            </label>
          </fieldset>
          {mode === 'pack' ? (
            <>
              <label htmlFor={`${id}-pack`}>{t('fill.refill.pack')}</label>
              <select id={`${id}-pack`} className="narrow" value={pack} onChange={(event) => setPack(event.target.value)}>
                {packs.map((option) => (
                  <option key={option} value={option}>
                    {formatMoney(locale, option)}
                  </option>
                ))}
              </select>
            </>
          ) : (
            <>
              <label htmlFor={`${id}-target`}>{t('fill.refill.target')}</label>
              <input id={`${id}-target`} className="narrow" inputMode="decimal" required value={target} onChange={(event) => setTarget(event.target.value)} />
            </>
          )}
          <label htmlFor={`${id}-method`}>{t('fill.refill.method')}</label>
          <select id={`${id}-method`} value={methodId} onChange={(event) => setMethodId(event.target.value)}>
            {methods.length === 0 && <option value="">{t('fill.methods.none')}</option>}
            {methods.map((method) => (
              <option key={method.id} value={method.id}>
                {method.label}
              </option>
            ))}
          </select>
          <label htmlFor={`${id}-day`}>{t('fill.refill.schedule')}</label>
          <select id={`${id}-day`} className="narrow" value={day} onChange={(event) => setDay(event.target.value)}>
            <option value="">{t('fill.refill.noSchedule')}</option>
            {Array.from({ length: 28 }, (_, index) => String(index + 1)).map((option) => (
              <option key={option} value={option}>
                {t('fill.refill.day', { day: option })}
              </option>
            ))}
          </select>
          <details>
            <summary>{t('fill.refill.guard')}</summary>
            <div className="row">
              <div className="stack">
                <label htmlFor={`${id}-max`}>{t('fill.refill.maxPerPeriod')}</label>
                <input
                  id={`${id}-max`}
                  type="number"
                  min={1}
                  max={100}
                  step={1}
                  required
                  value={maxPerPeriod}
                  onChange={(event) => setMaxPerPeriod(event.target.value)}
                />
              </div>
              <div className="stack">
                <label htmlFor={`${id}-hours`}>{t('fill.refill.periodHours')}</label>
                <input
                  id={`${id}-hours`}
                  type="number"
                  min={1}
                  max={744}
                  step={1}
                  required
                  value={periodHours}
                  onChange={(event) => setPeriodHours(event.target.value)}
                />
              </div>
            </div>
          </details>
        </fieldset>
        <p id={`${id}-limits`} className="muted">
          {t('fill.refill.limits', { min: formatMoney(locale, '5.00'), max: formatMoney(locale, '1000.00') })}
        </p>
        {hint && (
          <p className="error" role="alert">
            {hint}
          </p>
        )}
        <ErrorMessage error={error} />
        <p role="status" aria-live="polite">
          {saved ? t('app.saved') : ''}
        </p>
        <div>
          <button type="submit" className="primary" disabled={!canEdit || busy || methods.length === 0}>
            {busy ? t('app.working') : t('app.save')}
          </button>
        </div>
      </form>
      {settings.nextScheduledAt && (
        <p className="muted">{t('fill.refill.nextScheduled', { at: formatDateTime(locale, settings.nextScheduledAt, account?.timeZone) })}</p>
      )}
    </>
  );
}

/** Whether auto-refill is on, paused (and why, until when), and how many refills ran in the current window. */
function RefillState({ settings }: { settings: AutoRefillView }) {
  const { t, locale } = useI18n();
  const { account } = useSession();
  const zone = account?.timeZone;
  return (
    <div className={settings.paused ? 'notice' : 'card'} role="status">
      <p>
        <strong>{settings.enabled ? (settings.paused ? t('fill.refill.state.paused') : t('fill.refill.state.on')) : t('fill.refill.state.off')}</strong>
        {settings.enabled && settings.minimum && (
          <>
            {' '}
            {t('fill.refill.summary.below')} <Money amount={settings.minimum} />
            {settings.mode === 'target' && settings.target ? (
              <>
                {', '}
                {t('fill.refill.summary.target')} <Money amount={settings.target} />
              </>
            ) : settings.pack ? (
              <>
                {', '}
                {t('fill.refill.summary.pack')} <Money amount={settings.pack} />
              </>
            ) : null}
            .
          </>
        )}
      </p>
      {settings.paused && settings.pausedReason && (
        <p>
          {t(`fill.refill.paused.${settings.pausedReason}`)} <span className="error-code">{t('error.code', { code: settings.pausedReason })}</span>
          {settings.resumesAt ? ` ${t('fill.refill.resumesAt', { at: formatDateTime(locale, settings.resumesAt, zone) })}` : ''}
        </p>
      )}
      {settings.window && settings.maxPerPeriod !== null && settings.periodHours !== null && (
        <p className="muted">
          {t('fill.refill.window', {
            refills: settings.window.refills,
            max: settings.maxPerPeriod,
            hours: settings.periodHours,
            declined: settings.window.declined,
          })}
        </p>
      )}
      {settings.lastDecline && (
        <p className="muted">
          {t('fill.refill.lastDecline', { at: formatDateTime(locale, settings.lastDecline.at, zone) })}
          {settings.lastDecline.reason ? ` ${t('error.code', { code: settings.lastDecline.reason })}` : ''}
        </p>
      )}
    </div>
  );
}
