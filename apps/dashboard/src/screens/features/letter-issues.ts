/**
 * A refused letter's problems by form field: `invalid_address` answers `{ recipient: [{ field, message }] }`,
 * a `validation_failed` `[{ path: ['recipient', 'city'], message }]` or `[{ path: ['bodyText'], … }]`.
 * Address fields are named as in the address ('city'), the others as in the body ('bodyText').
 */
export function letterIssues(details: unknown): Record<string, string[]> {
  const byField: Record<string, string[]> = {};
  const add = (field: string, message: unknown) => (byField[field] ??= []).push(String(message));
  if (Array.isArray(details)) {
    for (const issue of details as Array<{ path?: unknown[]; message?: unknown }>) {
      const path = Array.isArray(issue?.path) ? issue.path.map(String) : [];
      add(path[0] === 'recipient' && path[1] ? path[1] : (path[0] ?? ''), issue?.message);
    }
  } else if (details && typeof details === 'object') {
    const recipient = (details as { recipient?: unknown }).recipient;
    if (Array.isArray(recipient))
      for (const problem of recipient as Array<{ field?: unknown; message?: unknown }>) add(String(problem?.field ?? ''), problem?.message);
  }
  return byField;
}
