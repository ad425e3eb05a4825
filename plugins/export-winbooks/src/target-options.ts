import { z } from 'zod';
import { VAT_KEY } from './vat-keys.js';

const account = z.string().regex(/^[0-9A-Za-z]{1,10}$/, 'must be a WinBooks account number such as "700000"');
/** WinBooks refuses a customer reference with anything but letters and digits (Valuya/winbooks-java). */
export const CUSTOMER_NUMBER = /^[0-9A-Za-z]+$/;
/** The longest customer number written (NUMBER in WinBooks on Web's thirds file holds 10). */
export const CUSTOMER_NUMBER_LENGTH = 10;
const vatKey = z.string().regex(VAT_KEY, 'must be "S:21", a category ("AE") or a rate ("21")');

/**
 * What a WinBooks export target carries (checked when the target is saved). Accounts and VAT codes
 * are the accountant's: WinBooks books a VAT amount through its own VAT code (e.g. 211400 for sales
 * at 21 %), so every rate/category exported needs one; a document with an unmapped rate is refused.
 */
export const winbooksTargetOptions = z.strictObject({
  /** DBKCODE of the sales journal ('VEN', 'VF'…). */
  journalCode: z.string().regex(/^[0-9A-Za-z]{1,6}$/, 'must be a journal code of at most 6 letters or digits'),
  /** DBKCODE for credit notes when the accountant keeps them in their own journal; default: journalCode. */
  creditNoteJournalCode: z
    .string()
    .regex(/^[0-9A-Za-z]{1,6}$/)
    .optional(),
  /** ACCOUNTGL of the customer row: the customers' centralising account. */
  customerAccount: account.default('400000'),
  /** ACCOUNTGL of the VAT rows: VAT due on sales. */
  vatAccount: account.default('451000'),
  /** ACCOUNTGL of the revenue rows per 'category:rate', category or rate ({ "S:6": "700100" }). */
  revenueAccounts: z.record(vatKey, account).default({}),
  /** ACCOUNTGL of the revenue rows without a mapping of their own. */
  defaultRevenueAccount: account.default('700000'),
  /** WinBooks VAT code per 'category:rate', category or rate ({ "S:21": "211400", "AE": "212000" }). */
  vatCodes: z.record(vatKey, z.string().regex(/^[0-9A-Za-z]{1,10}$/, 'must be a WinBooks VAT code such as "211400"')).default({}),
  /** BOOKYEAR per year the book year starts in: { "2026": "3" } (WinBooks numbers a folder's book years 1-9, A-Z). */
  bookYears: z.record(z.string().regex(/^\d{4}$/, 'must be a year'), z.string().regex(/^[1-9A-Z]$/, 'must be one character 1-9 or A-Z')),
  /** The month the book year starts (1 = January); PERIOD is the month's number within the book year, '01'–'12'. */
  bookYearStartMonth: z.number().int().min(1).max(12).default(1),
  /**
   * ACCOUNTRP and the CSF NUMBER when `customerNumbers` has none. `auto` (default; the CSF file creates
   * the customers): the Belgian enterprise number, else the source id when it is already a WinBooks
   * number, else a stable code derived from the source id ('C' + 9 letters/digits). `sourceId` and
   * `enterpriseNumber` use only that one.
   */
  customerNumber: z.enum(['auto', 'sourceId', 'enterpriseNumber']).default('auto'),
  /** The WinBooks customer number per source customer id, for customers the folder already knows under another number. */
  customerNumbers: z
    .record(
      z.string().min(1),
      z.string().regex(CUSTOMER_NUMBER, 'must be letters and digits only').max(CUSTOMER_NUMBER_LENGTH, `must be at most ${CUSTOMER_NUMBER_LENGTH} characters`),
    )
    .default({}),
  /** Text encoding of both files: ISO-8859-1 as the WinBooks API's reference client writes, or UTF-8. */
  encoding: z.enum(['latin1', 'utf-8']).default('latin1'),
});

export type WinbooksTargetOptions = z.output<typeof winbooksTargetOptions>;
