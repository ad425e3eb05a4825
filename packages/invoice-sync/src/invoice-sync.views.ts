import { randomBytes } from 'node:crypto';
import { Money } from '@tollgate/money';
import type { SourceAddress, SourceCustomerType, SourceDocumentKind } from './invoice-source.js';
import type {
  CollectionBlockedReason,
  Connection,
  ConnectionStatus,
  Customer,
  ImportRun,
  Invoice,
  InvoiceEvent,
  InvoiceStatus,
  PdfStatus,
  Profile,
  RunFailure,
  RunFlags,
  RunStatus,
  RunTrigger,
} from './invoice-sync.types.js';

export type Row = Record<string, unknown>;

export const newId = (prefix: string): string => `${prefix}_${randomBytes(10).toString('hex')}`;

const str = (value: unknown): string | null => (value === null || value === undefined ? null : (value as string));
const money = (value: unknown): string => Money.of(value as string).toString();

export function connectionView(row: Row): Connection {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    sourceId: row.source_id as string,
    sourceAccountId: row.source_account_id as string,
    status: row.status as ConnectionStatus,
    defaultProfileId: str(row.default_profile_id),
    autoImport: row.auto_import as boolean,
    profileFieldId: str(row.profile_field_id),
    invoiceProfileFieldId: str(row.profile_field_id),
    subscriptionProfileFieldId: str(row.subscription_profile_field_id),
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

export function profileView(row: Row): Profile {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    name: row.name as string,
    directDebit: row.direct_debit as boolean,
    paymentLink: row.payment_link as boolean,
    transfer: row.transfer as boolean,
    sourceOptionValue: str(row.source_option_value),
    isDefault: row.is_default as boolean,
    sendInvitation: row.send_invitation === true,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

export function customerView(row: Row): Customer {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    connectionId: row.connection_id as string,
    sourceType: row.source_type as SourceCustomerType,
    sourceId: row.source_id as string,
    customerNumber: row.customer_number as string,
    name: row.name as string,
    email: str(row.email),
    address: (row.address as SourceAddress | null) ?? null,
    vatNumber: str(row.vat_number),
    language: str(row.language),
    profileId: str(row.profile_id),
    localNumberChangedAt: (row.local_number_changed_at as Date | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

export function invoiceView(row: Row): Invoice {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    connectionId: row.connection_id as string,
    kind: row.kind as SourceDocumentKind,
    sourceId: row.source_id as string,
    sourceNumber: row.source_number as string,
    number: row.number as string,
    departmentId: row.department_id as string,
    customerId: row.customer_id as string,
    currency: row.currency as string,
    totalExclVat: money(row.total_excl_vat),
    totalInclVat: money(row.total_incl_vat),
    amountDue: money(row.amount_due),
    issuedOn: row.issued_on as string,
    dueOn: row.due_on as string,
    paymentTermDays: (row.payment_term_days as number | null) ?? null,
    status: row.status as InvoiceStatus,
    profileId: row.profile_id as string,
    subscriptionId: str(row.subscription_id),
    creditedInvoiceId: str(row.credited_invoice_id),
    collectable: (row.collectable as boolean | null | undefined) ?? true,
    collectionBlockedReason: str(row.collection_blocked_reason) as CollectionBlockedReason | null,
    pdfStatus: ((row.pdf_status as PdfStatus | undefined) ?? 'missing') as PdfStatus,
    sourceUpdatedAt: row.source_updated_at as Date,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

export function eventView(row: Row): InvoiceEvent {
  return { at: row.at as Date, type: row.type as string, detail: (row.detail as Record<string, unknown> | null) ?? {} };
}

export function runView(row: Row): ImportRun {
  return {
    id: row.id as string,
    connectionId: row.connection_id as string,
    trigger: row.trigger as RunTrigger,
    issuedSince: str(row.issued_since),
    updatedSince: (row.updated_since as Date | null) ?? null,
    resumedFrom: str(row.resumed_from),
    cursor: str(row.cursor),
    status: row.status as RunStatus,
    counts: { new: row.new_count as number, updated: row.updated_count as number, ignored: row.ignored_count as number, failed: row.failed_count as number },
    failures: (row.failures as RunFailure[] | null) ?? [],
    flags: (row.flags as RunFlags | null) ?? {},
    highWater: (row.high_water as Date | null) ?? null,
    error: str(row.error),
    startedAt: row.started_at as Date,
    finishedAt: (row.finished_at as Date | null) ?? null,
  };
}

export function clampLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? 50, 1), 200);
}
