import { z } from 'zod';
import { bicMatchesIban, isValidCreditorId, normaliseBic, normaliseIban } from './sepa-rules.js';

const iban = z.string().transform((value, ctx) => {
  const normalised = normaliseIban(value);
  if (!normalised) {
    ctx.addIssue({ code: 'custom', message: 'is not a valid IBAN of a SEPA country' });
    return z.NEVER;
  }
  return normalised;
});

const bic = z.string().transform((value, ctx) => {
  const normalised = normaliseBic(value);
  if (!normalised) {
    ctx.addIssue({ code: 'custom', message: 'is not a valid BIC (8 or 11 characters)' });
    return z.NEVER;
  }
  return normalised;
});

/**
 * Options of the payments-sepa plugin: the "options" object of its entry in tollgate.config.json.
 * The host validates them before it starts and refuses unknown keys.
 */
export const paymentsSepaOptions = z.strictObject({
  /** Shown in the history, the dashboard and on GET /plugins. */
  label: z.string().min(1).default('SEPA direct debit'),
  /** Who collects: the name on the debtor's statement, the account credited, the SEPA creditor identifier. */
  creditor: z
    .strictObject({
      name: z.string().trim().min(1).max(70),
      iban,
      bic,
      /** SEPA creditor identifier, e.g. 'BE68ZZZ0123456789' (checksum verified). */
      id: z
        .string()
        .transform((value) => value.replace(/\s+/g, '').toUpperCase())
        .refine(isValidCreditorId, { message: 'is not a valid SEPA creditor identifier (e.g. BE68ZZZ0123456789)' }),
    })
    .refine((c) => bicMatchesIban(c.bic, c.iban), { message: 'the BIC country does not match the IBAN country', path: ['bic'] }),
  /** The bank's file channel: the bank sandbox, or a gateway in front of the bank's EBICS. */
  bank: z.strictObject({
    baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    /** Sent as `Authorization: Bearer <token>`. Keep it out of the repository. */
    token: z.string().min(1),
  }),
  /** TARGET2 business days (no weekends, 1 Jan, Good Friday, Easter Monday, 1 May, 25-26 Dec) from creating a collection to its collection date. */
  leadDays: z.number().int().min(1).max(30).default(2),
  /**
   * The return window: a submitted collection with no refusal this many TARGET2 business days after its
   * collection date counts as paid, even when the bank confirmed it earlier (ACSC, camt CRDT). 0 = paid
   * as soon as the bank confirms it, or on the collection date.
   */
  settleAfterDays: z.number().int().min(0).max(60).default(5),
  /** Minutes between two scheduled runs (submit, read reports, settle); 0 = only POST /run or tick(). */
  tickIntervalMinutes: z.number().int().min(0).max(1440).default(5),
});

export type PaymentsSepaOptions = z.output<typeof paymentsSepaOptions>;
