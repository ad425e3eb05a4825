import type { TollgateError } from '@tollgate/errors';
import type { Money } from '@tollgate/money';
import type { AllowanceMonth, AllowanceRule } from './allowance-period.js';
import type {
  CaptureResult,
  ChargeResult,
  ClawbackResult,
  GrantResult,
  HoldResult,
  LotKind,
  RefundResult,
  ReleaseResult,
  ReversalResult,
  TransactionType,
} from './wallet.types.js';

/*
 * The shapes the three parts of a wallet transaction share: the snapshot loader reads a
 * WalletSnapshot per account, the rules apply commands to it in memory, and the writer stores the
 * WalletChanges they made. Nothing here does I/O.
 */

/**
 * A queued wallet command. Its JSON (without the key) is the idempotency fingerprint stored with
 * every key, so field names and order are part of the stored data: change them and retries of
 * requests made before the change are refused as `idempotency_key_reused`.
 */
export type Command =
  | {
      op: 'grant';
      idempotencyKey: string;
      kind: LotKind;
      amount: Money;
      expiresAt: Date | null;
      description: string;
      metadata: object;
      open?: { timeZone: string; lowBalance: string; plan?: string };
      /** Channel ids or tags the credit may pay for; absent = general credit (absent keeps old fingerprints). */
      scope?: string[];
    }
  | {
      op: 'charge';
      idempotencyKey: string;
      channel: string;
      units: string;
      country: string | null;
      description: string;
      metadata: object;
      provisional?: boolean;
      /** The user the spend is for (caps per user); set only when known so old fingerprints stay the same. */
      userId?: string;
    }
  | {
      op: 'hold';
      idempotencyKey: string;
      channel: string;
      units: string;
      country: string | null;
      description: string;
      expiresAt: Date | null;
      holdSeconds: number;
      metadata: object;
      provisional?: boolean;
      userId?: string;
    }
  | { op: 'capture'; idempotencyKey: string; holdId: string; units: string | null; amount: Money | null }
  | { op: 'release'; idempotencyKey: string | null; holdId: string; reason: 'released' | 'expired' }
  | { op: 'reverse'; idempotencyKey: string; transactionId: string; reason: string }
  | { op: 'expire_lots' }
  | { op: 'clawback'; idempotencyKey: string; lotId: string; reason: string; description: string }
  | { op: 'refund'; idempotencyKey: string; amount: Money; fee: Money; description: string; metadata: object };

export type Op = Command['op'];

/** What `expire_lots` did: the lots it emptied and the transactions that booked them. */
export interface ExpiryResult {
  expiredLots: string[];
  transactionIds: string[];
}

/** The typed result of each command. */
export interface CommandResults {
  grant: GrantResult;
  charge: ChargeResult;
  hold: HoldResult;
  capture: CaptureResult;
  release: ReleaseResult;
  reverse: ReversalResult;
  expire_lots: ExpiryResult;
  clawback: ClawbackResult;
  refund: RefundResult;
}

/** What a command produced: its typed result, or a refusal (returned, not thrown, so the batch goes on). */
export type Outcome<R = CommandResults[Op]> = { ok: true; result: R } | { ok: false; error: TollgateError };

/** A JSON-safe value: what is stored for idempotent replays and sent as event payloads. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface WalletEvent {
  type: string;
  payload: JsonObject;
}

export interface LotState {
  id: string;
  kind: LotKind;
  granted: Money;
  remaining: Money;
  expiresAt: Date | null;
  createdAt: Date;
  clawedBack: Date | null;
  /** Channel ids or tags this lot may pay for; null = any channel. */
  scope: readonly string[] | null;
}

export interface HoldState {
  id: string;
  channel: string;
  description: string;
  units: string;
  country: string | null;
  unitPrice: Money;
  amount: Money;
  captured: Money;
  freeUnits: string;
  /** Units the plan's allowance covered (issue 22); a release gives them back within the month. */
  allowanceUnits: string;
  status: 'pending' | 'captured' | 'released' | 'expired';
  expiresAt: Date;
  createdAt: Date;
  settledAt: Date | null;
  /** Who placed it (caps per user), when known. */
  userId: string | null;
  /** The lots that paid the hold, in spending order (the order a capture takes them back in). */
  lots: Array<{ lotId: string; amount: Money }>;
}

export type Book = 'wallet' | 'holds' | 'revenue' | 'grants' | 'funding' | 'expired' | 'receivables';

export interface Posting {
  book: Book;
  /** Belongs to the wallet's account (wallet, holds and receivables books). */
  own: boolean;
  lotId: string | null;
  channel: string | null;
  amount: Money;
}

export interface TxRow {
  id: string;
  type: TransactionType;
  channel: string | null;
  description: string;
  amount: Money;
  balanceAfter: Money;
  holdId: string | null;
  reversesId: string | null;
  idempotencyKey: string | null;
  metadata: object;
  postings: Posting[];
}

/** A price row as loaded from the catalog. */
export interface PriceRow {
  channel: string;
  unit: string;
  country: string;
  /** The plan the row prices, or '*' (the default list). */
  plan: string;
  unitPrice: Money;
  effectiveFrom: Date;
}

/**
 * The part of the catalog a transaction's commands use; shared by every snapshot of the transaction,
 * so it holds the rows of every plan in the batch: each wallet picks its own plan's rows (rules).
 */
export interface CatalogSlice {
  /** Rows in force at the transaction's time (the default list and the batch's plans), newest first. */
  prices: readonly PriceRow[];
  /** Free monthly units per channel (W-8). */
  freeUnits: ReadonlyMap<string, Money>;
  /** Channels that have catalog rows at all: one without a row in force yet has "no price", not an unknown channel. */
  channels: ReadonlySet<string>;
  /** Channel → its tags (the whole channel_tags table: it is small). */
  tags: ReadonlyMap<string, readonly string[]>;
  /** Plan allowances (issue 22) of the batch's plans, by plan then channel. */
  allowances: ReadonlyMap<string, ReadonlyMap<string, AllowanceRule>>;
}

/** An idempotency record: the request's fingerprint and its first outcome as stored (JSON). */
export interface StoredRecord {
  operation: string;
  hash: string;
  response: unknown;
}

/** A charge or capture a reverse command refers to, with its postings. */
export interface ReversalSource {
  type: TransactionType;
  channel: string | null;
  description: string;
  reversed: boolean;
  postings: Posting[];
  /** The spend's user (charge metadata, or the captured hold's), for the caps' counters. */
  userId: string | null;
  createdAt: Date;
}

export type CapKind = 'channel' | 'user';

/** A monthly spending cap the account owner set. */
export interface CapState {
  kind: CapKind;
  target: string;
  limit: Money;
}

/** The key of a spending counter: `${kind}:${target}`. */
export const usageKey = (kind: CapKind, target: string) => `${kind}:${target}`;

/** Ids taken from the sequences up front for a whole transaction; the accounts' rules take from it in turn. */
export interface IdPool {
  tx: string[];
  lot: string[];
  hold: string[];
}

/**
 * One wallet as its commands need it, read after its row was locked. The rules take ownership:
 * they change the lots, holds, quota and records in place.
 */
export interface WalletSnapshot {
  accountId: string;
  available: Money;
  pending: Money;
  owed: Money;
  lowBalance: Money;
  timeZone: string;
  /** The wallet's plan (edition), read with its locked row: it selects the price rows (W-11). */
  plan: string;
  /** The quota month now, in the wallet's time zone (YYYY-MM-01). */
  period: string;
  lots: Map<string, LotState>;
  holds: Map<string, HoldState>;
  /** Units used this month, per channel. */
  quotaUsed: Map<string, Money>;
  /** The account's spending caps (kind, target, limit). */
  caps: CapState[];
  /** Money spent this month per counter (usageKey), for the counters this snapshot's commands touch. */
  spendUsed: Map<string, Money>;
  /** The last stored allowance month (at or before `period`) per channel the commands use (issue 22). */
  allowanceLast: Map<string, AllowanceMonth>;
  idempotency: Map<string, StoredRecord>;
  reversalSources: Map<string, ReversalSource>;
  catalog: CatalogSlice;
}

/** An idempotency record to store. */
export interface NewRecord {
  key: string;
  operation: string;
  hash: string;
  response: JsonObject;
}

/** Everything one wallet's commands changed, for the writer. */
export interface WalletChanges {
  accountId: string;
  period: string;
  /** The available balance before this transaction's commands (read with the locked row). */
  availableBefore: Money;
  available: Money;
  pending: Money;
  owed: Money;
  transactions: readonly TxRow[];
  /** New lots with the grant transaction that created them. */
  newLots: ReadonlyArray<{ lot: LotState; transactionId: string | null }>;
  changedLots: readonly LotState[];
  newHolds: readonly HoldState[];
  changedHolds: readonly HoldState[];
  /** Channel → units used this month, for the channels whose counter changed. */
  quota: ReadonlyArray<[string, Money]>;
  /** Spending counters that changed this month: kind, target, amount spent. */
  spendUsage: ReadonlyArray<{ kind: CapKind; target: string; amount: Money }>;
  /** Channel → this month's allowance, for the channels whose allowance use changed (issue 22). */
  allowances: ReadonlyArray<[string, AllowanceMonth]>;
  records: readonly NewRecord[];
  events: readonly WalletEvent[];
}
