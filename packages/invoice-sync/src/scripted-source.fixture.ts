import type {
  InvoiceSource,
  SourceConnection,
  SourceCustomer,
  SourceCustomerType,
  SourceCustomField,
  SourceDocument,
  SourceDocumentKind,
  SourceSubscription,
} from './invoice-source.js';

/**
 * An in-memory InvoiceSource for the importer's tests: documents, customers and subscriptions in
 * arrays, pages by offset in change order, and switches to fail a given call or hold a call open
 * (to prove resume and the one-run-at-a-time rule). The Teamleader one lives in plugins/source-teamleader.
 */
export class ScriptedSource implements InvoiceSource {
  readonly label = 'Scripted';
  documents: SourceDocument[] = [];
  readonly customers = new Map<string, SourceCustomer>();
  readonly subscriptions = new Map<string, SourceSubscription>();
  /** Every listDocuments call, in order. */
  readonly listCalls: Array<{ cursor: string | null; updatedSince?: Date; issuedSince?: string }> = [];
  /** listDocuments throws on these call numbers (1-based, counted across runs). */
  readonly failListOn = new Set<number>();
  /** While set, listDocuments waits for it after announcing itself through `entered`. */
  hold: Promise<void> | null = null;
  entered: (() => void) | null = null;
  getCustomerCalls = 0;
  listCustomerCalls = 0;
  listCustomFieldsCalls = 0;
  /** Absent until `withCustomFields` (a source without the capability). */
  listCustomFields?: InvoiceSource['listCustomFields'];

  constructor(readonly id = 'scripted') {}

  /** Gives the source custom-field definitions (listCustomFields); a function throws like a failing source. */
  withCustomFields(fields: SourceCustomField[] | (() => never)): this {
    this.listCustomFields = async () => {
      this.listCustomFieldsCalls++;
      return typeof fields === 'function' ? fields() : structuredClone(fields);
    };
    return this;
  }

  put(...docs: SourceDocument[]): void {
    for (const doc of docs) this.documents = [...this.documents.filter((d) => !(d.kind === doc.kind && d.sourceId === doc.sourceId)), doc];
  }

  async listDocuments(input: { connection: SourceConnection; updatedSince?: Date; issuedSince?: string; cursor?: string | null; pageSize?: number }) {
    this.listCalls.push({ cursor: input.cursor ?? null, updatedSince: input.updatedSince, issuedSince: input.issuedSince });
    if (this.hold) {
      this.entered?.();
      await this.hold;
    }
    if (this.failListOn.has(this.listCalls.length)) throw new Error(`source unavailable (call ${this.listCalls.length})`);
    const matching = this.documents
      .filter((d) => (!input.issuedSince || d.issuedOn >= input.issuedSince) && (!input.updatedSince || new Date(d.updatedAt) >= input.updatedSince))
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.sourceId.localeCompare(b.sourceId));
    const offset = input.cursor ? Number(input.cursor) : 0;
    const size = input.pageSize ?? 100;
    const documents = matching.slice(offset, offset + size);
    return { documents, nextCursor: offset + size < matching.length ? String(offset + size) : null };
  }

  async getDocument(input: { kind: SourceDocumentKind; sourceId: string }) {
    return this.documents.find((d) => d.kind === input.kind && d.sourceId === input.sourceId) ?? null;
  }

  async getCustomer(input: { type: SourceCustomerType; sourceId: string }) {
    this.getCustomerCalls++;
    const customer = this.customers.get(input.sourceId);
    return customer && customer.type === input.type ? customer : null;
  }

  /** Customers changed since, by `updatedAt` (customers without one are never listed). */
  async listCustomers(input: { updatedSince: Date; cursor?: string | null; pageSize?: number }) {
    this.listCustomerCalls++;
    const changed = [...this.customers.values()]
      .filter((c) => c.updatedAt && new Date(c.updatedAt) >= input.updatedSince)
      .sort((a, b) => a.sourceId.localeCompare(b.sourceId));
    const offset = input.cursor ? Number(input.cursor) : 0;
    const size = input.pageSize ?? 100;
    return { customers: changed.slice(offset, offset + size), nextCursor: offset + size < changed.length ? String(offset + size) : null };
  }

  async getSubscription(input: { sourceId: string }) {
    return this.subscriptions.get(input.sourceId) ?? null;
  }

  /** Every writeStatus that went through, in order (write-back tests). */
  readonly writes: Array<{ sourceInvoiceId: string; paymentId: string; status: 'paid' | 'unpaid'; amount: string | null; paidAt: string | null }> = [];
  /** The next this-many writeStatus calls throw (an outage). */
  failWrites = 0;
  writeCalls = 0;
  /** While set, writeStatus waits for it after announcing itself through `writeEntered`. */
  holdWrites: Promise<void> | null = null;
  writeEntered: (() => void) | null = null;

  async writeStatus(input: Parameters<InvoiceSource['writeStatus']>[0]): Promise<void> {
    this.writeCalls++;
    if (this.holdWrites) {
      this.writeEntered?.();
      await this.holdWrites;
    }
    if (this.failWrites > 0) {
      this.failWrites--;
      throw new Error('source unavailable (write)');
    }
    // Idempotent per paymentId, like the contract says.
    if (this.writes.some((w) => w.paymentId === input.paymentId && w.status === input.status)) return;
    this.writes.push({
      sourceInvoiceId: input.sourceInvoiceId,
      paymentId: input.paymentId,
      status: input.status,
      amount: input.paidAmount?.toString() ?? null,
      paidAt: input.paidAt?.toISOString() ?? null,
    });
  }
}

let serial = 0;

/** A booked invoice of customer `cus-1`, issued 2026-03-10; override what a test is about. */
export function sourceDoc(overrides: Partial<SourceDocument> = {}): SourceDocument {
  serial++;
  return {
    sourceId: `doc-${serial}`,
    kind: 'invoice',
    number: `2026 / ${serial}`,
    departmentId: 'dep-aaaaaaaa-0001',
    status: 'booked',
    customer: { sourceId: 'cus-1', type: 'company' },
    currency: 'EUR',
    totalExclVat: '100.00',
    totalInclVat: '121.00',
    amountDue: '121.00',
    issuedOn: '2026-03-10',
    dueOn: '2026-04-09',
    paymentTermDays: 30,
    subscriptionId: null,
    creditedInvoiceId: null,
    profileField: null,
    updatedAt: new Date(Date.UTC(2026, 2, 10, 8) + serial * 1000).toISOString(),
    ...overrides,
  };
}

export function sourceCustomer(overrides: Partial<SourceCustomer> & { sourceId: string }): SourceCustomer {
  return {
    type: 'company',
    name: `Customer ${overrides.sourceId}`,
    email: `${overrides.sourceId}@example.test`,
    address: { line1: 'Main street 1', postalCode: '9000', city: 'Gent', country: 'BE' },
    vatNumber: 'BE0123456789',
    language: 'nl',
    ...overrides,
  };
}
