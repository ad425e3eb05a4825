import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError, newIdempotencyKey } from '../api/client.js';
import { useI18n } from '../i18n/index.js';
import { localized, type PanelField, type PanelForm as PanelFormView } from '../screens/features/panel-types.js';
import { formProblems, issuesByField, toFormValues, toSaveBody, type FieldProblem, type FormValues } from '../screens/features/panel-values.js';
import { Busy } from './busy.js';
import { ErrorMessage } from './error-message.js';
import { useLoad } from './use-load.js';

/**
 * A plugin's declarative form: loads its object from `load`, saves the editable fields to `save`.
 * No plugin code runs here; the plugin's route validates again and its 400 lands next to the fields.
 */
export function PanelForm({ form, idPrefix }: { form: PanelFormView; idPrefix: string }) {
  const { t, locale } = useI18n();
  const loaded = useLoad((signal) => api.get<unknown>(form.load, undefined, signal), [form.load]);
  // Kept here, outside the form that restarts on reload, so "saved" stays and is announced once.
  const [saved, setSaved] = useState(false);
  if (loaded.loading && loaded.data === undefined) return <Busy />;
  if (loaded.error && loaded.data === undefined) return <ErrorMessage error={loaded.error} onRetry={loaded.reload} />;
  return (
    <>
      <LoadedPanelForm
        // A reload starts the form again from what the plugin holds now.
        key={JSON.stringify(loaded.data)}
        form={form}
        idPrefix={idPrefix}
        initial={toFormValues(form.fields, loaded.data)}
        onSaved={() => {
          setSaved(true);
          loaded.reload();
        }}
        onEdited={() => setSaved(false)}
        submitText={localized(form.submitLabel, locale) || t('app.save')}
      />
      <p role="status" aria-live="polite" className={saved ? 'success' : 'sr-only'}>
        {saved ? t('app.saved') : ''}
      </p>
    </>
  );
}

function LoadedPanelForm(props: { form: PanelFormView; idPrefix: string; initial: FormValues; submitText: string; onSaved(): void; onEdited(): void }) {
  const { form, idPrefix } = props;
  const { t } = useI18n();
  const [values, setValues] = useState<FormValues>(props.initial);
  const [problems, setProblems] = useState<Record<string, FieldProblem>>({});
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  // One key per body: a retried click replays, an edited form is a new request.
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const editable = !!form.save && form.fields.some((field) => !field.readOnly);
  const serverIssues = error instanceof ApiError && error.status === 400 ? issuesByField(error.details) : {};

  const change = (name: string, value: string | boolean) => {
    setValues((previous) => ({ ...previous, [name]: value }));
    props.onEdited();
    setProblems(({ [name]: _dropped, ...rest }) => rest);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!form.save || saving) return;
    const found = formProblems(form.fields, values);
    setProblems(found);
    props.onEdited();
    const first = form.fields.find((field) => found[field.name]);
    if (first) {
      formRef.current?.querySelector<HTMLElement>(`#${CSS.escape(fieldId(idPrefix, first.name))}`)?.focus();
      return;
    }
    const body = toSaveBody(form.fields, values);
    const text = JSON.stringify(body);
    if (attempt.current?.body !== text) attempt.current = { body: text, key: newIdempotencyKey('panel') };
    setSaving(true);
    setError(null);
    try {
      await api.request({
        method: form.save.method,
        path: form.save.path,
        body,
        ...(form.save.method === 'POST' ? { idempotencyKey: attempt.current.key } : {}),
      });
      attempt.current = null;
      props.onSaved();
    } catch (caught) {
      setError(caught);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form ref={formRef} className="stack panel-form" onSubmit={(event) => void submit(event)} noValidate>
      <ErrorMessage error={error} />
      {form.fields.map((field) => (
        <PanelFieldInput
          key={field.name}
          field={field}
          id={fieldId(idPrefix, field.name)}
          value={values[field.name]}
          readOnly={!form.save || !!field.readOnly}
          problem={problems[field.name] ? t(`features.form.problem.${problems[field.name]}`) : null}
          serverIssues={serverIssues[field.name] ?? []}
          onChange={(value) => change(field.name, value)}
        />
      ))}
      {editable && (
        <div className="row">
          <button type="submit" className="primary" disabled={saving}>
            {props.submitText}
          </button>
          {saving && <Busy label={t('app.working')} />}
        </div>
      )}
    </form>
  );
}

function fieldId(prefix: string, name: string): string {
  return `${prefix}-${name}`;
}

function PanelFieldInput(props: {
  field: PanelField;
  id: string;
  value: string | boolean | undefined;
  readOnly: boolean;
  problem: string | null;
  serverIssues: string[];
  onChange(value: string | boolean): void;
}) {
  const { field, id, readOnly } = props;
  const { t, locale } = useI18n();
  const help = localized(field.help, locale);
  const invalid = !!props.problem || props.serverIssues.length > 0;
  const describedBy = [help ? `${id}-help` : '', invalid ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const label = localized(field.label, locale);
  const common = {
    id,
    name: field.name,
    'aria-describedby': describedBy,
    'aria-invalid': invalid || undefined,
    required: field.required && !readOnly,
  };
  const text = typeof props.value === 'string' ? props.value : '';
  const notes = (
    <>
      {help && (
        <p id={`${id}-help`} className="muted field-help">
          {help}
        </p>
      )}
      {invalid && (
        <p id={`${id}-error`} className="field-error">
          {[props.problem, ...props.serverIssues].filter(Boolean).join(' ')}
        </p>
      )}
    </>
  );

  // A read-only yes/no is a fact, not a control: a greyed-out checkbox is hard to read.
  if (field.type === 'boolean' && readOnly)
    return (
      <div className="field">
        <p id={id} aria-describedby={describedBy}>
          {t('features.labelValue', { label, value: props.value === true ? t('features.yes') : t('features.no') })}
        </p>
        {notes}
      </div>
    );

  if (field.type === 'boolean')
    return (
      <div className="field field-check">
        <input {...common} type="checkbox" checked={props.value === true} onChange={(event) => props.onChange(event.target.checked)} />
        <label htmlFor={id}>{label}</label>
        {notes}
      </div>
    );

  let control;
  if (field.type === 'textarea')
    control = <textarea {...common} rows={4} value={text} readOnly={readOnly} onChange={(event) => props.onChange(event.target.value)} />;
  else if (field.type === 'select')
    control = (
      <select {...common} value={text} disabled={readOnly} onChange={(event) => props.onChange(event.target.value)}>
        {(!field.required || text === '') && <option value="">{t('features.form.choose')}</option>}
        {(field.options ?? []).map((option) => (
          <option key={option.value} value={option.value}>
            {localized(option.label, locale)}
          </option>
        ))}
      </select>
    );
  else {
    const type = field.type === 'email' ? 'email' : field.type === 'phone' ? 'tel' : 'text';
    // Numbers and money are typed as text: the exact digits are kept and checked, never a float.
    const inputMode = field.type === 'number' || field.type === 'money' ? 'decimal' : field.type === 'phone' ? 'tel' : undefined;
    const autoComplete = field.type === 'email' ? 'email' : field.type === 'phone' ? 'tel' : 'off';
    control = (
      <span className={field.type === 'money' ? 'money-input' : undefined}>
        {field.type === 'money' && <span aria-hidden="true">€ </span>}
        <input
          {...common}
          type={type}
          inputMode={inputMode}
          autoComplete={autoComplete}
          value={text}
          readOnly={readOnly}
          onChange={(event) => props.onChange(event.target.value)}
        />
      </span>
    );
  }
  return (
    <div className="field stack">
      <label htmlFor={id}>
        {label}
        {field.type === 'money' && <span className="sr-only"> ({t('features.form.inEuro')})</span>}
        {field.required && !readOnly && <span className="muted"> ({t('features.form.required')})</span>}
      </label>
      {control}
      {notes}
    </div>
  );
}
