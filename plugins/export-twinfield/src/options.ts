import type { ChannelPrice } from '@tollgate/plugin-sdk';
import { z } from 'zod';

const PRICE = /^(0|[1-9]\d{0,5})(\.\d{1,6})?$/;
const price = z.string().regex(PRICE, 'must be a decimal string with at most 6 decimals, e.g. "0.10"');
const planId = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a plan id such as "classic"');

/** Options of the export-twinfield plugin (its entry in tollgate.config.json): only what it costs. */
export const exportTwinfieldOptions = z.strictObject({
  /** Euro excl. VAT per exported document (the default list). */
  unitPrice: price.default('0.10'),
  /** A price per plan, replacing the default for that plan: { "classic": "0.08" }. */
  planPrices: z.record(planId, price).default({}),
  /** From when the prices apply; a new price needs a new date (the catalog never changes a row). */
  priceEffectiveFrom: z.iso.date().default('2026-01-01'),
});

export type ExportTwinfieldOptions = z.output<typeof exportTwinfieldOptions>;

/** The catalog rows of the export-twinfield channel. */
export function channelPrices(options: ExportTwinfieldOptions): ChannelPrice[] {
  return [
    { unitPrice: options.unitPrice, effectiveFrom: options.priceEffectiveFrom },
    ...Object.entries(options.planPrices).map(([plan, unitPrice]) => ({ unitPrice, effectiveFrom: options.priceEffectiveFrom, plan })),
  ];
}
