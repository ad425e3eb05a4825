import type { Money } from '@tollgate/money';

/** An invoice as a source system booked it, normalised. Amounts are exact Money. */
export interface SourceInvoice {
  sourceId: string;
  number: string;
  kind: 'invoice' | 'credit_note';
  customer: { sourceId: string; name: string; email?: string };
  total: Money;
  issuedOn: string; // YYYY-MM-DD
  dueOn: string; // YYYY-MM-DD
  status: 'booked' | 'paid';
  /** The collection profile the source names for this invoice, if any (custom field). */
  profileId?: string;
  subscriptionId?: string;
  creditedInvoiceId?: string;
}

/** Where booked invoices come from (Teamleader Focus, ...). One vendor per plugin. */
export interface InvoiceSource {
  /** Kebab-case, unique: 'teamleader'. */
  readonly id: string;
  readonly label: string;

  /** Booked invoices changed since `since`, one page at a time; `cursor` continues a page. */
  listBooked(input: { connectionId: string; since: Date; cursor?: string }): Promise<{ invoices: SourceInvoice[]; nextCursor?: string }>;
  /** Writes a payment (or its reversal) back to the source. Idempotent per `paymentId`. */
  writeStatus(input: { connectionId: string; sourceInvoiceId: string; paymentId: string; status: 'paid' | 'unpaid'; paidAmount?: Money; paidAt?: Date }): Promise<void>;
}
