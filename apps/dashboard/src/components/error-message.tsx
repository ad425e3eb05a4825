import { ApiError } from '../api/client.js';
import { hasMessage, useI18n } from '../i18n/index.js';

type Issue = { path?: Array<string | number>; message: string };

/**
 * An error in the user's language, with the API's code beside it so support can find it. Field
 * errors of a 400 (`details.issues`) are listed.
 */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  const code = apiError?.code ?? 'generic';
  const text = hasMessage(`error.${code}`) ? t(`error.${code}`) : (apiError?.message ?? t('error.generic'));
  // The host sends a 400's field errors as `details: [{ path, message }]` (docs/api.md, "Errors"); `details.issues` is kept for older answers.
  const details = apiError?.details as Issue[] | { issues?: Issue[] } | undefined;
  const issues = Array.isArray(details) ? details : details?.issues;
  return (
    <div role="alert" className="error" data-error-code={code}>
      <p>
        {text} <span className="error-code">{t('error.code', { code })}</span>
      </p>
      {issues && issues.length > 0 && (
        <ul>
          {issues.map((issue, index) => (
            <li key={index}>
              {issue.path?.length ? <code>{issue.path.join('.')}</code> : null} {issue.message}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('app.retry')}
        </button>
      )}
    </div>
  );
}
