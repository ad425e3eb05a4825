import type { Money } from '@tollgate/money';
import { LOT_KINDS, type Balance, type HistoryEntry, type Hold, type Lot, type LotShare, type Price } from '@tollgate/wallet';

/*
 * The one JSON shape of the wallet API: amounts are plain decimal strings ("1.82") and every object
 * says `currency: "EUR"` once, at its top level. The wallet's read methods return Money objects
 * (whose own toJSON is `{ amount, currency }`); its write methods return records with string
 * amounts. Both are mapped here, so every route answers in the same shape.
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
  };
}

export function lotView(l: Lot) {
  return { id: l.id, kind: l.kind, currency: CURRENCY, granted: str(l.granted), remaining: str(l.remaining), held: str(l.held), expiresAt: iso(l.expiresAt), createdAt: l.createdAt.toISOString() };
}

export function holdView(h: Hold) {
  return {
    id: h.id,
    accountId: h.accountId,
    channel: h.channel,
    description: h.description,
    units: h.units,
    country: h.country,
    currency: CURRENCY,
    unitPrice: str(h.unitPrice),
    freeUnits: h.freeUnits,
    amount: str(h.amount),
    captured: str(h.captured),
    status: h.status,
    expiresAt: h.expiresAt.toISOString(),
    createdAt: h.createdAt.toISOString(),
    settledAt: iso(h.settledAt),
    lots: shares(h.lots),
  };
}

/** A hold as the wallet's hold/capture/release return it (`holdId`, string amounts) in the read shape (`id`). */
export function holdResultView(result: Record<string, unknown>) {
  const { holdId, ...rest } = result;
  return { id: holdId as string, ...withCurrency(rest) };
}

export function historyEntryView(e: HistoryEntry) {
  return {
    transactionId: e.transactionId,
    type: e.type,
    channel: e.channel,
    description: e.description,
    currency: CURRENCY,
    amount: str(e.amount),
    balanceAfter: str(e.balanceAfter),
    holdId: e.holdId,
    reversesId: e.reversesId,
    createdAt: e.createdAt.toISOString(),
    lots: shares(e.lots),
  };
}

export function priceView(p: Price) {
  return { id: p.id, channel: p.channel, unit: p.unit, country: p.country, currency: CURRENCY, unitPrice: str(p.unitPrice), effectiveFrom: p.effectiveFrom.toISOString() };
}

/** A write result of the wallet (charge, grant, reversal): already JSON-safe; `currency` goes after the ids. */
export function withCurrency(result: Record<string, unknown>): Record<string, unknown> {
  const entries = Object.entries(result);
  const at = entries.findIndex(([k]) => k === 'accountId');
  entries.splice(at + 1, 0, ['currency', CURRENCY]);
  return Object.fromEntries(entries);
}
