import { z } from 'zod';

const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value), 'an ISO 8601 time');
const amount = z.string().regex(/^\d+\.\d{2}$/, 'a decimal string with 2 decimals');

export const PRINT_MAIL_STATUSES = ['submitted', 'accepted', 'rejected', 'printed', 'posted', 'delivered', 'returned', 'cancelled'] as const;
export type PrintMailStatus = (typeof PRINT_MAIL_STATUSES)[number];
export const PRINT_MAIL_PRODUCTS = ['standard', 'priority', 'registered'] as const;
export type PrintMailProduct = (typeof PRINT_MAIL_PRODUCTS)[number];

// Unknown extra fields are allowed (a vendor may add some); missing or mistyped ones are not.
export const eventSchema = z
  .object({
    id: z.string().min(1),
    type: z.string().regex(/^letter\.[a-z_]+$/),
    letter_id: z.string().min(1),
    reference: z.string().nullable().optional(),
    status: z.enum(PRINT_MAIL_STATUSES),
    reason: z.string().min(1).optional(),
    occurred_at: isoTime,
  })
  .transform((e) => ({
    id: e.id,
    type: e.type,
    letterId: e.letter_id,
    reference: e.reference ?? null,
    status: e.status,
    reason: e.reason ?? null,
    occurredAt: new Date(e.occurred_at),
  }));
export type PrintMailEvent = z.output<typeof eventSchema>;

export const letterSchema = z
  .object({
    id: z.string().min(1),
    status: z.enum(PRINT_MAIL_STATUSES),
    reason: z.string().nullable(),
    reference: z.string().nullable(),
    product: z.enum(PRINT_MAIL_PRODUCTS),
    color: z.boolean(),
    duplex: z.boolean(),
    pages: z.number().int().min(1),
    sheets: z.number().int().min(1),
    price: z.object({ currency: z.literal('EUR'), amount }),
    created_at: isoTime,
    events: z.array(eventSchema).min(1),
  })
  .transform((l) => ({
    id: l.id,
    status: l.status,
    reason: l.reason,
    reference: l.reference,
    product: l.product,
    color: l.color,
    duplex: l.duplex,
    pages: l.pages,
    sheets: l.sheets,
    price: l.price,
    createdAt: new Date(l.created_at),
    events: l.events,
  }));
export type PrintMailLetter = z.output<typeof letterSchema>;

export const quoteSchema = z.object({
  currency: z.literal('EUR'),
  sheets: z.number().int().min(1),
  amount,
  lines: z.array(z.object({ kind: z.string(), description: z.string(), quantity: z.number().int(), unit_amount: amount, amount })),
});
export type PrintMailQuote = z.output<typeof quoteSchema>;

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string().optional(),
    status: z.string().optional(),
    fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});
