import { LETTER_STATES } from '@tollgate/letters';
import { z } from 'zod';
import { idempotencyKeyInput } from '../wallet/wallet.schemas.js';

const line = z.string().max(200);

/** A postal address as typed; the SDK's rules (postcode per country, line lengths) check it after normalising (400 invalid_address). */
export const postalAddressInput = z
  .strictObject({
    name: line.describe('Person or company, first line'),
    attention: line.optional().describe('"Attn." or department, optional second line'),
    street: line.describe('Street, number and box: "Kerkstraat 12 bus 3"'),
    postalCode: z.string().max(20).describe('BE "1000", NL "1234 AB", DE "10115"'),
    city: line,
    country: z.string().max(10).describe('ISO 3166 alpha-2, e.g. BE'),
  })
  .describe('A postal address');

const base64Pdf = z
  .string()
  .min(1)
  .max(8 * 1024 * 1024)
  .regex(/^[A-Za-z0-9+/\r\n]+={0,2}$/, 'must be base64')
  .describe('A PDF (base64), appended after the cover page');

const letterFields = {
  recipient: postalAddressInput.optional().describe("Required unless invoiceId is given and the invoice's customer has an address"),
  sender: postalAddressInput.optional().describe('The return address; default the account’s letter settings'),
  invoiceId: z.string().min(1).max(100).optional().describe('An imported invoice of the account with a stored PDF: its pages are appended'),
  pdf: base64Pdf.optional(),
  html: z
    .string()
    .min(1)
    .max(1024 * 1024)
    .optional()
    .describe('An HTML document rendered as A4 pages after the cover'),
  subject: z.string().trim().min(1).max(200).optional().describe('Printed on the cover, e.g. "Invoice 2026/0042"'),
  bodyText: z.string().trim().min(1).max(5000).optional().describe('A short plain-text note on the cover'),
  color: z.boolean().default(false),
  duplex: z.boolean().default(false),
  product: z.enum(['standard', 'priority', 'registered']).default('standard'),
};

const oneContent = (b: { invoiceId?: string | undefined; pdf?: string | undefined; html?: string | undefined; bodyText?: string | undefined }) =>
  [b.invoiceId, b.pdf, b.html].filter((v) => v !== undefined).length <= 1 && [b.invoiceId, b.pdf, b.html, b.bodyText].some((v) => v !== undefined);
const contentMessage = { message: 'give one of invoiceId, pdf or html (or only bodyText)', path: ['invoiceId'] };

export const quoteLetterBody = z.strictObject(letterFields).refine(oneContent, contentMessage);
export const createLetterBody = z.strictObject({ ...letterFields, idempotencyKey: idempotencyKeyInput.optional() }).refine(oneContent, contentMessage);

export const lettersQuery = z.strictObject({
  status: z.enum(LETTER_STATES as [string, ...string[]]).optional(),
  invoiceId: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().min(1).max(100).optional().describe('nextCursor of the previous page'),
});

export const letterSettingsBody = z.strictObject({ sender: postalAddressInput.describe("The account's return address, printed above the recipient") });

export const letterIdParam = z.string().min(1).max(100);
export const carrierIdParam = z.string().min(1).max(100);
