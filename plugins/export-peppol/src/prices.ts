import type { ChannelPrice } from '@tollgate/plugin-sdk';

/** Euro per exported document, excl. VAT (catalog, default list). A new price needs a new date. */
export const EXPORT_PEPPOL_PRICES: readonly ChannelPrice[] = [{ unitPrice: '0.15', effectiveFrom: '2026-01-01' }];
