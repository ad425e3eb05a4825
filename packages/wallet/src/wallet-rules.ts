import { createHash } from 'node:crypto';
import { TollgateError, ValidationError } from '@tollgate/errors';
import { Money } from '@tollgate/money';
import { coverable, monthFor, type AllowanceMonth } from './allowance-period.js';
import { appliesTo, compareForChannel, compareLots } from './lot-order.js';
import { monthStart } from './quota-period.js';
import { fromJson, jsonOf } from './wallet-results.js';
import { usageKey } from './wallet-state.js';
import type {
  CapKind,
  Command,
  CommandResults,
  ExpiryResult,
  HoldState,
  IdPool,
  JsonObject,
  LotState,
  NewRecord,
  Op,
  Outcome,
  Posting,
  PriceRow,
  TxRow,
  WalletChanges,
  WalletEvent,
  WalletSnapshot,
} from './wallet-state.js';
import {
  CaptureExceedsHoldError,
  HoldNotFoundError,
  HoldNotPendingError,
  IdempotencyKeyReusedError,
  InsufficientFundsError,
  NoPriceError,
  NotClawableError,
  NotReversibleError,
  RefundBelowFeeError,
  RefundExceedsRefundableError,
  SpendingCapExceededError,
  TransactionNotFoundError,
  UnknownChannelError,
  WalletBlockedError,
} from './wallet.errors.js';
import type {
  CaptureResult,
  ChargeResult,
  ClawbackResult,
  GrantResult,
  HoldResult,
  Quote,
  QuoteCap,
  RefundResult,
  ReleaseResult,
  ReversalResult,
} from './wallet.types.js';

/*
 * The wallet's rules, one method per command, over one wallet's snapshot in memory: no I/O. The
 * service applies a transaction's commands here in arrival order, then hands `changes()` to the
 * writer. A refusal is an outcome, not an exception, so one refused command never fails the others.
 */

const ZERO = Money.zero();

/** The request fingerprint stored with an idempotency key. Kept byte for byte: stored hashes depend on it. */
export function requestHash(command: Command): string {
  const body = JSON.stringify(command, (key, value) =>
    key === 'idempotencyKey' || key === 'open' || key === 'provisional' ? undefined : value instanceof Money ? value.toString() : value,
  );
  return createHash('sha256').update(body).digest('hex');
}

/** "12.500000" → "12.5" */
export function trimUnits(units: Money): string {
  return units.toString().replace(/\.?0+$/, '') || '0';
}

type Taken = Array<{ lot: LotState; amount: Money }>;

/** A cap that applies to a spend, with this month's counter. */
type CapCheck = { kind: CapKind; target: string; limit: Money; used: Money; remaining: Money };

/**
 * What a charge or hold of `units` would do now, decided without changing anything: the same
 * object drives the hold (which then applies it) and the quote (which only reports it).
 */
interface SpendPlan {
  price: PriceRow;
  free: Money;
  /** Units a plan allowance covers (the W2 lane's part of #priceOf); zero until then. */
  allowance: Money;
  amount: Money;
  /** Credit that may pay for the channel, in spending order. */
  applicable: LotState[];
  applicableTotal: Money;
  /** Credit that exists but may only pay for other channels. */
  scopedElsewhere: Money;
  /** The lots the amount would be taken from (partial when they do not cover it). */
  split: Taken;
  covered: boolean;
  caps: CapCheck[];
  /** The first cap the amount would go over, if any. */
  capExceeded: CapCheck | null;
}
/** What a command did: its typed result and the same in JSON (stored for replays, sent as the event). */
type Done<R> = { result: R; json: JsonObject };
type Remembered = { operation: string; hash: string; outcome: Outcome | null };

export class WalletRules {
  readonly accountId: string;
  readonly #s: WalletSnapshot;
  readonly #now: Date;
  readonly #ids: IdPool;
  #available: Money;
  #pending: Money;
  #owed: Money;
  readonly #txs: TxRow[] = [];
  readonly #events: WalletEvent[] = [];
  readonly #touchedLots = new Set<LotState>();
  readonly #newLots = new Map<LotState, string | null>();
  readonly #touchedHolds = new Set<HoldState>();
  readonly #newHolds = new Set<HoldState>();
  readonly #quotaChanged = new Set<string>();
  readonly #spendChanged = new Map<string, { kind: CapKind; target: string }>();
  /** This month's allowance per channel once looked at (null: none), and the channels whose use changed. */
  readonly #allowanceMonths = new Map<string, AllowanceMonth | null>();
  readonly #allowanceChanged = new Set<string>();
  readonly #records: NewRecord[] = [];
  /** Outcomes decided in this transaction and stored ones revived for a replay, by key. */
  readonly #seen = new Map<string, Remembered>();
  readonly #reversed = new Set<string>();

  constructor(snapshot: WalletSnapshot, now: Date, ids: IdPool) {
    this.accountId = snapshot.accountId;
    this.#s = snapshot;
    this.#now = now;
    this.#ids = ids;
    this.#available = snapshot.available;
    this.#pending = snapshot.pending;
    this.#owed = snapshot.owed;
  }

  /** Applies one command: idempotent replay, then the command's rule, then debt settlement. */
  apply(command: Command): Outcome {
    const key = 'idempotencyKey' in command ? command.idempotencyKey : null;
    const hash = key ? requestHash(command) : '';
    if (key) {
      const seen = this.#recall(key);
      if (seen) {
        if (seen.operation !== command.op || seen.hash !== hash) return { ok: false, error: new IdempotencyKeyReusedError({ key, operation: command.op }) };
        if (seen.outcome) return seen.outcome;
      }
    }
    let outcome: Outcome;
    let stored: JsonObject;
    try {
      const done = this.#run(command);
      if (this.#owed.isPositive()) this.#settleDebt();
      outcome = { ok: true, result: done.result };
      stored = { ok: true, result: done.json };
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      outcome = { ok: false, error };
      // Input the request could never have had right (unknown channel, no price) is not remembered.
      if (error instanceof UnknownChannelError || error instanceof NoPriceError || error instanceof ValidationError) return outcome;
      // A provisional attempt waits for an auto-refill and tries again with the same key (C-3).
      if (error instanceof InsufficientFundsError && 'provisional' in command && command.provisional) return outcome;
      // Stored with its class name, code, status, message and details; a replay answers the same refusal.
      const refusal: JsonObject = { name: error.name, code: error.code, status: error.status, message: error.message };
      if (error.details !== undefined) refusal.details = error.details as JsonObject;
      stored = { ok: false, error: refusal };
    }
    if (key) {
      this.#seen.set(key, { operation: command.op, hash, outcome });
      this.#records.push({ key, operation: command.op, hash, response: stored });
    }
    return outcome;
  }

  /**
   * What `units` of a channel would cost now and whether the wallet covers it: the very plan a hold
   * makes (price in force, free quota, scoped lots, caps, a blocked wallet), with nothing booked.
   */
  quote(input: { channel: string; units: string; country: string | null; userId?: string | null }): Quote {
    const plan = this.#plan({ ...input, userId: input.userId ?? null });
    const blocked = this.#owed.isPositive();
    const reason = blocked ? 'wallet_blocked' : plan.capExceeded ? 'spending_cap_exceeded' : plan.covered ? null : 'insufficient_funds';
    let fromScoped = ZERO;
    let fromGeneral = ZERO;
    for (const t of plan.split)
      if (t.lot.scope === null) fromGeneral = fromGeneral.plus(t.amount);
      else fromScoped = fromScoped.plus(t.amount);
    const unitsM = Money.of(input.units);
    return {
      accountId: this.accountId,
      channel: input.channel,
      units: input.units,
      country: input.country,
      unitPrice: plan.price.unitPrice,
      freeUnits: trimUnits(plan.free),
      allowanceUnits: trimUnits(plan.allowance),
      amount: plan.amount,
      available: plan.applicableTotal,
      affordable: reason === null,
      reason,
      at: this.#now,
      breakdown: {
        freeUnits: trimUnits(plan.free),
        allowanceUnits: trimUnits(plan.allowance),
        paidUnits: trimUnits(unitsM.minus(plan.free).minus(plan.allowance)),
        fromScoped,
        fromGeneral,
      },
      lots: plan.covered ? plan.split.map((t) => ({ lotId: t.lot.id, kind: t.lot.kind, amount: t.amount })) : [],
      caps: plan.caps.map((c): QuoteCap => ({ kind: c.kind, target: c.target, limit: c.limit, used: c.used, remaining: c.remaining })),
      maxUnits: blocked ? '0' : this.#maxUnits(input.channel, plan),
      autoRefill: null,
    };
  }

  /**
   * The largest whole number of units whose price fits the applicable credit and every cap's
   * remaining: n − free units at the unit price, rounded half-up to the cent once, as #priceOf
   * prices. Exact: in integers of 10⁻⁶ (units) and 10⁻⁶ € (prices). null when the price is zero.
   */
  #maxUnits(channel: string, plan: SpendPlan): string | null {
    let budget = plan.applicableTotal;
    for (const c of plan.caps) budget = Money.min(budget, c.remaining);
    budget = Money.max(ZERO, budget);
    const up = scaled(plan.price.unitPrice.toString(), 6);
    if (up === 0n) return null;
    const freeLeft = scaled(this.#freePart(channel, Money.of('999999999999')).plus(plan.allowance).toString(), 6);
    // price(n) = round½↑(up·(n − f)) ≤ B ⇔ up·(n·10⁶ − f) < (B + 0.005)·10¹² (all in 10⁻¹² €)
    const limit = (scaled(budget.toString(), 6) + 5_000n) * 1_000_000n;
    const n = (limit - 1n + up * freeLeft) / (up * 1_000_000n);
    // A whole unit worth less than half a cent is refused as units_below_minimum: none can be had.
    if (n > 0n && up * n < 5_000n) return '0';
    return n.toString();
  }

  /** Everything the commands changed, for the writer. Adds the balance events; call once, after the last command. */
  changes(): WalletChanges {
    this.#balanceEvents();
    const changedLots: LotState[] = [];
    for (const lot of this.#touchedLots) if (!this.#newLots.has(lot)) changedLots.push(lot);
    const changedHolds: HoldState[] = [];
    for (const hold of this.#touchedHolds) if (!this.#newHolds.has(hold)) changedHolds.push(hold);
    return {
      accountId: this.accountId,
      period: this.#s.period,
      availableBefore: this.#s.available,
      available: this.#available,
      pending: this.#pending,
      owed: this.#owed,
      transactions: this.#txs,
      newLots: [...this.#newLots].map(([lot, transactionId]) => ({ lot, transactionId })),
      changedLots,
      newHolds: [...this.#newHolds],
      changedHolds,
      quota: [...this.#quotaChanged].map((channel): [string, Money] => [channel, this.#s.quotaUsed.get(channel) ?? ZERO]),
      spendUsage: [...this.#spendChanged].map(([key, c]) => ({ ...c, amount: this.#s.spendUsed.get(key) ?? ZERO })),
      allowances: [...this.#allowanceChanged].map((channel): [string, AllowanceMonth] => [channel, this.#allowanceMonths.get(channel)!]),
      records: this.#records,
      events: this.#events,
    };
  }

  #recall(key: string): Remembered | undefined {
    const seen = this.#seen.get(key);
    if (seen) return seen;
    const stored = this.#s.idempotency.get(key);
    if (!stored) return undefined;
    const remembered = { operation: stored.operation, hash: stored.hash, outcome: revive(stored.operation, stored.response) };
    this.#seen.set(key, remembered);
    return remembered;
  }

  #run(command: Command): Done<CommandResults[Op]> {
    switch (command.op) {
      case 'grant':
        return this.#grant(command);
      case 'charge':
        return this.#charge(command);
      case 'hold':
        return this.#hold(command);
      case 'capture':
        return this.#capture(command);
      case 'release':
        return this.#release(command);
      case 'reverse':
        return this.#reverse(command);
      case 'expire_lots':
        return this.#expireLots();
      case 'clawback':
        return this.#clawback(command);
      case 'refund':
        return this.#refund(command);
    }
  }

  /** The result in JSON once, for the idempotency record and, when `event` is given, as that event's payload. */
  #done<R extends object>(result: R, event?: string): Done<R> {
    const json = jsonOf(result);
    if (event) this.#events.push({ type: event, payload: json });
    return { result, json };
  }

  #nextId(kind: keyof IdPool): string {
    const id = this.#ids[kind].shift();
    if (!id) throw new Error(`WalletRules: ran out of preallocated ${kind} ids`);
    return id;
  }

  #record(row: Omit<TxRow, 'id' | 'balanceAfter'>): TxRow {
    let sum = ZERO;
    for (const p of row.postings) sum = sum.plus(p.amount);
    if (!sum.isZero()) throw new Error(`unbalanced transaction (${sum.toString()})`);
    const tx: TxRow = { ...row, id: this.#nextId('tx'), balanceAfter: this.#available };
    this.#txs.push(tx);
    return tx;
  }

  #touch(lot: LotState): void {
    this.#touchedLots.add(lot);
  }

  // ---- pricing and quota ------------------------------------------------------------------------

  /**
   * The catalog row in force for the channel on this wallet's plan (W-11): the plan's own rows for
   * the channel when it has any in force, else the default rows ('*'); within them the country's
   * own row before '*', the latest first. The catalog slice is shared by the batch's wallets, which
   * may be on other plans: only this wallet's plan and the default list are looked at.
   */
  #price(channel: string, country: string | null): PriceRow {
    const forChannel = this.#s.catalog.prices.filter((p) => p.channel === channel);
    const own = forChannel.filter((p) => p.plan === this.#s.plan);
    const rows = own.length > 0 ? own : forChannel.filter((p) => p.plan === '*');
    if (rows.length === 0) {
      if (this.#s.catalog.channels.has(channel)) throw new NoPriceError({ channel, country, at: this.#now.toISOString() });
      throw new UnknownChannelError(channel);
    }
    const price = (country ? rows.find((p) => p.country === country) : undefined) ?? rows.find((p) => p.country === '*');
    if (!price) throw new NoPriceError({ channel, country, at: this.#now.toISOString() });
    return price;
  }

  /** Units the free monthly quota still covers (W-8); nothing is booked. */
  #freePart(channel: string, units: Money): Money {
    const free = this.#s.catalog.freeUnits.get(channel);
    if (!free) return ZERO;
    const left = Money.max(ZERO, free.minus(this.#s.quotaUsed.get(channel) ?? ZERO));
    return Money.min(left, units);
  }

  /**
   * Price of `units` now: free quota first, then the plan's allowance (issue 22), the rest at the
   * price in force, rounded half-up to the cent once. Charge, hold and quote all price here.
   */
  #priceOf(channel: string, units: string, country: string | null): { price: PriceRow; free: Money; allowance: Money; amount: Money } {
    const unitsM = Money.of(units);
    const price = this.#price(channel, country);
    // A paid use whose price rounds to €0.00 would be free by rounding: refused (priced before the free quota).
    const worth = price.unitPrice.times(units);
    if (worth.isPositive() && worth.roundToCents().isZero())
      throw new ValidationError({
        code: 'units_below_minimum',
        message: `${units} units of ${channel} are worth ${worth.toString()} at ${price.unitPrice.toString()} per unit, which rounds to 0.00; a charge or hold must be worth at least 0.005`,
        details: { units, unitPrice: price.unitPrice.toString(), worth: worth.toString() },
      });
    const free = this.#freePart(channel, unitsM);
    const allowance = coverable({ month: this.#allowanceMonth(channel), units: unitsM.minus(free) });
    const amount = price.unitPrice.times(unitsM.minus(free).minus(allowance).toString()).roundToCents();
    return { price, free, allowance, amount };
  }

  #useQuota(channel: string, units: Money): void {
    if (units.isZero()) return;
    this.#s.quotaUsed.set(channel, (this.#s.quotaUsed.get(channel) ?? ZERO).plus(units));
    this.#quotaChanged.add(channel);
  }

  /** Free units a hold did not use go back, if it was placed this month (a past month's counter is history). */
  #returnQuota(hold: HoldState, units: Money): void {
    if (units.isZero() || monthStart(hold.createdAt, this.#s.timeZone) !== this.#s.period) return;
    this.#s.quotaUsed.set(hold.channel, Money.max(ZERO, (this.#s.quotaUsed.get(hold.channel) ?? ZERO).minus(units)));
    this.#quotaChanged.add(hold.channel);
  }

  // ---- spending caps ------------------------------------------------------------------------------

  #period(at: Date): string {
    return monthStart(at, this.#s.timeZone);
  }

  /** The local date the month's counters start again (YYYY-MM-01 of the next month). */
  #resetsAt(): string {
    const [y, m] = this.#s.period.split('-').map(Number) as [number, number];
    return `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01`;
  }

  /** The caps that apply to a spend of the channel by the user, with this month's counters. */
  #capsFor(channel: string, userId: string | null): CapCheck[] {
    const checks: CapCheck[] = [];
    for (const cap of this.#s.caps) {
      if (!((cap.kind === 'channel' && cap.target === channel) || (cap.kind === 'user' && userId !== null && cap.target === userId))) continue;
      const used = this.#s.spendUsed.get(usageKey(cap.kind, cap.target)) ?? ZERO;
      checks.push({ kind: cap.kind, target: cap.target, limit: cap.limit, used, remaining: Money.max(ZERO, cap.limit.minus(used)) });
    }
    return checks.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'channel' ? -1 : 1));
  }

  /** Moves this month's counters of the channel (and the user): positive when spent, negative when given back. */
  #count(channel: string, userId: string | null, delta: Money): void {
    if (delta.isZero()) return;
    const counters: Array<[CapKind, string]> = [['channel', channel]];
    if (userId) counters.push(['user', userId]);
    for (const [kind, target] of counters) {
      const key = usageKey(kind, target);
      const before = this.#s.spendUsed.get(key) ?? ZERO;
      const after = Money.max(ZERO, before.plus(delta));
      this.#s.spendUsed.set(key, after);
      this.#spendChanged.set(key, { kind, target });
      // Once per crossing: the spend that brings the counter up to its cap (a release below it and a new spend cross again).
      const cap = this.#s.caps.find((c) => c.kind === kind && c.target === target);
      if (cap && before.lessThan(cap.limit) && after.greaterThanOrEqual(cap.limit))
        this.#events.push({
          type: 'wallet.cap_reached',
          payload: { accountId: this.accountId, kind, target, limit: cap.limit.toString(), used: after.toString(), period: this.#s.period },
        });
    }
  }

  /** Gives back to the counters money a spend made at `at` no longer costs; a past month's counter is history. */
  #uncount(input: { channel: string; userId: string | null; at: Date; amount: Money }): void {
    if (this.#period(input.at) !== this.#s.period) return;
    this.#count(input.channel, input.userId, input.amount.negated());
  }

  // ---- plan allowances (issue 22) -------------------------------------------------------------------

  /** This month's allowance of the channel: the stored month rolled forward under the plan's rule; null when none. */
  #allowanceMonth(channel: string): AllowanceMonth | null {
    if (!this.#allowanceMonths.has(channel)) {
      const rule = this.#s.catalog.allowances.get(this.#s.plan)?.get(channel) ?? null;
      this.#allowanceMonths.set(channel, monthFor({ last: this.#s.allowanceLast.get(channel) ?? null, rule, period: this.#s.period }));
    }
    return this.#allowanceMonths.get(channel)!;
  }

  #useAllowance(channel: string, units: Money): void {
    const month = this.#allowanceMonth(channel);
    if (units.isZero() || !month) return;
    month.used = month.used.plus(units);
    this.#allowanceChanged.add(channel);
  }

  /** Allowance units a hold did not use go back, if it was placed this month (like #returnQuota). */
  #returnAllowance(hold: HoldState, units: Money): void {
    if (units.isZero() || monthStart(hold.createdAt, this.#s.timeZone) !== this.#s.period) return;
    const month = this.#allowanceMonth(hold.channel);
    if (!month) return;
    month.used = Money.max(ZERO, month.used.minus(units));
    this.#allowanceChanged.add(hold.channel);
  }

  // ---- lots ---------------------------------------------------------------------------------------

  /** Spendable lots (not expired, with credit left); for a channel: the lots that may pay for it, in its spending order. */
  #spendable(channel?: string): LotState[] {
    const lots: LotState[] = [];
    for (const l of this.#s.lots.values()) if (l.remaining.isPositive() && (l.expiresAt === null || l.expiresAt > this.#now)) lots.push(l);
    // Without a channel (refunds, debt settlement, totals) scopes do not matter: the W-4 order alone.
    if (channel === undefined) return lots.sort(compareLots);
    const order = { channel, tags: this.#s.catalog.tags.get(channel) ?? [] };
    return lots.filter((l) => appliesTo(l, order)).sort(compareForChannel(order));
  }

  #spendableTotal(): Money {
    let total = ZERO;
    for (const l of this.#spendable()) total = total.plus(l.remaining);
    return total;
  }

  /** The split `amount` would take from `lots` in their order, without taking it (partial when they do not cover it). */
  #splitOf(lots: LotState[], amount: Money): Taken {
    const split: Taken = [];
    let left = amount;
    for (const lot of lots) {
      if (left.isZero()) break;
      const part = Money.min(lot.remaining, left);
      if (part.isZero()) continue;
      left = left.minus(part);
      split.push({ lot, amount: part });
    }
    return split;
  }

  /** Takes `amount` from the given lots in their order; the caller has checked they cover it. */
  #takeFrom(lots: LotState[], amount: Money): Taken {
    const taken: Taken = [];
    let left = amount;
    for (const lot of lots) {
      if (left.isZero()) break;
      const part = Money.min(lot.remaining, left);
      if (part.isZero()) continue;
      lot.remaining = lot.remaining.minus(part);
      this.#touch(lot);
      left = left.minus(part);
      taken.push({ lot, amount: part });
    }
    if (!left.isZero()) throw new Error('lots do not cover the amount');
    return taken;
  }

  #checkNotBlocked(): void {
    if (this.#owed.isPositive()) throw new WalletBlockedError({ owed: this.#owed.toString() });
  }

  // ---- commands -----------------------------------------------------------------------------------

  #grant(c: Extract<Command, { op: 'grant' }>): Done<GrantResult> {
    const lot: LotState = {
      id: this.#nextId('lot'),
      kind: c.kind,
      granted: c.amount,
      remaining: c.amount,
      expiresAt: c.expiresAt,
      createdAt: this.#now,
      clawedBack: null,
      scope: c.scope ?? null,
    };
    this.#s.lots.set(lot.id, lot);
    this.#touch(lot);
    this.#available = this.#available.plus(c.amount);
    const tx = this.#record({
      type: 'grant',
      channel: null,
      description: c.description,
      amount: c.amount,
      holdId: null,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: { ...c.metadata, kind: c.kind, ...(c.scope ? { scope: c.scope } : {}) },
      postings: [
        { book: 'wallet', own: true, lotId: lot.id, channel: null, amount: c.amount },
        { book: c.kind === 'purchased' ? 'funding' : 'grants', own: false, lotId: null, channel: null, amount: c.amount.negated() },
      ],
    });
    this.#newLots.set(lot, tx.id);
    const result: GrantResult = {
      transactionId: tx.id,
      lotId: lot.id,
      accountId: this.accountId,
      kind: c.kind,
      amount: c.amount,
      expiresAt: c.expiresAt,
      balanceAfter: this.#available,
      createdAt: this.#now,
      scope: c.scope ? [...c.scope] : null,
    };
    return this.#done(result, 'wallet.topped_up');
  }

  /** The plan of a charge or hold, changing nothing: price, free quota, the applicable lots' split, caps. */
  #plan(input: { channel: string; units: string; country: string | null; userId: string | null }): SpendPlan {
    const { price, free, allowance, amount } = this.#priceOf(input.channel, input.units, input.country);
    const applicable = this.#spendable(input.channel);
    let applicableTotal = ZERO;
    for (const l of applicable) applicableTotal = applicableTotal.plus(l.remaining);
    const scopedElsewhere = this.#spendableTotal().minus(applicableTotal);
    const caps = this.#capsFor(input.channel, input.userId);
    const capExceeded = amount.isPositive() ? (caps.find((c) => amount.greaterThan(c.remaining)) ?? null) : null;
    const split = amount.isZero() ? [] : this.#splitOf(applicable, amount);
    return {
      price,
      free,
      allowance,
      amount,
      applicable,
      applicableTotal,
      scopedElsewhere,
      split,
      covered: !amount.greaterThan(applicableTotal),
      caps,
      capExceeded,
    };
  }

  /** Price, blocked wallet, caps, funds: what a charge and a hold both check before anything moves. */
  #spend(c: Extract<Command, { op: 'charge' | 'hold' }>): { price: PriceRow; free: Money; allowance: Money; amount: Money; taken: Taken } {
    this.#checkNotBlocked();
    const userId = c.userId ?? null;
    const plan = this.#plan({ channel: c.channel, units: c.units, country: c.country, userId });
    const { price, free, allowance, amount } = plan;
    // A refused charge spends nothing and uses no quota.
    if (plan.capExceeded) {
      const cap = plan.capExceeded;
      throw new SpendingCapExceededError({
        kind: cap.kind,
        target: cap.target,
        limit: cap.limit.toString(),
        used: cap.used.toString(),
        requested: amount.toString(),
        period: this.#s.period,
        resetsAt: this.#resetsAt(),
      });
    }
    if (!plan.covered)
      throw new InsufficientFundsError({
        required: amount.toString(),
        available: plan.applicableTotal.toString(),
        ...(plan.scopedElsewhere.isPositive() ? { scopedToOtherChannels: plan.scopedElsewhere.toString() } : {}),
      });
    this.#useQuota(c.channel, free);
    this.#useAllowance(c.channel, allowance);
    const taken = this.#takeFrom(
      plan.split.map((t) => t.lot),
      amount,
    );
    this.#available = this.#available.minus(amount);
    this.#count(c.channel, userId, amount);
    return { price, free, allowance, amount, taken };
  }

  #charge(c: Extract<Command, { op: 'charge' }>): Done<ChargeResult> {
    const { price, free, allowance, amount, taken } = this.#spend(c);
    const tx = this.#record({
      type: 'charge',
      channel: c.channel,
      description: c.description,
      amount: amount.negated(),
      holdId: null,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: {
        ...c.metadata,
        units: c.units,
        freeUnits: free.toString(),
        allowanceUnits: trimUnits(allowance),
        unitPrice: price.unitPrice.toString(),
        country: c.country,
        ...(c.userId ? { userId: c.userId } : {}),
      },
      postings: [
        ...taken.map((t) => ({ book: 'wallet' as const, own: true, lotId: t.lot.id, channel: null, amount: t.amount.negated() })),
        ...(amount.isZero() ? [] : [{ book: 'revenue' as const, own: false, lotId: null, channel: c.channel, amount }]),
      ],
    });
    const result: ChargeResult = {
      transactionId: tx.id,
      accountId: this.accountId,
      channel: c.channel,
      units: c.units,
      freeUnits: trimUnits(free),
      allowanceUnits: trimUnits(allowance),
      unitPrice: price.unitPrice,
      amount,
      balanceAfter: this.#available,
      lots: taken.map((t) => ({ lotId: t.lot.id, kind: t.lot.kind, amount: t.amount })),
      createdAt: this.#now,
    };
    return this.#done(result, 'wallet.charged');
  }

  #hold(c: Extract<Command, { op: 'hold' }>): Done<HoldResult> {
    const { price, free, allowance, amount, taken } = this.#spend(c);
    this.#pending = this.#pending.plus(amount);
    const hold: HoldState = {
      id: this.#nextId('hold'),
      channel: c.channel,
      description: c.description,
      units: c.units,
      country: c.country,
      unitPrice: price.unitPrice,
      amount,
      captured: ZERO,
      freeUnits: trimUnits(free),
      allowanceUnits: trimUnits(allowance),
      status: 'pending',
      // The default expiry is computed here, not by the caller, so it is not part of the request
      // fingerprint and a retry of the same hold is recognised.
      expiresAt: c.expiresAt ?? new Date(this.#now.getTime() + c.holdSeconds * 1000),
      createdAt: this.#now,
      settledAt: null,
      userId: c.userId ?? null,
      lots: taken.map((t) => ({ lotId: t.lot.id, amount: t.amount })),
    };
    this.#s.holds.set(hold.id, hold);
    this.#newHolds.add(hold);
    this.#touchedHolds.add(hold);
    this.#record({
      type: 'hold',
      channel: c.channel,
      description: c.description,
      amount: amount.negated(),
      holdId: hold.id,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: {
        ...c.metadata,
        units: c.units,
        freeUnits: hold.freeUnits,
        allowanceUnits: hold.allowanceUnits,
        unitPrice: price.unitPrice.toString(),
        country: c.country,
        period: this.#s.period,
      },
      postings: taken.flatMap((t) => [
        { book: 'wallet' as const, own: true, lotId: t.lot.id, channel: null, amount: t.amount.negated() },
        { book: 'holds' as const, own: true, lotId: t.lot.id, channel: c.channel, amount: t.amount },
      ]),
    });
    return this.#done(this.#holdResult(hold), 'wallet.hold_placed');
  }

  #pendingHold(holdId: string): HoldState {
    const hold = this.#s.holds.get(holdId);
    if (!hold) throw new HoldNotFoundError(holdId);
    if (hold.status !== 'pending') throw new HoldNotPendingError({ holdId, status: hold.status });
    if (hold.expiresAt <= this.#now) throw new HoldNotPendingError({ holdId, status: 'expired' });
    return hold;
  }

  #capture(c: Extract<Command, { op: 'capture' }>): Done<CaptureResult> {
    const hold = this.#pendingHold(c.holdId);
    const heldFree = Money.of(hold.freeUnits);
    const heldAllowance = Money.of(hold.allowanceUnits);
    let amount: Money;
    let freeUsed = heldFree;
    let allowanceUsed = heldAllowance;
    if (c.amount) {
      amount = c.amount;
    } else if (c.units !== null) {
      const units = Money.of(c.units);
      freeUsed = Money.min(units, heldFree);
      allowanceUsed = Money.min(units.minus(freeUsed), heldAllowance);
      amount = hold.unitPrice.times(units.minus(freeUsed).minus(allowanceUsed).toString()).roundToCents();
    } else {
      amount = hold.amount;
    }
    if (amount.greaterThan(hold.amount)) throw new CaptureExceedsHoldError({ holdId: hold.id, requested: amount.toString(), held: hold.amount.toString() });
    if (amount.isNegative()) throw new ValidationError({ message: 'A capture cannot be negative' });

    // Captured money leaves the holds book lot by lot, in the order the lots were held; the rest goes back.
    const postings: Posting[] = [];
    let left = amount;
    for (const part of hold.lots) {
      const lot = this.#s.lots.get(part.lotId)!;
      const captured = Money.min(part.amount, left);
      left = left.minus(captured);
      const back = part.amount.minus(captured);
      if (captured.isPositive()) {
        postings.push({ book: 'holds', own: true, lotId: lot.id, channel: hold.channel, amount: captured.negated() });
        postings.push({ book: 'revenue', own: false, lotId: null, channel: hold.channel, amount: captured });
      }
      if (back.isPositive()) {
        postings.push({ book: 'holds', own: true, lotId: lot.id, channel: hold.channel, amount: back.negated() });
        postings.push({ book: 'wallet', own: true, lotId: lot.id, channel: null, amount: back });
        lot.remaining = lot.remaining.plus(back);
        this.#touch(lot);
      }
    }
    const released = hold.amount.minus(amount);
    this.#pending = this.#pending.minus(hold.amount);
    this.#available = this.#available.plus(released);
    this.#returnQuota(hold, heldFree.minus(freeUsed));
    this.#uncount({ channel: hold.channel, userId: hold.userId, at: hold.createdAt, amount: released });
    this.#returnAllowance(hold, heldAllowance.minus(allowanceUsed));
    hold.status = 'captured';
    hold.captured = amount;
    hold.settledAt = this.#now;
    this.#touchedHolds.add(hold);
    const tx = this.#record({
      type: 'capture',
      channel: hold.channel,
      description: hold.description,
      amount: released,
      holdId: hold.id,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: { captured: amount.toString(), released: released.toString(), units: c.units ?? hold.units, allowanceUnits: trimUnits(allowanceUsed) },
      postings,
    });
    const result: CaptureResult = { ...this.#holdResult(hold), status: 'captured', transactionId: tx.id, balanceAfter: this.#available };
    const done = this.#done(result, 'wallet.hold_captured');
    this.#events.push({
      type: 'wallet.charged',
      payload: {
        transactionId: tx.id,
        accountId: this.accountId,
        channel: hold.channel,
        amount: amount.toString(),
        holdId: hold.id,
        balanceAfter: this.#available.toString(),
      },
    });
    return done;
  }

  #release(c: Extract<Command, { op: 'release' }>): Done<ReleaseResult> {
    const hold = this.#s.holds.get(c.holdId);
    if (!hold) throw new HoldNotFoundError(c.holdId);
    if (hold.status !== 'pending') throw new HoldNotPendingError({ holdId: hold.id, status: hold.status });
    if (c.reason === 'released' && hold.expiresAt <= this.#now) throw new HoldNotPendingError({ holdId: hold.id, status: 'expired' });
    const postings: Posting[] = [];
    for (const part of hold.lots) {
      const lot = this.#s.lots.get(part.lotId)!;
      postings.push({ book: 'holds', own: true, lotId: lot.id, channel: hold.channel, amount: part.amount.negated() });
      postings.push({ book: 'wallet', own: true, lotId: lot.id, channel: null, amount: part.amount });
      lot.remaining = lot.remaining.plus(part.amount);
      this.#touch(lot);
    }
    this.#pending = this.#pending.minus(hold.amount);
    this.#available = this.#available.plus(hold.amount);
    this.#returnQuota(hold, Money.of(hold.freeUnits));
    this.#uncount({ channel: hold.channel, userId: hold.userId, at: hold.createdAt, amount: hold.amount });
    this.#returnAllowance(hold, Money.of(hold.allowanceUnits));
    hold.status = c.reason;
    hold.settledAt = this.#now;
    this.#touchedHolds.add(hold);
    const tx = this.#record({
      type: 'release',
      channel: hold.channel,
      description: hold.description,
      amount: hold.amount,
      holdId: hold.id,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: { reason: c.reason },
      postings,
    });
    const result: ReleaseResult = { ...this.#holdResult(hold), status: c.reason, transactionId: tx.id, balanceAfter: this.#available };
    return this.#done(result, c.reason === 'expired' ? 'wallet.hold_expired' : 'wallet.hold_released');
  }

  #holdResult(hold: HoldState): HoldResult {
    return {
      holdId: hold.id,
      accountId: this.accountId,
      channel: hold.channel,
      description: hold.description,
      units: hold.units,
      country: hold.country,
      unitPrice: hold.unitPrice,
      freeUnits: hold.freeUnits,
      allowanceUnits: hold.allowanceUnits,
      amount: hold.amount,
      captured: hold.captured,
      status: hold.status,
      expiresAt: hold.expiresAt,
      createdAt: hold.createdAt,
      settledAt: hold.settledAt,
      lots: hold.lots.map((l) => ({ lotId: l.lotId, kind: this.#s.lots.get(l.lotId)!.kind, amount: l.amount })),
    };
  }

  #reverse(c: Extract<Command, { op: 'reverse' }>): Done<ReversalResult> {
    const original = this.#s.reversalSources.get(c.transactionId);
    if (!original) throw new TransactionNotFoundError(c.transactionId);
    if (original.type !== 'charge' && original.type !== 'capture')
      throw new NotReversibleError({ transactionId: c.transactionId, reason: `a ${original.type} is not a spend` });
    if (original.reversed || this.#reversed.has(c.transactionId))
      throw new NotReversibleError({ transactionId: c.transactionId, reason: 'it was already reversed' });
    const postings: Posting[] = [];
    let amount = ZERO;
    for (const p of original.postings) {
      if (p.book !== 'revenue') continue;
      postings.push({ book: 'revenue', own: false, lotId: null, channel: p.channel, amount: p.amount.negated() });
      amount = amount.plus(p.amount);
    }
    if (amount.isZero()) throw new NotReversibleError({ transactionId: c.transactionId, reason: 'nothing was spent' });
    // Spent money goes back into the lots it came from (a charge: its wallet postings; a capture: its captured holds postings).
    const sourceBook = original.type === 'charge' ? 'wallet' : 'holds';
    let left = amount;
    for (const p of original.postings) {
      if (left.isZero()) break;
      if (!p.lotId || !p.amount.isNegative() || p.book !== sourceBook) continue;
      const part = Money.min(p.amount.negated(), left);
      const lot = this.#s.lots.get(p.lotId)!;
      lot.remaining = lot.remaining.plus(part);
      this.#touch(lot);
      postings.push({ book: 'wallet', own: true, lotId: lot.id, channel: null, amount: part });
      left = left.minus(part);
    }
    this.#available = this.#available.plus(amount);
    this.#reversed.add(c.transactionId);
    if (original.channel) this.#uncount({ channel: original.channel, userId: original.userId, at: original.createdAt, amount });
    const tx = this.#record({
      type: 'reversal',
      channel: original.channel,
      description: `Refund: ${original.description}`,
      amount,
      holdId: null,
      reversesId: c.transactionId,
      idempotencyKey: c.idempotencyKey,
      metadata: { reason: c.reason },
      postings,
    });
    const result: ReversalResult = {
      transactionId: tx.id,
      reversesId: c.transactionId,
      accountId: this.accountId,
      amount,
      balanceAfter: this.#available,
      reason: c.reason,
      createdAt: this.#now,
    };
    return this.#done(result, 'wallet.refunded');
  }

  /** Books every expired lot's remaining credit to the expired book, one transaction per lot. */
  #expireLots(): Done<ExpiryResult> {
    const result: ExpiryResult = { expiredLots: [], transactionIds: [] };
    for (const lot of this.#s.lots.values()) {
      if (!lot.remaining.isPositive() || lot.expiresAt === null || lot.expiresAt > this.#now) continue;
      const amount = lot.remaining;
      lot.remaining = ZERO;
      this.#touch(lot);
      this.#available = this.#available.minus(amount);
      const tx = this.#record({
        type: 'expire_lot',
        channel: null,
        description: `Expired ${lot.kind} credit`,
        amount: amount.negated(),
        holdId: null,
        reversesId: null,
        idempotencyKey: null,
        metadata: { lotId: lot.id, kind: lot.kind },
        postings: [
          { book: 'wallet', own: true, lotId: lot.id, channel: null, amount: amount.negated() },
          { book: 'expired', own: false, lotId: null, channel: null, amount },
        ],
      });
      result.expiredLots.push(lot.id);
      result.transactionIds.push(tx.id);
      this.#events.push({
        type: 'wallet.credit_expired',
        payload: {
          transactionId: tx.id,
          accountId: this.accountId,
          lotId: lot.id,
          kind: lot.kind,
          amount: amount.toString(),
          balanceAfter: this.#available.toString(),
        },
      });
    }
    return this.#done(result);
  }

  /**
   * A purchase's payment failed or was reversed (C-1): its unspent credit leaves the lot, and what was
   * already spent or held becomes owed (receivables). The lot is marked so it is never clawed twice.
   */
  #clawback(c: Extract<Command, { op: 'clawback' }>): Done<ClawbackResult> {
    const lot = this.#s.lots.get(c.lotId);
    if (!lot) throw new NotClawableError({ lotId: c.lotId, reason: 'no such lot in this wallet' });
    if (lot.kind !== 'purchased') throw new NotClawableError({ lotId: c.lotId, reason: `it is ${lot.kind} credit, not a purchase` });
    if (lot.clawedBack) throw new NotClawableError({ lotId: c.lotId, reason: 'it was already clawed back' });
    const recovered = lot.remaining;
    const shortfall = lot.granted.minus(recovered);
    lot.remaining = ZERO;
    lot.clawedBack = this.#now;
    this.#touch(lot);
    this.#available = this.#available.minus(recovered);
    this.#owed = this.#owed.plus(shortfall);
    const tx = this.#record({
      type: 'clawback',
      channel: null,
      description: c.description,
      amount: recovered.negated(),
      holdId: null,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: { lotId: lot.id, reason: c.reason, granted: lot.granted.toString(), recovered: recovered.toString(), shortfall: shortfall.toString() },
      postings: [
        ...(recovered.isZero() ? [] : [{ book: 'wallet' as const, own: true, lotId: lot.id, channel: null, amount: recovered.negated() }]),
        { book: 'funding' as const, own: false, lotId: null, channel: null, amount: lot.granted },
        ...(shortfall.isZero() ? [] : [{ book: 'receivables' as const, own: true, lotId: null, channel: null, amount: shortfall.negated() }]),
      ],
    });
    const result: ClawbackResult = {
      transactionId: tx.id,
      accountId: this.accountId,
      lotId: lot.id,
      amount: lot.granted,
      recovered,
      shortfall,
      owed: this.#owed,
      balanceAfter: this.#available,
      reason: c.reason,
      createdAt: this.#now,
    };
    return this.#done(result, 'wallet.clawed_back');
  }

  /** Pays what the wallet owes from purchased credit as soon as there is some (a new purchase, a released hold). */
  #settleDebt(): void {
    const purchased = this.#spendable().filter((l) => l.kind === 'purchased');
    let spendable = ZERO;
    for (const l of purchased) spendable = spendable.plus(l.remaining);
    const amount = Money.min(this.#owed, spendable);
    if (!amount.isPositive()) return;
    const taken = this.#takeFrom(purchased, amount);
    this.#available = this.#available.minus(amount);
    this.#owed = this.#owed.minus(amount);
    const tx = this.#record({
      type: 'settle',
      channel: null,
      description: 'Settlement of a reversed payment',
      amount: amount.negated(),
      holdId: null,
      reversesId: null,
      idempotencyKey: null,
      metadata: { owed: this.#owed.toString() },
      postings: [
        ...taken.map((t) => ({ book: 'wallet' as const, own: true, lotId: t.lot.id, channel: null, amount: t.amount.negated() })),
        { book: 'receivables' as const, own: true, lotId: null, channel: null, amount },
      ],
    });
    this.#events.push({
      type: 'wallet.debt_settled',
      payload: {
        transactionId: tx.id,
        accountId: this.accountId,
        amount: amount.toString(),
        owed: this.#owed.toString(),
        balanceAfter: this.#available.toString(),
      },
    });
    if (this.#owed.isZero()) this.#events.push({ type: 'wallet.unblocked', payload: { accountId: this.accountId } });
  }

  /**
   * Exchanges unspent purchased credit back into money (C-5): the payout and the administrative fee
   * are two entries. Trial, promo and referral credit is never refunded.
   */
  #refund(c: Extract<Command, { op: 'refund' }>): Done<RefundResult> {
    this.#checkNotBlocked();
    const purchased = this.#spendable().filter((l) => l.kind === 'purchased');
    let refundable = ZERO;
    for (const l of purchased) refundable = refundable.plus(l.remaining);
    if (c.amount.greaterThan(refundable)) throw new RefundExceedsRefundableError({ requested: c.amount.toString(), refundable: refundable.toString() });
    if (!c.amount.greaterThan(c.fee)) throw new RefundBelowFeeError({ requested: c.amount.toString(), fee: c.fee.toString() });
    const payout = c.amount.minus(c.fee);
    const paid = this.#takeFrom(purchased, payout);
    this.#available = this.#available.minus(payout);
    const refundTx = this.#record({
      type: 'refund',
      channel: null,
      description: c.description,
      amount: payout.negated(),
      holdId: null,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: { ...c.metadata, credits: c.amount.toString(), fee: c.fee.toString(), payout: payout.toString() },
      postings: [
        ...paid.map((t) => ({ book: 'wallet' as const, own: true, lotId: t.lot.id, channel: null, amount: t.amount.negated() })),
        { book: 'funding' as const, own: false, lotId: null, channel: null, amount: payout },
      ],
    });
    let feeTx: TxRow | null = null;
    let feeTaken: Taken = [];
    if (c.fee.isPositive()) {
      feeTaken = this.#takeFrom(
        this.#spendable().filter((l) => l.kind === 'purchased'),
        c.fee,
      );
      this.#available = this.#available.minus(c.fee);
      feeTx = this.#record({
        type: 'fee',
        channel: 'refund_fee',
        description: 'Administrative fee for a refund',
        amount: c.fee.negated(),
        holdId: null,
        reversesId: null,
        idempotencyKey: null,
        metadata: { refundTransactionId: refundTx.id },
        postings: [
          ...feeTaken.map((t) => ({ book: 'wallet' as const, own: true, lotId: t.lot.id, channel: null, amount: t.amount.negated() })),
          { book: 'revenue' as const, own: false, lotId: null, channel: 'refund_fee', amount: c.fee },
        ],
      });
    }
    const result: RefundResult = {
      refundTransactionId: refundTx.id,
      feeTransactionId: feeTx?.id ?? null,
      accountId: this.accountId,
      credits: c.amount,
      fee: c.fee,
      payout,
      balanceAfter: this.#available,
      lots: [...paid, ...feeTaken].map((t) => ({ lotId: t.lot.id, kind: t.lot.kind, amount: t.amount })),
      createdAt: this.#now,
    };
    return this.#done(result, 'wallet.credits_refunded');
  }

  /** low_balance when the balance crosses the account's threshold downwards; depleted when it reaches zero; blocked when a debt appears. */
  #balanceEvents(): void {
    const before = this.#s.available;
    const after = this.#available;
    const threshold = this.#s.lowBalance;
    if (before.greaterThanOrEqual(threshold) && after.lessThan(threshold)) {
      this.#events.push({ type: 'wallet.low_balance', payload: { accountId: this.accountId, available: after.toString(), threshold: threshold.toString() } });
    }
    if (before.isPositive() && after.isZero()) {
      this.#events.push({ type: 'wallet.depleted', payload: { accountId: this.accountId, available: after.toString() } });
    }
    if (this.#s.owed.isZero() && this.#owed.isPositive()) {
      this.#events.push({ type: 'wallet.blocked', payload: { accountId: this.accountId, owed: this.#owed.toString() } });
    }
  }
}

/** A stored outcome back in typed form; null for a record that holds neither a result nor an error. */
function revive(operation: string, stored: unknown): Outcome | null {
  const s = stored as { ok: boolean; result?: Record<string, unknown>; error?: { code: string; status: number; message: string; details?: unknown } };
  if (s.ok) return { ok: true, result: fromJson[operation as Op](s.result!) };
  if (!s.error) return null;
  return { ok: false, error: new TollgateError({ code: s.error.code, status: s.error.status, message: s.error.message, details: s.error.details }) };
}

/** A decimal string as an integer of 10^-decimals ("0.0125", 6 → 12500n); the string has at most that many decimals. */
function scaled(value: string, decimals: number): bigint {
  const negative = value.startsWith('-');
  const [whole, frac = ''] = (negative ? value.slice(1) : value).split('.');
  const n = BigInt(whole! + frac.padEnd(decimals, '0').slice(0, decimals));
  return negative ? -n : n;
}
