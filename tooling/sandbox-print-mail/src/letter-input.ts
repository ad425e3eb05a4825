import { z } from 'zod';

export const PRODUCTS = ['standard', 'priority', 'registered'] as const;
export type Product = (typeof PRODUCTS)[number];

/** Destinations the service posts to (its print shops are in Belgium and the Netherlands). */
export const SERVICE_COUNTRIES = ['BE', 'NL'] as const;
/** A letter of more sheets does not fit the C5/DL window envelope. */
export const MAX_SHEETS = 10;
export const MAX_METADATA_PAIRS = 20;
/** The decoded PDF; bigger files are refused before they are parsed. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * The vendor's own postcode rules (its address database), stricter than a pattern: a Belgian postcode
 * never starts with 0; Dutch ones never do either and never end in SA, SD or SS.
 */
const POSTCODES: Readonly<Record<string, { test(code: string): boolean; example: string }>> = {
  BE: { test: (code) => /^[1-9]\d{3}$/.test(code), example: '1000' },
  NL: { test: (code) => /^[1-9]\d{3} [A-Z]{2}$/.test(code) && !/ S[ADS]$/.test(code), example: '1234 AB' },
  DE: { test: (code) => /^\d{5}$/.test(code), example: '10115' },
  LU: { test: (code) => /^\d{4}$/.test(code), example: '1611' },
  FR: { test: (code) => /^\d{5}$/.test(code), example: '75001' },
};

const line = z.string().trim().min(1, 'is required').max(50, 'is longer than 50 characters');

export const addressSchema = z.strictObject({
  name: line,
  /** "Attn." or department, printed under the name. */
  attention: line.optional(),
  /** Street, number and box: "Kerkstraat 12 bus 3". */
  address_line1: line,
  address_zip: z.string().min(1, 'is required').max(10),
  address_city: line,
  address_country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as "BE"'),
});
export type SandboxAddress = z.output<typeof addressSchema>;

export const createLetterSchema = z.strictObject({
  /** The PDF, base64 (standard alphabet, padded). */
  file: z
    .string()
    .min(1, 'is required')
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
  to: addressSchema,
  from: addressSchema,
  color: z.boolean(),
  duplex: z.boolean(),
  product: z.enum(PRODUCTS),
  reference: z.string().min(1).max(64).optional(),
  callback_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  metadata: z
    .record(z.string().min(1).max(40), z.string().max(500))
    .refine((m) => Object.keys(m).length <= MAX_METADATA_PAIRS, `has more than ${MAX_METADATA_PAIRS} pairs`)
    .optional(),
});
export type CreateLetterBody = z.output<typeof createLetterSchema>;

export const quoteSchema = z.strictObject({
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as "BE"'),
  pages: z
    .number()
    .int()
    .min(1)
    .max(MAX_SHEETS * 2),
  color: z.boolean(),
  duplex: z.boolean(),
  product: z.enum(PRODUCTS),
});
export type QuoteBody = z.output<typeof quoteSchema>;

export interface FieldProblem {
  field: string;
  message: string;
}

/** zod's issues as the vendor's field list ("to.address_zip": "…"). */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.slice(0, 20).map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));
}

/** Where an address can be posted from / to: the postcode of its country, and a destination the service serves. */
export function addressProblems(input: { address: SandboxAddress; role: 'to' | 'from' }): FieldProblem[] {
  const { address, role } = input;
  const problems: FieldProblem[] = [];
  const rule = POSTCODES[address.address_country];
  if (rule && !rule.test(address.address_zip))
    problems.push({
      field: `${role}.address_zip`,
      message: `"${address.address_zip}" is not a postcode of ${address.address_country} (e.g. "${rule.example}")`,
    });
  return problems;
}

/** Sheets of paper: duplex prints two pages per sheet. */
export function sheetsOf(input: { pages: number; duplex: boolean }): number {
  return input.duplex ? Math.ceil(input.pages / 2) : input.pages;
}

/** Decodes strict base64 (the schema checked the alphabet); null when the length is not a multiple of 4. */
export function decodeFile(base64: string): Buffer | null {
  if (base64.length % 4 !== 0) return null;
  return Buffer.from(base64, 'base64');
}
