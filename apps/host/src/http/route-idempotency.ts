import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '@tollgate/clock';
import type { Database } from '@tollgate/db';
import { ConflictError } from '@tollgate/errors';
import { IdempotencyKeyReusedError } from '@tollgate/plugin-sdk';

/** How long a route's first response is kept (documented: 24 hours); the wallet sweep deletes older ones. */
export const ROUTE_IDEMPOTENCY_HOURS = 24;
/** A first request still marked running after this long is taken to have died with its host: a retry takes it over. */
export const IN_FLIGHT_TIMEOUT_MS = 5 * 60_000;

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type IdempotencyClaim = { kind: 'run'; token: string } | { kind: 'replay'; response: StoredResponse };

type Row = {
  fingerprint: string;
  operation: string;
  lock_token: string | null;
  locked_at: Date | string | null;
  response: EncodedResponse | null;
  created_at: Date | string;
};
type EncodedResponse = { status: number; headers: Record<string, string>; encoding: 'json' | 'base64'; body: unknown };

/** Canonical JSON (object keys sorted), so the same request always has the same fingerprint. */
function canonical(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('base64') };
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value ?? null;
}

/** What makes two requests "the same": method, route, path parameters, query and body as received. */
export function requestFingerprint(input: { method: string; route: string; params: unknown; query: unknown; body: unknown }): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(input)))
    .digest('base64url');
}

/**
 * Idempotency keys of plugin routes (the Stripe semantics of the core's money routes): per account
 * and key, the request's fingerprint and its first response. One row per key; the primary key
 * decides which of two concurrent first requests (on any number of hosts) runs the handler.
 */
export class RouteIdempotency {
  constructor(private readonly deps: { db: Database; clock: Clock; inFlightTimeoutMs?: number }) {}

  /** Runs the request (the caller owns the key until complete/abandon), or replays the stored response; 409 otherwise. */
  async claim(input: { accountId: string; key: string; operation: string; fingerprint: string }): Promise<IdempotencyClaim> {
    const { db } = this.deps;
    const now = this.deps.clock.now();
    const expiredBefore = now.getTime() - ROUTE_IDEMPOTENCY_HOURS * 3_600_000;
    const staleBefore = now.getTime() - (this.deps.inFlightTimeoutMs ?? IN_FLIGHT_TIMEOUT_MS);
    for (let attempt = 0; attempt < 3; attempt++) {
      const token = randomUUID();
      const inserted = await db.query(
        `insert into route_idempotency_keys (account_id, key, operation, fingerprint, lock_token, locked_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $6) on conflict (account_id, key) do nothing`,
        [input.accountId, input.key, input.operation, input.fingerprint, token, now],
      );
      if (inserted.rowCount === 1) return { kind: 'run', token };
      const {
        rows: [row],
      } = await db.query<Row>(
        'select fingerprint, operation, lock_token, locked_at, response, created_at from route_idempotency_keys where account_id = $1 and key = $2',
        [input.accountId, input.key],
      );
      if (!row) continue; // deleted in between: try the insert again
      if (new Date(row.created_at).getTime() <= expiredBefore) {
        // Older than the documented window and not swept yet: the key is free again.
        await db.query('delete from route_idempotency_keys where account_id = $1 and key = $2 and created_at = $3', [
          input.accountId,
          input.key,
          row.created_at,
        ]);
        continue;
      }
      if (row.fingerprint !== input.fingerprint) throw new IdempotencyKeyReusedError({ key: input.key, operation: row.operation });
      if (row.response) return { kind: 'replay', response: decode(row.response) };
      if (row.locked_at !== null && new Date(row.locked_at).getTime() > staleBefore) throw inUse();
      // The first request's host died (or hangs): take it over, unless another retry just did.
      const taken = await db.query(
        'update route_idempotency_keys set lock_token = $3, locked_at = $4 where account_id = $1 and key = $2 and lock_token = $5 and response is null',
        [input.accountId, input.key, token, now, row.lock_token],
      );
      if (taken.rowCount === 1) return { kind: 'run', token };
    }
    throw inUse();
  }

  /** Stores the first response; a request taken over by a retry stores nothing (the retry's response counts). */
  async complete(input: { accountId: string; key: string; token: string; response: StoredResponse }): Promise<boolean> {
    const { rowCount } = await this.deps.db.query(
      'update route_idempotency_keys set response = $4, lock_token = null, locked_at = null where account_id = $1 and key = $2 and lock_token = $3',
      [input.accountId, input.key, input.token, JSON.stringify(encode(input.response))],
    );
    return rowCount === 1;
  }

  /** Forgets the key (the handler failed with a 5xx or crashed): a retry runs again. */
  async abandon(input: { accountId: string; key: string; token: string }): Promise<void> {
    await this.deps.db.query('delete from route_idempotency_keys where account_id = $1 and key = $2 and lock_token = $3', [
      input.accountId,
      input.key,
      input.token,
    ]);
  }

  /** Deletes keys older than 24 hours, a bounded batch per call (the wallet sweep calls it every minute). */
  async deleteExpired(input: { batch?: number } = {}): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - ROUTE_IDEMPOTENCY_HOURS * 3_600_000);
    const { rowCount } = await this.deps.db.query(
      `delete from route_idempotency_keys where (account_id, key) in (
         select account_id, key from route_idempotency_keys where created_at <= $1 limit $2)`,
      [before, input.batch ?? 5000],
    );
    return rowCount;
  }
}

function inUse(): ConflictError {
  return new ConflictError({ code: 'idempotency_key_in_use', message: 'A request with this Idempotency-Key is still running; retry once it has finished.' });
}

function encode(response: StoredResponse): EncodedResponse {
  if (Buffer.isBuffer(response.body)) return { status: response.status, headers: response.headers, encoding: 'base64', body: response.body.toString('base64') };
  return { status: response.status, headers: response.headers, encoding: 'json', body: response.body ?? null };
}

function decode(stored: EncodedResponse | string): StoredResponse {
  const value: EncodedResponse = typeof stored === 'string' ? JSON.parse(stored) : stored;
  return { status: value.status, headers: value.headers, body: value.encoding === 'base64' ? Buffer.from(String(value.body), 'base64') : value.body };
}
