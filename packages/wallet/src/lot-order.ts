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
