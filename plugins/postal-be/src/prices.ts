import type { PostalPriceList } from '@tollgate/print-mail';

/**
 * What an account pays for a letter to Belgium (euro, excl. VAT, from 2026-01-01): postage per letter
 * by product (the print service's bpost tariff plus envelope and handling) and printing per sheet.
 * Postage is the same for every plan; printing is our own work and cheaper on the classic edition, as
 * its SMS are (docs/plans.md). A new price needs a new `effectiveFrom`: the catalog never changes a row.
 */
export const POSTAL_BE_PRICES: PostalPriceList = {
  effectiveFrom: '2026-01-01',
  default: {
    'postage-standard': '1.55',
    'postage-priority': '2.15',
    'postage-registered': '7.45',
    'print-bw': '0.12',
    'print-color': '0.35',
  },
  plans: { classic: { 'print-bw': '0.10', 'print-color': '0.30' } },
};
