import { readFileSync } from 'node:fs';
import { Money } from '@tollgate/money';
import { describe, expect, it } from 'vitest';
import { WalletRules } from './wallet-rules.js';
import type { Command, HoldState, IdPool, LotState, Outcome, PriceRow, WalletSnapshot } from './wallet-state.js';
import type { CaptureResult, ChargeResult, ClawbackResult, GrantResult, HoldResult, LotKind, RefundResult, ReversalResult } from './wallet.types.js';

/*
 * The wallet's rules on snapshots built by hand: no database. What the rules decide here is what
 * the service writes; wallet.property.test.ts checks the whole service against a model.
 */

expect.addEqualityTesters([(a: unknown, b: unknown) => (a instanceof Money && b instanceof Money ? a.equals(b) : undefined)]);

const NOW = new Date('2026-03-10T12:00:00.000Z');
const eur = (amount: string) => Money.of(amount);
const DAY = 86_400_000;

const PRICES: PriceRow[] = [
  { channel: 'sms', unit: 'message', country: '*', plan: '*', unitPrice: eur('0.15'), effectiveFrom: new Date('2025-01-01T00:00:00Z') },
  { channel: 'voice', unit: 'minute', country: '*', plan: '*', unitPrice: eur('0.0125'), effectiveFrom: new Date('2025-01-01T00:00:00Z') },
  { channel: 'scan', unit: 'scan', country: '*', plan: '*', unitPrice: eur('0.10'), effectiveFrom: new Date('2025-01-01T00:00:00Z') },
  { channel: 'post', unit: 'letter', country: 'BE', plan: '*', unitPrice: eur('1.20'), effectiveFrom: new Date('2025-01-01T00:00:00Z') },
  { channel: 'post', unit: 'letter', country: '*', plan: '*', unitPrice: eur('1.50'), effectiveFrom: new Date('2025-01-01T00:00:00Z') },
  // The classic plan (W-11) prices sms and post itself (newest first, as the snapshot loads them); voice and scan fall back to the default rows.
  { channel: 'sms', unit: 'message', country: '*', plan: 'classic', unitPrice: eur('0.12'), effectiveFrom: new Date('2026-01-01T00:00:00Z') },
  { channel: 'sms', unit: 'message', country: '*', plan: 'classic', unitPrice: eur('0.11'), effectiveFrom: new Date('2025-06-01T00:00:00Z') },
  { channel: 'post', unit: 'letter', country: 'NL', plan: 'classic', unitPrice: eur('1.40'), effectiveFrom: new Date('2025-01-01T00:00:00Z') },
  { channel: 'post', unit: 'letter', country: '*', plan: 'classic', unitPrice: eur('1.30'), effectiveFrom: new Date('2025-01-01T00:00:00Z') },
  // The xl plan prices post for BE alone: its rows replace the default rows entirely, so post to NL has no price on xl.
  { channel: 'post', unit: 'letter', country: 'BE', plan: 'xl', unitPrice: eur('1.00'), effectiveFrom: new Date('2025-01-01T00:00:00Z') },
];

let nextLot = 1;
function lot(kind: LotKind, amount: string, extra: Partial<LotState> = {}): LotState {
  const id = String(nextLot++);
  return {
    id,
    kind,
    granted: eur(amount),
    remaining: eur(amount),
    expiresAt: null,
    createdAt: new Date(NOW.getTime() - 30 * DAY + Number(id)),
    clawedBack: null,
    scope: null,
    ...extra,
  } as LotState;
}

function snapshot(
  input: {
    lots?: LotState[];
    owed?: string;
    lowBalance?: string;
    quotaUsed?: Record<string, string>;
    holds?: HoldState[];
    plan?: string;
    accountId?: string;
    caps?: WalletSnapshot['caps'];
    spendUsed?: Record<string, string>;
    tags?: Record<string, string[]>;
  } = {},
): WalletSnapshot {
  const lots = input.lots ?? [];
  const available = lots.reduce((sum, l) => sum.plus(l.remaining), Money.zero());
  return {
    accountId: input.accountId ?? 'acc_1',
    available,
    pending: Money.zero(),
    owed: eur(input.owed ?? '0'),
    lowBalance: eur(input.lowBalance ?? '0'),
    timeZone: 'Europe/Brussels',
    plan: input.plan ?? 'focus',
    period: '2026-03-01',
    lots: new Map(lots.map((l) => [l.id, l])),
    holds: new Map((input.holds ?? []).map((h) => [h.id, h])),
    quotaUsed: new Map(Object.entries(input.quotaUsed ?? {}).map(([channel, used]) => [channel, eur(used)])),
    allowanceLast: new Map(),
    caps: input.caps ?? [],
    spendUsed: new Map(Object.entries(input.spendUsed ?? {}).map(([key, used]) => [key, eur(used)])),
    idempotency: new Map(),
    reversalSources: new Map(),
    // 'fax' is in the catalog but has no price in force yet.
    catalog: {
      prices: PRICES,
      freeUnits: new Map([['scan', eur('100')]]),
      channels: new Set(['sms', 'voice', 'scan', 'post', 'fax']),
      tags: new Map(Object.entries(input.tags ?? { post: ['postal'] })),
      allowances: new Map(),
    },
  };
}

function ids(): IdPool {
  const range = (from: number) => Array.from({ length: 50 }, (_, i) => String(from + i));
  return { tx: range(1000), lot: range(2000), hold: range(3000) };
}

const rulesFor = (s: WalletSnapshot) => new WalletRules(s, NOW, ids());

const charge = (key: string, channel: string, units: string, extra: { country?: string; provisional?: boolean } = {}): Command => ({
  op: 'charge',
  idempotencyKey: key,
  channel,
  units,
  country: extra.country ?? null,
  description: channel,
  metadata: {},
  ...(extra.provisional ? { provisional: true } : {}),
});
const hold = (key: string, channel: string, units: string): Command => ({
  op: 'hold',
  idempotencyKey: key,
  channel,
  units,
  country: null,
  description: channel,
  expiresAt: null,
  holdSeconds: 3600,
  metadata: {},
});
const grant = (key: string, kind: LotKind, amount: string): Command => ({
  op: 'grant',
  idempotencyKey: key,
  kind,
  amount: eur(amount),
  expiresAt: null,
  description: 'credit',
  metadata: {},
});

function ok<R>(outcome: Outcome): R {
  if (!outcome.ok) throw new Error(`refused: ${outcome.error.code} ${outcome.error.message}`);
  return outcome.result as R;
}
function code(outcome: Outcome): string {
  if (outcome.ok) throw new Error('expected a refusal');
  return outcome.error.code;
}

describe('wallet rules', () => {
  it('uses the free quota first, and a refused charge gives it back', () => {
    const rich = rulesFor(snapshot({ lots: [lot('purchased', '5.00')], quotaUsed: { scan: '98' } }));
    const first = ok<ChargeResult>(rich.apply(charge('a', 'scan', '5')));
    expect(first).toMatchObject({ freeUnits: '2', amount: eur('0.30'), balanceAfter: eur('4.70') });
    expect(rich.changes().quota).toEqual([['scan', eur('100')]]);

    const poor = rulesFor(snapshot({ lots: [lot('trial', '0.05')], quotaUsed: { scan: '97' } }));
    expect(code(poor.apply(charge('b', 'scan', '5')))).toBe('insufficient_funds'); // 3 free, 2 x 0.10 > 0.05
    const after = poor.changes();
    expect(after.quota).toEqual([]);
    // The quota the refused charge would have used is still there for the next one.
    const free = ok<ChargeResult>(poor.apply(charge('c', 'scan', '3')));
    expect(free).toMatchObject({ freeUnits: '3', amount: eur('0.00') });
  });

  it('spends trial and promo first, soonest expiry first, then referral, then purchased', () => {
    const purchased = lot('purchased', '5.00');
    const referral = lot('referral', '0.50');
    const trial = lot('trial', '0.40');
    const promoLate = lot('promo', '0.30', { expiresAt: new Date(NOW.getTime() + 20 * DAY) });
    const promoSoon = lot('promo', '0.20', { expiresAt: new Date(NOW.getTime() + 2 * DAY) });
    const rules = rulesFor(snapshot({ lots: [purchased, referral, trial, promoLate, promoSoon] }));
    const result = ok<ChargeResult>(rules.apply(charge('a', 'post', '1', { country: 'BE' }))); // 1.20
    expect(result.lots.map((l) => [l.lotId, l.amount.toString()])).toEqual([
      [promoSoon.id, '0.20'],
      [promoLate.id, '0.30'],
      [trial.id, '0.40'],
      [referral.id, '0.30'],
    ]);
    expect(referral.remaining).toEqual(eur('0.20'));
    expect(purchased.remaining).toEqual(eur('5.00'));
    // The country's own row first, '*' otherwise.
    expect(ok<ChargeResult>(rules.apply(charge('b', 'post', '1', { country: 'NL' }))).unitPrice).toEqual(eur('1.50'));
  });

  it('rounds sub-cent prices half-up to the cent once, after multiplying', () => {
    const rules = rulesFor(snapshot({ lots: [lot('purchased', '5.00')] }));
    const amounts = ['1', '2', '3', '0.5'].map((units, i) => ok<ChargeResult>(rules.apply(charge(`v${i}`, 'voice', units))).amount.toString());
    expect(amounts).toEqual(['0.01', '0.03', '0.04', '0.01']); // 0.0125, 0.025, 0.0375, 0.00625
  });

  it('refuses units whose price rounds to 0.00, and books nothing for them', () => {
    const rules = rulesFor(snapshot({ lots: [lot('purchased', '5.00')] }));
    const refused = rules.apply(charge('tiny', 'voice', '0.3')); // 0.00375
    expect(code(refused)).toBe('units_below_minimum');
    expect(code(rules.apply(charge('tiny-sms', 'sms', '0.001')))).toBe('units_below_minimum');
    expect(ok<ChargeResult>(rules.apply(charge('smallest', 'voice', '0.4'))).amount.toString()).toBe('0.01'); // 0.005
    expect(rules.changes().transactions).toHaveLength(1);
  });

  it('a refusal moves no money, and it is remembered under its key', () => {
    const trial = lot('trial', '0.20');
    const rules = rulesFor(snapshot({ lots: [trial] }));
    const refused = rules.apply(charge('big', 'sms', '2'));
    expect(code(refused)).toBe('insufficient_funds');
    expect(trial.remaining).toEqual(eur('0.20'));
    const changes = rules.changes();
    expect(changes.transactions).toEqual([]);
    expect(changes.changedLots).toEqual([]);
    expect(changes.available).toEqual(eur('0.20'));
    expect(changes.events).toEqual([]);
    expect(changes.records).toEqual([
      {
        key: 'big',
        operation: 'charge',
        hash: expect.any(String),
        response: { ok: false, error: expect.objectContaining({ code: 'insufficient_funds', status: 422 }) },
      },
    ]);
  });

  it('replays the stored outcome, in the same transaction and from the stored JSON in a later one', () => {
    const first = rulesFor(snapshot({ lots: [lot('trial', '2.00')] }));
    const charged = ok<ChargeResult>(first.apply(charge('k', 'sms', '2')));
    expect(first.apply(charge('k', 'sms', '2'))).toEqual({ ok: true, result: charged });
    const { records, transactions } = first.changes();
    expect(transactions).toHaveLength(1);

    // A later transaction reads the record back (as JSON, like the database returns it).
    const later = snapshot({ lots: [lot('trial', '1.70')] });
    for (const r of records) later.idempotency.set(r.key, { operation: r.operation, hash: r.hash, response: JSON.parse(JSON.stringify(r.response)) });
    const rules = rulesFor(later);
    const replay = ok<ChargeResult>(rules.apply(charge('k', 'sms', '2')));
    expect(replay).toEqual(charged);
    expect(replay.amount).toBeInstanceOf(Money);
    expect(replay.createdAt).toBeInstanceOf(Date);
    expect(rules.changes().transactions).toEqual([]);
  });

  it('refuses a key reused with other parameters or for another operation', () => {
    const rules = rulesFor(snapshot({ lots: [lot('trial', '2.00')] }));
    ok(rules.apply(charge('k', 'sms', '1')));
    expect(code(rules.apply(charge('k', 'sms', '2')))).toBe('idempotency_key_reused');
    expect(code(rules.apply(hold('k', 'sms', '1')))).toBe('idempotency_key_reused');
    expect(rules.changes().transactions).toHaveLength(1);
  });

  it('does not remember a provisional refusal, nor input that could never be right', () => {
    const rules = rulesFor(snapshot({ lots: [lot('trial', '0.10')] }));
    expect(code(rules.apply(charge('wait', 'sms', '1', { provisional: true })))).toBe('insufficient_funds');
    expect(code(rules.apply(charge('x', 'telepathy', '1')))).toBe('unknown_channel');
    expect(code(rules.apply(charge('y', 'fax', '1')))).toBe('no_price');
    expect(rules.changes().records).toEqual([]);
    // The auto-refill arrives; the same provisional charge, same key, now goes through.
    ok(rules.apply(grant('refill', 'purchased', '5.00')));
    expect(ok<ChargeResult>(rules.apply(charge('wait', 'sms', '1', { provisional: true }))).amount).toEqual(eur('0.15'));
  });

  it('captures fewer units than held at the held price and releases the rest, free units included', () => {
    const purchased = lot('purchased', '5.00');
    const rules = rulesFor(snapshot({ lots: [purchased], quotaUsed: { scan: '95' } }));
    const held = ok<HoldResult>(rules.apply(hold('h', 'scan', '20'))); // 5 free, 15 x 0.10
    expect(held).toMatchObject({ amount: eur('1.50'), freeUnits: '5', status: 'pending' });
    expect(purchased.remaining).toEqual(eur('3.50'));
    const captured = ok<CaptureResult>(rules.apply({ op: 'capture', idempotencyKey: 'c', holdId: held.holdId, units: '7', amount: null }));
    // 7 units: 5 free and 2 x 0.10; the other 1.30 goes back to the lot.
    expect(captured).toMatchObject({ status: 'captured', captured: eur('0.20'), balanceAfter: eur('4.80') });
    expect(purchased.remaining).toEqual(eur('4.80'));
    const changes = rules.changes();
    expect(changes.pending).toEqual(eur('0.00'));
    expect(changes.quota).toEqual([['scan', eur('100')]]);
    expect(code(rules.apply({ op: 'capture', idempotencyKey: 'c2', holdId: held.holdId, units: null, amount: null }))).toBe('hold_not_pending');

    const second = ok<HoldResult>(rules.apply(hold('h2', 'sms', '2')));
    expect(code(rules.apply({ op: 'capture', idempotencyKey: 'c3', holdId: second.holdId, units: null, amount: eur('0.31') }))).toBe('capture_exceeds_hold');
    expect(code(rules.apply({ op: 'capture', idempotencyKey: 'c4', holdId: '999', units: null, amount: null }))).toBe('not_found');
  });

  it('reverses a charge into the lots it paid from, once', () => {
    const trial = lot('trial', '0.20');
    const purchased = lot('purchased', '1.00');
    const s = snapshot({ lots: [trial, purchased] });
    const rules = rulesFor(s);
    const charged = ok<ChargeResult>(rules.apply(charge('c', 'sms', '2'))); // 0.20 trial + 0.10 purchased
    const { transactions } = rules.changes();
    // The next transaction finds the charge among the reversal sources.
    const next = snapshot({ lots: [trial, purchased] });
    next.reversalSources.set(charged.transactionId, {
      type: 'charge',
      channel: 'sms',
      description: 'sms',
      reversed: false,
      userId: null,
      createdAt: NOW,
      postings: transactions[0]!.postings,
    });
    const later = rulesFor(next);
    const reversed = ok<ReversalResult>(later.apply({ op: 'reverse', idempotencyKey: 'r', transactionId: charged.transactionId, reason: 'undelivered' }));
    expect(reversed).toMatchObject({ amount: eur('0.30'), balanceAfter: eur('1.20'), reversesId: charged.transactionId });
    expect([trial.remaining, purchased.remaining]).toEqual([eur('0.20'), eur('1.00')]);
    expect(code(later.apply({ op: 'reverse', idempotencyKey: 'r2', transactionId: charged.transactionId, reason: 'again' }))).toBe('not_reversible');
    expect(code(later.apply({ op: 'reverse', idempotencyKey: 'r3', transactionId: '424242', reason: 'x' }))).toBe('not_found');
  });

  it('claws back a spent purchase: owed, blocked, then settled by the next purchase', () => {
    const trial = lot('trial', '2.00');
    const bought = lot('purchased', '10.00');
    const rules = rulesFor(snapshot({ lots: [trial, bought] }));
    ok(rules.apply(charge('spend', 'post', '4', { country: 'BE' }))); // 4.80: trial 2.00 + 2.80 purchased
    const back = ok<ClawbackResult>(rules.apply({ op: 'clawback', idempotencyKey: 'claw', lotId: bought.id, reason: 'MD06', description: 'reversed' }));
    expect(back).toMatchObject({ recovered: eur('7.20'), shortfall: eur('2.80'), owed: eur('2.80'), balanceAfter: eur('0.00') });
    expect(code(rules.apply(charge('blocked', 'sms', '1')))).toBe('wallet_blocked');
    expect(rules.quote({ channel: 'sms', units: '1', country: null })).toMatchObject({ affordable: false, reason: 'wallet_blocked' });
    expect(code(rules.apply({ op: 'clawback', idempotencyKey: 'claw2', lotId: bought.id, reason: 'again', description: 'x' }))).toBe('not_clawable');

    const refill = ok<GrantResult>(rules.apply(grant('buy', 'purchased', '5.00')));
    expect(refill.lotId).toBeTruthy();
    const changes = rules.changes();
    expect(changes.owed).toEqual(eur('0.00'));
    expect(changes.available).toEqual(eur('2.20'));
    expect(changes.transactions.map((t) => t.type)).toEqual(['charge', 'clawback', 'grant', 'settle']);
    expect(changes.events.map((e) => e.type)).toEqual(expect.arrayContaining(['wallet.clawed_back', 'wallet.debt_settled', 'wallet.unblocked']));
    expect(ok<ChargeResult>(rules.apply(charge('after', 'sms', '1'))).amount).toEqual(eur('0.15'));
  });

  it('refunds purchased credit as a payout and a fee, and refuses what it cannot', () => {
    const trial = lot('trial', '2.00');
    const bought = lot('purchased', '50.00');
    const rules = rulesFor(snapshot({ lots: [trial, bought] }));
    const refund = (key: string, credits: string, fee: string) =>
      rules.apply({ op: 'refund', idempotencyKey: key, amount: eur(credits), fee: eur(fee), description: 'refund', metadata: {} });
    expect(code(refund('too-much', '50.01', '2.00'))).toBe('refund_exceeds_refundable');
    expect(code(refund('below-fee', '2.00', '2.00'))).toBe('refund_below_fee');
    const done = ok<RefundResult>(refund('ok', '20.00', '2.00'));
    expect(done).toMatchObject({ credits: eur('20.00'), fee: eur('2.00'), payout: eur('18.00'), balanceAfter: eur('32.00') });
    expect(done.feeTransactionId).not.toBeNull();
    expect(bought.remaining).toEqual(eur('30.00'));
    expect(trial.remaining).toEqual(eur('2.00')); // trial credit is never refunded
    const types = rules.changes().transactions.map((t) => [t.type, t.amount.toString()]);
    expect(types).toEqual([
      ['refund', '-18.00'],
      ['fee', '-2.00'],
    ]);
  });

  it('stops counting expired lots at once and books them when expire_lots runs', () => {
    const expired = lot('promo', '1.00', { expiresAt: new Date(NOW.getTime() - 1) });
    const live = lot('trial', '0.10');
    const rules = rulesFor(snapshot({ lots: [expired, live] }));
    expect(code(rules.apply(charge('c', 'sms', '1')))).toBe('insufficient_funds'); // 0.15 > 0.10: the promo lot no longer counts
    const result = ok<{ expiredLots: string[]; transactionIds: string[] }>(rules.apply({ op: 'expire_lots' }));
    expect(result.expiredLots).toEqual([expired.id]);
    expect(expired.remaining).toEqual(eur('0.00'));
    const changes = rules.changes();
    expect(changes.available).toEqual(eur('0.10'));
    expect(changes.transactions.map((t) => [t.type, t.amount.toString(), t.postings.map((p) => p.book)])).toEqual([
      ['expire_lot', '-1.00', ['wallet', 'expired']],
    ]);
  });

  it('emits low_balance when the balance crosses the threshold downwards and depleted at zero', () => {
    const rules = rulesFor(snapshot({ lots: [lot('trial', '1.20')], lowBalance: '1.00' }));
    ok(rules.apply(charge('a', 'post', '1', { country: 'BE' })));
    expect(rules.changes().events.map((e) => e.type)).toEqual(['wallet.charged', 'wallet.low_balance', 'wallet.depleted']);
  });

  it('quotes what a charge would cost with the same rules, and books nothing', () => {
    const s = snapshot({ lots: [lot('trial', '0.50')], quotaUsed: { scan: '98' } });
    const rules = rulesFor(s);
    const quote = rules.quote({ channel: 'scan', units: '6', country: null });
    expect(quote).toMatchObject({ freeUnits: '2', unitPrice: eur('0.10'), amount: eur('0.40'), available: eur('0.50'), affordable: true, reason: null });
    expect(s.quotaUsed.get('scan')).toEqual(eur('98'));
    expect(rules.quote({ channel: 'scan', units: '8', country: null })).toMatchObject({ amount: eur('0.60'), affordable: false, reason: 'insufficient_funds' });
    const charged = ok<ChargeResult>(rules.apply(charge('c', 'scan', '6')));
    expect(charged.amount).toEqual(quote.amount);
    expect(() => rules.quote({ channel: 'telepathy', units: '1', country: null })).toThrow(expect.objectContaining({ code: 'unknown_channel' }));
  });

  it("prices on the wallet's plan: a plan's rows for a channel replace the default rows, country before '*', latest first", () => {
    const classic = rulesFor(snapshot({ lots: [lot('purchased', '20.00')], plan: 'classic' }));
    // sms: classic's own rows, the latest in force (0.12 from 2026, not 0.11 from 2025, not the default 0.15).
    expect(ok<ChargeResult>(classic.apply(charge('a', 'sms', '1'))).unitPrice).toEqual(eur('0.12'));
    // post: classic's own country row, else classic's '*' — never the default list's BE row (1.20).
    expect(ok<ChargeResult>(classic.apply(charge('b', 'post', '1', { country: 'NL' }))).unitPrice).toEqual(eur('1.40'));
    expect(ok<ChargeResult>(classic.apply(charge('c', 'post', '1', { country: 'BE' }))).unitPrice).toEqual(eur('1.30'));
    // voice: classic has no rows for it, so the default rows apply.
    expect(ok<ChargeResult>(classic.apply(charge('d', 'voice', '4'))).unitPrice).toEqual(eur('0.0125'));
    // A plan without any rows of its own uses the default list throughout.
    const focus = rulesFor(snapshot({ lots: [lot('purchased', '20.00')], plan: 'focus' }));
    expect(ok<ChargeResult>(focus.apply(charge('a', 'sms', '1'))).unitPrice).toEqual(eur('0.15'));
    expect(ok<ChargeResult>(focus.apply(charge('b', 'post', '1', { country: 'BE' }))).unitPrice).toEqual(eur('1.20'));
    expect(ok<ChargeResult>(focus.apply(charge('c', 'post', '1', { country: 'NL' }))).unitPrice).toEqual(eur('1.50'));
    // xl prices post for BE alone: its rows replace the default ones entirely, so NL has no price on xl (not the default 1.50).
    const xl = rulesFor(snapshot({ lots: [lot('purchased', '20.00')], plan: 'xl' }));
    expect(ok<ChargeResult>(xl.apply(charge('a', 'post', '1', { country: 'BE' }))).unitPrice).toEqual(eur('1.00'));
    expect(code(xl.apply(charge('b', 'post', '1', { country: 'NL' })))).toBe('no_price');
    expect(ok<ChargeResult>(xl.apply(charge('c', 'sms', '1'))).unitPrice).toEqual(eur('0.15'));
  });

  it('prices each wallet of a batch on its own plan from the one shared catalog slice, and quotes what it holds', () => {
    // The snapshot loader gives every wallet of a transaction the same CatalogSlice object.
    const a = snapshot({ accountId: 'acc_classic', lots: [lot('purchased', '5.00')], plan: 'classic' });
    const b = snapshot({ accountId: 'acc_focus', lots: [lot('purchased', '5.00')], plan: 'focus' });
    b.catalog = a.catalog;
    const shared = ids();
    const classic = new WalletRules(a, NOW, shared);
    const focus = new WalletRules(b, NOW, shared);
    const quoted = [classic.quote({ channel: 'sms', units: '3', country: null }), focus.quote({ channel: 'sms', units: '3', country: null })];
    const held = [ok<HoldResult>(classic.apply(hold('h', 'sms', '3'))), ok<HoldResult>(focus.apply(hold('h', 'sms', '3')))];
    const charged = [ok<ChargeResult>(focus.apply(charge('c', 'sms', '1'))), ok<ChargeResult>(classic.apply(charge('c', 'sms', '1')))];
    expect(quoted.map((q) => q.amount)).toEqual([eur('0.36'), eur('0.45')]);
    expect(held.map((h) => h.amount)).toEqual(quoted.map((q) => q.amount));
    expect(charged.map((c) => c.amount)).toEqual([eur('0.15'), eur('0.12')]);
  });

  it("does no I/O: nothing it imports, directly or through the wallet's own modules, reaches the database package", () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(new URL(file, import.meta.url), 'utf8');
      for (const [, spec] of source.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
        if (spec!.startsWith('./')) visit(spec!.replace(/\.js$/, '.ts'));
        else packages.add(spec!);
      }
    };
    visit('./wallet-rules.ts');
    expect(seen.has('./wallet-snapshot.ts') || seen.has('./wallet-writer.ts')).toBe(false);
    expect([...packages].sort()).toEqual(['@tollgate/errors', '@tollgate/money', '@tollgate/plugin-sdk', 'node:crypto']);
  });
});
