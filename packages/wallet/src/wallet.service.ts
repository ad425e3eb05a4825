import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, pgArray, type Database, type Transaction } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import { Money } from '@tollgate/money';
import type {
  AllowanceStatus,
  CaptureInput,
  CaptureResult,
  ChargeInput,
  ChargeResult,
  EventPayloads,
  HoldInput,
  HoldResult,
  PlanAllowance,
  Quote,
  QuoteInput,
  ReleaseInput,
  ReleaseResult,
  ReversalResult,
  ReverseInput,
} from '@tollgate/plugin-sdk';
import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { EventEmitter } from 'eventemitter3';
import { inject, injectable } from 'tsyringe';
import { keepAllowanceMonth, readAllowances, writePlanAllowances } from './allowance-store.js';
import { monthStart } from './quota-period.js';
import { checkAmount, checkChannel, checkCountry, checkId, checkKey, checkMetadata, checkPlan, checkText, checkUnits, DEFAULT_PLAN } from './wallet-input.js';
import { WalletRules } from './wallet-rules.js';
import { loadSnapshots, peekSnapshot } from './wallet-snapshot.js';
import type { Command, CommandResults, Outcome, WalletChanges, WalletEvent } from './wallet-state.js';
import { writeChanges } from './wallet-writer.js';
import {
  HoldNotFoundError,
  IdempotencyKeyReusedError,
  InvalidScopeError,
  NotClawableError,
  TransactionNotFoundError,
  WalletNotFoundError,
} from './wallet.errors.js';
import {
  LOT_KINDS,
  type Balance,
  type GrantResult,
  type ClawbackResult,
  type HistoryEntry,
  type HistoryLine,
  type HistoryLineType,
  type Hold,
  type HoldStatus,
  type Lot,
  type LotKind,
  type LotShare,
  type QuotaUsage,
  type RefundResult,
  type TransactionType,
} from './wallet.types.js';

/**
 * The ledger types that open each kind of line (at most two): the type filter tests the entry's own
 * type (cheap, before the page is cut); the kind of a grant (top_up or grant) is told apart after.
 */
const LEDGER_TYPES_OF_LINE: Record<HistoryLineType, [TransactionType, TransactionType?]> = {
  spend: ['charge', 'hold'],
  top_up: ['grant'],
  grant: ['grant'],
  refund: ['reversal'],
  expiry: ['expire_lot'],
  payout: ['refund'],
  fee: ['fee'],
  clawback: ['clawback'],
  settle: ['settle'],
};

/** A ledger entry with the lots whose free credit it changed (history, a line's detail). */
const ENTRY_SELECT = `select t.*, coalesce((select json_agg(json_build_object('lotId', p.lot_id::text, 'kind', l.kind, 'amount', p.amount::text) order by p.seq)
                            from ledger_postings p join credit_lots l on l.id = p.lot_id where p.transaction_id = t.id and p.book = 'wallet'), '[]') as lots
         from ledger_transactions t`;

function toHistoryEntry(r: Record<string, unknown>): HistoryEntry {
  return {
    transactionId: String(r.id),
    type: r.type as TransactionType,
    channel: (r.channel as string | null) ?? null,
    description: r.description as string,
    amount: Money.of(r.amount as string),
    balanceAfter: Money.of(r.balance_after as string),
    holdId: r.hold_id === null ? null : String(r.hold_id),
    reversesId: r.reverses_id === null ? null : String(r.reverses_id),
    createdAt: r.created_at as Date,
    lots: (r.lots as Array<{ lotId: string; kind: LotKind; amount: string }>).map((l) => ({
      lotId: l.lotId,
      kind: l.kind,
      amount: Money.of(l.amount),
    })) as LotShare[],
  };
}

export interface WalletOptions {
  /** Most commands one transaction applies, across wallets (group commit). Default 200. */
  maxBatch?: number;
  /** Transactions in flight at once; each account is in at most one. Default 4. */
  concurrency?: number;
  /** How long a hold lives when the caller gives no expiry. Default 7 days. */
  defaultHoldSeconds?: number;
  /** Trial credit for every new wallet (W-3). Default "2.00"; "0" for none. */
  trialCredit?: string;
  /** The largest single grant (purchased packs, promotions, manual credit); a larger one is a typo or abuse. Default "10000.00". */
  maxGrant?: string;
  /** The plan (edition) a wallet is opened on when the caller names none (W-11). Default 'focus'. */
  defaultPlan?: string;
}
export const WALLET_OPTIONS = Symbol.for('tollgate.WalletOptions');

/** The idempotency key of the trial grant: kept forever, it is what makes the trial credit once-only. */
export const TRIAL_KEY = 'trial-credit';

/** Events a wallet emits in process after commit; the same events are in the outbox (`wallet_events`). */
export type WalletEvents = Record<string, (event: WalletEvent & { accountId: string }) => void>;

interface Pending {
  accountId: string;
  command: Command;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/** A committed transaction: each command's outcome (in order), the wallets it created, what it changed. */
interface Committed {
  outcomes: Outcome[];
  opened: ReadonlySet<string>;
  changes: WalletChanges[];
}

/**
 * Work that must commit or fail with the wallet's own changes (W-13): a top-up's invoice, a
 * refund's credit note, an alert's crossing. Called inside the batch transaction, after the
 * ledger rows were written, with every wallet's changes; a hook that throws fails the batch, which
 * is then retried without the command that caused it (as for any database error), so a hook must
 * only throw for a fault, never for a business refusal. It must not call the wallet (deadlock).
 */
export interface WalletTransactionHook {
  readonly name: string;
  afterWrite(input: { tx: Transaction; now: Date; changes: readonly WalletChanges[] }): Promise<void>;
}

/** What setPlan's transaction settles: the answer, and the event of a real move (emitted after the commit). */
type PlanMove = { answer: { plan: string; since: Date; changed: boolean }; event?: WalletEvent };

const description = (value: string | undefined, fallback: string) => (value === undefined ? fallback : checkText('description', value));

/**
 * The wallet: grants, charges, holds, captures, releases, reversals and expiry on an append-only
 * double-entry ledger. Commands on one wallet are queued in process and applied in batches, one
 * transaction each, with the wallet row locked; other hosts serialise on that row lock. A batch is
 * read by the snapshot loader (wallet-snapshot.ts), applied by the pure rules (wallet-rules.ts) and
 * stored by the writer (wallet-writer.ts).
 */
@injectable()
export class WalletService {
  readonly events = new EventEmitter();
  #queue: Pending[] = [];
  readonly #busy = new Set<string>();
  #workers = 0;
  readonly #concurrency: number;
  readonly #maxBatch: number;
  readonly #holdSeconds: number;
  readonly #trialCredit: Money;
  readonly #maxGrant: Money;
  readonly #defaultPlan: string;
  readonly #hooks: WalletTransactionHook[] = [];

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(WALLET_OPTIONS) options: WalletOptions = {},
  ) {
    this.#maxBatch = options.maxBatch ?? 200;
    this.#concurrency = options.concurrency ?? 4;
    this.#holdSeconds = options.defaultHoldSeconds ?? 7 * 86_400;
    this.#trialCredit = Money.of(options.trialCredit ?? '2.00');
    this.#maxGrant = Money.of(options.maxGrant ?? '10000.00');
    this.#defaultPlan = checkPlan(options.defaultPlan ?? 'focus');
  }

  /** Adds work that runs in every batch transaction after the ledger is written (invoices, alerts); at start-up, before traffic. */
  addTransactionHook(hook: WalletTransactionHook): void {
    if (this.#hooks.some((h) => h.name === hook.name)) throw new Error(`A wallet transaction hook named ${hook.name} is already added`);
    this.#hooks.push(hook);
  }

  /**
   * Opens the account's wallet (idempotent) with its trial credit (W-3), in one transaction: the
   * wallet row is created by the same batch that grants the trial lot, under a fixed key, so the
   * credit is granted once whatever retries or races.
   */
  async openWallet(input: { accountId: string; timeZone?: string; lowBalance?: string; plan?: string }): Promise<{ created: boolean }> {
    const timeZone = input.timeZone ?? 'Europe/Brussels';
    try {
      monthStart(this.clock.now(), timeZone);
    } catch {
      throw new ValidationError({
        code: 'invalid_time_zone',
        message: `Unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as "Europe/Brussels"`,
      });
    }
    const lowBalance = input.lowBalance ?? '1.00';
    if (Money.of(lowBalance, 'EUR', { maxDecimals: 2 }).isNegative())
      throw new ValidationError({ code: 'invalid_amount', message: 'lowBalance cannot be negative' });
    const open = { timeZone, lowBalance, plan: input.plan === undefined ? this.#defaultPlan : checkPlan(input.plan) };
    if (!this.#trialCredit.isPositive()) {
      const accountId = checkText('accountId', input.accountId);
      const created = await this.db.transaction((tx) => openWallets(tx, this.clock.now(), new Map([[accountId, open]])));
      return { created: created.size === 1 };
    }
    const opened = await this.#enqueue(input.accountId, {
      op: 'grant',
      idempotencyKey: TRIAL_KEY,
      kind: 'trial',
      amount: this.#trialCredit,
      expiresAt: null,
      description: 'Trial credit',
      metadata: {},
      open,
    });
    return opened as { created: boolean };
  }

  async grant(input: {
    accountId: string;
    kind: LotKind;
    amount: Money | string;
    idempotencyKey: string;
    description?: string;
    expiresAt?: Date | null;
    metadata?: object;
    /** Channel ids or tags the credit may pay for (issue 22); absent = general credit. */
    scope?: readonly string[] | null;
  }): Promise<GrantResult> {
    if (!LOT_KINDS.includes(input.kind)) throw new ValidationError({ code: 'invalid_kind', message: `kind must be one of ${LOT_KINDS.join(', ')}` });
    const amount = checkAmount(input.amount);
    if (amount.greaterThan(this.#maxGrant))
      throw new ValidationError({
        code: 'grant_too_large',
        message: `A grant may be at most ${this.#maxGrant.toString()}; got ${amount.toString()}`,
        details: { amount: amount.toString(), maxGrant: this.#maxGrant.toString() },
      });
    if (input.expiresAt && !(input.expiresAt > this.clock.now()))
      throw new ValidationError({ code: 'invalid_expiry', message: 'expiresAt must be in the future' });
    const scope = input.scope === undefined || input.scope === null ? null : await this.checkScope({ scope: input.scope });
    return this.#submit(input.accountId, {
      op: 'grant',
      idempotencyKey: checkKey(input.idempotencyKey),
      kind: input.kind,
      amount,
      expiresAt: input.expiresAt ?? null,
      description: description(input.description, `${input.kind[0]!.toUpperCase()}${input.kind.slice(1)} credit`),
      metadata: checkMetadata(input.metadata),
      ...(scope ? { scope } : {}),
    });
  }

  /**
   * A scope: non-empty, each entry a known channel (priced or tagged) or a known tag; returned sorted, without
   * repeats. Throws InvalidScopeError (400 invalid_scope) otherwise. Public so callers (a scoped pack purchase)
   * refuse a bad scope before anything else happens, with the same rules as grant (Since API 2.8).
   */
  async checkScope(input: { scope: readonly string[] }): Promise<string[]> {
    const scope = input.scope;
    if (
      !Array.isArray(scope) ||
      scope.length === 0 ||
      scope.length > 50 ||
      scope.some((s) => typeof s !== 'string' || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(s))
    )
      throw new InvalidScopeError({ unknown: Array.isArray(scope) && scope.length ? scope.map(String) : ['(empty)'] });
    const entries = [...new Set(scope)].sort();
    const { rows } = await this.db.query<{ entry: string }>(
      `select e as entry from unnest($1::text[]) e
        where not exists (select 1 from prices where channel = e) and not exists (select 1 from channel_tags where channel = e or tag = e)`,
      [pgArray(entries)],
    );
    if (rows.length) throw new InvalidScopeError({ unknown: rows.map((r) => r.entry) });
    return entries;
  }

  /** Charges `units` of a channel at the catalog price in force now, free quota first (W-5, W-7, W-8). */
  async charge(input: ChargeInput & { provisional?: boolean }): Promise<ChargeResult> {
    const channel = checkChannel(input.channel);
    return this.#submit(input.accountId, {
      op: 'charge',
      idempotencyKey: checkKey(input.idempotencyKey),
      channel,
      units: checkUnits(input.units),
      country: checkCountry(input.country),
      description: description(input.description, channel),
      metadata: checkMetadata(input.metadata),
      ...(input.provisional ? { provisional: true } : {}),
      ...(input.userId ? { userId: checkText('userId', input.userId) } : {}),
    });
  }

  /**
   * What `units` of a channel would cost now and whether the wallet covers it, priced by the
   * charge's own rules on a snapshot read without locking; nothing is written, no quota is used.
   */
  async quote(input: QuoteInput): Promise<Quote> {
    const channel = checkChannel(input.channel);
    const units = checkUnits(input.units);
    const country = checkCountry(input.country);
    const now = this.clock.now();
    const snapshot = await peekSnapshot(this.db, { now, accountId: checkText('accountId', input.accountId), channel });
    if (!snapshot) throw new WalletNotFoundError(input.accountId);
    return new WalletRules(snapshot, now, { tx: [], lot: [], hold: [] }).quote({ channel, units, country, userId: input.userId ?? null });
  }

  /** Reserves the price of `units` now; capture later (all or part) or release (W-6). */
  async hold(input: HoldInput & { provisional?: boolean }): Promise<HoldResult> {
    const channel = checkChannel(input.channel);
    if (input.expiresAt && !(input.expiresAt > this.clock.now()))
      throw new ValidationError({ code: 'invalid_expiry', message: 'expiresAt must be in the future' });
    return this.#submit(input.accountId, {
      op: 'hold',
      idempotencyKey: checkKey(input.idempotencyKey),
      channel,
      units: checkUnits(input.units),
      country: checkCountry(input.country),
      description: description(input.description, channel),
      expiresAt: input.expiresAt ?? null,
      holdSeconds: this.#holdSeconds,
      metadata: checkMetadata(input.metadata),
      ...(input.provisional ? { provisional: true } : {}),
      ...(input.userId ? { userId: checkText('userId', input.userId) } : {}),
    });
  }

  /** Captures the whole hold, the price of `units` (priced as when held), or an exact `amount`; the rest is released. */
  async capture(input: CaptureInput): Promise<CaptureResult> {
    if (input.units !== undefined && input.amount !== undefined) throw new ValidationError({ message: 'Give units or amount, not both' });
    const units = input.units === undefined ? null : /^0(\.0+)?$/.test(input.units) ? '0' : checkUnits(input.units);
    const amount = input.amount === undefined ? null : input.amount instanceof Money ? input.amount : Money.of(input.amount, 'EUR', { maxDecimals: 2 });
    if (amount?.isNegative()) throw new ValidationError({ code: 'invalid_amount', message: 'amount cannot be negative' });
    const idempotencyKey = checkKey(input.idempotencyKey);
    return this.#submit(input.accountId, { op: 'capture', idempotencyKey, holdId: checkId(input.holdId, (id) => new HoldNotFoundError(id)), units, amount });
  }

  async release(input: ReleaseInput): Promise<ReleaseResult> {
    const idempotencyKey = checkKey(input.idempotencyKey);
    return this.#submit(input.accountId, {
      op: 'release',
      idempotencyKey,
      holdId: checkId(input.holdId, (id) => new HoldNotFoundError(id)),
      reason: 'released',
    });
  }

  /** Gives back what a charge or capture spent, into the lots it came from, as a reversing entry (W-2). */
  async reverse(input: ReverseInput): Promise<ReversalResult> {
    const idempotencyKey = checkKey(input.idempotencyKey);
    const transactionId = checkId(input.transactionId, (id) => new TransactionNotFoundError(id));
    return this.#submit(input.accountId, { op: 'reverse', idempotencyKey, transactionId, reason: checkText('reason', input.reason) });
  }

  /**
   * Takes back a purchase whose payment failed or was reversed (C-1): its unspent credit leaves the
   * wallet, what was already spent becomes owed and blocks spending until a purchase settles it.
   */
  async clawback(input: { accountId: string; lotId: string; idempotencyKey: string; reason: string; description?: string }): Promise<ClawbackResult> {
    return this.#submit(input.accountId, {
      op: 'clawback',
      idempotencyKey: checkKey(input.idempotencyKey),
      lotId: checkId(input.lotId, (id) => new NotClawableError({ lotId: id, reason: 'no such lot in this wallet' })),
      reason: checkText('reason', input.reason),
      description: description(input.description, 'Payment reversed: credits taken back'),
    });
  }

  /**
   * Exchanges `credits` of unspent purchased credit back into money, less `fee` (C-5): two ledger
   * entries, the payout and the fee. Refused when it exceeds the refundable credit or does not cover the fee.
   */
  async refund(input: {
    accountId: string;
    credits: Money | string;
    fee: Money | string;
    idempotencyKey: string;
    description?: string;
    metadata?: object;
  }): Promise<RefundResult> {
    const credits = checkAmount(input.credits);
    const fee = input.fee instanceof Money ? input.fee : Money.of(input.fee, 'EUR', { maxDecimals: 2 });
    if (fee.isNegative()) throw new ValidationError({ code: 'invalid_amount', message: 'fee cannot be negative' });
    return this.#submit(input.accountId, {
      op: 'refund',
      idempotencyKey: checkKey(input.idempotencyKey),
      amount: credits,
      fee,
      description: description(input.description, 'Refund of purchased credits'),
      metadata: checkMetadata(input.metadata),
    });
  }

  // ---- plans (W-11) ----------------------------------------------------------------------------

  /**
   * Moves the account to `plan` from now on: later quotes, charges and holds use that plan's
   * prices; a hold keeps the unit price it was placed at. Runs with the wallet row locked, so it is
   * ordered with the batches that spend (a batch prices with the plan it read under the same lock).
   * The same plan again changes nothing (`changed: false`, no history row). With a key, a retry
   * answers what the first call answered; the key with another plan is refused. The wallet does
   * not know which plans exist: the host checks that before it calls. A real move records the
   * event `account.plan_changed` in the outbox in the same transaction (a retry or the same plan
   * records none), and is emitted in process after the commit like the batches' events.
   */
  async setPlan(input: { accountId: string; plan: string; changedBy?: string | null; idempotencyKey?: string }): Promise<{
    plan: string;
    since: Date;
    changed: boolean;
  }> {
    const accountId = checkText('accountId', input.accountId);
    const plan = checkPlan(input.plan);
    const key = input.idempotencyKey === undefined ? null : checkKey(input.idempotencyKey);
    const changedBy = input.changedBy === undefined || input.changedBy === null ? null : checkText('changedBy', input.changedBy);
    const hash = createHash('sha256')
      .update(JSON.stringify({ op: 'set_plan', plan }))
      .digest('hex');
    const { answer, event } = await this.db.transaction(async (tx): Promise<PlanMove> => {
      const now = this.clock.now();
      const {
        rows: [wallet],
      } = await tx.query<{ plan: string; since: Date }>(
        `select w.plan, coalesce((select c.changed_at from wallet_plan_changes c where c.account_id = w.account_id order by c.id desc limit 1), w.created_at) as since
           from wallets w where w.account_id = $1 for update`,
        [accountId],
      );
      if (!wallet) throw new WalletNotFoundError(accountId);
      if (key) {
        const {
          rows: [stored],
        } = await tx.query<{ operation: string; request_hash: string; response: { plan: string; since: string; changed: boolean } }>(
          'select operation, request_hash, response from idempotency_keys where account_id = $1 and key = $2',
          [accountId, key],
        );
        if (stored) {
          if (stored.operation !== 'set_plan' || stored.request_hash !== hash) throw new IdempotencyKeyReusedError({ key, operation: 'set_plan' });
          return { answer: { plan: stored.response.plan, since: new Date(stored.response.since), changed: stored.response.changed } };
        }
        // The key's record may have been purged (wallet jobs); the move it made is still in the history.
        const {
          rows: [moved],
        } = await tx.query<{ plan: string; changed_at: Date }>(
          'select plan, changed_at from wallet_plan_changes where account_id = $1 and idempotency_key = $2',
          [accountId, key],
        );
        if (moved) {
          if (moved.plan !== plan) throw new IdempotencyKeyReusedError({ key, operation: 'set_plan' });
          return { answer: { plan, since: moved.changed_at, changed: true } };
        }
      }
      let answer = { plan, since: wallet.since, changed: false };
      let event: WalletEvent | undefined;
      if (wallet.plan !== plan) {
        // Issue 22: this month's allowances stay as they started; the new plan's apply from the next month.
        await keepAllowanceMonth(tx, { accountId, fromPlan: wallet.plan, toPlan: plan, now });
        await tx.query('update wallets set plan = $2, updated_at = $3 where account_id = $1', [accountId, plan, now]);
        await tx.query(
          'insert into wallet_plan_changes (account_id, plan, from_plan, changed_at, changed_by, idempotency_key) values ($1, $2, $3, $4, $5, $6)',
          [accountId, plan, wallet.plan, now, changedBy, key],
        );
        // The move's event, in the wallet's outbox with the change: relayed like the batches' events (same sequence per account).
        const payload: EventPayloads['account.plan_changed'] = { accountId, plan, previousPlan: wallet.plan, changedAt: now.toISOString(), changedBy };
        event = { type: 'account.plan_changed', payload: { ...payload } };
        await tx.query('insert into wallet_events (account_id, type, payload, created_at) values ($1, $2, $3, $4)', [
          accountId,
          event.type,
          JSON.stringify(event.payload),
          now,
        ]);
        answer = { plan, since: now, changed: true };
      }
      if (key)
        await tx.query(
          `insert into idempotency_keys (account_id, key, operation, request_hash, response, created_at) values ($1, $2, 'set_plan', $3, $4, $5)`,
          [accountId, key, hash, JSON.stringify({ plan, since: answer.since.toISOString(), changed: answer.changed }), now],
        );
      return { answer, ...(event ? { event } : {}) };
    });
    // After the commit, as #run does: listeners (the host's event relay) hear of it at once.
    if (event) this.events.emit(event.type, { ...event, accountId });
    return answer;
  }

  /** The account's plan now and since when; null when the account has no wallet. */
  async planOf(input: { accountId: string }): Promise<{ plan: string; since: Date } | null> {
    const {
      rows: [wallet],
    } = await this.db.query<{ plan: string; since: Date }>(
      `select w.plan, coalesce((select c.changed_at from wallet_plan_changes c where c.account_id = w.account_id order by c.id desc limit 1), w.created_at) as since
         from wallets w where w.account_id = $1`,
      [input.accountId],
    );
    return wallet ? { plan: wallet.plan, since: wallet.since } : null;
  }

  /**
   * The plans the account has been on, oldest first: each from when to when (null: now) and who
   * moved it (null: opened on it, or moved by the system). Empty when the account has no wallet.
   */
  async planHistory(input: { accountId: string }): Promise<Array<{ plan: string; from: Date; to: Date | null; changedBy: string | null }>> {
    const { rows } = await this.db.query<{ plan: string; changed_at: Date; changed_by: string | null }>(
      'select plan, changed_at, changed_by from wallet_plan_changes where account_id = $1 order by id',
      [input.accountId],
    );
    return rows.map((r, i) => ({ plan: r.plan, from: r.changed_at, to: rows[i + 1]?.changed_at ?? null, changedBy: r.changed_by }));
  }

  /** Books every expired lot's remaining credit to the expired account. Run by a job; returns how many lots expired. */
  async expireLots(): Promise<number> {
    const { rows } = await this.db.query<{ account_id: string }>('select distinct account_id from credit_lots where remaining > 0 and expires_at <= $1', [
      this.clock.now(),
    ]);
    const results = await Promise.all(rows.map((r) => this.#submit(r.account_id, { op: 'expire_lots' })));
    return results.reduce((n, r) => n + r.expiredLots.length, 0);
  }

  /** Releases every pending hold past its expiry. Run by a job; returns how many holds expired. */
  async expireHolds(): Promise<number> {
    const { rows } = await this.db.query<{ id: string; account_id: string }>("select id, account_id from holds where status = 'pending' and expires_at <= $1", [
      this.clock.now(),
    ]);
    const results = await Promise.allSettled(
      rows.map((r) => this.#submit(r.account_id, { op: 'release', idempotencyKey: null, holdId: r.id, reason: 'expired' })),
    );
    return results.filter((r) => r.status === 'fulfilled').length;
  }

  /** Queues a command; resolves with its typed result once its batch has committed. */
  #submit<C extends Command>(accountId: string, command: C): Promise<CommandResults[C['op']]> {
    return this.#enqueue(accountId, command) as Promise<CommandResults[C['op']]>;
  }

  #enqueue(accountId: string, command: Command): Promise<unknown> {
    checkText('accountId', accountId);
    return new Promise((resolve, reject) => {
      this.#queue.push({ accountId, command, resolve, reject });
      if (this.#workers < this.#concurrency) {
        this.#workers++;
        void this.#work();
      }
    });
  }

  /**
   * A worker takes queued commands, at most maxBatch, of accounts no other worker is busy with
   * (so each account's commands stay in arrival order) and runs them in one transaction.
   */
  async #work(): Promise<void> {
    try {
      for (;;) {
        const taken = this.#take();
        if (!taken.length) return;
        const accounts = new Set(taken.map((p) => p.accountId));
        try {
          await this.#run(taken);
        } finally {
          for (const account of accounts) this.#busy.delete(account);
        }
        // Let the callers just answered queue their next commands before the next batch is cut,
        // or batches alternate between one command and the rest. Microtask ticks, not a timer:
        // a busy promise loop elsewhere must not be able to starve the wallet.
        for (let tick = 0; tick < 8; tick++) await null;
      }
    } finally {
      this.#workers--;
    }
  }

  #take(): Pending[] {
    const taken: Pending[] = [];
    const rest: Pending[] = [];
    const claimed = new Set<string>();
    for (const p of this.#queue) {
      const free = claimed.has(p.accountId) || !this.#busy.has(p.accountId);
      if (free && taken.length < this.#maxBatch) {
        taken.push(p);
        if (!claimed.has(p.accountId)) {
          claimed.add(p.accountId);
          this.#busy.add(p.accountId);
        }
      } else {
        rest.push(p);
      }
    }
    this.#queue = rest;
    return taken;
  }

  /**
   * Runs commands in one transaction and answers each caller. A refusal is one command's answer;
   * a failed transaction (a database error, which one command's data can cause) is not: the
   * commands run again without the one that caused it — each account on its own, then within an
   * account the first half before the second, in arrival order, down to the single command that
   * fails. So exactly that command fails, and every other commits once.
   */
  async #run(pending: Pending[]): Promise<void> {
    let done: Committed;
    try {
      done = await this.#execute(pending);
    } catch (error) {
      if (pending.length === 1) return pending[0]!.reject(error);
      const accounts = new Set(pending.map((p) => p.accountId));
      if (accounts.size > 1) {
        for (const account of accounts) await this.#run(pending.filter((p) => p.accountId === account));
        return;
      }
      const half = Math.ceil(pending.length / 2);
      await this.#run(pending.slice(0, half));
      await this.#run(pending.slice(half));
      return;
    }
    // After the commit: a listener that throws is not a reason to run the commands again.
    try {
      for (const c of done.changes) for (const event of c.events) this.events.emit(event.type, { ...event, accountId: c.accountId });
    } catch (error) {
      for (const p of pending) p.reject(error);
      return;
    }
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      const outcome = done.outcomes[i]!;
      if (!outcome.ok) p.reject(outcome.error);
      else if (p.command.op === 'grant' && p.command.open) p.resolve({ created: done.opened.has(p.accountId) });
      else p.resolve(outcome.result);
    }
  }

  /** One transaction: open wallets, lock and read (snapshot), apply (rules), write (writer). */
  async #execute(pending: Pending[]): Promise<Committed> {
    const now = this.clock.now();
    const byAccount = new Map<string, Command[]>();
    const opens = new Map<string, WalletOpening>();
    for (const p of pending) {
      let commands = byAccount.get(p.accountId);
      if (!commands) byAccount.set(p.accountId, (commands = []));
      commands.push(p.command);
      if (p.command.op === 'grant' && p.command.open && !opens.has(p.accountId)) opens.set(p.accountId, p.command.open);
    }
    const requests = [...byAccount].map(([accountId, commands]) => ({ accountId, commands }));
    return this.db.transaction(async (tx) => {
      const opened = opens.size ? await openWallets(tx, now, opens) : new Set<string>();
      const { snapshots, ids } = await loadSnapshots(tx, { now, requests });
      const rules = new Map<string, WalletRules>();
      for (const [accountId, snapshot] of snapshots) rules.set(accountId, new WalletRules(snapshot, now, ids));
      const outcomes = pending.map((p): Outcome => rules.get(p.accountId)?.apply(p.command) ?? { ok: false, error: new WalletNotFoundError(p.accountId) });
      const changes = [...rules.values()].map((r) => r.changes());
      await writeChanges(tx, now, changes);
      for (const hook of this.#hooks) await hook.afterWrite({ tx, now, changes });
      return { outcomes, opened, changes };
    });
  }

  // ---- reads ----------------------------------------------------------------------------------

  async balance(input: { accountId: string }): Promise<Balance> {
    const now = this.clock.now();
    // One statement (one round trip, one pooled connection): what is available and held, by kind.
    const {
      rows: [wallet],
    } = await this.db.query<{
      owed: string;
      lots: Array<{ kind: LotKind; amount: string }>;
      held: Array<{ kind: LotKind; amount: string }>;
      scoped: Array<{ scope: string[]; available: string; pending: string }>;
    }>(
      `select w.owed,
              (select coalesce(json_agg(json_build_object('scope', s.scope, 'available', s.available::text, 'pending', s.pending::text) order by s.scope), '[]')
                 from (select l.scope,
                              sum(case when l.remaining > 0 and (l.expires_at is null or l.expires_at > $2) then l.remaining else 0 end) as available,
                              coalesce(sum((select sum(hl.amount) from hold_lots hl join holds h on h.id = hl.hold_id where hl.lot_id = l.id and h.status = 'pending')), 0) as pending
                         from credit_lots l where l.account_id = w.account_id and l.scope is not null group by l.scope) s
                where s.available > 0 or s.pending > 0) as scoped,
              (select coalesce(json_agg(json_build_object('kind', a.kind, 'amount', a.amount::text)), '[]')
                 from (select kind, sum(remaining) as amount from credit_lots
                        where account_id = w.account_id and remaining > 0 and (expires_at is null or expires_at > $2) group by kind) a) as lots,
              (select coalesce(json_agg(json_build_object('kind', p.kind, 'amount', p.amount::text)), '[]')
                 from (select l.kind, sum(hl.amount) as amount from holds h join hold_lots hl on hl.hold_id = h.id join credit_lots l on l.id = hl.lot_id
                        where h.account_id = w.account_id and h.status = 'pending' group by l.kind) p) as held
         from wallets w where w.account_id = $1`,
      [input.accountId, now],
    );
    if (!wallet) throw new WalletNotFoundError(input.accountId);
    const byKind = Object.fromEntries(LOT_KINDS.map((k) => [k, { available: Money.zero(), pending: Money.zero() }])) as Balance['byKind'];
    for (const r of wallet.lots) byKind[r.kind].available = Money.of(r.amount);
    for (const r of wallet.held) byKind[r.kind].pending = Money.of(r.amount);
    const available = Money.sum(LOT_KINDS.map((k) => byKind[k].available));
    const pending = Money.sum(LOT_KINDS.map((k) => byKind[k].pending));
    const owed = Money.of(wallet.owed);
    return {
      accountId: input.accountId,
      currency: 'EUR',
      available,
      pending,
      total: available.plus(pending),
      owed,
      blocked: owed.isPositive(),
      refundable: byKind.purchased.available,
      byKind,
      scoped: wallet.scoped.map((s) => ({ scope: s.scope, available: Money.of(s.available), pending: Money.of(s.pending) })),
    };
  }

  async lots(input: { accountId: string; includeEmpty?: boolean }): Promise<Lot[]> {
    const { rows } = await this.db.query<{
      id: string;
      kind: LotKind;
      granted: string;
      remaining: string;
      held: string | null;
      expires_at: Date | null;
      created_at: Date;
      scope: string[] | null;
    }>(
      `select l.id, l.kind, l.granted, l.remaining, l.expires_at, l.created_at, l.scope,
              (select sum(hl.amount) from hold_lots hl join holds h on h.id = hl.hold_id where hl.lot_id = l.id and h.status = 'pending') as held
         from credit_lots l where l.account_id = $1 and ($2 or l.remaining > 0) order by l.created_at, l.id`,
      [input.accountId, input.includeEmpty ?? false],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      granted: Money.of(r.granted),
      remaining: Money.of(r.remaining),
      held: Money.of(r.held ?? '0'),
      expiresAt: r.expires_at,
      createdAt: r.created_at,
      scope: r.scope ?? null,
    }));
  }

  async holds(input: { accountId: string; status?: HoldStatus; limit?: number; before?: string }): Promise<{ data: Hold[]; nextCursor: string | null }> {
    const limit = input.limit ?? 50;
    const { rows } = await this.db.query<Record<string, unknown>>(
      `select h.*, coalesce((select json_agg(json_build_object('lotId', hl.lot_id::text, 'kind', l.kind, 'amount', hl.amount::text) order by hl.lot_id)
                            from hold_lots hl join credit_lots l on l.id = hl.lot_id where hl.hold_id = h.id), '[]') as lots
         from holds h where h.account_id = $1 and ($2::text is null or h.status = $2) and ($3::bigint is null or h.id < $3)
        order by h.id desc limit $4`,
      [input.accountId, input.status ?? null, input.before ?? null, limit + 1],
    );
    const data = rows.slice(0, limit).map(toHold);
    return { data, nextCursor: rows.length > limit ? data[data.length - 1]!.id : null };
  }

  async getHold(input: { accountId: string; holdId: string }): Promise<Hold | null> {
    if (!/^\d{1,18}$/.test(input.holdId)) return null;
    const page = await this.db.query<Record<string, unknown>>(
      `select h.*, coalesce((select json_agg(json_build_object('lotId', hl.lot_id::text, 'kind', l.kind, 'amount', hl.amount::text) order by hl.lot_id)
                            from hold_lots hl join credit_lots l on l.id = hl.lot_id where hl.hold_id = h.id), '[]') as lots
         from holds h where h.account_id = $1 and h.id = $2`,
      [input.accountId, input.holdId],
    );
    return page.rows[0] ? toHold(page.rows[0]) : null;
  }

  /** Transactions, newest first, filtered by period, channel and type; `before` is the cursor (W-9). */
  async history(input: {
    accountId: string;
    from?: Date;
    to?: Date;
    channel?: string;
    type?: TransactionType;
    lotKind?: LotKind;
    limit?: number;
    before?: string;
  }): Promise<{ data: HistoryEntry[]; nextCursor: string | null }> {
    const limit = input.limit ?? 50;
    const { rows } = await this.db.query<Record<string, unknown>>(
      `${ENTRY_SELECT}
        where t.account_id = $1 and ($2::timestamptz is null or t.created_at >= $2) and ($3::timestamptz is null or t.created_at < $3)
          and ($4::text is null or t.channel = $4) and ($5::text is null or t.type = $5) and ($6::bigint is null or t.id < $6)
          and ($8::text is null or exists (select 1 from ledger_postings p join credit_lots l on l.id = p.lot_id where p.transaction_id = t.id and l.kind = $8))
        order by t.id desc limit $7`,
      [
        input.accountId,
        input.from ?? null,
        input.to ?? null,
        input.channel ?? null,
        input.type ?? null,
        input.before ?? null,
        limit + 1,
        input.lotKind ?? null,
      ],
    );
    const data = rows.slice(0, limit).map(toHistoryEntry);
    return { data, nextCursor: rows.length > limit ? data[data.length - 1]!.transactionId : null };
  }

  /**
   * The whole filtered history as CSV (header + one row per transaction, newest first). `describe`
   * rewrites each description on its way out (the host masks personal data); the ledger keeps its text.
   */
  async historyCsv(input: {
    accountId: string;
    from?: Date;
    to?: Date;
    channel?: string;
    type?: TransactionType;
    lotKind?: LotKind;
    describe?: (description: string) => string;
  }): Promise<string> {
    const { describe = (d: string) => d, ...filters } = input;
    const rows = await allPages((before) => this.history({ ...filters, limit: 1000, ...(before ? { before } : {}) }));
    return stringify(
      rows.map((r) => [
        r.createdAt.toISOString(),
        r.transactionId,
        r.type,
        r.channel ?? '',
        describe(r.description),
        r.amount.toString(),
        r.balanceAfter.toString(),
      ]),
      { header: true, columns: ['date', 'transaction_id', 'type', 'channel', 'description', 'amount', 'balance_after'] },
    );
  }

  /**
   * The history as the account reads it (W-9): one line per use with its final cost — a charge, or
   * a hold folded with its capture or release — and top-ups, grants, refunds… as their own lines,
   * newest first. A line sits where its first entry is (a spend: when it was reserved), so `before`
   * (the last line's id) pages it exactly like the entries. Filters apply to that first entry.
   */
  async historyLines(input: {
    accountId: string;
    from?: Date;
    to?: Date;
    channel?: string;
    type?: HistoryLineType;
    lotKind?: LotKind;
    limit?: number;
    before?: string;
  }): Promise<{ data: HistoryLine[]; nextCursor: string | null }> {
    const limit = input.limit ?? 50;
    const rows = await this.#lines({ ...input, limit: limit + 1 });
    const data = rows.slice(0, limit);
    return { data, nextCursor: rows.length > limit ? data[data.length - 1]!.id : null };
  }

  /**
   * One line with the ledger entries it folds (oldest first). Any of its entries' ids finds it (a
   * capture's id gives its spend); another account's or an unknown id is null.
   */
  async historyLine(input: { accountId: string; id: string }): Promise<{ line: HistoryLine; entries: HistoryEntry[] } | null> {
    if (!/^\d{1,18}$/.test(input.id)) return null;
    const {
      rows: [found],
    } = await this.db.query<{ id: string; hold_id: string | null }>(
      `select coalesce(
                (select h.id from ledger_transactions h where t.type in ('capture', 'release') and h.hold_id = t.hold_id and h.type = 'hold' and h.account_id = t.account_id),
                t.id)::text as id, t.hold_id::text as hold_id
         from ledger_transactions t where t.account_id = $1 and t.id = $2`,
      [input.accountId, input.id],
    );
    if (!found) return null;
    const [line] = await this.#lines({ accountId: input.accountId, id: found.id, limit: 1 });
    if (!line) return null;
    const { rows } = await this.db.query<Record<string, unknown>>(
      `${ENTRY_SELECT} where t.account_id = $1 and (t.id = $2 or ($3::bigint is not null and t.hold_id = $3 and t.type in ('capture', 'release'))) order by t.id`,
      [input.accountId, line.id, line.holdId],
    );
    return { line, entries: rows.map(toHistoryEntry) };
  }

  /** The lines as CSV (header + one row per line, newest first); `describe` as for historyCsv. */
  async historyLinesCsv(input: {
    accountId: string;
    from?: Date;
    to?: Date;
    channel?: string;
    type?: HistoryLineType;
    lotKind?: LotKind;
    describe?: (description: string) => string;
  }): Promise<string> {
    const { describe = (d: string) => d, ...filters } = input;
    const lines = await allPages((before) => this.historyLines({ ...filters, limit: 1000, ...(before ? { before } : {}) }));
    return stringify(
      lines.map((l) => [l.createdAt.toISOString(), l.id, l.type, l.status, l.channel ?? '', describe(l.description), l.amount.toString()]),
      { header: true, columns: ['date', 'id', 'type', 'status', 'channel', 'description', 'amount'] },
    );
  }

  /**
   * The lines query: the page is chosen on the line-opening entries alone (captures and releases
   * never open a line), newest first by id; only then does each hold on the page add its capture or
   * release (index on hold_id), so a page costs its own rows whatever the history's size.
   */
  async #lines(input: {
    accountId: string;
    id?: string;
    from?: Date;
    to?: Date;
    channel?: string;
    type?: HistoryLineType;
    lotKind?: LotKind;
    limit: number;
    before?: string;
  }): Promise<HistoryLine[]> {
    const opening = input.type ? LEDGER_TYPES_OF_LINE[input.type] : [];
    const { rows } = await this.db.query<Record<string, unknown>>(
      `select p.*, h.status as hold_status, f.folded, f.last_at, coalesce(f.n, 0) as folded_count
         from (
           select o.* from (
             select t.id, t.type, t.channel, t.description, t.amount, t.hold_id, t.reverses_id, t.created_at,
                    case t.type
                      when 'charge' then 'spend' when 'hold' then 'spend' when 'reversal' then 'refund' when 'expire_lot' then 'expiry'
                      when 'refund' then 'payout'
                      when 'grant' then case when exists (select 1 from ledger_postings gp join credit_lots gl on gl.id = gp.lot_id
                                                            where gp.transaction_id = t.id and gl.kind = 'purchased') then 'top_up' else 'grant' end
                      else t.type end as line_type
               from ledger_transactions t
              where t.account_id = $1 and t.type not in ('capture', 'release')
                and ($2::bigint is null or t.id = $2) and ($3::bigint is null or t.id < $3)
                and ($4::timestamptz is null or t.created_at >= $4) and ($5::timestamptz is null or t.created_at < $5)
                and ($6::text is null or t.channel = $6)
                and ($7::text is null or exists (select 1 from ledger_postings kp join credit_lots kl on kl.id = kp.lot_id where kp.transaction_id = t.id and kl.kind = $7))
                and ($8::text is null or t.type = $8 or t.type = $10)
           ) o
           where ($11::text is null or o.line_type = $11)
           order by o.id desc limit $9
         ) p
         left join holds h on p.type = 'hold' and h.id = p.hold_id
         left join lateral (
           select sum(x.amount) as folded, max(x.created_at) as last_at, count(*) as n from ledger_transactions x
            -- A hold id is global and its entries are its account's: no account test, which would tempt the planner into the account index.
            where p.type = 'hold' and x.hold_id = p.hold_id and x.type in ('capture', 'release')
         ) f on true
        order by p.id desc`,
      [
        input.accountId,
        input.id ?? null,
        input.before ?? null,
        input.from ?? null,
        input.to ?? null,
        input.channel ?? null,
        input.lotKind ?? null,
        opening[0] ?? null,
        input.limit,
        opening[1] ?? null,
        // Only a grant needs its kind looked at; the other types are exact on the entry's type (and the planner estimates them).
        input.type === 'top_up' || input.type === 'grant' ? input.type : null,
      ],
    );
    return rows.map((r) => {
      const folded = r.folded === null || r.folded === undefined ? null : Money.of(String(r.folded));
      const createdAt = r.created_at as Date;
      return {
        id: String(r.id),
        type: r.line_type as HistoryLineType,
        status: r.hold_status === 'pending' ? 'pending' : 'final',
        channel: (r.channel as string | null) ?? null,
        description: r.description as string,
        amount: folded ? Money.of(String(r.amount)).plus(folded) : Money.of(String(r.amount)),
        holdId: r.hold_id === null ? null : String(r.hold_id),
        reversesId: r.reverses_id === null ? null : String(r.reverses_id),
        createdAt,
        updatedAt: r.last_at ? new Date(r.last_at as string | Date) : createdAt,
        entryCount: 1 + Number(r.folded_count),
      } satisfies HistoryLine;
    });
  }

  // ---- spending caps (issue 22) -----------------------------------------------------------------

  /** The account's monthly spending caps with what was spent against each this month (wallet time zone). */
  async caps(input: { accountId: string }): Promise<SpendingCap[]> {
    const {
      rows: [wallet],
    } = await this.db.query<{ time_zone: string }>('select time_zone from wallets where account_id = $1', [input.accountId]);
    if (!wallet) throw new WalletNotFoundError(input.accountId);
    const period = monthStart(this.clock.now(), wallet.time_zone);
    const { rows } = await this.db.query<{ kind: 'channel' | 'user'; target: string; monthly_limit: string; used: string | null }>(
      `select c.kind, c.target, c.monthly_limit, u.amount as used from spending_caps c
         left join spend_usage u on u.account_id = c.account_id and u.period = $2::date and u.kind = c.kind and u.target = c.target
        where c.account_id = $1 order by c.kind, c.target`,
      [input.accountId, period],
    );
    return rows.map((r) => {
      const limit = Money.of(r.monthly_limit);
      const used = Money.of(r.used ?? '0');
      return { kind: r.kind, target: r.target, limit, used, remaining: Money.max(Money.zero(), limit.minus(used)), period, resetsAt: nextMonth(period) };
    });
  }

  /**
   * Sets (or replaces) a monthly cap on a channel or a user. It takes effect on the next charge or
   * hold; what was already spent this month counts against it.
   */
  async setCap(input: { accountId: string; kind: 'channel' | 'user'; target: string; limit: Money | string }): Promise<SpendingCap> {
    if (input.kind !== 'channel' && input.kind !== 'user') throw new ValidationError({ code: 'invalid_kind', message: 'kind must be channel or user' });
    const target = input.kind === 'channel' ? checkChannel(input.target) : checkText('userId', input.target);
    const limit = input.limit instanceof Money ? input.limit : Money.of(input.limit, 'EUR', { maxDecimals: 2 });
    if (limit.isNegative() || !limit.roundToCents().equals(limit))
      throw new ValidationError({ code: 'invalid_amount', message: 'limit must be a non-negative amount in whole cents' });
    const { rowCount } = await this.db.query(
      `insert into spending_caps (account_id, kind, target, monthly_limit, updated_at) select account_id, $2, $3, $4, $5 from wallets where account_id = $1
       on conflict (account_id, kind, target) do update set monthly_limit = excluded.monthly_limit, updated_at = excluded.updated_at`,
      [input.accountId, input.kind, target, limit.toString(), this.clock.now()],
    );
    if (!rowCount) throw new WalletNotFoundError(input.accountId);
    return (await this.caps({ accountId: input.accountId })).find((c) => c.kind === input.kind && c.target === target)!;
  }

  /** Removes a cap; false when there was none. */
  async removeCap(input: { accountId: string; kind: 'channel' | 'user'; target: string }): Promise<boolean> {
    const { rowCount } = await this.db.query('delete from spending_caps where account_id = $1 and kind = $2 and target = $3', [
      input.accountId,
      input.kind,
      input.target,
    ]);
    return (rowCount ?? 0) > 0;
  }

  /** The free monthly quotas and what the account used of them this month, in its time zone (W-8). */
  async quotas(input: { accountId: string }): Promise<QuotaUsage[]> {
    const {
      rows: [wallet],
    } = await this.db.query<{ time_zone: string }>('select time_zone from wallets where account_id = $1', [input.accountId]);
    if (!wallet) throw new WalletNotFoundError(input.accountId);
    const now = this.clock.now();
    const period = monthStart(now, wallet.time_zone);
    const { rows } = await this.db.query<{ channel: string; free_units: string; used: string | null }>(
      `select q.channel, q.free_units, u.used from channel_quotas q left join quota_usage u on u.channel = q.channel and u.account_id = $1 and u.period = $2::date order by q.channel`,
      [input.accountId, period],
    );
    const [y, m] = period.split('-').map(Number) as [number, number];
    const resetsAt = `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01`;
    return rows.map((r) => {
      const free = Money.of(r.free_units);
      const used = Money.of(r.used ?? '0');
      return { channel: r.channel, period, freeUnits: units(free), used: units(used), remaining: units(Money.max(Money.zero(), free.minus(used))), resetsAt };
    });
  }

  /**
   * Sets a plan's monthly allowances (issue 22), replacing what the plan had: the host calls it for
   * every plan when it loads them. The same allowances again change nothing. A month already started
   * keeps what it was granted; new units apply from the next month.
   */
  async setPlanAllowances(input: { plan: string; allowances: Readonly<Record<string, PlanAllowance>> }): Promise<void> {
    await writePlanAllowances(this.db, input);
  }

  /** The account's plan allowances this month, per channel, in its time zone (issue 22). */
  async allowances(input: { accountId: string }): Promise<AllowanceStatus[]> {
    return readAllowances(this.db, { accountId: input.accountId, now: this.clock.now() });
  }

  /** Whether a wallet exists, for callers that must tell 404 apart. */
  async exists(input: { accountId: string }): Promise<boolean> {
    const { rows } = await this.db.query('select 1 from wallets where account_id = $1', [input.accountId]);
    return rows.length > 0;
  }

  /** Accounts that have wallets (for jobs); bounded pages. */
  async accountIds(input: { after?: string; limit?: number } = {}): Promise<string[]> {
    const { rows } = await this.db.query<{ account_id: string }>(
      'select account_id from wallets where ($1::text is null or account_id > $1) order by account_id limit $2',
      [input.after ?? null, input.limit ?? 1000],
    );
    return rows.map((r) => r.account_id);
  }
}

/** A monthly spending cap with this month's use. */
export interface SpendingCap {
  kind: 'channel' | 'user';
  target: string;
  limit: Money;
  used: Money;
  remaining: Money;
  /** The month counted (YYYY-MM-01, wallet time zone) and the local date it resets. */
  period: string;
  resetsAt: string;
}

/** The first day of the month after `period` (YYYY-MM-01). */
function nextMonth(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01`;
}

function units(m: Money): string {
  return m.toString().replace(/\.?0+$/, '') || '0';
}

function toHold(r: Record<string, unknown>): Hold {
  return {
    id: String(r.id),
    accountId: r.account_id as string,
    channel: r.channel as string,
    description: r.description as string,
    units: units(Money.of(r.units as string)),
    country: (r.country as string | null) ?? null,
    unitPrice: Money.of(r.unit_price as string),
    freeUnits: units(Money.of(r.free_units as string)),
    allowanceUnits: units(Money.of(r.allowance_units as string)),
    amount: Money.of(r.amount as string),
    captured: Money.of(r.captured as string),
    status: r.status as HoldStatus,
    expiresAt: r.expires_at as Date,
    createdAt: r.created_at as Date,
    settledAt: (r.settled_at as Date | null) ?? null,
    lots: (r.lots as Array<{ lotId: string; kind: LotKind; amount: string }>).map((l) => ({ lotId: l.lotId, kind: l.kind, amount: Money.of(l.amount) })),
  };
}

type WalletOpening = NonNullable<Extract<Command, { op: 'grant' }>['open']>;

/**
 * Creates the wallets a batch opens (in its transaction), each on its plan with that plan as the
 * first row of its plan history; returns the accounts whose wallet is new.
 */
async function openWallets(tx: Transaction, now: Date, opens: ReadonlyMap<string, WalletOpening>): Promise<Set<string>> {
  const accounts = [...opens.keys()];
  const { rows } = await tx.query<{ account_id: string }>(
    `with created as (
       insert into wallets (account_id, time_zone, low_balance, plan, created_at, updated_at)
       select account_id, time_zone, low_balance, plan, $5, $5
         from unnest($1::text[], $2::text[], $3::numeric[], $4::text[]) as v(account_id, time_zone, low_balance, plan)
       on conflict (account_id) do nothing returning account_id, plan),
     history as (insert into wallet_plan_changes (account_id, plan, from_plan, changed_at) select account_id, plan, null, $5 from created)
     select account_id from created`,
    [
      pgArray(accounts),
      pgArray(accounts.map((a) => opens.get(a)!.timeZone)),
      pgArray(accounts.map((a) => opens.get(a)!.lowBalance)),
      // A wallet opened before its plan was known (an old command replayed) is on the default plan.
      pgArray(accounts.map((a) => opens.get(a)!.plan ?? DEFAULT_PLAN)),
      now,
    ],
  );
  return new Set(rows.map((r) => r.account_id));
}

/** Every page of a cursor-paged read, in order (the CSV exports). */
async function allPages<T>(read: (before: string | undefined) => Promise<{ data: T[]; nextCursor: string | null }>): Promise<T[]> {
  const all: T[] = [];
  let before: string | undefined;
  do {
    const page = await read(before);
    all.push(...page.data);
    before = page.nextCursor ?? undefined;
  } while (before);
  return all;
}
