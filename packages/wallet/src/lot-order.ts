import type { LotKind } from './wallet.types.js';

/**
 * The order credit is spent in (W-4): trial and promo credit first, then referral, then
 * purchased (purchased credit is the only kind that can be refunded, so it is kept longest);
 * within a kind group the lot that expires soonest first (never-expiring last), then the oldest.
 */
export const KIND_PRIORITY: Record<LotKind, number> = { trial: 0, promo: 0, referral: 1, purchased: 2 };

export interface OrderedLot {
  id: string;
  kind: LotKind;
  expiresAt: Date | null;
  createdAt: Date;
}

export function compareLots(a: OrderedLot, b: OrderedLot): number {
  const kind = KIND_PRIORITY[a.kind] - KIND_PRIORITY[b.kind];
  if (kind !== 0) return kind;
  const ea = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const eb = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  const ca = a.createdAt.getTime();
  const cb = b.createdAt.getTime();
  if (ca !== cb) return ca < cb ? -1 : 1;
  return BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0;
}

export interface ScopedLot extends OrderedLot {
  /** Channel ids or tags; null = general credit. */
  scope: readonly string[] | null;
}

/** Whether a lot may pay for a channel: general credit, or a scope naming the channel or one of its tags. */
export function appliesTo(lot: { scope: readonly string[] | null }, input: { channel: string; tags: readonly string[] }): boolean {
  return lot.scope === null || lot.scope.some((s) => s === input.channel || input.tags.includes(s));
}

/**
 * How narrow a lot is for a channel: 0 its scope names the channel itself, 1 it reaches the channel
 * through a tag, 2 general credit. Scoped credit is spent first (it can pay for less, so it is used
 * while it can be), narrowest first; then fewer scope entries first; then the W-4 order.
 */
function narrowness(lot: ScopedLot, input: { channel: string }): number {
  if (lot.scope === null) return 2;
  return lot.scope.includes(input.channel) ? 0 : 1;
}

/** The spending order for one channel: narrowest scope first, then compareLots (W-4). */
export function compareForChannel(input: { channel: string; tags: readonly string[] }): (a: ScopedLot, b: ScopedLot) => number {
  return (a, b) => {
    const n = narrowness(a, input) - narrowness(b, input);
    if (n !== 0) return n;
    const width = (a.scope?.length ?? 0) - (b.scope?.length ?? 0);
    if (width !== 0) return width;
    return compareLots(a, b);
  };
}
