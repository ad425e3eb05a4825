import { Money } from '@tollgate/money';
import { maskPersonalData } from './personal-data.js';
import {
  LOT_KINDS,
  type Balance,
  type HistoryEntry,
  type HistoryLine,
  type Hold,
  type HoldResult,
  type Lot,
  type LotShare,
  type Price,
  type Quote,
  type SpendingCap,
} from '@tollgate/wallet';

/*
 * The one JSON shape of the wallet API: amounts are plain decimal strings ("1.82") and every object
 * says `currency: "EUR"` once, at its top level. The wallet returns Money objects (whose own toJSON
 * is `{ amount, currency }`) and Dates; they are mapped here, so every route answers in the same shape.
 */

const CURRENCY = 'EUR' as const;
const str = (m: Money): string => m.toString();
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const shares = (lots: readonly LotShare[]) => lots.map((l) => ({ lotId: l.lotId, kind: l.kind, amount: str(l.amount) }));

export function balanceView(b: Balance) {
  return {
    accountId: b.accountId,
    currency: CURRENCY,
    available: str(b.available),
    pending: str(b.pending),
    total: str(b.total),
    owed: str(b.owed),
    blocked: b.blocked,
    refundable: str(b.refundable),
    byKind: Object.fromEntries(LOT_KINDS.map((k) => [k, { available: str(b.byKind[k].available), pending: str(b.byKind[k].pending) }])),
    scoped: (b.scoped ?? []).map((s) => ({ scope: s.scope, available: str(s.available), pending: str(s.pending) })),
  };
}

export function lotView(l: Lot) {
  return {
    id: l.id,
    kind: l.kind,
    currency: CURRENCY,
    granted: str(l.granted),
    remaining: str(l.remaining),
    held: str(l.held),
    expiresAt: iso(l.expiresAt),
    createdAt: l.createdAt.toISOString(),
    scope: l.scope,
  };
}

/** A hold as GET /v1/wallet/holds shows it; its description masked like the history's. */
export function holdView(h: Hold) {
  return {
    id: h.id,
    accountId: h.accountId,
    channel: h.channel,
    description: maskPersonalData(h.description),
    units: h.units,
    country: h.country,
    currency: CURRENCY,
    unitPrice: str(h.unitPrice),
    freeUnits: h.freeUnits,
    allowanceUnits: h.allowanceUnits,
    amount: str(h.amount),
    captured: str(h.captured),
    status: h.status,
    expiresAt: h.expiresAt.toISOString(),
    createdAt: h.createdAt.toISOString(),
    settledAt: iso(h.settledAt),
    lots: shares(h.lots),
  };
}

/** A hold as the wallet's hold/capture/release return it (`holdId`) in the read shape (`id`). */
export function holdResultView(result: HoldResult) {
  const { holdId, ...rest } = result;
  return { id: holdId, ...withCurrency(rest) };
}

/** A ledger entry; its description masked (phone numbers, e-mail addresses). */
export function historyEntryView(e: HistoryEntry) {
  return {
    transactionId: e.transactionId,
    type: e.type,
    channel: e.channel,
    description: maskPersonalData(e.description),
    currency: CURRENCY,
    amount: str(e.amount),
    balanceAfter: str(e.balanceAfter),
    holdId: e.holdId,
    reversesId: e.reversesId,
    createdAt: e.createdAt.toISOString(),
    lots: shares(e.lots),
  };
}

/** A history line (a use with its final cost, a top-up…); its description masked. */
export function historyLineView(l: HistoryLine) {
  return {
    id: l.id,
    type: l.type,
    status: l.status,
    channel: l.channel,
    description: maskPersonalData(l.description),
    currency: CURRENCY,
    amount: str(l.amount),
    holdId: l.holdId,
    reversesId: l.reversesId,
    entryCount: l.entryCount,
    createdAt: l.createdAt.toISOString(),
    updatedAt: l.updatedAt.toISOString(),
  };
}

export function priceView(p: Price) {
  return {
    id: p.id,
    channel: p.channel,
    unit: p.unit,
    country: p.country,
    plan: p.plan ?? '*',
    currency: CURRENCY,
    unitPrice: str(p.unitPrice),
    effectiveFrom: p.effectiveFrom.toISOString(),
  };
}

/** Money as a decimal string, a Date as ISO 8601, inside objects and arrays: a typed result in its JSON shape. */
function plain(value: unknown): unknown {
  if (value instanceof Money) return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** A write result of the wallet (charge, grant, hold, reversal) in the API's shape; `currency` goes after the ids. */
export function withCurrency(result: object): Record<string, unknown> {
  const entries = Object.entries(plain(result) as Record<string, unknown>);
  const at = entries.findIndex(([k]) => k === 'accountId');
  entries.splice(at + 1, 0, ['currency', CURRENCY]);
  return Object.fromEntries(entries);
}

/** A monthly spending cap with this month's use. */
export function capView(c: SpendingCap) {
  return {
    kind: c.kind,
    target: c.target,
    currency: CURRENCY,
    limit: str(c.limit),
    used: str(c.used),
    remaining: str(c.remaining),
    period: c.period,
    resetsAt: c.resetsAt,
  };
}

/** POST /v1/wallet/quote's answer; autoRefill is set (by the route, from funding) only when the credit falls short. */
export function quoteView(q: Quote) {
  return {
    accountId: q.accountId,
    currency: CURRENCY,
    channel: q.channel,
    units: q.units,
    country: q.country,
    unitPrice: str(q.unitPrice),
    freeUnits: q.freeUnits,
    allowanceUnits: q.allowanceUnits,
    amount: str(q.amount),
    available: str(q.available),
    affordable: q.affordable,
    reason: q.reason,
    at: q.at.toISOString(),
    breakdown: q.breakdown
      ? { ...q.breakdown, fromScoped: str(q.breakdown.fromScoped), fromGeneral: str(q.breakdown.fromGeneral) }
      : { freeUnits: q.freeUnits, allowanceUnits: '0', paidUnits: q.units, fromScoped: '0.00', fromGeneral: str(q.amount) },
    lots: shares(q.lots ?? []),
    caps: (q.caps ?? []).map((c) => ({ kind: c.kind, target: c.target, limit: str(c.limit), used: str(c.used), remaining: str(c.remaining) })),
    maxUnits: q.maxUnits ?? null,
    autoRefill: q.autoRefill
      ? { covers: q.autoRefill.covers, amount: q.autoRefill.amount ? str(q.autoRefill.amount) : null, reason: q.autoRefill.reason ?? null }
      : null,
  };
}
