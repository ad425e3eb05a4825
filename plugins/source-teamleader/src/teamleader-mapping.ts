import { createHash } from 'node:crypto';
import { Money, ValidationError, type SourceCustomer, type SourceDocument, type SourceEvent, type SourceSubscription } from '@tollgate/plugin-sdk';
import type {
  Address,
  Company,
  Contact,
  CreditNote,
  CustomFieldValue,
  Invoice,
  InvoiceListItem,
  PaymentTerm,
  Subscription,
  TeamleaderMoney,
} from '@tollgate/teamleader';

/** Exact decimal string with two decimals at least ("121.0" → "121.00"). */
export function decimal(money: TeamleaderMoney | undefined | null): string {
  return money ? Money.of(String(money.amount)).toString() : '0.00';
}

/** cash → 0 days; otherwise the term's days when given. */
export function paymentTermDays(term: PaymentTerm | null | undefined): number | null {
  if (!term) return null;
  if (term.type === 'cash') return 0;
  return typeof term.days === 'number' ? term.days : null;
}

/**
 * The raw value of one custom field: a text or single-select option as a string, the first of a
 * multi-select, the id of a reference; null/""/[] mean "not set".
 */
export function customFieldValue(fields: readonly CustomFieldValue[] | undefined, definitionId: string | null): string | null {
  if (!definitionId || !fields) return null;
  const value = fields.find((field) => field.definition.id === definitionId)?.value;
  const first = Array.isArray(value) ? value[0] : value;
  if (first === null || first === undefined || first === '') return null;
  if (typeof first === 'string') return first;
  if (typeof first === 'number' || typeof first === 'boolean') return String(first);
  if (typeof first === 'object' && 'id' in first && typeof first.id === 'string') return first.id;
  return null;
}

/**
 * The document's own currency (issue 14 A5): the document's `currency`, else its totals' (Teamleader's
 * Money always names one). EUR only when Teamleader names none at all.
 */
export function documentCurrency(source: { currency?: string; total?: { tax_inclusive?: TeamleaderMoney; payable?: TeamleaderMoney } }): string {
  const code = source.currency ?? source.total?.tax_inclusive?.currency ?? source.total?.payable?.currency;
  return typeof code === 'string' && /^[A-Za-z]{3}$/.test(code) ? code.toUpperCase() : 'EUR';
}

/** An invoice from its list item (subscription) and its info (payment term, custom fields). */
export function mapInvoice({ item, info, profileFieldId }: { item: InvoiceListItem; info: Invoice | null; profileFieldId: string | null }): SourceDocument {
  const source = info ?? item;
  const total = source.total;
  const paid = source.status === 'matched';
  return {
    sourceId: item.id,
    kind: 'invoice',
    number: source.invoice_number ?? '',
    departmentId: source.department.id,
    status: paid ? 'paid' : 'booked',
    customer: { sourceId: source.invoicee.customer.id, type: source.invoicee.customer.type },
    currency: documentCurrency(source),
    totalExclVat: decimal(total.tax_exclusive),
    totalInclVat: decimal(total.tax_inclusive),
    amountDue: paid ? '0.00' : decimal(total.due ?? total.payable),
    issuedOn: source.invoice_date ?? '',
    dueOn: source.due_on ?? source.invoice_date ?? '',
    paymentTermDays: paymentTermDays(info?.payment_term),
    subscriptionId: item.subscription?.id ?? null,
    creditedInvoiceId: null,
    profileField: customFieldValue(info?.custom_fields, profileFieldId),
    updatedAt: new Date(source.updated_at).toISOString(),
  };
}

/** Credit notes are always booked; they have no payment term and no custom fields. */
export function mapCreditNote({ note }: { note: CreditNote }): SourceDocument {
  const total = note.total;
  return {
    sourceId: note.id,
    kind: 'credit_note',
    number: note.credit_note_number ?? '',
    departmentId: note.department.id,
    status: note.paid ? 'paid' : 'booked',
    customer: { sourceId: note.invoicee.customer.id, type: note.invoicee.customer.type },
    currency: documentCurrency(note),
    totalExclVat: decimal(total.tax_exclusive),
    totalInclVat: decimal(total.tax_inclusive),
    amountDue: note.paid ? '0.00' : decimal(total.due ?? total.payable),
    issuedOn: note.credit_note_date ?? '',
    dueOn: note.credit_note_date ?? '',
    paymentTermDays: null,
    subscriptionId: null,
    creditedInvoiceId: note.invoice?.id ?? null,
    profileField: null,
    updatedAt: new Date(note.updated_at).toISOString(),
  };
}

/** `.info` has `addresses`; `.list` items only `primary_address` (the batch reads of issue 14 A8). */
function pickAddress(addresses: readonly Address[] | undefined, primary?: unknown): SourceCustomer['address'] {
  const found =
    addresses?.find((a) => a.type === 'invoicing')?.address ??
    addresses?.find((a) => a.type === 'primary')?.address ??
    addresses?.[0]?.address ??
    (primary && typeof primary === 'object' ? (primary as Address['address']) : undefined);
  if (!found) return undefined;
  const { line_1, postal_code, city, country } = found;
  return {
    ...(line_1 ? { line1: line_1 } : {}),
    ...(postal_code ? { postalCode: postal_code } : {}),
    ...(city ? { city } : {}),
    ...(country ? { country: country.toUpperCase() } : {}),
  };
}

function pickEmail(emails: ReadonlyArray<{ type: string; email: string }> | undefined): string | undefined {
  return (emails?.find((e) => e.type === 'primary') ?? emails?.find((e) => e.type === 'invoicing') ?? emails?.[0])?.email;
}

export function mapCustomer({
  type,
  party,
  profileFieldId,
}: { type: 'contact'; party: Contact; profileFieldId: string | null } | { type: 'company'; party: Company; profileFieldId: string | null }): SourceCustomer {
  const name = type === 'company' ? party.name : [party.first_name, party.last_name].filter(Boolean).join(' ');
  const email = pickEmail(party.emails);
  const address = pickAddress(party.addresses, party.primary_address);
  return {
    sourceId: party.id,
    type,
    name,
    ...(email ? { email } : {}),
    ...(address ? { address } : {}),
    ...(party.vat_number ? { vatNumber: party.vat_number } : {}),
    ...(party.language ? { language: party.language.slice(0, 2).toLowerCase() } : {}),
    profileField: customFieldValue(party.custom_fields, profileFieldId),
  };
}

/** S-2: the subscription's own profile field (a subscription-context definition) is read here. */
export function mapSubscription({ subscription, profileFieldId = null }: { subscription: Subscription; profileFieldId?: string | null }): SourceSubscription {
  return {
    sourceId: subscription.id,
    title: subscription.title,
    status: subscription.status,
    paymentTermDays: paymentTermDays(subscription.payment_term),
    customer: { sourceId: subscription.invoicee.customer.id, type: subscription.invoicee.customer.type },
    profileField: customFieldValue(subscription.custom_fields, profileFieldId),
  };
}

/** Where a listing stands: which list, which page, and the filters it started with (so a resume keeps them). */
export interface ListCursor {
  list: 'invoices' | 'creditNotes';
  page: number;
  updatedSince: string | null;
  issuedSince: string | null;
}

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.list === 'invoices' ? 'i' : 'c', cursor.page, cursor.updatedSince, cursor.issuedSince])).toString('base64url');
}

export function decodeCursor(text: string): ListCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 4) {
      const [list, page, updatedSince, issuedSince] = value as unknown[];
      const nullableString = (v: unknown) => v === null || typeof v === 'string';
      if ((list === 'i' || list === 'c') && Number.isInteger(page) && (page as number) >= 1 && nullableString(updatedSince) && nullableString(issuedSince)) {
        return {
          list: list === 'i' ? 'invoices' : 'creditNotes',
          page: page as number,
          updatedSince: updatedSince as string | null,
          issuedSince: issuedSince as string | null,
        };
      }
    }
  } catch {
    // falls through to the error below
  }
  throw new ValidationError({ message: 'Not a Teamleader listing cursor.' });
}

/** Teamleader event type → what it means for invoice sync; other types are ignored. */
const EVENT_TYPES: Record<string, Pick<SourceEvent, 'type' | 'kind' | 'customerType'>> = {
  'invoice.booked': { type: 'document.booked', kind: 'invoice' },
  'invoice.updated': { type: 'document.updated', kind: 'invoice' },
  'invoice.paymentRegistered': { type: 'document.updated', kind: 'invoice' },
  'invoice.paymentRemoved': { type: 'document.updated', kind: 'invoice' },
  'invoice.deleted': { type: 'document.deleted', kind: 'invoice' },
  'creditNote.booked': { type: 'document.booked', kind: 'credit_note' },
  'creditNote.updated': { type: 'document.updated', kind: 'credit_note' },
  'creditNote.deleted': { type: 'document.deleted', kind: 'credit_note' },
  'contact.added': { type: 'customer.updated', customerType: 'contact' },
  'contact.updated': { type: 'customer.updated', customerType: 'contact' },
  'company.added': { type: 'customer.updated', customerType: 'company' },
  'company.updated': { type: 'customer.updated', customerType: 'company' },
  'subscription.added': { type: 'subscription.updated' },
  'subscription.updated': { type: 'subscription.updated' },
  'subscription.deactivated': { type: 'subscription.updated' },
  'subscription.deleted': { type: 'subscription.updated' },
};

/** The types registered at connect. */
export const WEBHOOK_TYPES: readonly string[] = Object.freeze(Object.keys(EVENT_TYPES));

/** How long repeated deliveries of the same change count as one (Teamleader sends no delivery id). */
export const REPLAY_WINDOW_MS = 10 * 60 * 1000;

export interface TeamleaderWebhookPayload {
  type: string;
  subject: { type: string; id: string };
  account: { type: string; id: string };
}

/** Parses the JSON body; a malformed one is a ValidationError. */
export function parseWebhookBody(rawBody: Buffer): TeamleaderWebhookPayload {
  let value: unknown;
  try {
    value = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ValidationError({ message: 'Teamleader webhook body is not JSON.' });
  }
  const v = value as Partial<TeamleaderWebhookPayload> | null;
  if (!v || typeof v.type !== 'string' || typeof v.subject?.id !== 'string' || typeof v.account?.id !== 'string') {
    throw new ValidationError({ message: 'Teamleader webhook body lacks type, subject.id or account.id.' });
  }
  return { type: v.type, subject: { type: String(v.subject.type), id: v.subject.id }, account: { type: String(v.account.type), id: v.account.id } };
}

/**
 * The events a payload means ([] for types invoice sync ignores). The event id is derived from the
 * change and the replay window it arrived in: Teamleader repeats a delivery with the same body.
 */
export function mapWebhookEvent({ payload, receivedAt }: { payload: TeamleaderWebhookPayload; receivedAt: Date }): SourceEvent[] {
  const meaning = EVENT_TYPES[payload.type];
  if (!meaning) return [];
  const window = Math.floor(receivedAt.getTime() / REPLAY_WINDOW_MS);
  const eventId = `tl_${createHash('sha256').update(`${payload.account.id}|${payload.type}|${payload.subject.id}|${window}`).digest('hex').slice(0, 32)}`;
  return [{ ...meaning, sourceAccountId: payload.account.id, sourceId: payload.subject.id, eventId }];
}
