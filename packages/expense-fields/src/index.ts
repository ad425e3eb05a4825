export { extractExpenseFields } from './expense-fields.js';
export { checkVatNumber, type VatCountry, type VatNumberCheck } from './vat-number.js';
export { parseAmount } from './amount-text.js';
export {
  EXPENSE_FIELD_NAMES,
  type ExpenseFieldName,
  type ExpenseFields,
  type ExpenseLanguage,
  type ExtractedExpense,
  type ExtractedField,
  type FieldSource,
  type VatBreakdown,
} from './expense-fields.types.js';
