import { Money } from '@tollgate/money';
import { errorCode, send, type Endpoint } from './api.js';

/*
 * The operations the clients send, and how a client settles each one: the same request with the
 * same Idempotency-Key is sent again (to the other host first) until some host answers it with a
 * status that means something. A retried key answers the first outcome, so "acknowledged" ends up
 * meaning the wallet did it exactly once, and "refused" that it never did.
 */

export type OpKind = 'charge' | 'hold' | 'capture' | 'release' | 'reverse' | 'grant';
export const OP_KINDS: readonly OpKind[] = ['charge', 'hold', 'capture', 'release', 'reverse', 'grant'];

/** What an acknowledged operation did to its wallet, from its 2xx answer. */
export interface Ack {
  /** The ledger transaction it booked (a hold's answer names the hold, not the transaction). */
  transactionId: string | null;
  holdId: string | null;
  /** Change of the wallet's available balance (also the ledger transaction's amount) and of pending. */
  available: string;
  pending: string;
  /** What a later capture or reversal needs. */
  amount: string;
  /** The wallet's available balance after it (absent from a hold's answer). */
  balanceAfter: string | null;
}

export interface Operation {
  /** The caller's key; the ledger stores it as `api:<key>`. */
  key: string;
  kind: OpKind;
  accountId: string;
  path: string;
  body: Record<string, unknown>;
  /** Sent with the platform admin key (grants) rather than the account's. */
  admin: boolean;
  state: 'pending' | 'acked' | 'refused' | 'unknown';
  attempts: number;
  /** Attempts that got no answer, or a 5xx. */
  failures: number;
  /** Who got the final answer: the client that sent it, or the reconciliation pass after the load. */
  settledBy?: 'client' | 'reconciliation';
  status?: number;
  code?: string;
  ack?: Ack;
}

/** A retry is worth it only when no host gave an answer that means something. */
export function isRetryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

function money(value: unknown, field: string): Money {
  if (typeof value !== 'string') throw new Error(`answer without ${field}: ${JSON.stringify(value)}`);
  return Money.of(value);
}

/** Reads the effect of an operation from its 2xx answer. */
export function ackOf(kind: OpKind, body: Record<string, unknown>): Ack {
  const amount = money(body.amount, 'amount');
  const tx = typeof body.transactionId === 'string' ? body.transactionId : null;
  const balanceAfter = typeof body.balanceAfter === 'string' ? body.balanceAfter : null;
  const base = { transactionId: tx, holdId: null, balanceAfter };
  switch (kind) {
    case 'charge':
      return { ...base, available: amount.negated().toString(), pending: '0.00', amount: amount.toString() };
    case 'hold':
      return {
        ...base,
        transactionId: null,
        holdId: String(body.id),
        available: amount.negated().toString(),
        pending: amount.toString(),
        amount: amount.toString(),
      };
    case 'capture': {
      const captured = money(body.captured, 'captured');
      return {
        ...base,
        holdId: String(body.id),
        available: amount.minus(captured).toString(),
        pending: amount.negated().toString(),
        amount: captured.toString(),
      };
    }
    case 'release':
      return { ...base, holdId: String(body.id), available: amount.toString(), pending: amount.negated().toString(), amount: amount.toString() };
    case 'reverse':
    case 'grant':
      return { ...base, available: amount.toString(), pending: '0.00', amount: amount.toString() };
  }
}

export interface Settler {
  endpoints: Endpoint[];
  ownerToken: (accountId: string) => string;
  adminToken: string;
  /** Each attempt's latency and whether it was answered (for the soak's per-minute figures). */
  onAttempt?: (input: { op: Operation; ms: number; answered: boolean; status?: number; failure?: string }) => void;
  random: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends the operation until some host answers it with a status that settles it, or `deadline`
 * (epoch ms) passes (state 'unknown': the reconciliation pass tries again later). The first host
 * is chosen at random; after a failure the next attempt goes to the other host, as a client with
 * two addresses would do.
 */
export async function settle(op: Operation, settler: Settler, input: { deadline: number; by: 'client' | 'reconciliation' }): Promise<Operation> {
  const hosts = settler.endpoints;
  let turn = Math.floor(settler.random() * hosts.length);
  for (;;) {
    const endpoint = hosts[turn % hosts.length]!;
    op.attempts++;
    const attempt = await send({
      endpoint,
      method: 'POST',
      path: op.path,
      token: op.admin ? settler.adminToken : settler.ownerToken(op.accountId),
      idempotencyKey: op.key,
      body: op.body,
    });
    const failure = !attempt.answered ? attempt.error : isRetryable(attempt.status) ? `${attempt.status} ${errorCode(attempt.body)}` : undefined;
    settler.onAttempt?.({
      op,
      ms: attempt.ms,
      answered: attempt.answered,
      ...(attempt.answered ? { status: attempt.status } : {}),
      ...(failure ? { failure } : {}),
    });
    if (!failure && attempt.answered) {
      op.status = attempt.status;
      op.settledBy = input.by;
      if (attempt.status >= 200 && attempt.status < 300) {
        op.state = 'acked';
        op.ack = ackOf(op.kind, attempt.body);
      } else {
        op.state = 'refused';
        op.code = errorCode(attempt.body);
      }
      return op;
    }
    op.failures++;
    op.code = failure;
    if (Date.now() >= input.deadline) {
      op.state = 'unknown';
      return op;
    }
    turn++;
    // Back off a little (with jitter) once both hosts have failed in a row.
    await sleep(op.failures % hosts.length === 0 ? Math.min(1_000, 25 * op.failures) * (0.5 + settler.random()) : 0);
  }
}
