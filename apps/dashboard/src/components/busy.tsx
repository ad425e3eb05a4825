import { useI18n } from '../i18n/index.js';

/** Progress for anything that takes a moment: announced politely to screen readers. */
export function Busy({ label, value, max }: { label?: string; value?: number; max?: number }) {
  const { t } = useI18n();
  const text = label ?? t('app.loading');
  return (
    <div className="busy" role="status" aria-live="polite">
      {value !== undefined && max ? <progress value={value} max={max} aria-label={text} /> : <span className="spinner" aria-hidden="true" />}
      <span>{text}</span>
    </div>
  );
}
