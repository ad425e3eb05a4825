import { z } from 'zod';
import { VAT_KEY } from './vat-keys.js';

const code = (what: string) => z.string().regex(/^[0-9A-Za-z._-]{1,16}$/, `must be a Twinfield ${what} code`);
const vatKey = z.string().regex(VAT_KEY, 'must be "S:21", a category ("AE") or a rate ("21")');

/**
 * What a Twinfield export target carries (checked when the target is saved): the administration
 * (office), the sales day book, the general ledger accounts and the VAT codes the accountant set up
 * in Twinfield. A document with a VAT rate or category without a mapped VAT code is refused.
 */
export const twinfieldTargetOptions = z.strictObject({
  /** header/office: the Twinfield administration ('NLA000001'). */
  office: code('office'),
  /** header/code: the sales transaction type (day book), 'VRK' in a standard Dutch administration. */
  dayBook: code('transaction type').default('VRK'),
  /** dim1 of the total line: the debtors (accounts receivable) balance sheet account. */
  debtorsAccount: code('general ledger').default('1300'),
  /** dim1 of the detail lines per 'category:rate', category or rate ({ "S:9": "8010" }). */
  revenueAccounts: z.record(vatKey, code('general ledger')).default({}),
  /** dim1 of the detail lines without a mapping of their own (profit and loss). */
  defaultRevenueAccount: code('general ledger'),
  /** vatcode per 'category:rate', category or rate ({ "S:21": "VH", "S:9": "VL", "AE": "IC" }). */
  vatCodes: z.record(vatKey, code('VAT')).default({}),
  /** dim2 of the total line per source customer id, for customers Twinfield knows under another code. */
  customerCodes: z.record(z.string().min(1), code('customer')).default({}),
  /** The transaction's destiny: 'temporary' (provisional, the accountant reviews and posts) or 'final'. */
  destiny: z.enum(['temporary', 'final']).default('temporary'),
  /** The month the financial year starts (1 = January); header/period is 'YYYY/PP' within that year. */
  financialYearStartMonth: z.number().int().min(1).max(12).default(1),
  /** What an intra-community (reverse charge) line supplies, for the ICP declaration: 'services' or 'goods'. */
  performanceType: z.enum(['services', 'goods']).default('services'),
});

export type TwinfieldTargetOptions = z.output<typeof twinfieldTargetOptions>;
