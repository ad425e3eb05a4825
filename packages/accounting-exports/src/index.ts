// Export runs (P-6, issue 18): documents → an AccountingExporter's files → download, e-mail or SFTP, paid per delivered document.
export { accountingExportMigrations } from './accounting-exports.migrations.js';
export { ExportRunService, type ExecuteOutcome } from './export-run.service.js';
export { ExportTargetService } from './export-target.service.js';
export { registerAccountingExports } from './registration.js';
export { normaliseSelection, runRequestHash } from './export-run-rows.js';
export { writeExportZip, exportZipBuffer } from './export-zip.js';
export { DownloadDelivery } from './deliveries/download.delivery.js';
export { EmailDelivery, type EmailDeliveryOptions } from './deliveries/email.delivery.js';
export { SftpDelivery, type SftpDeliveryOptions } from './deliveries/sftp.delivery.js';
export type { DeliverableFile, ExportDelivery, ExportDeliveryDirectory } from './export-delivery.js';
export {
  ExportDeliveryError,
  ExporterNotFoundError,
  ExportRunKeyReusedError,
  ExportRunNotDownloadableError,
  ExportRunNotFoundError,
  ExportRunNotResumableError,
  ExportTargetNotFoundError,
  InvalidExportTargetError,
  SealingKeyMissingError,
} from './accounting-exports.errors.js';
export {
  ACCOUNTING_EXPORTERS,
  ACCOUNTING_EXPORTS_OPTIONS,
  DELIVERY_KINDS,
  EXPORT_DELIVERIES,
  EXPORT_RUN_QUEUE,
  RUN_STATUSES,
  type AccountingExporterDirectory,
  type AccountingExportsOptions,
  type DeliveryKind,
  type DeliverySettingsInput,
  type DeliveryView,
  type EmailDeliverySettings,
  type ExportRun,
  type ExportRunFile,
  type ExportRunReport,
  type ExportRunStatus,
  type ExportSelection,
  type ExportTarget,
  type SftpDeliverySettings,
  type StartRunInput,
} from './accounting-exports.types.js';
// Test doubles (an in-memory reader, a one-file-per-document exporter) for tests of hosts and plugins.
export { MemoryDocumentReader, TestExporter, testDocument } from './testing/test-exporter.js';
