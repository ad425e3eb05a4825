// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, expenseScanPlugin } from './plugin.js';
export { channelPrices, EXPENSE_FIELDS, expenseScanOptions, UPLOAD_TYPES, type ExpenseField, type ExpenseScanOptions, type UploadType } from './options.js';
export { EXPENSE_SCAN_CHANNEL_ID, ExpenseScanChannel, scanSpendKey, type ScanRequest, type ScanResult } from './expense-scan.channel.js';
export { ExpenseScanService, SCAN_JOB, type ExpenseStatus, type ExpenseView, type ScanAnswer } from './expense-scan.service.js';
export {
  checkFieldValue,
  fieldViews,
  isIsoDate,
  normaliseAmount,
  reviewOf,
  type Corrections,
  type FieldState,
  type FieldValue,
  type FieldView,
} from './field-rules.js';
export { correctionPatch, type CorrectionPatch } from './expense-corrections.js';
export { expenseScanMigrations } from './expense-scan.migrations.js';
export { readExpense, scanFailureOf, type ScanReading } from './scan-reading.js';
