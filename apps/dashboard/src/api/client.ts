/** An error answered by the API (`{ error: { code, message, details? } }`), or `network_error` when none came. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(input: { status: number; code: string; message: string; details?: unknown }) {
    super(input.message);
    this.name = 'ApiError';
    this.status = input.status;
    this.code = input.code;
    this.details = input.details;
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestInput {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  /** Sent as `Idempotency-Key` so a retried click never pays or sends twice. */
  idempotencyKey?: string;
  /** A raw body (file upload) with its content type instead of JSON. */
  raw?: { data: Blob; contentType: string; filename?: string };
  signal?: AbortSignal;
}

/**
 * The one way screens reach the host. The session cookie rides along by itself (same origin); every
 * write carries the session's CSRF token, which the host checks against the cookie's session.
 */
export class ApiClient {
  #csrfToken: string | null = null;
  #onUnauthorized: (() => void) | null = null;

  setCsrfToken(token: string | null): void {
    this.#csrfToken = token;
  }

  onUnauthorized(listener: (() => void) | null): void {
    this.#onUnauthorized = listener;
  }

  url(path: string, query?: Query): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
    const qs = search.toString();
    return qs ? `${path}?${qs}` : path;
  }

  async request<T>(input: RequestInput): Promise<T> {
    const method = input.method ?? 'GET';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET' && this.#csrfToken) headers['x-csrf-token'] = this.#csrfToken;
    if (input.idempotencyKey) headers['idempotency-key'] = input.idempotencyKey;
    let body: BodyInit | undefined;
    if (input.raw) {
      headers['content-type'] = input.raw.contentType;
      if (input.raw.filename) headers['x-filename'] = input.raw.filename;
      body = input.raw.data;
    } else if (input.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(input.body);
    }
    let response: Response;
    try {
      response = await fetch(this.url(input.path, input.query), { method, headers, body, credentials: 'same-origin', signal: input.signal ?? null });
    } catch (cause) {
      if ((cause as Error).name === 'AbortError') throw cause;
      throw new ApiError({ status: 0, code: 'network_error', message: 'The server could not be reached.' });
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      const apiError = new ApiError({
        status: response.status,
        code: error?.code ?? `http_${response.status}`,
        message: error?.message ?? response.statusText,
        details: error?.details,
      });
      if (response.status === 401 && !input.path.startsWith('/auth/')) this.#onUnauthorized?.();
      throw apiError;
    }
    return parsed as T;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>({ path, ...(query ? { query } : {}), ...(signal ? { signal } : {}) });
  }
  post<T>(path: string, body?: unknown, options?: { idempotencyKey?: string }): Promise<T> {
    return this.request<T>({ method: 'POST', path, body: body ?? {}, ...options });
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>({ method: 'PUT', path, body });
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>({ method: 'PATCH', path, body });
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>({ method: 'DELETE', path });
  }
}

export const api = new ApiClient();

/** A fresh idempotency key for one user action (kept across that action's retries by the caller). */
export function newIdempotencyKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}
