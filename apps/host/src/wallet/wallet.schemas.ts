import { HISTORY_LINE_TYPES, LOT_KINDS, TRANSACTION_TYPES } from '@tollgate/wallet';
import { z } from 'zod';

/*
 * Wallet API input and output. Every amount, price and unit count is a decimal string ("0.18",
 * "2.5"), never a JSON number (a float cannot hold 0.1 exactly): a number gets 400 validation_failed.
 * Every wallet object carries `currency: "EUR"` next to its plain-string amounts.
 */

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A decimal string with at most `maxDecimals` decimals, greater than zero (or at least zero). */
function decimal(input: { maxDecimals: number; min: 'positive' | 'zero'; example: string }) {
  return z
    .string({
      error: (issue) => (issue.input === undefined ? undefined : `must be a decimal string such as "${input.example}", not a JSON ${typeof issue.input}`),
    })
    .max(32)
    .superRefine((value, ctx) => {
      if (!DECIMAL.test(value) || /^-?0\d/.test(value)) {
        ctx.addIssue({ code: 'custom', message: `must be a decimal string such as "${input.example}"` });
        return;
      }
      const decimals = value.includes('.') ? value.length - value.indexOf('.') - 1 : 0;
      if (decimals > input.maxDecimals) ctx.addIssue({ code: 'custom', message: `at most ${input.maxDecimals} decimals allowed, got ${decimals}` });
      const negative = value.startsWith('-') && !/^-0(\.0+)?$/.test(value);
      const zero = /^-?0(\.0+)?$/.test(value);
      if (negative || (input.min === 'positive' && zero))
        ctx.addIssue({ code: 'custom', message: input.min === 'positive' ? 'must be greater than zero' : 'cannot be negative' });
    })
    .transform((value) => value.replace(/^-(?=0(\.0+)?$)/, ''))
    .describe(`Decimal string, at most ${input.maxDecimals} decimals, ${input.min === 'positive' ? '> 0' : '>= 0'}; e.g. "${input.example}"`);
}

export const unitsInput = decimal({ maxDecimals: 6, min: 'positive', example: '1' });
export const captureUnitsInput = decimal({ maxDecimals: 6, min: 'zero', example: '1' });
export const amountInput = decimal({ maxDecimals: 2, min: 'positive', example: '5.00' });
export const captureAmountInput = decimal({ maxDecimals: 2, min: 'zero', example: '0.09' });
export const unitPriceInput = decimal({ maxDecimals: 6, min: 'zero', example: '0.18' });
export const freeUnitsInput = decimal({ maxDecimals: 6, min: 'zero', example: '100' });

export const channelId = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a kebab-case channel id such as "sms-reminder"')
  .describe('Spend channel id, e.g. "sms-reminder"');
const country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as "BE"');
/** Optional on input; when given it must be "EUR" (400 unknown_currency otherwise). */
const currency = z.string().max(8).optional().describe('Optional; the wallet is in euro, so only "EUR" is accepted');
const description = z.string().trim().min(1).max(500);
export const idempotencyKeyInput = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .describe('Makes the request safe to retry; may also be sent as the Idempotency-Key header');
const isoDateTime = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time, e.g. 2026-02-01T00:00:00Z');
/** A period bound: a date-time, or a calendar day read in the account's time zone (as invoice-sync's filters take it). */
const dayOrDateTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
/** A numeric id (holds, transactions). */
export const numericId = z.string().regex(/^[1-9]\d{0,17}$/, 'must be a numeric id such as "42"');

export const chargeBody = z.strictObject({
  channel: channelId,
  units: unitsInput,
  country: country.optional(),
  currency,
  description: description.optional(),
  idempotencyKey: idempotencyKeyInput.optional(),
});

export const holdBody = z.strictObject({
  channel: channelId,
  units: unitsInput,
  country: country.optional(),
  currency,
  description: description.optional(),
  expiresAt: isoDateTime.optional().describe('When an uncaptured hold is released; default 7 days'),
  idempotencyKey: idempotencyKeyInput.optional(),
});

export const captureBody = z
  .strictObject({
    units: captureUnitsInput.optional().describe('Final units, priced as when held; the rest is released'),
    amount: captureAmountInput.optional().describe('Or an exact amount in euro'),
    currency,
    idempotencyKey: idempotencyKeyInput.optional(),
  })
  .refine((b) => b.units === undefined || b.amount === undefined, { message: 'give units or amount, not both', path: ['amount'] });

export const releaseBody = z.strictObject({ idempotencyKey: idempotencyKeyInput.optional() }).prefault({});

export const reverseBody = z.strictObject({
  reason: z.string().trim().min(1).max(500),
  idempotencyKey: idempotencyKeyInput.optional(),
});

/** A scope entry: a channel id or a tag (both kebab-case); also a scoped pack's (funding.schemas). */
export const scopeEntry = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a channel id or a tag such as "postal"');

export const grantBody = z.strictObject({
  kind: z.enum(LOT_KINDS),
  amount: amountInput,
  scope: z
    .array(scopeEntry)
    .min(1)
    .max(50)
    .optional()
    .describe('Channel ids or tags the credit may pay for (e.g. ["postal"]); absent = general credit. Unknown entries: 400 invalid_scope'),
  currency,
  expiresAt: isoDateTime.optional(),
  description: description.optional(),
  idempotencyKey: idempotencyKeyInput.optional(),
});

/** A plan (edition) id, or '*' for the default list (the rows of plans without rows of their own for a channel). */
const planOrDefault = z.union([
  z
    .string()
    .max(64)
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a plan id such as "classic", or "*"'),
  z.literal('*'),
]);

export const setPriceBody = z.strictObject({
  channel: channelId,
  unit: z.string().regex(/^[a-z][a-z-]{0,31}$/, 'must be a lower-case word such as "message"'),
  unitPrice: unitPriceInput,
  currency,
  country: z
    .union([country, z.literal('*')])
    .optional()
    .describe('ISO country, or "*" (default) for every country without its own price'),
  effectiveFrom: isoDateTime.optional().describe('Default now'),
  plan: planOrDefault
    .optional()
    .describe(
      'The plan the row prices, or "*" (default): the default list. A plan\'s rows for a channel replace the default rows for that channel. The plan is not checked against the plan definitions: a row of a plan nobody is on is never used',
    ),
});

export const setQuotaBody = z.strictObject({ freeUnits: freeUnitsInput.describe('Free units per calendar month; "0" removes the quota') });

const limit = z.coerce.number().int().min(1).max(100).default(50);
const cursor = numericId.optional().describe('nextCursor of the previous page');

export const lotsQuery = z.strictObject({ includeEmpty: z.enum(['true', 'false']).optional() });
export const holdsQuery = z.strictObject({ status: z.enum(['pending', 'captured', 'released', 'expired']).optional(), limit, before: cursor });
export const historyFilters = {
  from: dayOrDateTime.optional().describe("From this moment on (inclusive); a plain date (2026-12-01) means that day's start in the account's time zone"),
  to: dayOrDateTime.optional().describe("Before this moment (exclusive); a plain date (2026-12-31) includes that whole day in the account's time zone"),
  channel: channelId.optional(),
  type: z
    .enum([...new Set([...HISTORY_LINE_TYPES, ...TRANSACTION_TYPES])] as [string, ...string[]])
    .optional()
    .describe(
      'Lines (view=lines): spend, top_up, grant, refund, expiry, payout, fee, clawback, settle; a ledger type names its line (charge, hold, capture, release → spend; reversal → refund; expire_lot → expiry). Entries (view=entries): a ledger type',
    ),
  kind: z.enum(LOT_KINDS).optional().describe('Only lines/entries that touched credit of this kind'),
  view: z
    .enum(['lines', 'entries'])
    .default('lines')
    .describe('lines (default): one line per use with its final cost; entries: the raw ledger entries (hold, capture, release… each on its own)'),
};
export const historyQuery = z.strictObject({ ...historyFilters, limit, before: cursor });
export const historyCsvQuery = z.strictObject(historyFilters);
export const historyLineId = numericId.describe('A history line id (or the id of any of its entries)');
export const pricesQuery = z.strictObject({
  channel: channelId.optional(),
  plan: planOrDefault.optional().describe('Only the rows of this plan, or "*": the default list'),
});

// ---- responses (for the OpenAPI document) -----------------------------------------------------

const money = z.string().describe('Decimal string in euro, e.g. "1.82"');
const eur = z.literal('EUR');
const lotShare = z.object({ lotId: z.string(), kind: z.enum(LOT_KINDS).nullable(), amount: money });

export const balanceView = z.object({
  accountId: z.string(),
  currency: eur,
  available: money.describe('What can be spent now'),
  pending: money.describe('Reserved by open holds (spent or released later); not money on its way, see incoming'),
  total: money.describe('available + pending'),
  owed: money.describe('Left unpaid by a reversed payment (C-1); spending is blocked while it is above zero'),
  blocked: z.boolean(),
  refundable: money.describe('Purchased credit a refund could pay back (C-5)'),
  byKind: z.record(z.enum(LOT_KINDS), z.object({ available: money, pending: money })),
  scoped: z
    .array(z.object({ scope: z.array(z.string()), available: money, pending: money }))
    .describe('Credit that may only pay for some channels, per scope; included in available and pending'),
  incoming: z
    .object({
      amount: money.describe('Purchases paid for and not yet settled (a SEPA top-up before its settlement date); not spendable yet, not in total'),
      purchases: z.number().int(),
      nextExpectedSettlementDate: z.string().nullable().describe('The earliest expectedSettlementDate among them (YYYY-MM-DD)'),
    })
    .describe('Money on its way to the wallet (C-1); holds are `pending`'),
});

export const lotView = z.object({
  id: z.string(),
  kind: z.enum(LOT_KINDS),
  currency: eur,
  granted: money,
  remaining: money,
  held: money,
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  scope: z.array(z.string()).nullable().describe('Channel ids or tags the lot may pay for; null = general credit'),
});

export const holdView = z.object({
  id: z.string(),
  accountId: z.string(),
  channel: z.string(),
  description: z.string(),
  units: z.string(),
  country: z.string().nullable(),
  currency: eur,
  unitPrice: money,
  freeUnits: z.string(),
  allowanceUnits: z.string().describe("Units covered by the plan's monthly allowance (after the free quota)"),
  amount: money,
  captured: money,
  status: z.enum(['pending', 'captured', 'released', 'expired']),
  expiresAt: z.string(),
  createdAt: z.string(),
  settledAt: z.string().nullable(),
  lots: z.array(lotShare),
  transactionId: z.string().optional().describe('On capture and release: the ledger transaction'),
  balanceAfter: money.optional().describe('On capture and release: the available balance after it'),
});

export const chargeView = z.object({
  transactionId: z.string(),
  accountId: z.string(),
  channel: z.string(),
  currency: eur,
  units: z.string(),
  freeUnits: z.string().describe('Units covered by the free monthly quota'),
  allowanceUnits: z.string().describe("Units covered by the plan's monthly allowance (after the free quota)"),
  unitPrice: money,
  amount: money,
  balanceAfter: money,
  lots: z.array(lotShare).describe('Which lots paid how much (W-4)'),
  createdAt: z.string(),
});

export const grantView = z.object({
  transactionId: z.string(),
  lotId: z.string(),
  accountId: z.string(),
  kind: z.enum(LOT_KINDS),
  currency: eur,
  amount: money,
  expiresAt: z.string().nullable(),
  balanceAfter: money,
  createdAt: z.string(),
  scope: z.array(z.string()).nullable(),
});

export const reversalView = z.object({
  transactionId: z.string(),
  reversesId: z.string(),
  accountId: z.string(),
  currency: eur,
  amount: money,
  balanceAfter: money,
  reason: z.string(),
  createdAt: z.string(),
});

export const historyEntryView = z.object({
  transactionId: z.string(),
  type: historyFilters.type.unwrap(),
  channel: z.string().nullable(),
  description: z.string(),
  currency: eur,
  amount: money.describe('Signed change of the available balance: negative for spending'),
  balanceAfter: money,
  holdId: z.string().nullable(),
  reversesId: z.string().nullable(),
  createdAt: z.string(),
  lots: z.array(lotShare),
});

export const historyLineView = z.object({
  id: z.string().describe('The id of its first ledger entry; GET /v1/wallet/history/{id} shows its entries'),
  type: z.enum(HISTORY_LINE_TYPES),
  status: z.enum(['pending', 'final']).describe('pending while a spend is still reserved (amount = what is held); final afterwards'),
  channel: z.string().nullable(),
  description: z.string().describe('Phone numbers and e-mail addresses masked'),
  currency: eur,
  amount: money.describe('Signed: a spend is its final cost, negative; a top-up, grant or refund positive'),
  holdId: z.string().nullable(),
  reversesId: z.string().nullable(),
  entryCount: z.number().int().describe('Ledger entries the line folds (a hold and its capture: 2)'),
  createdAt: z.string(),
  updatedAt: z.string().describe('When its last entry was written'),
});
export const historyLineDetail = historyLineView.extend({ entries: z.array(historyEntryView).describe('Its ledger entries, oldest first') });

const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });
export const holdsPage = page(holdView);
export const historyEntriesPage = page(historyEntryView);
export const historyLinesPage = page(historyLineView);
export const historyPage = z.union([historyLinesPage, historyEntriesPage]).describe('Lines by default; entries with view=entries');
export const lotsList = z.object({ data: z.array(lotView) });

export const quotaView = z.object({
  channel: z.string(),
  period: z.string().describe('First day of the month, YYYY-MM-01, in the account time zone'),
  freeUnits: z.string(),
  used: z.string(),
  remaining: z.string(),
  resetsAt: z.string(),
});
export const quotasList = z.object({ data: z.array(quotaView) });

export const allowanceView = z.object({
  channel: z.string(),
  period: z.string().describe('First day of the month, YYYY-MM-01, in the account time zone'),
  granted: z.string().describe("This month's units from the plan"),
  carried: z
    .array(
      z.object({
        from: z.string().describe('The month the units were granted in'),
        units: z.string().describe('Units that rolled over'),
        left: z.string().describe('Of those, not used yet'),
        expiresAfter: z.string().nullable().describe('The last month they can be used in; null: no expiry'),
      }),
    )
    .describe('Units rolled over from earlier months, spent oldest first, before this month’s'),
  used: z.string(),
  remaining: z.string(),
  resetsAt: z.string().describe('The local date the next month’s allowance starts'),
  label: z.string().describe('"12 of 20 letters left"'),
});
export const allowancesList = z.object({ data: z.array(allowanceView) });

export const priceView = z.object({
  id: z.string(),
  channel: z.string(),
  unit: z.string(),
  country: z.string(),
  plan: z.string().describe('The plan (edition) the row prices, or "*": the default list'),
  currency: eur,
  unitPrice: money,
  effectiveFrom: z.string(),
});
export const pricesList = z.object({ data: z.array(priceView) });
export const catalogQuotaView = z.object({ channel: z.string(), freeUnits: z.string() });
export const catalogQuotasList = z.object({ data: z.array(catalogQuotaView) });

export const invariantReportView = z.object({
  ok: z.boolean(),
  problems: z.array(z.object({ check: z.string(), detail: z.string() })),
  counts: z.object({ wallets: z.number(), lots: z.number(), transactions: z.number(), postings: z.number() }),
  checkedAt: z.string(),
});

// ---- scoped credit, caps, quote (issue 22) ----------------------------------------------------------

export const channelTagsBody = z.strictObject({
  tags: z.array(scopeEntry).max(20).describe("The channel's tags, replacing the ones it had; [] removes them"),
});
export const channelTagsView = z.object({ channel: z.string(), tags: z.array(z.string()) });
export const channelTagsList = z.object({ data: z.array(channelTagsView) });

export const capLimitBody = z.strictObject({
  limit: decimal({ maxDecimals: 2, min: 'zero', example: '20.00' }).describe('Monthly limit in euro; "0" allows no paid use'),
  currency,
});
export const userIdParam = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a user id such as "usr_…"');

export const capView = z.object({
  kind: z.enum(['channel', 'user']),
  target: z.string().describe('The channel id or the user id'),
  currency: eur,
  limit: money,
  used: money.describe('Spent this month (holds count when placed)'),
  remaining: money,
  period: z.string().describe("The month counted, its first day in the wallet's time zone"),
  resetsAt: z.string().describe('The local date the counter starts again'),
});
export const capsList = z.object({ data: z.array(capView) });

export const quoteBody = z.strictObject({ channel: channelId, units: unitsInput, country: country.optional() });

export const quoteView = z.object({
  accountId: z.string(),
  currency: eur,
  channel: z.string(),
  units: z.string(),
  country: z.string().nullable(),
  unitPrice: money,
  freeUnits: z.string(),
  allowanceUnits: z.string().describe("Units the plan's monthly allowance would cover"),
  amount: money.describe('What a hold placed now would take'),
  available: money.describe('Credit that may pay for this channel (scoped to it, or general)'),
  affordable: z.boolean(),
  reason: z.string().nullable().describe('insufficient_funds, wallet_blocked or spending_cap_exceeded; null when the use can be paid'),
  at: z.string(),
  breakdown: z.object({ freeUnits: z.string(), allowanceUnits: z.string(), paidUnits: z.string(), fromScoped: money, fromGeneral: money }),
  lots: z.array(lotShare).describe('The split a hold would take, in spending order (empty when not covered)'),
  caps: z.array(z.object({ kind: z.enum(['channel', 'user']), target: z.string(), limit: money, used: money, remaining: money })),
  maxUnits: z.string().nullable().describe('How many more whole units the credit, free quota and caps allow now; null when the channel costs nothing'),
  autoRefill: z
    .object({ covers: z.boolean(), amount: money.nullable(), reason: z.string().nullable() })
    .nullable()
    .describe('When the credit falls short: whether an auto-refill would cover it (covers, the refill amount, why); null otherwise'),
});
