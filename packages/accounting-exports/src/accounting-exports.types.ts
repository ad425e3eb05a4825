import type { InvoiceStatus } from '@tollgate/invoice-sync';
import type { AccountingExporter, SecretSealer, SourceDocumentKind } from '@tollgate/plugin-sdk';
import type { ExportDelivery } from './export-delivery.js';

/** Token of the exporters the plugins added (read when used: plugins load after the core). */
export const ACCOUNTING_EXPORTERS = Symbol.for('tollgate.AccountingExporters');
/** Token of the AccountingExportsOptions. */
export const ACCOUNTING_EXPORTS_OPTIONS = Symbol.for('tollgate.AccountingExportsOptions');
/** Token of the deliveries by kind (download, email, sftp). */
export const EXPORT_DELIVERIES = Symbol.for('tollgate.ExportDeliveries');
/** The durable job queue that runs an export run. */
export const EXPORT_RUN_QUEUE = 'accounting-exports.run';

export interface AccountingExporterDirectory {
  get(id: string): AccountingExporter | undefined;
  list(): readonly AccountingExporter[];
}

export interface AccountingExportsOptions {
  /** Seals SFTP passwords and private keys at rest; null: targets with secrets are refused. */
  sealer: SecretSealer | null;
  /** A run's hold lasts this long (default 7 days). */
  holdDays?: number;
  /** Documents read and rendered per page (default 200). */
  pageSize?: number;
  /** How long a host owns a run it executes before another may take it over (default 15 minutes). */
  leaseMinutes?: number;
}

export const DELIVERY_KINDS = ['download', 'email', 'sftp'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];

/** E-mail delivery: the ZIP attached, to the accountant. */
export interface EmailDeliverySettings {
  to: string[];
  /** Default "Accounting export <target name>". */
  subject?: string | null;
}

/** SFTP delivery; the secrets are given in clear and stored sealed. */
export interface SftpDeliverySettings {
  host: string;
  port: number;
  username: string;
  password?: string | null;
  /** OpenSSH or PEM private key. */
  privateKey?: string | null;
  passphrase?: string | null;
  /** Remote directory, created if missing. Default '.' (the login directory). */
  directory: string;
  /**
   * The server's host key, 'SHA256:<base64>' as `ssh-keygen -l` shows it. When absent the first
   * connection records it (trust on first use) and later ones must match.
   */
  hostKeyFingerprint?: string | null;
}

export type DeliverySettingsInput = { kind: 'download' } | ({ kind: 'email' } & EmailDeliverySettings) | ({ kind: 'sftp' } & SftpDeliverySettings);

/** How a target delivers, as shown: secrets are never shown back, only whether they are set. */
export type DeliveryView =
  | { kind: 'download' }
  | ({ kind: 'email' } & EmailDeliverySettings)
  | ({ kind: 'sftp' } & Omit<SftpDeliverySettings, 'password' | 'privateKey' | 'passphrase'> & {
        hasPassword: boolean;
        hasPrivateKey: boolean;
      });

export interface ExportTarget {
  id: string;
  accountId: string;
  exporterId: string;
  name: string;
  options: Record<string, unknown>;
  delivery: DeliveryView;
  createdAt: Date;
  updatedAt: Date;
}

export interface ExportSelection {
  issuedFrom?: string;
  issuedTo?: string;
  kinds?: SourceDocumentKind[];
  statuses?: InvoiceStatus[];
  ids?: string[];
  /** Default true: documents the target already has are left out of the run; false: reported as skipped (already_exported). */
  notYetExported?: boolean;
}

export const RUN_STATUSES = ['queued', 'running', 'delivering', 'completed', 'partially_delivered', 'failed'] as const;
export type ExportRunStatus = (typeof RUN_STATUSES)[number];

export interface ExportRunReport {
  exported: number;
  refused: Array<{ invoiceId: string; number: string; rule: string; message: string }>;
  skipped: Array<{ invoiceId: string; number: string; reason: string }>;
  undelivered: Array<{ invoiceId: string; number: string; file: string | null; message: string | null }>;
  /** What the wallet took, all attempts together. */
  charged: string;
  /** What holds gave back (undelivered documents, a failed delivery). */
  released: string;
  currency: 'EUR';
}

export interface ExportRunFile {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  documents: number;
  deliveredAt: Date | null;
}

export interface ExportRun {
  id: string;
  accountId: string;
  targetId: string;
  exporterId: string;
  deliveryKind: DeliveryKind;
  selection: ExportSelection;
  reexport: boolean;
  status: ExportRunStatus;
  /** Why a run failed or stopped short ('insufficient_funds', 'delivery_failed', 'sftp_host_key_mismatch'…). */
  reason: string | null;
  message: string | null;
  attempt: number;
  counts: { selected: number; exported: number; refused: number; skipped: number; undelivered: number };
  amounts: { held: string; charged: string; released: string; currency: 'EUR' };
  files: ExportRunFile[];
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface StartRunInput {
  accountId: string;
  targetId: string;
  selection?: ExportSelection;
  reexport?: boolean;
  idempotencyKey: string;
  /** Who asked (user or API key id), for the record. */
  actor?: string | null;
}

export type { ExportDelivery };
