import { CurrencyNotCollectableError } from './invoice-sync.errors.js';
import type { CollectionBlockedReason, Invoice } from './invoice-sync.types.js';

/** The currency every collection route works in (SEPA direct debit, transfers, payment links). */
export const COLLECTION_CURRENCY = 'EUR';

/** Why a document in `currency` cannot be collected, or null when it can (decided at import). */
export function collectionBlockedReasonFor(currency: string): CollectionBlockedReason | null {
  return currency.toUpperCase() === COLLECTION_CURRENCY ? null : 'currency_not_eur';
}

/**
 * The guard every collection step calls first (invitation, payment link, direct debit, transfer
 * matching): refuses an invoice that was imported but cannot be collected here, with a typed 409.
 */
export function assertCollectable(invoice: Pick<Invoice, 'id' | 'currency' | 'collectable' | 'collectionBlockedReason'>): void {
  if (invoice.collectable && collectionBlockedReasonFor(invoice.currency) === null) return;
  throw new CurrencyNotCollectableError({ invoiceId: invoice.id, currency: invoice.currency });
}
