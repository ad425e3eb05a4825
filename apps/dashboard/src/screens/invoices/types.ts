/** What the invoice-sync routes answer (docs/api.md, "Invoice sync"); only the fields the screens use. */

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export type ConnectionStatus = 'connected' | 'reconsent_needed' | 'disconnected';

export interface SyncConnection {
  id: string;
  sourceId: string;
  sourceAccountId: string;
  status: ConnectionStatus;
  defaultProfileId: string | null;
  autoImport: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface InvoiceSource {
  id: string;
  label: string;
  pluginId: string;
}

export interface Profile {
  id: string;
  name: string;
  directDebit: boolean;
  paymentLink: boolean;
  transfer: boolean;
  sourceOptionValue: string | null;
  isDefault: boolean;
  sendInvitation: boolean;
}

export type ProfileInput = Omit<Profile, 'id'>;

export type RunStatus = 'running' | 'completed' | 'interrupted' | 'failed';

export interface ImportRun {
  id: string;
  connectionId: string;
  trigger: 'manual' | 'sweep' | 'webhook';
  status: RunStatus;
  counts: { new: number; updated: number; ignored: number; failed: number };
  failures: Array<{ sourceId: string; kind: string; number: string | null; reason: string }>;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export type InvoiceStatus = 'booked' | 'pending' | 'paid' | 'expired';
export type PdfStatus = 'missing' | 'available' | 'failed';

export interface Invoice {
  id: string;
  connectionId: string;
  kind: 'invoice' | 'credit_note';
  number: string;
  sourceNumber: string | null;
  customerId: string | null;
  currency: string;
  totalExclVat: string;
  totalInclVat: string;
  amountDue: string;
  issuedOn: string;
  dueOn: string | null;
  status: InvoiceStatus;
  profileId: string | null;
  creditedInvoiceId: string | null;
  collectable: boolean;
  collectionBlockedReason: string | null;
  pdfStatus: PdfStatus;
  updatedAt: string;
}

export interface InvoiceEvent {
  at: string;
  type: string;
  detail: unknown;
}

export interface Customer {
  id: string;
  customerNumber: string;
  name: string;
  email: string | null;
}

export type MandateOutcome = 'linked' | 'unchanged' | 'failed';

export interface MandateUploadSummary {
  id: string;
  fileName: string | null;
  counts: { total: number; linked: number; unchanged: number; failed: number };
  createdAt: string;
}

export interface MandateUpload extends MandateUploadSummary {
  rows: Array<{
    line: number;
    customerNumber: string;
    reference: string;
    outcome: MandateOutcome;
    reasons: string[];
    customerId: string | null;
    mandateId: string | null;
  }>;
  replayed?: boolean;
}

export const SYNC = '/v1/invoice-sync';
export const TEAMLEADER = '/v1/plugins/source-teamleader';
