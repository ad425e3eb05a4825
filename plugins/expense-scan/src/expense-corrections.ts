import { z } from 'zod';
import { checkFieldValue, type FieldValue } from './field-rules.js';
import { EXPENSE_FIELDS, type ExpenseField } from './options.js';

const vatRow = z.strictObject({ rate: z.string(), base: z.string().nullable(), amount: z.string() });
const text = z.string().max(300);
/** What each field takes before its own rules (checkFieldValue) run; null removes a correction. */
const shapes = {
  supplierName: text,
  supplierVatNumber: text,
  date: text,
  currency: text,
  totalInclVat: text,
  vatAmounts: z.array(vatRow).max(10),
  totalExclVat: text,
  invoiceNumber: text,
  iban: text,
} satisfies Record<ExpenseField, z.ZodType>;

/** A correction per field: the value to book instead of the scan's (normalised), or null to drop the correction. */
export type CorrectionPatch = Partial<Record<ExpenseField, FieldValue | null>>;

/**
 * PATCH /expenses/:id's body: `{ fields: { totalInclVat: "106.00", date: "2026-03-02", supplierVatNumber: null } }`.
 * Every value passes the field's rules (amounts, ISO dates, VAT and IBAN check digits) or the whole
 * patch is a 400 naming each bad field; the values are normalised (BE0200065765, two decimals).
 */
export const correctionPatch = z
  .strictObject({
    fields: z.strictObject({
      supplierName: shapes.supplierName.nullable().optional(),
      supplierVatNumber: shapes.supplierVatNumber.nullable().optional(),
      date: shapes.date.nullable().optional(),
      currency: shapes.currency.nullable().optional(),
      totalInclVat: shapes.totalInclVat.nullable().optional(),
      vatAmounts: shapes.vatAmounts.nullable().optional(),
      totalExclVat: shapes.totalExclVat.nullable().optional(),
      invoiceNumber: shapes.invoiceNumber.nullable().optional(),
      iban: shapes.iban.nullable().optional(),
    }),
  })
  .transform((body, ctx) => {
    const patch: CorrectionPatch = {};
    for (const field of EXPENSE_FIELDS) {
      const value = (body.fields as Record<string, unknown>)[field];
      if (value === undefined) continue;
      if (value === null) {
        patch[field] = null;
        continue;
      }
      const checked = checkFieldValue(field, value);
      if (checked.ok) patch[field] = checked.value;
      else ctx.addIssue({ code: 'custom', path: ['fields', field], message: checked.problem });
    }
    if (Object.values(body.fields).every((value) => value === undefined))
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'name at least one field to correct' });
    return patch;
  });
