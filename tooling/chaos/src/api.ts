/** One HTTP attempt's outcome: an answer (any status), or no answer at all (refused, reset, timed out). */
export type Attempt = { answered: true; status: number; body: Record<string, unknown>; ms: number } | { answered: false; error: string; ms: number };

export interface Endpoint {
  name: string;
  url: string;
  /** Requests sent to this host and not yet answered (to tell how many a kill cut off). */
  inFlight: number;
}

/** One request, no retry. The caller decides what an answer means and where to retry. */
export async function send(input: {
  endpoint: Endpoint;
  method: 'GET' | 'POST';
  path: string;
  token: string;
  idempotencyKey?: string;
  body?: unknown;
  timeoutMs?: number;
}): Promise<Attempt> {
  const started = performance.now();
  const headers: Record<string, string> = { authorization: `Bearer ${input.token}` };
  if (input.body !== undefined) headers['content-type'] = 'application/json';
  if (input.idempotencyKey) headers['idempotency-key'] = input.idempotencyKey;
  input.endpoint.inFlight++;
  try {
    const res = await fetch(`${input.endpoint.url}${input.path}`, {
      method: input.method,
      headers,
      ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
      signal: AbortSignal.timeout(input.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { raw: text.slice(0, 200) };
    }
    return { answered: true, status: res.status, body, ms: performance.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const name = cause?.code ?? (error as Error).name ?? 'error';
    return { answered: false, error: name, ms: performance.now() - started };
  } finally {
    input.endpoint.inFlight--;
  }
}

/** The error code of an `{ error: { code } }` answer. */
export function errorCode(body: Record<string, unknown>): string {
  const error = body.error as { code?: unknown } | undefined;
  return typeof error?.code === 'string' ? error.code : 'unknown';
}
