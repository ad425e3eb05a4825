import { ValidationError, type ChannelPrice, type PostalProduct, type SpendChannel, type SpendQuote } from '@tollgate/plugin-sdk';

/** The five priced parts of a letter, as channel id suffixes: `<carrier>-postage-standard`, `<carrier>-print-bw`… */
export const POSTAL_CHANNEL_KINDS = ['postage-standard', 'postage-priority', 'postage-registered', 'print-bw', 'print-color'] as const;
export type PostalChannelKind = (typeof POSTAL_CHANNEL_KINDS)[number];

/** Euro prices (decimal strings) of one carrier: the default list, and per plan where an edition differs. */
export interface PostalPriceList {
  /** ISO date the rows apply from; a new price needs a new date (the catalog never changes a row). */
  effectiveFrom: string;
  default: Readonly<Record<PostalChannelKind, string>>;
  /** A plan's price replaces the default for that channel only. */
  plans?: Readonly<Record<string, Partial<Record<PostalChannelKind, string>>>>;
}

/** What the letter channel asks a postal spend channel to price: a PostalCharge (from the carrier's quote) fits. */
export interface PostalChargeRequest {
  channel?: string;
  /** Whole letters or sheets, as a decimal string: "1", "3". */
  units: string;
  description?: string;
  /** The recipient's country; must be the carrier's. */
  country?: string;
}

export const postalChannelId = (carrierId: string, kind: PostalChannelKind): string => `${carrierId}-${kind}`;

const PRODUCT_LABEL: Record<PostalProduct, string> = { standard: 'standard', priority: 'priority', registered: 'registered' };

/**
 * The spend channels of a wallet-paid postal carrier: postage per letter by product and printing per
 * sheet by colour, priced per country (and per plan). They have no `execute`: the letter channel holds
 * each charge when a letter is submitted and captures or releases it when the print service answers
 * ('deferred'); their `quote` only checks and passes on the charge the carrier's quote computed.
 */
export function createPostalSpendChannels(input: {
  carrierId: string;
  label: string;
  country: string;
  prices: PostalPriceList;
}): SpendChannel<PostalChargeRequest>[] {
  const { carrierId, label, country, prices } = input;
  return POSTAL_CHANNEL_KINDS.map((kind) => {
    const id = postalChannelId(carrierId, kind);
    const postage = kind.startsWith('postage-');
    const unit = postage ? 'letter' : 'sheet';
    const what = postage
      ? `postage, ${PRODUCT_LABEL[kind.slice('postage-'.length) as PostalProduct]}`
      : `printing, ${kind === 'print-color' ? 'colour' : 'black and white'}`;
    const rows: ChannelPrice[] = [
      { unitPrice: prices.default[kind], effectiveFrom: prices.effectiveFrom, country },
      ...Object.entries(prices.plans ?? {}).flatMap(([plan, list]) =>
        list[kind] === undefined ? [] : [{ unitPrice: list[kind], effectiveFrom: prices.effectiveFrom, country, plan }],
      ),
    ];
    const channel: SpendChannel<PostalChargeRequest> = {
      id,
      label: `${label}: ${what}`,
      unit,
      countries: [country],
      // Every postal channel carries the 'postal' tag: a letter-only pack (credit scoped to 'postal') pays for any of them.
      tags: ['postal'],
      prices: rows,
      settlement: 'deferred',
      quote: ({ request }): SpendQuote => {
        if (request?.channel !== undefined && request.channel !== id)
          throw new ValidationError({ code: 'invalid_charge', message: `A charge of ${request.channel} cannot be priced on ${id}.` });
        if (typeof request?.units !== 'string' || !/^[1-9]\d{0,3}$/.test(request.units))
          throw new ValidationError({
            code: 'invalid_charge',
            message: `${id}: units must be a whole number of ${unit}s such as "1", got ${JSON.stringify(request?.units)}.`,
          });
        if (request.country !== undefined && request.country !== country)
          throw new ValidationError({ code: 'invalid_charge', message: `${id} is priced for ${country}, not ${request.country}.` });
        return { units: request.units, country, description: request.description ?? `${label}: ${what}` };
      },
    };
    return channel;
  });
}
