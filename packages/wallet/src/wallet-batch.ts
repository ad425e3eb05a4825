import { createHash } from 'node:crypto';
import { pgArray, type Transaction } from '@tollgate/db';
import { TollgateError, ValidationError } from '@tollgate/errors';
import { Money } from '@tollgate/money';
import { compareLots } from './lot-order.js';
import { monthStart } from './quota-period.js';
import {
  CaptureExceedsHoldError,
  NotClawableError,
  RefundBelowFeeError,
  RefundExceedsRefundableError,
  WalletBlockedError,
  HoldNotFoundError,
  HoldNotPendingError,
  IdempotencyKeyReusedError,
  InsufficientFundsError,
  NoPriceError,
  NotReversibleError,
  TransactionNotFoundError,
  UnknownChannelError,
} from './wallet.errors.js';
import type { LotKind, TransactionType } from './wallet.types.js';

/*
 * One batch = one database transaction on one wallet. The wallet row is locked first, the
 * state the commands need is read once, every command is applied in memory in arrival order,
 * and everything is written back with a fixed number of multi-row statements. This is how
 * concurrent charges on one hot wallet get past the one-row-lock ceiling (group commit).
 */

export type Command =
  | { op: 'grant'; idempotencyKey: string; kind: LotKind; amount: Money; expiresAt: Date | null; description: string; metadata: object; open?: { timeZone: string; lowBalance: string } }
  | { op: 'charge'; idempotencyKey: string; channel: string; units: string; country: string | null; description: string; metadata: object; provisional?: boolean }
  | { op: 'hold'; idempotencyKey: string; channel: string; units: string; country: string | null; description: string; expiresAt: Date | null; holdSeconds: number; metadata: object; provisional?: boolean }
  | { op: 'capture'; idempotencyKey: string; holdId: string; units: string | null; amount: Money | null }
  | { op: 'release'; idempotencyKey: string | null; holdId: string; reason: 'released' | 'expired' }
  | { op: 'reverse'; idempotencyKey: string; transactionId: string; reason: string }
  | { op: 'expire_lots' }
  | { op: 'clawback'; idempotencyKey: string; lotId: string; reason: string; description: string }
  | { op: 'refund'; idempotencyKey: string; amount: Money; fee: Money; description: string; metadata: object };

/** What a command produced: a JSON-safe result (stored for idempotent replays) or a refusal. */
export type Outcome = { ok: true; result: Record<string, unknown> } | { ok: false; error: TollgateError };

interface LotState {
  id: string;
  kind: LotKind;
  granted: Money;
  remaining: Money;
  expiresAt: Date | null;
  createdAt: Date;
  clawedBack: Date | null;
  isNew: boolean;
  dirty: boolean;
}

interface HoldState {
  id: string;
  channel: string;
  description: string;
  units: string;
  country: string | null;
  unitPrice: Money;
  amount: Money;
  captured: Money;
  freeUnits: string;
  status: 'pending' | 'captured' | 'released' | 'expired';
  expiresAt: Date;
  createdAt: Date;
  settledAt: Date | null;
  lots: Array<{ lotId: string; amount: Money }>;
  isNew: boolean;
  dirty: boolean;
}

interface Posting {
  book: 'wallet' | 'holds' | 'revenue' | 'grants' | 'funding' | 'expired' | 'receivables';
  own: boolean; // belongs to the wallet's account (wallet, holds and receivables books)
  lotId: string | null;
  channel: string | null;
  amount: Money;
}

interface TxRow {
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

export interface WalletEvent {
  type: string;
  payload: Record<string, unknown>;
}

const ZERO = Money.zero();
const money = (value: unknown) => Money.of(String(value));

function requestHash(command: Command): string {
  const body = JSON.stringify(command, (key, value) => (key === 'idempotencyKey' || key === 'open' || key === 'provisional' ? undefined : value instanceof Money ? value.toString() : value));
  return createHash('sha256').update(body).digest('hex');
}

/** A price row as loaded from the catalog. */
interface PriceRow {
  channel: string;
  unit: string;
  country: string;
  unitPrice: Money;
  effectiveFrom: Date;
}

/** Ids taken from the sequences up front for a whole transaction; batches take from it in turn. */
export interface IdPool {
  tx: string[];
  lot: string[];
  hold: string[];
}

/** One account's commands in a transaction. */
export interface AccountCommands {
  accountId: string;
  commands: readonly Command[];
}

export class WalletBatch {
  readonly events: WalletEvent[] = [];
  #available!: Money;
  #pending!: Money;
  #owed!: Money;
  #startOwed!: Money;
  #lowBalance!: Money;
  #timeZone!: string;
  #lots = new Map<string, LotState>();
  #holds = new Map<string, HoldState>();
  #txs: TxRow[] = [];
  #idem = new Map<string, { operation: string; hash: string; response: Outcome | null; isNew: boolean }>();
  #prices: PriceRow[] = [];
  #quotaFree = new Map<string, Money>();
  #quotaUsed = new Map<string, { used: Money; dirty: boolean }>();
  #reversed = new Set<string>();
  #known = new Set<string>();
  #period!: string;
  #startAvailable!: Money;

  private constructor(
    private readonly accountId: string,
    private readonly now: Date,
    private readonly ids: IdPool,
  ) {}

  /**
   * Locks the wallets of every account in `requests` (in account order, so hosts never deadlock)
   * and reads everything their commands need in one more statement, after the lock, so it sees
   * what the previous holder committed. Returns a batch per account that has a wallet.
   */
  static async loadAll(tx: Transaction, now: Date, requests: readonly AccountCommands[]): Promise<Map<string, WalletBatch>> {
    const accounts = [...new Set(requests.map((r) => r.accountId))].sort();
    const { rows: wallets } = await tx.query<{ account_id: string; available: string; pending: string; owed: string; low_balance: string; time_zone: string }>(
      'select account_id, available, pending, owed, low_balance, time_zone from wallets where account_id = any($1::text[]) order by account_id for update',
      [pgArray(accounts)],
    );
    const ids: IdPool = { tx: [], lot: [], hold: [] };
    const batches = new Map<string, WalletBatch>();
    for (const w of wallets) {
      const batch = new WalletBatch(w.account_id, now, ids);
      batch.#available = money(w.available);
      batch.#startAvailable = batch.#available;
      batch.#pending = money(w.pending);
      batch.#owed = money(w.owed);
      batch.#startOwed = batch.#owed;
      batch.#lowBalance = money(w.low_balance);
      batch.#timeZone = w.time_zone;
      batch.#period = monthStart(now, w.time_zone);
      batches.set(w.account_id, batch);
    }
    const live = requests.filter((r) => batches.has(r.accountId));
    if (!live.length) return batches;

    const keyPairs: Array<[string, string]> = [];
    const usage: Array<[string, string, string]> = [];
    const periods: Array<[string, string]> = [];
    const lotAccounts: string[] = [];
    const expiringAccounts: string[] = [];
    const channels = new Set<string>();
    const holdIds = new Set<string>();
    const reverseIds = new Set<string>();
    const clawLots = new Set<string>();
    let commandCount = 0;
    let grants = 0;
    let holds = 0;
    for (const { accountId, commands } of live) {
      const period = batches.get(accountId)!.#period;
      periods.push([accountId, period]);
      commandCount += commands.length;
      for (const c of commands) {
        if ('idempotencyKey' in c && c.idempotencyKey) keyPairs.push([accountId, c.idempotencyKey]);
        if (c.op === 'charge' || c.op === 'hold') {
          channels.add(c.channel);
          usage.push([accountId, c.channel, period]);
        }
        if (c.op === 'capture' || c.op === 'release') holdIds.add(c.holdId);
        if (c.op === 'reverse') reverseIds.add(c.transactionId);
        if (c.op === 'clawback') clawLots.add(c.lotId);
        if (c.op === 'grant') grants++;
        if (c.op === 'hold') holds++;
      }
      if (commands.some((c) => c.op !== 'grant')) lotAccounts.push(accountId);
      if (commands.some((c) => c.op === 'expire_lots')) expiringAccounts.push(accountId);
    }

    const { rows: [state] } = await tx.query<{
      idem: Array<{ accountId: string; key: string; operation: string; hash: string; response: unknown }>;
      lots: Array<{ accountId: string; id: string; kind: LotKind; granted: string; remaining: string; expiresAt: string | null; createdAt: string; clawedBack: string | null }>;
      prices: Array<{ channel: string; unit: string; country: string; unitPrice: string; effectiveFrom: string; freeUnits: string | null }>;
      usage: Array<{ accountId: string; channel: string; used: string }>;
      holds: Array<Record<string, unknown> & { lots: Array<{ lotId: string; amount: string }> }>;
      reversals: Array<{ id: string; accountId: string; type: TransactionType; channel: string | null; description: string; reversed: boolean; postings: Array<{ book: Posting['book']; lotId: string | null; channel: string | null; amount: string }> }>;
      known: string[] | null;
      tx_ids: string[] | null;
      lot_ids: string[] | null;
      hold_ids: string[] | null;
    }>(
      `select
         (select coalesce(json_agg(json_build_object('accountId', account_id, 'key', key, 'operation', operation, 'hash', request_hash, 'response', response)), '[]')
            from idempotency_keys where (account_id, key) in (select * from unnest($1::text[], $2::text[]))) as idem,
         (select coalesce(json_agg(json_build_object('accountId', account_id, 'id', id::text, 'kind', kind, 'granted', granted::text,
                                                     'remaining', remaining::text, 'expiresAt', expires_at, 'createdAt', created_at,
                                                     'clawedBack', clawed_back_at)), '[]')
            from credit_lots
           where account_id = any($3::text[])
             and (remaining > 0 or id = any($16::bigint[]) or id in (select lot_id from hold_lots where hold_id = any($5::bigint[]))
                  or id in (select lot_id from ledger_postings where transaction_id = any($6::bigint[]) and lot_id is not null))) as lots,
         (select coalesce(json_agg(json_build_object('channel', p.channel, 'unit', p.unit, 'country', p.country, 'unitPrice', p.unit_price::text,
                                                     'effectiveFrom', p.effective_from, 'freeUnits', q.free_units::text)
                               order by p.effective_from desc), '[]')
            from prices p left join channel_quotas q on q.channel = p.channel
           where p.channel = any($4::text[]) and p.effective_from <= $7) as prices,
         (select coalesce(json_agg(json_build_object('accountId', u.account_id, 'channel', u.channel, 'used', u.used::text)), '[]')
            from quota_usage u
           where (u.account_id, u.period) in (select * from unnest($8::text[], $9::date[]))
             and ((u.account_id, u.channel) in (select * from unnest($10::text[], $11::text[]))
                  or (u.account_id, u.channel) in (select account_id, channel from holds where id = any($5::bigint[])))) as usage,
         (select coalesce(json_agg(json_build_object('id', h.id::text, 'account_id', h.account_id, 'channel', h.channel, 'description', h.description,
                                                     'units', h.units::text, 'country', h.country, 'unit_price', h.unit_price::text, 'amount', h.amount::text,
                                                     'captured', h.captured::text, 'free_units', h.free_units::text, 'status', h.status,
                                                     'expires_at', h.expires_at, 'created_at', h.created_at, 'settled_at', h.settled_at,
                                                     'lots', (select coalesce(json_agg(json_build_object('lotId', hl.lot_id::text, 'amount', hl.amount::text)), '[]')
                                                                from hold_lots hl where hl.hold_id = h.id))), '[]')
            from holds h where h.id = any($5::bigint[]) and h.account_id = any($3::text[])) as holds,
         (select coalesce(json_agg(json_build_object('id', t.id::text, 'accountId', t.account_id, 'type', t.type, 'channel', t.channel,
                                                     'description', t.description,
                                                     'reversed', exists (select 1 from ledger_transactions r where r.reverses_id = t.id),
                                                     'postings', (select json_agg(json_build_object('book', p.book, 'lotId', p.lot_id::text, 'channel', p.channel,
                                                                                                    'amount', p.amount::text) order by p.seq)
                                                                    from ledger_postings p where p.transaction_id = t.id))), '[]')
            from ledger_transactions t where t.id = any($6::bigint[]) and t.account_id = any($3::text[])) as reversals,
         (select array_agg(distinct channel) from prices where channel = any($4::text[])) as known,
         (select array_agg(nextval('ledger_transactions_id_seq')) from generate_series(1, $12::int
            + (select count(*)::int from credit_lots where account_id = any($13::text[]) and remaining > 0 and expires_at <= $7))) as tx_ids,
         (select array_agg(nextval('credit_lots_id_seq')) from generate_series(1, $14::int)) as lot_ids,
         (select array_agg(nextval('holds_id_seq')) from generate_series(1, $15::int)) as hold_ids`,
      [
        pgArray(keyPairs.map(([a]) => a)),
        pgArray(keyPairs.map(([, k]) => k)),
        pgArray(lotAccounts),
        pgArray([...channels]),
        pgArray([...holdIds]),
        pgArray([...reverseIds]),
        now,
        pgArray(periods.map(([a]) => a)),
        pgArray(periods.map(([, p]) => p)),
        pgArray(usage.map(([a]) => a)),
        pgArray(usage.map(([, c]) => c)),
        commandCount * 3, // a command writes at most three transactions (refund + fee, or one + a debt settlement)
        pgArray(expiringAccounts),
        grants,
        holds,
        pgArray([...clawLots]),
      ],
    );

    ids.tx.push(...(state!.tx_ids ?? []));
    ids.lot.push(...(state!.lot_ids ?? []));
    ids.hold.push(...(state!.hold_ids ?? []));
    const prices = state!.prices.map((r) => ({ channel: r.channel, unit: r.unit, country: r.country, unitPrice: money(r.unitPrice), effectiveFrom: new Date(r.effectiveFrom) }));
    const free = new Map(state!.prices.filter((r) => r.freeUnits !== null).map((r) => [r.channel, money(r.freeUnits)]));
    for (const batch of batches.values()) {
      batch.#prices = prices;
      batch.#quotaFree = free;
      // A channel with rows but none in force yet is "no price", not "unknown channel".
      for (const channel of state!.known ?? []) batch.#known.add(channel);
    }
    for (const row of state!.idem) {
      batches.get(row.accountId)!.#idem.set(row.key, { operation: row.operation, hash: row.hash, response: revive(row.response), isNew: false });
    }
    for (const row of state!.lots) {
      batches.get(row.accountId)!.#lots.set(row.id, {
        id: row.id,
        kind: row.kind,
        granted: money(row.granted),
        remaining: money(row.remaining),
        expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt),
        createdAt: new Date(row.createdAt),
        clawedBack: row.clawedBack === null ? null : new Date(row.clawedBack),
        isNew: false,
        dirty: false,
      });
    }
    for (const row of state!.usage) batches.get(row.accountId)!.#quotaUsed.set(row.channel, { used: money(row.used), dirty: false });
    for (const r of state!.holds) {
      const batch = batches.get(r.account_id as string);
      if (!batch) continue;
      // Parts in the order they were held: the spending order, which never changes for a lot.
      const parts = r.lots
        .map((l) => ({ lotId: l.lotId, amount: money(l.amount) }))
        .sort((a, b) => compareLots(batch.#lots.get(a.lotId)!, batch.#lots.get(b.lotId)!));
      batch.#holds.set(String(r.id), {
        id: String(r.id),
        channel: r.channel as string,
        description: r.description as string,
        units: r.units as string,
        country: (r.country as string | null) ?? null,
        unitPrice: money(r.unit_price),
        amount: money(r.amount),
        captured: money(r.captured),
        freeUnits: r.free_units as string,
        status: r.status as HoldState['status'],
        expiresAt: new Date(r.expires_at as string),
        createdAt: new Date(r.created_at as string),
        settledAt: r.settled_at ? new Date(r.settled_at as string) : null,
        lots: parts,
        isNew: false,
        dirty: false,
      });
    }
    for (const t of state!.reversals) {
      batches.get(t.accountId)?.reversals.set(t.id, {
        type: t.type,
        channel: t.channel,
        description: t.description,
        reversed: t.reversed,
        postings: (t.postings ?? []).map((p) => ({ book: p.book, own: p.book === 'wallet' || p.book === 'holds', lotId: p.lotId, channel: p.channel, amount: money(p.amount) })),
      });
    }
    return batches;
  }

  /** Applies one command; a refusal is returned, not thrown, so the rest of the batch goes on. */
  async apply(command: Command): Promise<Outcome> {
    const key = 'idempotencyKey' in command ? command.idempotencyKey : null;
    const hash = key ? requestHash(command) : '';
    if (key) {
      const seen = this.#idem.get(key);
      if (seen) {
        if (seen.operation !== command.op || seen.hash !== hash) return { ok: false, error: new IdempotencyKeyReusedError({ key, operation: command.op }) };
        if (seen.response) return seen.response;
      }
    }
    let outcome: Outcome;
    try {
      outcome = { ok: true, result: this.#run(command) };
      if (this.#owed.isPositive()) this.#settleDebt();
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      outcome = { ok: false, error };
      // Input the request could never have had right (unknown channel, no price) is not remembered.
      if (error instanceof UnknownChannelError || error instanceof NoPriceError || error instanceof ValidationError) return outcome;
      // A provisional attempt waits for an auto-refill and tries again with the same key (C-3).
      if (error instanceof InsufficientFundsError && 'provisional' in command && command.provisional) return outcome;
    }
    if (key) this.#idem.set(key, { operation: command.op, hash, response: outcome, isNew: true });
    return outcome;
  }

  #run(command: Command): Record<string, unknown> {
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

  #nextId(kind: 'tx' | 'lot' | 'hold'): string {
    const id = this.ids[kind].shift();
    if (!id) throw new Error(`WalletBatch: ran out of preallocated ${kind} ids`);
    return id;
  }

  #record(row: Omit<TxRow, 'id' | 'balanceAfter'>): TxRow {
    const sum = Money.sum(row.postings.map((p) => p.amount));
    if (!sum.isZero()) throw new Error(`unbalanced transaction (${sum.toString()})`);
    const tx: TxRow = { ...row, id: this.#nextId('tx'), balanceAfter: this.#available };
    this.#txs.push(tx);
    return tx;
  }

  #price(channel: string, country: string | null): PriceRow {
    const rows = this.#prices.filter((p) => p.channel === channel);
    if (rows.length === 0) {
      if (this.#known.has(channel)) throw new NoPriceError({ channel, country, at: this.now.toISOString() });
      throw new UnknownChannelError(channel);
    }
    const exact = country ? rows.find((p) => p.country === country) : undefined;
    const any = rows.find((p) => p.country === '*');
    const price = exact ?? any;
    if (!price) throw new NoPriceError({ channel, country, at: this.now.toISOString() });
    return price;
  }

  /** Free quota first (W-8); returns the free part of `units` and books it as used. */
  #useQuota(channel: string, units: Money): Money {
    const free = this.#quotaFree.get(channel);
    if (!free) return ZERO;
    const usage = this.#quotaUsed.get(channel) ?? { used: ZERO, dirty: false };
    const left = Money.max(ZERO, free.minus(usage.used));
    const freeUnits = Money.min(left, units);
    if (!freeUnits.isZero()) this.#quotaUsed.set(channel, { used: usage.used.plus(freeUnits), dirty: true });
    return freeUnits;
  }

  #restoreQuota(channel: string, before: { used: Money; dirty: boolean } | undefined): void {
    if (before) this.#quotaUsed.set(channel, before);
    else this.#quotaUsed.delete(channel);
  }

  #returnQuota(channel: string, units: Money, period: string): void {
    if (units.isZero() || period !== this.#period) return; // a past month's counter is history
    const usage = this.#quotaUsed.get(channel) ?? { used: ZERO, dirty: false };
    this.#quotaUsed.set(channel, { used: Money.max(ZERO, usage.used.minus(units)), dirty: true });
  }

  /** Spendable lots in spending order: not expired, with credit left. */
  #spendable(): LotState[] {
    return [...this.#lots.values()].filter((l) => l.remaining.isPositive() && (l.expiresAt === null || l.expiresAt > this.now)).sort(compareLots);
  }

  /** Takes `amount` from lots in order; caller has checked that it is available. */
  #takeFromLots(amount: Money): Array<{ lot: LotState; amount: Money }> {
    return this.#takeFrom(this.#spendable(), amount);
  }

  #spendableTotal(): Money {
    return Money.sum(this.#spendable().map((l) => l.remaining));
  }

  #grant(c: Extract<Command, { op: 'grant' }>): Record<string, unknown> {
    const lot: LotState = { id: this.#nextId('lot'), kind: c.kind, granted: c.amount, remaining: c.amount, expiresAt: c.expiresAt, createdAt: this.now, clawedBack: null, isNew: true, dirty: true };
    this.#lots.set(lot.id, lot);
    this.#available = this.#available.plus(c.amount);
    const tx = this.#record({
      type: 'grant',
      channel: null,
      description: c.description,
      amount: c.amount,
      holdId: null,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: { ...c.metadata, kind: c.kind },
      postings: [
        { book: 'wallet', own: true, lotId: lot.id, channel: null, amount: c.amount },
        { book: c.kind === 'purchased' ? 'funding' : 'grants', own: false, lotId: null, channel: null, amount: c.amount.negated() },
      ],
    });
    const result = { transactionId: tx.id, lotId: lot.id, accountId: this.accountId, kind: c.kind, amount: c.amount.toString(), expiresAt: c.expiresAt?.toISOString() ?? null, balanceAfter: this.#available.toString(), createdAt: this.now.toISOString() };
    this.events.push({ type: 'wallet.topped_up', payload: result });
    return result;
  }

  #quote(channel: string, units: string, country: string | null): { price: PriceRow; unitsM: Money; free: Money; amount: Money } {
    const unitsM = Money.of(units);
    const price = this.#price(channel, country);
    const free = this.#useQuota(channel, unitsM);
    const amount = price.unitPrice.times(unitsM.minus(free).toString()).roundToCents();
    return { price, unitsM, free, amount };
  }

  #charge(c: Extract<Command, { op: 'charge' }>): Record<string, unknown> {
    this.#checkNotBlocked();
    const quotaBefore = this.#quotaUsed.get(c.channel);
    const { price, free, amount } = this.#quote(c.channel, c.units, c.country);
    const available = this.#spendableTotal();
    if (amount.greaterThan(available)) {
      this.#restoreQuota(c.channel, quotaBefore); // a refused charge uses no quota
      throw new InsufficientFundsError({ required: amount.toString(), available: available.toString() });
    }
    const taken = amount.isZero() ? [] : this.#takeFromLots(amount);
    this.#available = this.#available.minus(amount);
    const tx = this.#record({
      type: 'charge',
      channel: c.channel,
      description: c.description,
      amount: amount.negated(),
      holdId: null,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: { ...c.metadata, units: c.units, freeUnits: free.toString(), unitPrice: price.unitPrice.toString(), country: c.country },
      postings: [
        ...taken.map((t) => ({ book: 'wallet' as const, own: true, lotId: t.lot.id, channel: null, amount: t.amount.negated() })),
        ...(amount.isZero() ? [] : [{ book: 'revenue' as const, own: false, lotId: null, channel: c.channel, amount }]),
      ],
    });
    const result = {
      transactionId: tx.id,
      accountId: this.accountId,
      channel: c.channel,
      units: c.units,
      freeUnits: trimUnits(free),
      unitPrice: price.unitPrice.toString(),
      amount: amount.toString(),
      balanceAfter: this.#available.toString(),
      lots: taken.map((t) => ({ lotId: t.lot.id, kind: t.lot.kind, amount: t.amount.toString() })),
      createdAt: this.now.toISOString(),
    };
    this.events.push({ type: 'wallet.charged', payload: result });
    return result;
  }

  #hold(c: Extract<Command, { op: 'hold' }>): Record<string, unknown> {
    this.#checkNotBlocked();
    const quotaBefore = this.#quotaUsed.get(c.channel);
    const { price, free, amount } = this.#quote(c.channel, c.units, c.country);
    const available = this.#spendableTotal();
    if (amount.greaterThan(available)) {
      this.#restoreQuota(c.channel, quotaBefore);
      throw new InsufficientFundsError({ required: amount.toString(), available: available.toString() });
    }
    const taken = amount.isZero() ? [] : this.#takeFromLots(amount);
    this.#available = this.#available.minus(amount);
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
      status: 'pending',
      // The default expiry is computed here, not by the caller, so it is not part of the request
      // fingerprint and a retry of the same hold is recognised.
      expiresAt: c.expiresAt ?? new Date(this.now.getTime() + c.holdSeconds * 1000),
      createdAt: this.now,
      settledAt: null,
      lots: taken.map((t) => ({ lotId: t.lot.id, amount: t.amount })),
      isNew: true,
      dirty: true,
    };
    this.#holds.set(hold.id, hold);
    this.#record({
      type: 'hold',
      channel: c.channel,
      description: c.description,
      amount: amount.negated(),
      holdId: hold.id,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: { ...c.metadata, units: c.units, freeUnits: hold.freeUnits, unitPrice: price.unitPrice.toString(), country: c.country, period: this.#period },
      postings: taken.flatMap((t) => [
        { book: 'wallet' as const, own: true, lotId: t.lot.id, channel: null, amount: t.amount.negated() },
        { book: 'holds' as const, own: true, lotId: t.lot.id, channel: c.channel, amount: t.amount },
      ]),
    });
    const result = this.#holdView(hold);
    this.events.push({ type: 'wallet.hold_placed', payload: result });
    return result;
  }

  #pendingHold(holdId: string): HoldState {
    const hold = this.#holds.get(holdId);
    if (!hold) throw new HoldNotFoundError(holdId);
    if (hold.status !== 'pending') throw new HoldNotPendingError({ holdId, status: hold.status });
    if (hold.expiresAt <= this.now) throw new HoldNotPendingError({ holdId, status: 'expired' });
    return hold;
  }

  #capture(c: Extract<Command, { op: 'capture' }>): Record<string, unknown> {
    const hold = this.#pendingHold(c.holdId);
    let amount: Money;
    let freeUsed = Money.of(hold.freeUnits);
    if (c.amount) {
      amount = c.amount;
    } else if (c.units !== null) {
      const units = Money.of(c.units);
      freeUsed = Money.min(units, Money.of(hold.freeUnits));
      amount = hold.unitPrice.times(units.minus(freeUsed).toString()).roundToCents();
    } else {
      amount = hold.amount;
    }
    if (amount.greaterThan(hold.amount)) throw new CaptureExceedsHoldError({ holdId: hold.id, requested: amount.toString(), held: hold.amount.toString() });
    if (amount.isNegative()) throw new ValidationError({ message: 'A capture cannot be negative' });

    // Captured money leaves the holds book lot by lot, in the order the lots were held; the rest goes back.
    const postings: Posting[] = [];
    let left = amount;
    for (const part of hold.lots) {
      const lot = this.#lots.get(part.lotId)!;
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
        lot.dirty = true;
      }
    }
    const released = hold.amount.minus(amount);
    this.#pending = this.#pending.minus(hold.amount);
    this.#available = this.#available.plus(released);
    this.#returnQuota(hold.channel, Money.of(hold.freeUnits).minus(freeUsed), monthStart(hold.createdAt, this.#timeZone));
    hold.status = 'captured';
    hold.captured = amount;
    hold.settledAt = this.now;
    hold.dirty = true;
    const tx = this.#record({
      type: 'capture',
      channel: hold.channel,
      description: hold.description,
      amount: released,
      holdId: hold.id,
      reversesId: null,
      idempotencyKey: c.idempotencyKey,
      metadata: { captured: amount.toString(), released: released.toString(), units: c.units ?? hold.units },
      postings,
    });
    const result = { ...this.#holdView(hold), transactionId: tx.id, balanceAfter: this.#available.toString() };
    this.events.push({ type: 'wallet.hold_captured', payload: result });
    this.events.push({ type: 'wallet.charged', payload: { transactionId: tx.id, accountId: this.accountId, channel: hold.channel, amount: amount.toString(), holdId: hold.id, balanceAfter: this.#available.toString() } });
    return result;
  }

  #release(c: Extract<Command, { op: 'release' }>): Record<string, unknown> {
    const hold = this.#holds.get(c.holdId);
    if (!hold) throw new HoldNotFoundError(c.holdId);
    if (hold.status !== 'pending') throw new HoldNotPendingError({ holdId: hold.id, status: hold.status });
    if (c.reason === 'released' && hold.expiresAt <= this.now) throw new HoldNotPendingError({ holdId: hold.id, status: 'expired' });
    const postings: Posting[] = [];
    for (const part of hold.lots) {
      const lot = this.#lots.get(part.lotId)!;
      postings.push({ book: 'holds', own: true, lotId: lot.id, channel: hold.channel, amount: part.amount.negated() });
      postings.push({ book: 'wallet', own: true, lotId: lot.id, channel: null, amount: part.amount });
      lot.remaining = lot.remaining.plus(part.amount);
      lot.dirty = true;
    }
    this.#pending = this.#pending.minus(hold.amount);
    this.#available = this.#available.plus(hold.amount);
    this.#returnQuota(hold.channel, Money.of(hold.freeUnits), monthStart(hold.createdAt, this.#timeZone));
    hold.status = c.reason;
    hold.settledAt = this.now;
    hold.dirty = true;
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
    const result = { ...this.#holdView(hold), transactionId: tx.id, balanceAfter: this.#available.toString() };
    this.events.push({ type: c.reason === 'expired' ? 'wallet.hold_expired' : 'wallet.hold_released', payload: result });
    return result;
  }

  #reverse(c: Extract<Command, { op: 'reverse' }>): Record<string, unknown> {
    const original = this.reversals.get(c.transactionId);
    if (!original) throw new TransactionNotFoundError(c.transactionId);
    if (!['charge', 'capture'].includes(original.type)) throw new NotReversibleError({ transactionId: c.transactionId, reason: `a ${original.type} is not a spend` });
    if (original.reversed || this.#reversed.has(c.transactionId)) throw new NotReversibleError({ transactionId: c.transactionId, reason: 'it was already reversed' });
    const postings: Posting[] = [];
    let amount = ZERO;
    for (const p of original.postings) {
      if (p.book !== 'revenue') continue;
      postings.push({ book: 'revenue', own: false, lotId: null, channel: p.channel, amount: p.amount.negated() });
      amount = amount.plus(p.amount);
    }
    // Spent money goes back into the lots it came from (a charge: its wallet postings; a capture: its captured holds postings).
    const sources = original.postings.filter((p) => p.lotId && p.amount.isNegative() && (original.type === 'charge' ? p.book === 'wallet' : p.book === 'holds'));
    let left = amount;
    for (const p of sources) {
      if (left.isZero()) break;
      const part = Money.min(p.amount.negated(), left);
      const lot = this.#lots.get(p.lotId!)!;
      lot.remaining = lot.remaining.plus(part);
      lot.dirty = true;
      postings.push({ book: 'wallet', own: true, lotId: lot.id, channel: null, amount: part });
      left = left.minus(part);
    }
    if (amount.isZero()) throw new NotReversibleError({ transactionId: c.transactionId, reason: 'nothing was spent' });
    this.#available = this.#available.plus(amount);
    this.#reversed.add(c.transactionId);
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
    const result = { transactionId: tx.id, reversesId: c.transactionId, accountId: this.accountId, amount: amount.toString(), balanceAfter: this.#available.toString(), reason: c.reason, createdAt: this.now.toISOString() };
    this.events.push({ type: 'wallet.refunded', payload: result });
    return result;
  }

  /** Original transactions a batch's reverse commands refer to; filled by loadAll. */
  readonly reversals = new Map<string, { type: TransactionType; channel: string | null; description: string; reversed: boolean; postings: Posting[] }>();

  #expireLots(): Record<string, unknown> {
    const expired = [...this.#lots.values()].filter((l) => l.remaining.isPositive() && l.expiresAt !== null && l.expiresAt <= this.now);
    const ids: string[] = [];
    for (const lot of expired) {
      const amount = lot.remaining;
      lot.remaining = ZERO;
      lot.dirty = true;
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
      ids.push(tx.id);
      this.events.push({ type: 'wallet.credit_expired', payload: { transactionId: tx.id, accountId: this.accountId, lotId: lot.id, kind: lot.kind, amount: amount.toString(), balanceAfter: this.#available.toString() } });
    }
    return { expiredLots: expired.map((l) => l.id), transactionIds: ids };
  }

  #checkNotBlocked(): void {
    if (this.#owed.isPositive()) throw new WalletBlockedError({ owed: this.#owed.toString() });
  }

  /**
   * A purchase's payment failed or was reversed (C-1): its unspent credit leaves the lot, and what was
   * already spent or held becomes owed (receivables). The lot is marked so it is never clawed twice.
   */
  #clawback(c: Extract<Command, { op: 'clawback' }>): Record<string, unknown> {
    const lot = this.#lots.get(c.lotId);
    if (!lot) throw new NotClawableError({ lotId: c.lotId, reason: 'no such lot in this wallet' });
    if (lot.kind !== 'purchased') throw new NotClawableError({ lotId: c.lotId, reason: `it is ${lot.kind} credit, not a purchase` });
    if (lot.clawedBack) throw new NotClawableError({ lotId: c.lotId, reason: 'it was already clawed back' });
    const recovered = lot.remaining;
    const shortfall = lot.granted.minus(recovered);
    lot.remaining = ZERO;
    lot.clawedBack = this.now;
    lot.dirty = true;
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
    const result = {
      transactionId: tx.id,
      accountId: this.accountId,
      lotId: lot.id,
      amount: lot.granted.toString(),
      recovered: recovered.toString(),
      shortfall: shortfall.toString(),
      owed: this.#owed.toString(),
      balanceAfter: this.#available.toString(),
      reason: c.reason,
      createdAt: this.now.toISOString(),
    };
    this.events.push({ type: 'wallet.clawed_back', payload: result });
    return result;
  }

  /** Pays what the wallet owes from purchased credit as soon as there is some (a new purchase, a released hold). */
  #settleDebt(): void {
    const purchased = this.#spendable().filter((l) => l.kind === 'purchased');
    const amount = Money.min(this.#owed, Money.sum(purchased.map((l) => l.remaining)));
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
    this.events.push({ type: 'wallet.debt_settled', payload: { transactionId: tx.id, accountId: this.accountId, amount: amount.toString(), owed: this.#owed.toString(), balanceAfter: this.#available.toString() } });
    if (this.#owed.isZero()) this.events.push({ type: 'wallet.unblocked', payload: { accountId: this.accountId } });
  }

  /**
   * Exchanges unspent purchased credit back into money (C-5): the payout and the administrative fee
   * are two entries. Trial, promo and referral credit is never refunded.
   */
  #refund(c: Extract<Command, { op: 'refund' }>): Record<string, unknown> {
    this.#checkNotBlocked();
    const purchased = this.#spendable().filter((l) => l.kind === 'purchased');
    const refundable = Money.sum(purchased.map((l) => l.remaining));
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
    let feeTaken: Array<{ lot: LotState; amount: Money }> = [];
    if (c.fee.isPositive()) {
      feeTaken = this.#takeFrom(this.#spendable().filter((l) => l.kind === 'purchased'), c.fee);
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
    const result = {
      refundTransactionId: refundTx.id,
      feeTransactionId: feeTx?.id ?? null,
      accountId: this.accountId,
      credits: c.amount.toString(),
      fee: c.fee.toString(),
      payout: payout.toString(),
      balanceAfter: this.#available.toString(),
      lots: [...paid, ...feeTaken].map((t) => ({ lotId: t.lot.id, kind: t.lot.kind, amount: t.amount.toString() })),
      createdAt: this.now.toISOString(),
    };
    this.events.push({ type: 'wallet.credits_refunded', payload: result });
    return result;
  }

  /** Takes `amount` from the given lots in their order; the caller has checked they cover it. */
  #takeFrom(lots: LotState[], amount: Money): Array<{ lot: LotState; amount: Money }> {
    const taken: Array<{ lot: LotState; amount: Money }> = [];
    let left = amount;
    for (const lot of lots) {
      if (left.isZero()) break;
      const part = Money.min(lot.remaining, left);
      if (part.isZero()) continue;
      lot.remaining = lot.remaining.minus(part);
      lot.dirty = true;
      left = left.minus(part);
      taken.push({ lot, amount: part });
    }
    if (!left.isZero()) throw new Error('lots do not cover the amount');
    return taken;
  }

  #holdView(hold: HoldState): Record<string, unknown> {
    return {
      holdId: hold.id,
      accountId: this.accountId,
      channel: hold.channel,
      description: hold.description,
      units: hold.units,
      country: hold.country,
      unitPrice: hold.unitPrice.toString(),
      freeUnits: hold.freeUnits,
      amount: hold.amount.toString(),
      captured: hold.captured.toString(),
      status: hold.status,
      expiresAt: hold.expiresAt.toISOString(),
      createdAt: hold.createdAt.toISOString(),
      settledAt: hold.settledAt?.toISOString() ?? null,
      lots: hold.lots.map((l) => ({ lotId: l.lotId, kind: this.#lots.get(l.lotId)?.kind ?? null, amount: l.amount.toString() })),
    };
  }

  /**
   * Writes everything the batches did in ONE statement: data-modifying CTEs over unnest() arrays
   * (empty arrays insert nothing). Foreign keys between the new rows hold because PostgreSQL checks
   * them at the end of the statement.
   */
  static async flushAll(tx: Transaction, now: Date, batches: readonly WalletBatch[]): Promise<void> {
    const txs: Array<{ b: WalletBatch; t: TxRow }> = [];
    const newLots: Array<{ b: WalletBatch; l: LotState; grantTx: string | null }> = [];
    const changedLots: LotState[] = [];
    const postings: Array<{ b: WalletBatch; t: TxRow; p: Posting; seq: number }> = [];
    const newHolds: Array<{ b: WalletBatch; h: HoldState }> = [];
    const changedHolds: HoldState[] = [];
    const idem: Array<{ b: WalletBatch; key: string; v: { operation: string; hash: string; response: Outcome | null } }> = [];
    const quota: Array<{ b: WalletBatch; channel: string; used: Money }> = [];
    const events: Array<{ b: WalletBatch; e: WalletEvent }> = [];
    const wallets: WalletBatch[] = [];
    for (const b of batches) {
      b.#lowBalanceEvents();
      const grantTx = new Map(b.#txs.filter((t) => t.type === 'grant').map((t) => [t.postings[0]!.lotId!, t.id]));
      for (const t of b.#txs) {
        txs.push({ b, t });
        t.postings.forEach((p, seq) => postings.push({ b, t, p, seq }));
      }
      for (const l of b.#lots.values()) {
        if (l.isNew) newLots.push({ b, l, grantTx: grantTx.get(l.id) ?? null });
        else if (l.dirty) changedLots.push(l);
      }
      for (const h of b.#holds.values()) {
        if (h.isNew) newHolds.push({ b, h });
        else if (h.dirty) changedHolds.push(h);
      }
      for (const [key, v] of b.#idem) if (v.isNew) idem.push({ b, key, v });
      for (const [channel, v] of b.#quotaUsed) if (v.dirty) quota.push({ b, channel, used: v.used });
      for (const e of b.events) events.push({ b, e });
      if (b.#txs.length) wallets.push(b);
    }
    if (!txs.length && !idem.length && !events.length) return;
    const holdLots = newHolds.flatMap(({ h }) => h.lots.map((l) => ({ h, l })));
    const a = pgArray;

    await tx.query(
      `with
         t as (insert into ledger_transactions (id, account_id, type, channel, description, amount, balance_after, hold_id, reverses_id, idempotency_key, metadata, created_at)
               select id, account_id, type, channel, description, amount, balance_after, hold_id, reverses_id, key, metadata, $1
                 from unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::numeric[], $9::bigint[], $10::bigint[], $11::text[], $12::jsonb[])
                   as v(id, account_id, type, channel, description, amount, balance_after, hold_id, reverses_id, key, metadata)),
         nl as (insert into credit_lots (id, account_id, kind, granted, remaining, expires_at, created_at, transaction_id, clawed_back_at)
                select id, account_id, kind, granted, remaining, expires_at, $1, transaction_id, clawed_back_at
                  from unnest($13::bigint[], $14::text[], $15::text[], $16::numeric[], $17::numeric[], $18::timestamptz[], $19::bigint[], $63::timestamptz[])
                    as v(id, account_id, kind, granted, remaining, expires_at, transaction_id, clawed_back_at)),
         cl as (update credit_lots l set remaining = v.remaining, clawed_back_at = v.clawed_back_at
                  from unnest($20::bigint[], $21::numeric[], $61::timestamptz[]) as v(id, remaining, clawed_back_at) where l.id = v.id),
         p as (insert into ledger_postings (transaction_id, seq, book, account_id, lot_id, channel, amount)
               select * from unnest($22::bigint[], $23::smallint[], $24::text[], $25::text[], $26::bigint[], $27::text[], $28::numeric[])),
         nh as (insert into holds (id, account_id, channel, description, units, country, unit_price, amount, captured, free_units, status, expires_at, created_at)
                select id, account_id, channel, description, units, country, unit_price, amount, 0, free_units, 'pending', expires_at, $1
                  from unnest($29::bigint[], $30::text[], $31::text[], $32::text[], $33::numeric[], $34::text[], $35::numeric[], $36::numeric[], $37::numeric[], $38::timestamptz[])
                    as v(id, account_id, channel, description, units, country, unit_price, amount, free_units, expires_at)),
         hl as (insert into hold_lots (hold_id, lot_id, amount) select * from unnest($39::bigint[], $40::bigint[], $41::numeric[])),
         ch as (update holds h set status = v.status, captured = v.captured, settled_at = v.settled_at
                  from unnest($42::bigint[], $43::text[], $44::numeric[], $45::timestamptz[]) as v(id, status, captured, settled_at) where h.id = v.id),
         qu as (insert into quota_usage (account_id, channel, period, used)
                select * from unnest($46::text[], $47::text[], $48::date[], $49::numeric[])
                on conflict (account_id, channel, period) do update set used = excluded.used),
         ik as (insert into idempotency_keys (account_id, key, operation, request_hash, response, created_at)
                select account_id, key, operation, hash, response, $1
                  from unnest($50::text[], $51::text[], $52::text[], $53::text[], $54::jsonb[]) as v(account_id, key, operation, hash, response)),
         ev as (insert into wallet_events (account_id, type, payload, created_at)
                select account_id, type, payload, $1 from unnest($55::text[], $56::text[], $57::jsonb[]) with ordinality as v(account_id, type, payload, n) order by n)
       update wallets w set available = v.available, pending = v.pending, owed = v.owed, updated_at = $1
         from unnest($58::text[], $59::numeric[], $60::numeric[], $62::numeric[]) as v(account_id, available, pending, owed)
        where w.account_id = v.account_id`,
      [
        now,
        a(txs.map(({ t }) => t.id)),
        a(txs.map(({ b }) => b.accountId)),
        a(txs.map(({ t }) => t.type)),
        a(txs.map(({ t }) => t.channel)),
        a(txs.map(({ t }) => t.description)),
        a(txs.map(({ t }) => t.amount.toString())),
        a(txs.map(({ t }) => t.balanceAfter.toString())),
        a(txs.map(({ t }) => t.holdId)),
        a(txs.map(({ t }) => t.reversesId)),
        a(txs.map(({ t }) => t.idempotencyKey)),
        a(txs.map(({ t }) => JSON.stringify(t.metadata))),
        a(newLots.map(({ l }) => l.id)),
        a(newLots.map(({ b }) => b.accountId)),
        a(newLots.map(({ l }) => l.kind)),
        a(newLots.map(({ l }) => l.granted.toString())),
        a(newLots.map(({ l }) => l.remaining.toString())),
        a(newLots.map(({ l }) => l.expiresAt)),
        a(newLots.map(({ grantTx }) => grantTx)),
        a(changedLots.map((l) => l.id)),
        a(changedLots.map((l) => l.remaining.toString())),
        a(postings.map(({ t }) => t.id)),
        a(postings.map(({ seq }) => seq)),
        a(postings.map(({ p }) => p.book)),
        a(postings.map(({ b, p }) => (p.own ? b.accountId : null))),
        a(postings.map(({ p }) => p.lotId)),
        a(postings.map(({ p }) => p.channel)),
        a(postings.map(({ p }) => p.amount.toString())),
        a(newHolds.map(({ h }) => h.id)),
        a(newHolds.map(({ b }) => b.accountId)),
        a(newHolds.map(({ h }) => h.channel)),
        a(newHolds.map(({ h }) => h.description)),
        a(newHolds.map(({ h }) => h.units)),
        a(newHolds.map(({ h }) => h.country)),
        a(newHolds.map(({ h }) => h.unitPrice.toString())),
        a(newHolds.map(({ h }) => h.amount.toString())),
        a(newHolds.map(({ h }) => h.freeUnits)),
        a(newHolds.map(({ h }) => h.expiresAt)),
        a(holdLots.map(({ h }) => h.id)),
        a(holdLots.map(({ l }) => l.lotId)),
        a(holdLots.map(({ l }) => l.amount.toString())),
        a(changedHolds.map((h) => h.id)),
        a(changedHolds.map((h) => h.status)),
        a(changedHolds.map((h) => h.captured.toString())),
        a(changedHolds.map((h) => h.settledAt)),
        a(quota.map(({ b }) => b.accountId)),
        a(quota.map(({ channel }) => channel)),
        a(quota.map(({ b }) => b.#period)),
        a(quota.map(({ used }) => used.toString())),
        a(idem.map(({ b }) => b.accountId)),
        a(idem.map(({ key }) => key)),
        a(idem.map(({ v }) => v.operation)),
        a(idem.map(({ v }) => v.hash)),
        a(idem.map(({ v }) => JSON.stringify(serialize(v.response!)))),
        a(events.map(({ b }) => b.accountId)),
        a(events.map(({ e }) => e.type)),
        a(events.map(({ e }) => JSON.stringify(e.payload))),
        a(wallets.map((b) => b.accountId)),
        a(wallets.map((b) => b.#available.toString())),
        a(wallets.map((b) => b.#pending.toString())),
        a(changedLots.map((l) => l.clawedBack)),
        a(wallets.map((b) => b.#owed.toString())),
        a(newLots.map(({ l }) => l.clawedBack)),
      ],
    );
  }

  /** low_balance when the balance crosses the account's threshold downwards; depleted when it reaches zero. */
  #lowBalanceEvents(): void {
    const before = this.#startAvailable;
    const after = this.#available;
    if (before.greaterThanOrEqual(this.#lowBalance) && after.lessThan(this.#lowBalance)) {
      this.events.push({ type: 'wallet.low_balance', payload: { accountId: this.accountId, available: after.toString(), threshold: this.#lowBalance.toString() } });
    }
    if (before.isPositive() && after.isZero()) {
      this.events.push({ type: 'wallet.depleted', payload: { accountId: this.accountId, available: after.toString() } });
    }
    if (this.#startOwed.isZero() && this.#owed.isPositive()) {
      this.events.push({ type: 'wallet.blocked', payload: { accountId: this.accountId, owed: this.#owed.toString() } });
    }
  }
}

function trimUnits(units: Money): string {
  return units.toString().replace(/\.?0+$/, '') || '0';
}

/** Outcomes are stored as JSON: errors keep their class name, code, status, message and details. */
function serialize(outcome: Outcome): object {
  if (outcome.ok) return outcome;
  const e = outcome.error;
  return { ok: false, error: { name: e.name, code: e.code, status: e.status, message: e.message, details: e.details } };
}

function revive(stored: unknown): Outcome | null {
  const s = stored as { ok: boolean; result?: Record<string, unknown>; error?: { name: string; code: string; status: number; message: string; details?: unknown } };
  if (s.ok) return { ok: true, result: s.result! };
  if (!s.error) return null;
  const error = new TollgateError({ code: s.error.code, status: s.error.status, message: s.error.message, details: s.error.details });
  return { ok: false, error };
}
