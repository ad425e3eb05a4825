import type { PostalPriceList } from '@tollgate/print-mail';

/**
 * What an account pays for a letter to the Netherlands (euro, excl. VAT, from 2026-01-01): postage per
 * letter by product (the print service's PostNL tariff plus envelope and handling; priority is PostNL's
 * 24-hour business service) and printing per sheet. Postage is the same for every plan; printing is our
 * own work and cheaper on the classic edition, as its SMS are (docs/plans.md). A new price needs a new
 * `effectiveFrom`: the catalog never changes a row.
 */
export const POSTAL_NL_PRICES: PostalPriceList = {
  effectiveFrom: '2026-01-01',
  default: {
    'postage-standard': '1.60',
    'postage-priority': '2.55',
    'postage-registered': '9.95',
    'print-bw': '0.12',
    'print-color': '0.35',
  },
  plans: { classic: { 'print-bw': '0.10', 'print-color': '0.30' } },
};
