import {
  assertPostalAddress,
  normalisePostalAddress,
  UnprocessableError,
  ValidationError,
  type Clock,
  type LetterEvent,
  type LetterSpec,
  type PostalCarrier,
  type PostalCharge,
  type PostalProduct,
  type PostalQuote,
} from '@tollgate/plugin-sdk';
import type { PrintMailClient } from './print-mail.client.js';
import { PrintMailNotCancellableError, PrintMailNotFoundError, PrintMailRejectedError } from './print-mail.errors.js';
import type { PrintMailEvent, PrintMailLetter } from './print-mail.schemas.js';
import { postalChannelId } from './postal-channels.js';
import { parsePrintMailEvent, verifyPrintMailSignature } from './webhook-signature.js';

/** Sheets that fit the service's window envelope. */
export const PRINT_MAIL_MAX_SHEETS = 10;

/** The service's 422 codes that refuse this letter for good, as the reason the letter keeps. */
const REFUSAL_REASONS: Readonly<Record<string, string>> = {
  address_invalid: 'address_rejected',
  country_not_served: 'address_rejected',
  pdf_invalid: 'pdf_unreadable',
  pdf_not_a4: 'pdf_not_a4',
  pdf_too_many_sheets: 'letter_too_long',
  pdf_too_large: 'pdf_too_large',
};

/** carrierLetterId of a letter the service refused before creating it (it has no id there). */
const REFUSED_PREFIX = 'refused:';

const COUNTRY_NAMES: Readonly<Record<string, string>> = { BE: 'Belgium', NL: 'the Netherlands' };
const PRODUCT_LABEL: Record<PostalProduct, string> = { standard: 'standard', priority: 'priority', registered: 'registered' };

export interface PrintMailCarrierInput {
  /** 'postal-be': also the prefix of its spend channels (`postal-be-postage-standard`…). */
  id: string;
  label: string;
  /** The one destination country (ISO alpha-2) this carrier posts to. */
  country: string;
  client: Pick<PrintMailClient, 'createLetter' | 'getLetter' | 'cancelLetter'>;
  /** Status callbacks are verified with it; empty → every callback is refused. */
  webhookSecret: string;
  clock: Clock;
  products?: readonly PostalProduct[];
  maxSheets?: number;
}

/**
 * A wallet-paid PostalCarrier on the print-and-mail service, for one destination country: `quote`
 * checks locally (addresses, destination, sheets, product) and names the charges (postage per letter,
 * printing per sheet); `submit` hands the PDF over with the letter's key as Idempotency-Key; a 422
 * refusal of the letter becomes `rejected` with a reason (the holds are released), an outage throws so
 * the caller retries with the same key.
 */
export function createPrintMailCarrier(input: PrintMailCarrierInput): PostalCarrier {
  const { id, label, country, client, webhookSecret, clock } = input;
  const products = input.products ?? (['standard', 'priority', 'registered'] as const);
  const maxSheets = input.maxSheets ?? PRINT_MAIL_MAX_SHEETS;

  const check = (letter: LetterSpec) => {
    const recipient = normalisePostalAddress(letter.recipient);
    const sender = normalisePostalAddress(letter.sender);
    assertPostalAddress({ address: recipient, role: 'recipient' });
    assertPostalAddress({ address: sender, role: 'sender' });
    if (recipient.country !== country)
      throw new UnprocessableError({
        code: 'country_not_served',
        message: `${label} posts letters to ${COUNTRY_NAMES[country] ?? country} (${country}) only, not to ${recipient.country}.`,
        details: { carrier: id, countries: [country], country: recipient.country },
      });
    if (!products.includes(letter.product))
      throw new ValidationError({
        code: 'product_not_offered',
        message: `${label} offers ${products.join(', ')}, not ${String(letter.product)}.`,
        details: { carrier: id, products },
      });
    if (!Number.isInteger(letter.pages) || letter.pages < 1)
      throw new ValidationError({ code: 'invalid_letter', message: `pages must be a whole number ≥ 1, got ${letter.pages}.` });
    const sheets = letter.duplex ? Math.ceil(letter.pages / 2) : letter.pages;
    if (sheets > maxSheets)
      throw new ValidationError({
        code: 'letter_too_long',
        message: `${letter.pages} pages make ${sheets} sheets${letter.duplex ? ' (duplex)' : ''}; ${label} posts at most ${maxSheets} sheets per letter.`,
        details: { pages: letter.pages, sheets, maxSheets },
      });
    return { recipient, sender, sheets };
  };

  const quoteOf = (letter: LetterSpec, sheets: number): PostalQuote => {
    const colour = letter.color ? 'colour' : 'black and white';
    const charges: PostalCharge[] = [
      { channel: postalChannelId(id, `postage-${letter.product}`), units: '1', description: `Postage ${country}, ${PRODUCT_LABEL[letter.product]}` },
      {
        channel: postalChannelId(id, letter.color ? 'print-color' : 'print-bw'),
        units: String(sheets),
        description: `Printing, ${sheets} sheet${sheets === 1 ? '' : 's'}, ${colour}${letter.duplex ? ', duplex' : ''}`,
      },
    ];
    return {
      units: String(sheets),
      country,
      sheets,
      description: `Letter to ${country}, ${PRODUCT_LABEL[letter.product]}, ${sheets} sheet${sheets === 1 ? '' : 's'} ${colour}`,
      charges,
    };
  };

  const eventOf = (event: PrintMailEvent): LetterEvent => ({
    eventId: event.id,
    carrierLetterId: event.letterId,
    status: event.status,
    ...(event.reason ? { reason: event.reason } : {}),
    occurredAt: event.occurredAt,
  });

  return {
    id,
    label,
    countries: [country],
    products,
    billing: 'wallet',
    barcode: true,

    async quote({ letter }) {
      const { sheets } = check(letter);
      return quoteOf(letter, sheets);
    },

    async submit({ accountId, letter, pdf, idempotencyKey, reference, callbackUrl }) {
      const { recipient, sender } = check(letter);
      let created: PrintMailLetter;
      try {
        created = await client.createLetter({
          pdf,
          to: recipient,
          from: sender,
          color: letter.color,
          duplex: letter.duplex,
          product: letter.product,
          idempotencyKey,
          ...(reference === undefined ? {} : { reference }),
          ...(callbackUrl === undefined ? {} : { callbackUrl }),
          metadata: { accountId, ...(reference === undefined ? {} : { reference }) },
        });
      } catch (error) {
        const reason = error instanceof PrintMailRejectedError && error.vendorCode !== null ? REFUSAL_REASONS[error.vendorCode] : undefined;
        if (reason) return { carrierLetterId: `${REFUSED_PREFIX}${idempotencyKey}`, status: 'rejected', reason };
        // Outages, timeouts, auth and protocol errors: the caller retries with the same key (never a second letter).
        throw error;
      }
      if (created.status === 'rejected') return { carrierLetterId: created.id, status: 'rejected', reason: created.reason ?? 'rejected' };
      // A replayed key may answer a letter that moved on: anything past submission was accepted.
      return { carrierLetterId: created.id, status: created.status === 'submitted' ? 'submitted' : 'accepted' };
    },

    async cancel({ carrierLetterId }) {
      if (carrierLetterId.startsWith(REFUSED_PREFIX)) return { cancelled: false };
      try {
        await client.cancelLetter({ id: carrierLetterId });
        return { cancelled: true };
      } catch (error) {
        if (error instanceof PrintMailNotCancellableError) return { cancelled: false };
        throw error;
      }
    },

    async getStatus({ carrierLetterId }) {
      if (carrierLetterId.startsWith(REFUSED_PREFIX)) return null;
      try {
        const letter = await client.getLetter({ id: carrierLetterId });
        const last = letter.events[letter.events.length - 1];
        return last ? eventOf(last) : null;
      } catch (error) {
        if (error instanceof PrintMailNotFoundError) return null;
        throw error;
      }
    },

    async parseWebhook({ headers, rawBody }) {
      verifyPrintMailSignature({ secret: webhookSecret, headers, rawBody, now: clock.now() });
      return [eventOf(parsePrintMailEvent(rawBody))];
    },
  };
}
