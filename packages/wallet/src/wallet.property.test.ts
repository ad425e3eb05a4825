import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { Money } from '@tollgate/money';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { PriceCatalog } from './price-catalog.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';

/*
 * Property test: random sequences of grants, charges, holds, captures, releases, expiries,
 * reversals, retries and time steps run against the real WalletService and against the small
 * reference model below, which is written from the rules (docs/wallet.md), not from wallet-rules.ts.
 * After every command the outcome (or refusal code), the balance and the quota must agree; after
 * every run the lots, the holds, the history and the ledger invariants must agree too.
 *
 * Money in the model is integer cents (bigint); unit prices are micro-euros and units micro-units
 * (bigint, six decimals), so nothing is ever a float.
 *
 * One database per engine; the wallet tables are emptied before each run, and everything a run
 * does (its start date included) comes from the generated input, so a failure replays exactly:
 *   WALLET_PROPERTY_RUNS    runs per engine (default 80)
 *   WALLET_PROPERTY_SEED, WALLET_PROPERTY_PATH, WALLET_PROPERTY_REPLAY
 *                           the seed, path and replayPath fast-check prints with a counterexample
 */

// Results carry Money: a replay must equal the first answer by value (Money's own fields are private, so toEqual alone would not look).
expect.addEqualityTesters([(a: unknown, b: unknown) => (a instanceof Money && b instanceof Money ? a.equals(b) : undefined)]);

const NUM_RUNS = Number(process.env.WALLET_PROPERTY_RUNS ?? 80);
const REPLAY = process.env.WALLET_PROPERTY_SEED
  ? { seed: Number(process.env.WALLET_PROPERTY_SEED), path: process.env.WALLET_PROPERTY_PATH, replayPath: process.env.WALLET_PROPERTY_REPLAY }
  : undefined;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_ZONE = 'Europe/Brussels';
const HOLD_DEFAULT_MS = 7 * DAY;
const BOGUS_ID = '999999999999';

// ---- small exact helpers ------------------------------------------------------------------------

type Kind = 'trial' | 'promo' | 'referral' | 'purchased';
const KINDS: readonly Kind[] = ['trial', 'promo', 'referral', 'purchased'];
/** pfax has no price until some time into each run; pnope is in no catalog at all. */
type Channel = 'psms' | 'pvoice' | 'pscan' | 'pfax' | 'pnope';

/** "12.5" with `places` decimals -> bigint scaled by 10^places. */
function scaled(text: string, places: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = (m[3] ?? '').padEnd(places, '0');
  if (frac.length > places) throw new Error(`${text} has more than ${places} decimals`);
  const value = BigInt(m[2]! + frac);
  return m[1] ? -value : value;
}
const micro = (text: string) => scaled(text, 6);
const cents = (value: string | Money) => (typeof value === 'string' ? scaled(value, 2) : value.toCents());
function fmtCents(c: bigint): string {
  const sign = c < 0n ? '-' : '';
  const abs = c < 0n ? -c : c;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}
function fmtMicro(u: bigint): string {
  const frac = String(u % 1_000_000n)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return frac ? `${u / 1_000_000n}.${frac}` : `${u / 1_000_000n}`;
}
const minBig = (a: bigint, b: bigint) => (a < b ? a : b);
const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
/** price (micro-euro) x units (micro-units) rounded half-up to the cent. */
const priceCents = (priceMicro: bigint, unitsMicro: bigint) => (priceMicro * unitsMicro + 5_000_000_000n) / 10_000_000_000n;

const monthFormat = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit' });
/** "YYYY-MM" of the calendar month `ms` falls in, in the account's time zone. */
const monthOf = (ms: number) => monthFormat.format(new Date(ms));

// ---- the reference model ------------------------------------------------------------------------

interface PriceRow {
  channel: Channel;
  country: string; // '*' = any
  price: bigint; // micro-euro
  from: number;
}

interface MLot {
  kind: Kind;
  granted: bigint;
  remaining: bigint;
  expiresAt: number | null;
  createdAt: number;
  seq: number;
}

interface MHold {
  channel: Channel;
  units: bigint; // micro-units held
  price: bigint;
  free: bigint; // micro-units covered by the quota
  amount: bigint;
  captured: bigint;
  status: 'pending' | 'captured' | 'released' | 'expired';
  expiresAt: number;
  createdAt: number;
  /** What each lot gave, in the order the credit was taken (the spending order at hold time). */
  parts: Array<{ lot: number; cents: bigint }>;
}

interface MTx {
  type: 'grant' | 'charge' | 'hold' | 'capture' | 'release' | 'expire_lot' | 'reversal';
  amount: bigint; // signed change of the wallet's available credit
  channel: Channel | null;
  balanceAfter: bigint;
  group: number; // the model step that made it
  spent: Array<{ lot: number; cents: bigint }>; // charge/capture: where the money came from
  reversed: boolean;
}

type CaptureMode = { by: 'all' } | { by: 'units'; units: bigint } | { by: 'amount'; cents: bigint };

type Req =
  | { op: 'grant'; key: string; kind: Kind; cents: bigint; expiresAt: number | null }
  | { op: 'charge'; key: string; channel: Channel; units: bigint; country: string | null }
  | { op: 'hold'; key: string; channel: Channel; units: bigint; country: string | null; expiresAt: number | null }
  | { op: 'capture'; key: string; hold: number; mode: CaptureMode }
  | { op: 'release'; key: string; hold: number }
  | { op: 'reverse'; key: string; tx: number; reason: string }
  | { op: 'expireLots' }
  | { op: 'expireHolds' }
  | { op: 'advance'; ms: number };

type Keyed = Extract<Req, { key: string }>;

/** What the model expects: a refusal code, a replay of an earlier step's response, or fresh values to compare. */
type Expected = { ok: false; code: string } | { ok: true; replayOf: number } | { ok: true; values: Record<string, string> };

/** Refusals that are not remembered under the idempotency key (input that could never be right). */
const NOT_REMEMBERED = new Set(['invalid_expiry', 'unknown_channel', 'no_price', 'validation_failed', 'units_below_minimum']);

const PRIORITY: Record<Kind, number> = { trial: 0, promo: 0, referral: 1, purchased: 2 };

class Refusal extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

class WalletModel {
  now: number;
  readonly lots: MLot[] = [];
  readonly holds: MHold[] = [];
  readonly txs: MTx[] = [];
  readonly quotaUsed = new Map<string, bigint>(); // `${channel}|${YYYY-MM}` -> micro-units
  readonly idem = new Map<string, { sig: string; expected: Expected }>();
  step = 0;

  constructor(
    start: number,
    trial: bigint,
    private readonly prices: readonly PriceRow[],
    private readonly freeUnits: ReadonlyMap<Channel, bigint>,
  ) {
    this.now = start;
    // openWallet: the trial lot, granted once.
    if (trial > 0n) {
      this.#addLot('trial', trial, null);
      this.#tx('grant', trial, null, []);
    }
  }

  // -- reads

  #live(lot: MLot): boolean {
    return lot.expiresAt === null || lot.expiresAt > this.now;
  }
  /** The wallet row's `available`: every lot's remaining, expired-but-not-yet-booked lots included. */
  walletAvailable(): bigint {
    return this.lots.reduce((n, l) => n + l.remaining, 0n);
  }
  balance(): { available: string; pending: string; byKind: Record<Kind, { available: string; pending: string }> } {
    const byKind = Object.fromEntries(KINDS.map((k) => [k, { available: 0n, pending: 0n }])) as Record<Kind, { available: bigint; pending: bigint }>;
    for (const lot of this.lots) if (this.#live(lot)) byKind[lot.kind].available += lot.remaining;
    for (const hold of this.holds) {
      if (hold.status !== 'pending') continue;
      for (const part of hold.parts) byKind[this.lots[part.lot]!.kind].pending += part.cents;
    }
    const available = KINDS.reduce((n, k) => n + byKind[k].available, 0n);
    const pending = this.holds.filter((h) => h.status === 'pending').reduce((n, h) => n + h.amount, 0n);
    return {
      available: fmtCents(available),
      pending: fmtCents(pending),
      byKind: Object.fromEntries(KINDS.map((k) => [k, { available: fmtCents(byKind[k].available), pending: fmtCents(byKind[k].pending) }])) as Record<
        Kind,
        { available: string; pending: string }
      >,
    };
  }
  quota(channel: Channel): string {
    return fmtMicro(this.quotaUsed.get(`${channel}|${monthOf(this.now)}`) ?? 0n);
  }

  // -- rules

  /** Spending order: trial/promo, referral, purchased; soonest expiry (never last); oldest; lowest id. */
  #spendable(): number[] {
    const idx = this.lots.map((_, i) => i).filter((i) => this.lots[i]!.remaining > 0n && this.#live(this.lots[i]!));
    const key = (l: MLot) => [PRIORITY[l.kind], l.expiresAt ?? Number.POSITIVE_INFINITY, l.createdAt, l.seq];
    return idx.sort((a, b) => {
      const ka = key(this.lots[a]!);
      const kb = key(this.lots[b]!);
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
      return 0;
    });
  }
  #take(amount: bigint): Array<{ lot: number; cents: bigint }> {
    const parts: Array<{ lot: number; cents: bigint }> = [];
    let left = amount;
    for (const i of this.#spendable()) {
      if (left === 0n) break;
      const part = minBig(this.lots[i]!.remaining, left);
      this.lots[i]!.remaining -= part;
      left -= part;
      parts.push({ lot: i, cents: part });
    }
    if (left !== 0n) throw new Error('model: lots do not cover the amount');
    return parts;
  }
  #spendableTotal(): bigint {
    return this.#spendable().reduce((n, i) => n + this.lots[i]!.remaining, 0n);
  }
  #price(channel: Channel, country: string | null): bigint {
    if (!this.prices.some((p) => p.channel === channel)) throw new Refusal('unknown_channel');
    const inForce = this.prices.filter((p) => p.channel === channel && p.from <= this.now).sort((a, b) => b.from - a.from);
    const row = inForce.find((p) => country !== null && p.country === country) ?? inForce.find((p) => p.country === '*');
    if (!row) throw new Refusal('no_price');
    return row.price;
  }
  #quotaKey(channel: Channel, at: number): string {
    return `${channel}|${monthOf(at)}`;
  }
  /** How many of `units` the free monthly quota covers now (not booked yet). */
  #freePart(channel: Channel, units: bigint): bigint {
    const free = this.freeUnits.get(channel);
    if (free === undefined) return 0n;
    const used = this.quotaUsed.get(this.#quotaKey(channel, this.now)) ?? 0n;
    return minBig(maxBig(0n, free - used), units);
  }
  #useQuota(channel: Channel, units: bigint): void {
    if (units === 0n) return;
    const key = this.#quotaKey(channel, this.now);
    this.quotaUsed.set(key, (this.quotaUsed.get(key) ?? 0n) + units);
  }
  /** Free units a hold did not use go back, if the hold was placed this month (a past month is history). */
  #returnQuota(hold: MHold, units: bigint): void {
    if (units === 0n || monthOf(hold.createdAt) !== monthOf(this.now)) return;
    const key = this.#quotaKey(hold.channel, this.now);
    this.quotaUsed.set(key, maxBig(0n, (this.quotaUsed.get(key) ?? 0n) - units));
  }
  #addLot(kind: Kind, amount: bigint, expiresAt: number | null): number {
    this.lots.push({ kind, granted: amount, remaining: amount, expiresAt, createdAt: this.now, seq: this.lots.length });
    return this.lots.length - 1;
  }
  #tx(type: MTx['type'], amount: bigint, channel: Channel | null, spent: MTx['spent']): number {
    this.txs.push({ type, amount, channel, balanceAfter: this.walletAvailable(), group: this.step, spent, reversed: false });
    return this.txs.length - 1;
  }

  // -- commands

  apply(req: Req): Expected {
    this.step++;
    switch (req.op) {
      case 'advance':
        this.now += req.ms;
        return { ok: true, values: {} };
      case 'expireLots':
        return { ok: true, values: { count: String(this.#expireLots()) } };
      case 'expireHolds':
        return { ok: true, values: { count: String(this.#expireHolds()) } };
      default:
        return this.#keyed(req);
    }
  }

  /** Validation first (never remembered), then the idempotency key, then the command. */
  #keyed(req: Keyed): Expected {
    if ((req.op === 'grant' || req.op === 'hold') && req.expiresAt !== null && req.expiresAt <= this.now) return { ok: false, code: 'invalid_expiry' };
    const sig = JSON.stringify({ ...req, key: undefined }, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    const seen = this.idem.get(req.key);
    if (seen) return seen.sig === sig ? seen.expected : { ok: false, code: 'idempotency_key_reused' };
    let expected: Expected;
    try {
      const values = this.#run(req);
      expected = { ok: true, values };
      this.idem.set(req.key, { sig, expected: { ok: true, replayOf: this.step } });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      expected = { ok: false, code: error.code };
      if (!NOT_REMEMBERED.has(error.code)) this.idem.set(req.key, { sig, expected });
    }
    return expected;
  }

  #run(req: Keyed): Record<string, string> {
    switch (req.op) {
      case 'grant': {
        this.#addLot(req.kind, req.cents, req.expiresAt);
        this.#tx('grant', req.cents, null, []);
        return { amount: fmtCents(req.cents), balanceAfter: fmtCents(this.walletAvailable()) };
      }
      case 'charge':
      case 'hold': {
        const price = this.#price(req.channel, req.country);
        // A paid use whose full price rounds to 0.00 is refused, before the free quota.
        if (price > 0n && priceCents(price, req.units) === 0n) throw new Refusal('units_below_minimum');
        const free = this.#freePart(req.channel, req.units);
        const amount = priceCents(price, req.units - free);
        if (amount > this.#spendableTotal()) throw new Refusal('insufficient_funds'); // nothing changes, no quota used
        this.#useQuota(req.channel, free);
        const parts = this.#take(amount);
        const lots = parts.map((p) => `lot${p.lot} ${fmtCents(p.cents)}`).join(', ');
        if (req.op === 'charge') {
          this.#tx('charge', -amount, req.channel, parts);
          return { amount: fmtCents(amount), freeUnits: fmtMicro(free), lots, balanceAfter: fmtCents(this.walletAvailable()) };
        }
        const expiresAt = req.expiresAt ?? this.now + HOLD_DEFAULT_MS;
        this.holds.push({
          channel: req.channel,
          units: req.units,
          price,
          free,
          amount,
          captured: 0n,
          status: 'pending',
          expiresAt,
          createdAt: this.now,
          parts,
        });
        this.#tx('hold', -amount, req.channel, []);
        return { amount: fmtCents(amount), freeUnits: fmtMicro(free), lots, status: 'pending' };
      }
      case 'capture': {
        const hold = this.#pendingHold(req.hold);
        let amount = hold.amount;
        let freeUsed = hold.free;
        if (req.mode.by === 'units') {
          freeUsed = minBig(req.mode.units, hold.free);
          amount = priceCents(hold.price, req.mode.units - freeUsed);
        } else if (req.mode.by === 'amount') {
          amount = req.mode.cents;
        }
        if (amount > hold.amount) throw new Refusal('capture_exceeds_hold');
        // Captured credit comes from the held parts in the order they were held; the rest goes back.
        let left = amount;
        const spent: MTx['spent'] = [];
        for (const part of hold.parts) {
          const taken = minBig(part.cents, left);
          left -= taken;
          if (taken > 0n) spent.push({ lot: part.lot, cents: taken });
          this.lots[part.lot]!.remaining += part.cents - taken;
        }
        this.#returnQuota(hold, hold.free - freeUsed);
        hold.status = 'captured';
        hold.captured = amount;
        this.#tx('capture', hold.amount - amount, hold.channel, spent);
        return { captured: fmtCents(amount), status: 'captured', balanceAfter: fmtCents(this.walletAvailable()) };
      }
      case 'release': {
        const hold = this.#pendingHold(req.hold);
        this.#settle(hold, 'released');
        return { status: 'released', balanceAfter: fmtCents(this.walletAvailable()) };
      }
      case 'reverse': {
        const original = this.txs[req.tx];
        if (!original) throw new Refusal('not_found');
        if (original.type !== 'charge' && original.type !== 'capture') throw new Refusal('not_reversible');
        if (original.reversed) throw new Refusal('not_reversible');
        const amount = original.spent.reduce((n, p) => n + p.cents, 0n);
        if (amount === 0n) throw new Refusal('not_reversible');
        for (const part of original.spent) this.lots[part.lot]!.remaining += part.cents;
        original.reversed = true;
        this.#tx('reversal', amount, original.channel, []);
        return { amount: fmtCents(amount), balanceAfter: fmtCents(this.walletAvailable()) };
      }
    }
  }

  #pendingHold(index: number): MHold {
    const hold = this.holds[index];
    if (!hold) throw new Refusal('not_found');
    if (hold.status !== 'pending') throw new Refusal(hold.status === 'expired' ? 'hold_expired' : 'hold_not_pending');
    if (hold.expiresAt <= this.now) throw new Refusal('hold_expired');
    return hold;
  }

  #settle(hold: MHold, status: 'released' | 'expired'): void {
    for (const part of hold.parts) this.lots[part.lot]!.remaining += part.cents;
    this.#returnQuota(hold, hold.free);
    hold.status = status;
    this.#tx('release', hold.amount, hold.channel, []);
  }

  #expireLots(): number {
    let n = 0;
    for (const lot of this.lots) {
      if (lot.remaining > 0n && lot.expiresAt !== null && lot.expiresAt <= this.now) {
        const amount = lot.remaining;
        lot.remaining = 0n;
        this.#tx('expire_lot', -amount, null, []);
        n++;
      }
    }
    return n;
  }

  #expireHolds(): number {
    let n = 0;
    for (const hold of this.holds) {
      if (hold.status === 'pending' && hold.expiresAt <= this.now) {
        this.#settle(hold, 'expired');
        n++;
      }
    }
    return n;
  }
}

// ---- generated commands -------------------------------------------------------------------------

type Cmd =
  | { t: 'advance'; ms: number }
  | { t: 'grant'; kind: Kind; cents: number; expiry: null | { inHours: number } | { atHour: number } }
  | { t: 'charge' | 'hold'; channel: Channel; units: string; country: 'BE' | 'NL' | null; holdMinutes: number | null }
  | { t: 'capture'; pick: number; pendingOnly: boolean; mode: { by: 'all' } | { by: 'units' | 'amount'; permille: number } }
  | { t: 'release'; pick: number; pendingOnly: boolean }
  | { t: 'reverse'; pick: number; spendOnly: boolean }
  | { t: 'expireLots' }
  | { t: 'expireHolds' }
  | { t: 'retry'; pick: number }
  | { t: 'reuse'; pick: number };

const unitsArb: fc.Arbitrary<{ channel: Channel; units: string }> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 8 }).map((n) => ({ channel: 'psms' as const, units: String(n) })) },
  // minutes with up to two decimals at €0.0125 (BE: €0.0175): sub-cent prices, rounded per charge
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((h) => ({ channel: 'pvoice' as const, units: fmtMicro(BigInt(h) * 10_000n) })) },
  // half scans against a quota of 3 free units a month
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 12 }).map((h) => ({ channel: 'pscan' as const, units: fmtMicro(BigInt(h) * 500_000n) })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((n) => ({ channel: 'pfax' as const, units: String(n) })) },
  { weight: 1, arbitrary: fc.constant({ channel: 'pnope' as const, units: '1' }) },
);

/** true three times out of four */
const mostly = fc.constantFrom(true, true, true, false);

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 180 }).map((m) => m * MINUTE) },
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR) },
        { weight: 2, arbitrary: fc.integer({ min: 1, max: 21 }).map((d) => d * DAY) },
      )
      .map((ms) => ({ t: 'advance' as const, ms })),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('grant' as const),
      kind: fc.constantFrom(...KINDS),
      cents: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 300 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1500 }) }),
      expiry: fc.oneof(
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 2, arbitrary: fc.record({ inHours: fc.integer({ min: 1, max: 240 }) }) },
        { weight: 1, arbitrary: fc.record({ atHour: fc.integer({ min: 0, max: 720 }) }) },
      ),
    }),
  },
  {
    weight: 9,
    arbitrary: fc
      .record({
        t: fc.constantFrom('charge' as const, 'hold' as const),
        what: unitsArb,
        country: fc.constantFrom(null, null, 'BE' as const, 'NL' as const),
        holdMinutes: fc.option(fc.integer({ min: 1, max: 4320 }), { nil: null }),
      })
      .map(({ t, what, country, holdMinutes }) => ({ t, ...what, country, holdMinutes })),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('capture' as const),
      pick: fc.nat(),
      pendingOnly: mostly,
      mode: fc.oneof(
        fc.constant({ by: 'all' as const }),
        fc.record({ by: fc.constantFrom('units' as const, 'amount' as const), permille: fc.integer({ min: 0, max: 1200 }) }),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('release' as const), pick: fc.nat(), pendingOnly: mostly }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('reverse' as const), pick: fc.nat(), spendOnly: mostly }) },
  { weight: 2, arbitrary: fc.constant({ t: 'expireLots' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'expireHolds' as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('retry' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reuse' as const), pick: fc.nat() }) },
);

/**
 * Each run's own catalog rows: the SMS price changes to `smsPrice` `smsFromHour` hours into the run
 * (charges use the price in force at the time of use), and pfax gets its first price (before it:
 * `no_price`, a refusal that is not remembered under the idempotency key).
 */
const catalogArb = fc.record({
  smsPrice: fc.constantFrom('0.18', '0.105', '0.2'),
  smsFromHour: fc.integer({ min: 0, max: 1500 }),
  faxFromHour: fc.integer({ min: 0, max: 720 }),
});
type RunCatalog = { smsPrice: string; smsFromHour: number; faxFromHour: number };
/** The trial credit of a new wallet (WalletOptions.trialCredit); small ones make holds span several lots. */
const trialArb = fc.constantFrom('2.00', '0.50', '0.05', '0');
/** When the run starts: any minute of 2026 (month ends, DST changes), counted from midnight on 1 January in Brussels. */
const startArb = fc.integer({ min: 0, max: 365 * 24 * 60 - 1 }).map((m) => new Date(Date.parse('2025-12-31T23:00:00Z') + m * MINUTE));

// ---- the runner ---------------------------------------------------------------------------------

/** Base catalog (in force long before any run) and the free quota. */
const BASE_PRICES: ReadonlyArray<{ channel: Channel; unit: string; country: string; price: string }> = [
  { channel: 'psms', unit: 'message', country: '*', price: '0.15' },
  { channel: 'pvoice', unit: 'minute', country: '*', price: '0.0125' },
  { channel: 'pvoice', unit: 'minute', country: 'BE', price: '0.0175' },
  { channel: 'pscan', unit: 'scan', country: '*', price: '0.10' },
];
const BASE_FROM = Date.parse('2020-01-01T00:00:00Z');
const FREE_UNITS = new Map<Channel, bigint>([['pscan', micro('3')]]);

type RealOutcome = { ok: true; result: Record<string, unknown> } | { ok: false; code: string };

async function outcomeOf(call: Promise<unknown>): Promise<RealOutcome> {
  try {
    return { ok: true, result: (await call) as Record<string, unknown> };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { ok: false, code: typeof code === 'string' ? code : `unexpected: ${String(error)}` };
  }
}

/** The fields of a real result the model predicts, in the model's notation (lots by model index). */
function valuesOf(req: Req, result: Record<string, unknown>, lotIds: readonly string[]): Record<string, string> {
  const m = result as Record<string, Money>;
  const r = result as Record<string, string>;
  const c = (value: Money) => fmtCents(value.toCents());
  const u = (s: string) => fmtMicro(micro(s));
  const lots = () => (result.lots as Array<{ lotId: string; amount: Money }>).map((l) => `lot${lotIds.indexOf(l.lotId)} ${c(l.amount)}`).join(', ');
  switch (req.op) {
    case 'grant':
      return { amount: c(m.amount!), balanceAfter: c(m.balanceAfter!) };
    case 'charge':
      return { amount: c(m.amount!), freeUnits: u(r.freeUnits!), lots: lots(), balanceAfter: c(m.balanceAfter!) };
    case 'hold':
      return { amount: c(m.amount!), freeUnits: u(r.freeUnits!), lots: lots(), status: r.status! };
    case 'capture':
      return { captured: c(m.captured!), status: r.status!, balanceAfter: c(m.balanceAfter!) };
    case 'release':
      return { status: r.status!, balanceAfter: c(m.balanceAfter!) };
    case 'reverse':
      return { amount: c(m.amount!), balanceAfter: c(m.balanceAfter!) };
    default:
      return r;
  }
}

const json = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

/** One run: a fresh account driven through the real service and the model side by side. */
class Run {
  // Real ids of the model's lots, holds and transactions, by model index.
  readonly lotIds: string[] = [];
  readonly holdIds: string[] = [];
  readonly txIds: Array<string | null> = [];
  readonly #responses = new Map<number, RealOutcome>(); // model step -> first real response
  readonly #sent: Keyed[] = []; // every keyed request, for retries and key reuse
  #keys = 0;
  #steps = 0;

  private constructor(
    private readonly wallet: WalletService,
    private readonly clock: ManualClock,
    private readonly accountId: string,
    private readonly start: number,
    readonly model: WalletModel,
  ) {}

  static async open(db: TestDatabase, accountId: string, start: number, trial: string, catalog: RunCatalog): Promise<Run> {
    const clock = new ManualClock(new Date(start));
    const wallet = new WalletService(db, clock, { trialCredit: trial });
    const prices: PriceRow[] = BASE_PRICES.map((p) => ({ channel: p.channel, country: p.country, price: micro(p.price), from: BASE_FROM }));
    const rows = [
      { channel: 'psms' as const, unit: 'message', price: catalog.smsPrice, from: start + catalog.smsFromHour * HOUR },
      { channel: 'pfax' as const, unit: 'page', price: '0.50', from: start + catalog.faxFromHour * HOUR },
    ];
    for (const row of rows) {
      await new PriceCatalog(db, clock).setPrice({ channel: row.channel, unit: row.unit, unitPrice: row.price, effectiveFrom: new Date(row.from) });
      prices.push({ channel: row.channel, country: '*', price: micro(row.price), from: row.from });
    }

    const run = new Run(wallet, clock, accountId, start, new WalletModel(start, cents(trial), prices, FREE_UNITS));
    await wallet.openWallet({ accountId, timeZone: TIME_ZONE });
    run.lotIds.push(...(await wallet.lots({ accountId })).map((l) => l.id));
    run.txIds.push(...(await wallet.history({ accountId })).data.map((h) => h.transactionId));
    return run;
  }

  elapsed(): number {
    return this.model.now - this.start;
  }

  /** A hold by pick (-1: one that does not exist); null to skip the command. */
  #pickHold(pick: number, pendingOnly: boolean): number | null {
    const all = this.model.holds.map((_, i) => i);
    const pending = all.filter((i) => this.model.holds[i]!.status === 'pending');
    const pool = pendingOnly && pending.length ? pending : all;
    if (pool.length) return pool[pick % pool.length]!;
    return pick % 4 === 0 ? -1 : null;
  }

  /** Turns a generated command into a concrete request (picks resolved against the model's state). */
  #request(cmd: Cmd): Req | null {
    const model = this.model;
    const key = () => `k${++this.#keys}`;
    switch (cmd.t) {
      case 'advance':
        return { op: 'advance', ms: cmd.ms };
      case 'expireLots':
      case 'expireHolds':
        return { op: cmd.t };
      case 'grant': {
        const expiresAt = cmd.expiry === null ? null : 'inHours' in cmd.expiry ? model.now + cmd.expiry.inHours * HOUR : this.start + cmd.expiry.atHour * HOUR;
        return { op: 'grant', key: key(), kind: cmd.kind, cents: BigInt(cmd.cents), expiresAt };
      }
      case 'charge':
        return { op: 'charge', key: key(), channel: cmd.channel, units: micro(cmd.units), country: cmd.country };
      case 'hold':
        return {
          op: 'hold',
          key: key(),
          channel: cmd.channel,
          units: micro(cmd.units),
          country: cmd.country,
          expiresAt: cmd.holdMinutes === null ? null : model.now + cmd.holdMinutes * MINUTE,
        };
      case 'capture': {
        const hold = this.#pickHold(cmd.pick, cmd.pendingOnly);
        if (hold === null) return null;
        const h = model.holds[hold];
        const mode: CaptureMode =
          cmd.mode.by === 'units'
            ? { by: 'units', units: ((h?.units ?? 1_000_000n) * BigInt(cmd.mode.permille)) / 1000n }
            : cmd.mode.by === 'amount'
              ? { by: 'amount', cents: ((h?.amount ?? 100n) * BigInt(cmd.mode.permille)) / 1000n }
              : { by: 'all' };
        return { op: 'capture', key: key(), hold, mode };
      }
      case 'release': {
        const hold = this.#pickHold(cmd.pick, cmd.pendingOnly);
        return hold === null ? null : { op: 'release', key: key(), hold };
      }
      case 'reverse': {
        const known = model.txs.map((_, i) => i).filter((i) => this.txIds[i]);
        const spend = known.filter((i) => (model.txs[i]!.type === 'charge' || model.txs[i]!.type === 'capture') && !model.txs[i]!.reversed);
        const pool = cmd.spendOnly && spend.length ? spend : known;
        return { op: 'reverse', key: key(), tx: pool.length ? pool[cmd.pick % pool.length]! : -1, reason: 'refund' };
      }
      case 'retry':
        return this.#sent.length ? this.#sent[cmd.pick % this.#sent.length]! : null;
      case 'reuse': {
        if (!this.#sent.length) return null;
        const old = this.#sent[cmd.pick % this.#sent.length]!;
        return { op: 'grant', key: old.key, kind: 'purchased', cents: old.op === 'grant' ? old.cents + 1n : 1n, expiresAt: null };
      }
    }
  }

  #call(req: Req): Promise<unknown> {
    const { wallet, accountId } = this;
    switch (req.op) {
      case 'grant':
        return wallet.grant({
          accountId,
          kind: req.kind,
          amount: fmtCents(req.cents),
          idempotencyKey: req.key,
          expiresAt: req.expiresAt === null ? null : new Date(req.expiresAt),
        });
      case 'charge':
        return wallet.charge({ accountId, channel: req.channel, units: fmtMicro(req.units), country: req.country, idempotencyKey: req.key });
      case 'hold':
        return wallet.hold({
          accountId,
          channel: req.channel,
          units: fmtMicro(req.units),
          country: req.country,
          idempotencyKey: req.key,
          ...(req.expiresAt === null ? {} : { expiresAt: new Date(req.expiresAt) }),
        });
      case 'capture': {
        const mode = req.mode.by === 'units' ? { units: fmtMicro(req.mode.units) } : req.mode.by === 'amount' ? { amount: fmtCents(req.mode.cents) } : {};
        return wallet.capture({ accountId, holdId: this.holdIds[req.hold] ?? BOGUS_ID, idempotencyKey: req.key, ...mode });
      }
      case 'release':
        return wallet.release({ accountId, holdId: this.holdIds[req.hold] ?? BOGUS_ID, idempotencyKey: req.key });
      case 'reverse':
        return wallet.reverse({ accountId, transactionId: this.txIds[req.tx] ?? BOGUS_ID, idempotencyKey: req.key, reason: req.reason });
      case 'expireLots':
        return wallet.expireLots().then((count) => ({ count: String(count) }));
      case 'expireHolds':
        return wallet.expireHolds().then((count) => ({ count: String(count) }));
      case 'advance':
        this.clock.advance({ ms: req.ms });
        return Promise.resolve({});
    }
  }

  /** Applies one command to both sides and compares the outcome, the balance and the quota. */
  async step(cmd: Cmd): Promise<void> {
    const n = ++this.#steps;
    const req = this.#request(cmd);
    if (!req) return;
    const model = this.model;
    const holdsBefore = model.holds.length;
    const txsBefore = model.txs.length;
    const expected = model.apply(req);
    const real = await outcomeOf(this.#call(req));
    try {
      if (!expected.ok) {
        expect(real).toEqual({ ok: false, code: expected.code });
      } else if ('replayOf' in expected) {
        expect(real).toEqual(this.#responses.get(expected.replayOf));
      } else {
        expect(real.ok ? { ok: true, values: valuesOf(req, real.result, this.lotIds) } : real).toEqual({ ok: true, values: expected.values });
      }
      if ('key' in req) {
        this.#sent.push(req);
        if (!this.#responses.has(model.step)) this.#responses.set(model.step, real);
      }
      if (real.ok) {
        const r = real.result as Record<string, string>;
        if (model.holds.length > holdsBefore) this.holdIds.push(r.holdId!);
        if (model.lots.length > this.lotIds.length) this.lotIds.push(r.lotId!);
        // Commands that make one transaction return its id; a hold's and the jobs' are not needed.
        const single = req.op === 'grant' || req.op === 'charge' || req.op === 'capture' || req.op === 'release' || req.op === 'reverse';
        for (let t = txsBefore; t < model.txs.length; t++) this.txIds[t] = single ? r.transactionId! : null;
      }
      const balance = await this.wallet.balance({ accountId: this.accountId });
      const quotas = await this.wallet.quotas({ accountId: this.accountId });
      expect({
        available: balance.available.toString(),
        pending: balance.pending.toString(),
        byKind: Object.fromEntries(KINDS.map((k) => [k, { available: balance.byKind[k].available.toString(), pending: balance.byKind[k].pending.toString() }])),
        pscanUsed: fmtMicro(micro(quotas.find((q) => q.channel === 'pscan')?.used ?? '0')),
      }).toEqual({ ...model.balance(), pscanUsed: model.quota('pscan') });
    } catch (error) {
      throw new Error(`command ${n} of the run, at +${this.elapsed() / MINUTE} min: ${json(req)}\n${(error as Error).message}`, { cause: error });
    }
  }

  /** After the run: every lot, every hold, the whole history, the ledger. */
  async finish(db: TestDatabase): Promise<void> {
    const { wallet, accountId, model } = this;
    const lots = await wallet.lots({ accountId, includeEmpty: true });
    expect(
      lots.map((l) => ({
        id: l.id,
        kind: l.kind,
        granted: l.granted.toString(),
        remaining: l.remaining.toString(),
        expiresAt: l.expiresAt?.getTime() ?? null,
      })),
    ).toEqual(
      model.lots.map((l, i) => ({ id: this.lotIds[i], kind: l.kind, granted: fmtCents(l.granted), remaining: fmtCents(l.remaining), expiresAt: l.expiresAt })),
    );
    const holds = (await wallet.holds({ accountId, limit: 1000 })).data.reverse();
    expect(holds.map((h) => ({ id: h.id, status: h.status, amount: h.amount.toString(), captured: h.captured.toString() }))).toEqual(
      model.holds.map((h, i) => ({ id: this.holdIds[i], status: h.status, amount: fmtCents(h.amount), captured: fmtCents(h.captured) })),
    );
    const history = (await wallet.history({ accountId, limit: 1000 })).data.reverse();
    expect(history.map((h) => h.type)).toEqual(model.txs.map((t) => t.type));
    // Entries one job run made together may come in any order: compare them as a set, and the
    // balance after the last of them.
    type Entry = { type: string; amount: string; channel: string | null; balanceAfter: string };
    const grouped = (entries: Entry[]) => {
      const out: Entry[][] = [];
      entries.forEach((e, i) => (i > 0 && model.txs[i - 1]!.group === model.txs[i]!.group ? out[out.length - 1]!.push(e) : out.push([e])));
      return out.map((g) => ({ entries: g.map((e) => `${e.type} ${e.amount} ${e.channel ?? '-'}`).sort(), balanceAfter: g[g.length - 1]!.balanceAfter }));
    };
    expect(grouped(history.map((h) => ({ type: h.type, amount: h.amount.toString(), channel: h.channel, balanceAfter: h.balanceAfter.toString() })))).toEqual(
      grouped(model.txs.map((t) => ({ type: t.type, amount: fmtCents(t.amount), channel: t.channel, balanceAfter: fmtCents(t.balanceAfter) }))),
    );
    const report = await checkInvariants({ db });
    expect(report.problems).toEqual([]);
  }
}

/** A generated command as fast-check sees it (fc.commands shrinks sequences of these well). */
class Step implements fc.AsyncCommand<Run, Run> {
  constructor(readonly cmd: Cmd) {}
  check(): boolean {
    return true;
  }
  async run(run: Run): Promise<void> {
    await run.step(this.cmd);
  }
  toString(): string {
    return json(this.cmd);
  }
}

for (const engine of testEngines()) {
  describe(`wallet property [${engine.name}]`, () => {
    let db: TestDatabase;
    let runs = 0;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      const catalog = new PriceCatalog(db, new ManualClock(new Date(BASE_FROM)));
      for (const p of BASE_PRICES)
        await catalog.setPrice({ channel: p.channel, unit: p.unit, country: p.country, unitPrice: p.price, effectiveFrom: new Date(BASE_FROM) });
      for (const [channel, free] of FREE_UNITS) await catalog.setQuota({ channel, freeUnits: fmtMicro(free) });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it(`matches the reference model over random command sequences (${NUM_RUNS} runs)`, async () => {
      const steps = fc.commands([cmdArb.map((cmd) => new Step(cmd))], {
        maxCommands: 30,
        size: 'medium',
        ...(REPLAY?.replayPath ? { replayPath: REPLAY.replayPath } : {}),
      });
      const property = fc.asyncProperty(startArb, trialArb, catalogArb, steps, async (start, trial, catalog, commands) => {
        // A clean slate: the expiry jobs look at every account, so no run may see another's.
        await db.query(
          `truncate wallets, credit_lots, ledger_transactions, ledger_postings, holds, hold_lots, idempotency_keys, quota_usage, wallet_events cascade`,
        );
        await db.query('delete from prices where effective_from > $1', [new Date(BASE_FROM)]);
        const run = await Run.open(db, `prop-${engine.name}-${++runs}`, start.getTime(), trial, catalog);
        await fc.asyncModelRun(() => ({ model: run, real: run }), commands);
        await run.finish(db);
      });
      await fc.assert(property, { numRuns: NUM_RUNS, interruptAfterTimeLimit: 240_000, ...(REPLAY ? { seed: REPLAY.seed, path: REPLAY.path } : {}) });
    }, 300_000);
  });
}
