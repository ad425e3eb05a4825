import { timingSafeEqual } from 'node:crypto';
import {
  Money,
  TollgateError,
  ValidationError,
  type Clock,
  type Logger,
  type Queryable,
  type InvoiceSource,
  type SourceConnection,
  type SourceCustomer,
  type SourceCustomerType,
  type SourceCustomField,
  type SourceDocument,
  type SourceDocumentKind,
  type SourceEvent,
  type SourcePdf,
  type SourceSubscription,
} from '@tollgate/plugin-sdk';
import {
  BY_IDS_MAX,
  ReconsentNeededError,
  TeamleaderForbiddenError,
  TeamleaderError,
  TeamleaderNotFoundError,
  TeamleaderValidationError,
  TeamleaderUnavailableError,
  type Company,
  type Contact,
  type CreditNote,
  type CustomFieldDefinition,
  type DepartmentInfo,
  type Invoice,
  type InvoiceListItem,
  type TaxRate,
  type TeamleaderClient,
} from '@tollgate/teamleader';
import { creditNoteAccounting, invoiceAccounting, type AccountingLookups, type BreakdownCheck } from './teamleader-accounting.js';
import { STRICT_MODE_WARNINGS } from './strict-mode.js';
import type { TeamleaderConnectionsStore } from './teamleader-connections.store.js';
import {
  decodeCursor,
  encodeCursor,
  mapCreditNote,
  mapCustomer,
  mapInvoice,
  mapSubscription,
  mapWebhookEvent,
  parseWebhookBody,
  type ListCursor,
} from './teamleader-mapping.js';

const BOOKED = ['outstanding', 'matched'] as const;
/** How long a connection's tax rates and departments are reused (they change rarely; a new rate id refreshes them at once). */
const LOOKUP_TTL_MS = 10 * 60_000;

type Party = NonNullable<AccountingLookups['customer']>;

interface ConnectionLookups {
  at: number;
  taxRates: Promise<Map<string, TaxRate>> | null;
  /** When taxRates.list was last read: an unknown rate id reads it again at most once a minute. */
  ratesReadAt: number;
  departments: Map<string, Promise<DepartmentInfo | null>>;
}
/** invoices.info calls in flight at once while enriching a page. */
const INFO_CONCURRENCY = 5;

/** Teamleader Focus as an invoice source. One Teamleader account per Tollgate account: the core's
 * connection is mapped to the plugin's credentials by `SourceConnection.accountId`. */
export class TeamleaderInvoiceSource implements InvoiceSource {
  readonly id = 'teamleader';
  readonly label = 'Teamleader Focus';
  readonly #client: TeamleaderClient;
  readonly #connections: TeamleaderConnectionsStore;
  readonly #db: Queryable;
  readonly #clock: Clock;
  /** Tax rates and departments per connection, shared by the pages and documents read within LOOKUP_TTL_MS. */
  readonly #lookups = new Map<string, ConnectionLookups>();
  readonly #logger: Logger | undefined;

  constructor({
    client,
    connections,
    database,
    clock,
    logger,
  }: {
    client: TeamleaderClient;
    connections: TeamleaderConnectionsStore;
    database: Queryable;
    clock: Clock;
    /** Where documents whose accounting details cannot be read, or whose VAT figures disagree, are told. */
    logger?: Logger;
  }) {
    this.#client = client;
    this.#connections = connections;
    this.#db = database;
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Invoices first (page by page, by invoice date), then credit notes; the cursor names the list and page. */
  async listDocuments({
    connection,
    updatedSince,
    issuedSince,
    cursor,
    pageSize = 100,
  }: {
    connection: SourceConnection;
    updatedSince?: Date;
    issuedSince?: string;
    cursor?: string | null;
    pageSize?: number;
  }): Promise<{ documents: SourceDocument[]; nextCursor: string | null; customers: SourceCustomer[] }> {
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new ValidationError({ message: 'pageSize must be 1-100.' });
    const at: ListCursor = cursor
      ? decodeCursor(cursor)
      : { list: 'invoices', page: 1, updatedSince: updatedSince ? teamleaderTime(updatedSince) : null, issuedSince: issuedSince ?? null };
    const connectionId = await this.#credentials(connection);
    const page = { size: pageSize, number: at.page };

    if (at.list === 'invoices') {
      const filter = {
        status: [...BOOKED],
        ...(at.updatedSince && { updated_since: at.updatedSince }),
        ...(at.issuedSince && { invoice_date_after: at.issuedSince }),
      };
      // Teamleader sorts by invoice date or number only (not by change time): oldest invoice first.
      const sort = [
        { field: 'invoice_date', order: 'asc' },
        { field: 'invoice_number', order: 'asc' },
      ];
      const { data } = await this.#client.call<{ data: InvoiceListItem[] }>({ connectionId, action: 'invoices.list', body: { filter, sort, page } });
      const infos = await mapLimit(data, INFO_CONCURRENCY, (item) => this.#api(connectionId).invoiceInfo({ id: item.id }));
      const mapped = data.map((item, i) => mapInvoice({ item, info: infos[i] as Invoice, profileFieldId: connection.profileFieldId }));
      // Only an empty page ends a list: Teamleader may serve fewer than asked (its page cap is undocumented).
      const next: ListCursor = data.length === 0 ? { ...at, list: 'creditNotes', page: 1 } : { ...at, page: at.page + 1 };
      const { customers, parties } = await this.#customersOf(connectionId, connection, mapped);
      const documents: SourceDocument[] = [];
      for (const [i, doc] of mapped.entries()) {
        const info = infos[i] as Invoice;
        documents.push(
          await this.#withAccounting(doc, () => this.#invoiceAccounting({ connectionId, info, customer: parties.get(doc.customer.sourceId) ?? null })),
        );
      }
      return { documents, nextCursor: encodeCursor(next), customers };
    }

    const filter = {
      ...(at.updatedSince && { updated_since: at.updatedSince }),
      ...(at.issuedSince && { credit_note_date_after: at.issuedSince }),
    };
    const { data } = await this.#client.call<{ data: CreditNote[] }>({
      connectionId,
      action: 'creditNotes.list',
      body: { ...(Object.keys(filter).length > 0 && { filter }), page },
    });
    const mapped = data.map((note) => mapCreditNote({ note }));
    const { customers, parties } = await this.#customersOf(connectionId, connection, mapped);
    // P-6: lines are on creditNotes.info only; the credited invoices' numbers and dates in one listing.
    const infos = await mapLimit(data, INFO_CONCURRENCY, (note) => orNull(this.#api(connectionId).creditNoteInfo({ id: note.id })));
    const credited = await this.#invoicesById(
      connectionId,
      data.flatMap((note) => (note.invoice ? [note.invoice.id] : [])),
    );
    const documents: SourceDocument[] = [];
    for (const [i, doc] of mapped.entries()) {
      const info = infos[i];
      const invoiceId = data[i]!.invoice?.id;
      const invoice = invoiceId ? credited.get(invoiceId) : undefined;
      documents.push(
        info
          ? await this.#withAccounting(doc, () =>
              this.#creditNoteAccounting({
                connectionId,
                note: info,
                credited: invoice ? { number: invoice.invoice_number, date: invoice.invoice_date, deliveryDate: invoice.delivery_date ?? null } : null,
                customer: parties.get(doc.customer.sourceId) ?? null,
              }),
            )
          : doc,
      );
    }
    return { documents, nextCursor: data.length === 0 ? null : encodeCursor({ ...at, page: at.page + 1 }), customers };
  }

  /** The document with its accounting details, or without them when Teamleader's data cannot be mapped (P-6: it shows as missing). */
  async #withAccounting(doc: SourceDocument, read: () => Promise<SourceDocument['accounting'] | null>): Promise<SourceDocument> {
    try {
      const accounting = await read();
      return accounting ? { ...doc, accounting } : doc;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      this.#logger?.warn(`source-teamleader: ${doc.kind} ${doc.number} (${doc.sourceId}) has no accounting details: ${error.message}`);
      return doc;
    }
  }

  async #invoiceAccounting(input: { connectionId: string; info: Invoice; customer: Party | null }): Promise<SourceDocument['accounting'] | null> {
    const lookups = await this.#lookupsFor({ connectionId: input.connectionId, departmentId: input.info.department.id, lines: input.info.grouped_lines });
    if (!lookups) return null;
    const { details, check } = invoiceAccounting({ info: input.info, customer: input.customer, ...lookups });
    this.#reportDisagreement({ what: `invoice ${input.info.invoice_number ?? input.info.id}`, check });
    return details;
  }

  async #creditNoteAccounting(input: {
    connectionId: string;
    note: CreditNote;
    credited: { number: string | null; date: string | null; deliveryDate?: string | null } | null;
    customer: Party | null;
  }): Promise<SourceDocument['accounting'] | null> {
    const lines = input.note.grouped_lines as Invoice['grouped_lines'];
    const lookups = await this.#lookupsFor({ connectionId: input.connectionId, departmentId: input.note.department.id, lines });
    if (!lookups) return null;
    const { details, check } = creditNoteAccounting({ note: input.note, credited: input.credited, customer: input.customer, ...lookups });
    this.#reportDisagreement({ what: `credit note ${input.note.credit_note_number ?? input.note.id}`, check });
    return details;
  }

  /** Teamleader's VAT per rate off the lines' by more than a cent: the lines' figures are kept (see docs/accounting-exports/import.md). */
  #reportDisagreement(input: { what: string; check: BreakdownCheck }): void {
    for (const gap of input.check.disagreed) {
      this.#logger?.warn(
        `source-teamleader: ${input.what}: Teamleader's ${gap.rate} % VAT (taxable ${gap.teamleaderTaxable}, tax ${gap.teamleaderTax}) differs from its lines (taxable ${gap.linesTaxable}, tax ${gap.computedTax}); the lines' figures are used`,
      );
    }
  }

  /**
   * The department (seller) and the tax rates a document's lines name, from the connection's cache;
   * a rate id not in it reads taxRates.list again (a rate added since). Null when the department is gone.
   */
  async #lookupsFor(input: {
    connectionId: string;
    departmentId: string;
    lines: Invoice['grouped_lines'];
  }): Promise<Omit<AccountingLookups, 'customer'> | null> {
    const now = this.#clock.now().getTime();
    let cached = this.#lookups.get(input.connectionId);
    if (!cached || now - cached.at > LOOKUP_TTL_MS) {
      cached = { at: now, taxRates: null, ratesReadAt: 0, departments: new Map() };
      this.#lookups.set(input.connectionId, cached);
    }
    const entry = cached;
    const api = this.#api(input.connectionId);
    const remember = <T>(promise: Promise<T>, forget: () => void): Promise<T> => {
      promise.catch(forget);
      return promise;
    };
    const rates = async (fresh: boolean) => {
      if (!entry.taxRates || (fresh && now - entry.ratesReadAt > 60_000)) {
        entry.ratesReadAt = now;
        entry.taxRates = remember(
          api.taxRates().then((list) => new Map(list.map((rate) => [rate.id, rate]))),
          () => (entry.taxRates = null),
        );
      }
      return entry.taxRates;
    };
    let taxRates = await rates(false);
    const ids = (input.lines ?? []).flatMap((group) => group.line_items.map((item) => item.tax.id));
    if (ids.some((id) => !taxRates.has(id))) taxRates = await rates(true);
    let department = entry.departments.get(input.departmentId);
    if (!department) {
      department = remember(orNull(api.departmentInfo({ id: input.departmentId })), () => entry.departments.delete(input.departmentId));
      entry.departments.set(input.departmentId, department);
    }
    const found = await department;
    return found ? { department: found, taxRates } : null;
  }

  /** Invoices by id (≤ 100 a call), for the numbers and dates credit notes refer to. */
  async #invoicesById(connectionId: string, ids: readonly string[]): Promise<Map<string, InvoiceListItem>> {
    const found = new Map<string, InvoiceListItem>();
    for (const batch of chunks([...new Set(ids)], BY_IDS_MAX)) {
      const { data } = await this.#client.call<{ data: InvoiceListItem[] }>({
        connectionId,
        action: 'invoices.list',
        body: { filter: { ids: batch }, page: { size: BY_IDS_MAX, number: 1 } },
      });
      for (const item of data) found.set(item.id, item);
    }
    return found;
  }

  /**
   * The page's customers in batches of at most 100 ids (`companies.list` / `contacts.list` with
   * `filter.ids`) instead of one `.info` per document (issue 14 A8; Teamleader's own advice).
   */
  async #customersOf(
    connectionId: string,
    connection: SourceConnection,
    documents: readonly SourceDocument[],
  ): Promise<{ customers: SourceCustomer[]; parties: Map<string, Party> }> {
    const api = this.#api(connectionId);
    const profileFieldId = connection.profileFieldId;
    const idsOf = (type: SourceCustomerType) => [...new Set(documents.filter((d) => d.customer.type === type).map((d) => d.customer.sourceId))];
    const customers: SourceCustomer[] = [];
    // The raw parties too: the buyer of each document's accounting details (addresses, enterprise number).
    const parties = new Map<string, Party>();
    for (const ids of chunks(idsOf('company'), BY_IDS_MAX)) {
      for (const party of await api.companies({ ids })) {
        customers.push(mapCustomer({ type: 'company', party, profileFieldId }));
        parties.set(party.id, { type: 'company', party });
      }
    }
    for (const ids of chunks(idsOf('contact'), BY_IDS_MAX)) {
      for (const party of await api.contacts({ ids })) {
        customers.push(mapCustomer({ type: 'contact', party, profileFieldId }));
        parties.set(party.id, { type: 'contact', party });
      }
    }
    return { customers, parties };
  }

  /** One customer's raw record (companies.info / contacts.info), null when gone. */
  async #party(connectionId: string, customer: SourceDocument['customer']): Promise<Party | null> {
    const api = this.#api(connectionId);
    if (customer.type === 'company') {
      const party = await orNull(api.companyInfo({ id: customer.sourceId }));
      return party ? { type: 'company', party } : null;
    }
    const party = await orNull(api.contactInfo({ id: customer.sourceId }));
    return party ? { type: 'contact', party } : null;
  }

  async getDocument({
    connection,
    kind,
    sourceId,
  }: {
    connection: SourceConnection;
    kind: SourceDocumentKind;
    sourceId: string;
  }): Promise<SourceDocument | null> {
    const connectionId = await this.#credentials(connection);
    const api = this.#api(connectionId);
    if (kind === 'credit_note') {
      const note = await orNull(api.creditNoteInfo({ id: sourceId }));
      if (!note) return null;
      const doc = mapCreditNote({ note });
      return this.#withAccounting(doc, async () => {
        const invoice = note.invoice ? await orNull(api.invoiceInfo({ id: note.invoice.id })) : null;
        return this.#creditNoteAccounting({
          connectionId,
          note,
          credited: invoice ? { number: invoice.invoice_number, date: invoice.invoice_date, deliveryDate: invoice.delivery_date ?? null } : null,
          customer: await this.#party(connectionId, doc.customer),
        });
      });
    }
    // `subscription` is on list items only; payment term and custom fields on info only.
    const { data } = await this.#client.call<{ data: InvoiceListItem[] }>({
      connectionId,
      action: 'invoices.list',
      body: { filter: { ids: [sourceId], status: [...BOOKED] } },
    });
    const item = data[0];
    if (!item) return null;
    const info = await orNull(api.invoiceInfo({ id: sourceId }));
    if (!info) return null;
    const doc = mapInvoice({ item, info, profileFieldId: connection.profileFieldId });
    return this.#withAccounting(doc, async () => this.#invoiceAccounting({ connectionId, info, customer: await this.#party(connectionId, doc.customer) }));
  }

  async getCustomer({
    connection,
    type,
    sourceId,
  }: {
    connection: SourceConnection;
    type: SourceCustomerType;
    sourceId: string;
  }): Promise<SourceCustomer | null> {
    const api = this.#api(await this.#credentials(connection));
    const profileFieldId = connection.profileFieldId;
    if (type === 'company') {
      const party = await orNull(api.companyInfo({ id: sourceId }));
      return party ? mapCustomer({ type, party, profileFieldId }) : null;
    }
    const party = await orNull(api.contactInfo({ id: sourceId }));
    return party ? mapCustomer({ type, party, profileFieldId }) : null;
  }

  /**
   * Companies, then contacts, changed since a time (`updated_since`, with their custom fields). The
   * cursor is `c:<page>` / `p:<page>` plus the start time, so a resumed listing keeps its filter.
   */
  async listCustomers({
    connection,
    updatedSince,
    cursor,
    pageSize = 100,
  }: {
    connection: SourceConnection;
    updatedSince: Date;
    cursor?: string | null;
    pageSize?: number;
  }): Promise<{ customers: SourceCustomer[]; nextCursor: string | null }> {
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new ValidationError({ message: 'pageSize must be 1-100.' });
    const at = cursor ? decodeCustomerCursor(cursor) : { list: 'companies' as const, page: 1, since: teamleaderTime(updatedSince) };
    const connectionId = await this.#credentials(connection);
    const body = { filter: { updated_since: at.since }, page: { size: pageSize, number: at.page }, includes: 'custom_fields' };
    const profileFieldId = connection.profileFieldId;
    const withTime = (customer: SourceCustomer, updatedAt: string | undefined): SourceCustomer =>
      updatedAt ? { ...customer, updatedAt: new Date(updatedAt).toISOString() } : customer;
    if (at.list === 'companies') {
      const { data } = await this.#client.call<{ data: Company[] }>({ connectionId, action: 'companies.list', body });
      const next = data.length === 0 ? { list: 'contacts' as const, page: 1, since: at.since } : { ...at, page: at.page + 1 };
      return {
        customers: data.map((party) => withTime(mapCustomer({ type: 'company', party, profileFieldId }), party.updated_at)),
        nextCursor: encodeCustomerCursor(next),
      };
    }
    const { data } = await this.#client.call<{ data: Contact[] }>({ connectionId, action: 'contacts.list', body });
    return {
      customers: data.map((party) => withTime(mapCustomer({ type: 'contact', party, profileFieldId }), party.updated_at)),
      nextCursor: data.length === 0 ? null : encodeCustomerCursor({ ...at, page: at.page + 1 }),
    };
  }

  async getSubscription({ connection, sourceId }: { connection: SourceConnection; sourceId: string }): Promise<SourceSubscription | null> {
    const subscription = await orNull(this.#api(await this.#credentials(connection)).subscriptionInfo({ id: sourceId }));
    return subscription ? mapSubscription({ subscription, profileFieldId: connection.subscriptionProfileFieldId ?? null }) : null;
  }

  /**
   * customFieldDefinitions.list filtered on the invoice context, every page (Teamleader pages at
   * most 100; an SDK that stopped at the first 20 lost fields). Select fields carry their options.
   */
  async listCustomFields({ connection }: { connection: SourceConnection }): Promise<SourceCustomField[]> {
    const api = this.#api(await this.#credentials(connection));
    // Invoice fields, then subscription fields (S-2: a field per context; `context` tells them apart).
    const invoice = await api.customFieldDefinitions({ context: 'invoice' });
    const subscription = await api.customFieldDefinitions({ context: 'subscription' });
    return [...invoice, ...subscription].map(customField);
  }

  /**
   * One definition by id (`customFieldDefinitions.info`), whatever its context: the importer matches
   * a select field's value on the option's id or its text (issue 14 A1). Null when it is gone.
   */
  async getCustomField({ connection, id }: { connection: SourceConnection; id: string }): Promise<SourceCustomField | null> {
    const definition = await orNull(this.#api(await this.#credentials(connection)).customFieldDefinitionInfo({ id }));
    return definition ? customField(definition) : null;
  }

  /**
   * Teamleader does not sign webhooks: the URL registered at connect carries a per-connection
   * `?token=`, checked here in constant time against the connections of the payload's account.
   */
  async parseWebhook({
    rawBody,
    query,
  }: {
    headers: Readonly<Record<string, string | undefined>>;
    rawBody: Buffer;
    query: Readonly<Record<string, string | undefined>>;
  }): Promise<SourceEvent[]> {
    const payload = parseWebhookBody(rawBody);
    const token = query.token ?? '';
    const candidates = await this.#connections.byTeamleaderAccount({ teamleaderAccountId: payload.account.id });
    if (!candidates.some((connection) => sameSecret(connection.webhookToken, token))) {
      throw new ValidationError({ message: 'Teamleader webhook token does not match a connection of this account.' });
    }
    return mapWebhookEvent({ payload, receivedAt: this.#clock.now() });
  }

  /**
   * paid → invoices.registerPayment, unpaid → invoices.removePayments (Teamleader removes all
   * payments). Each (payment, status) is written once: a row claims it before the call.
   */
  async writeStatus({
    connection,
    sourceInvoiceId,
    paymentId,
    status,
    paidAmount,
    paidAt,
  }: {
    connection: SourceConnection;
    sourceInvoiceId: string;
    paymentId: string;
    status: 'paid' | 'unpaid';
    paidAmount?: Money;
    paidAt?: Date;
  }): Promise<void> {
    if (status === 'paid' && !paidAmount) throw new ValidationError({ message: 'paidAmount is required to write a payment.' });
    const connectionId = await this.#credentials(connection);
    const claimed = await this.#db.query(
      `INSERT INTO source_teamleader_written_payments (connection_id, payment_id, status, invoice_id, written_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [connectionId, paymentId, status, sourceInvoiceId, this.#clock.now().toISOString()],
    );
    if (claimed.rowCount === 0) return;
    const api = this.#api(connectionId);
    const paidAtText = teamleaderTime(paidAt ?? this.#clock.now());
    try {
      if (status === 'paid') {
        await api.registerPayment({
          id: sourceInvoiceId,
          amount: (paidAmount as Money).toString(),
          currency: (paidAmount as Money).currency,
          paidAt: paidAtText,
        });
      } else {
        await api.removePayments({ id: sourceInvoiceId });
      }
    } catch (error) {
      // A payment write that may have happened: keep the claim only if Teamleader shows it.
      if (status === 'paid' && error instanceof TeamleaderUnavailableError && error.outcomeUnknown) {
        const info = await orNull(api.invoiceInfo({ id: sourceInvoiceId })).catch(() => null);
        const amount = (paidAmount as Money).toString();
        const landed = info?.payments?.some((p) => sameAmount(p.payment.amount, amount) && Date.parse(p.paid_at) === Date.parse(paidAtText));
        if (landed) return;
      }
      await this.#db.query('DELETE FROM source_teamleader_written_payments WHERE connection_id = $1 AND payment_id = $2 AND status = $3', [
        connectionId,
        paymentId,
        status,
      ]);
      throw await this.#strictModeHint({ connectionId, error });
    }
  }

  /**
   * A refusal of a payment write while strict mode is not known to be on: the invoice may have been
   * changed in Teamleader by hand. The error (and so the invoice's event log) says so.
   */
  async #strictModeHint({ connectionId, error }: { connectionId: string; error: unknown }): Promise<unknown> {
    if (!(error instanceof TeamleaderValidationError || error instanceof TeamleaderForbiddenError)) return error;
    const state = (await this.#connections.byId({ id: connectionId }))?.strictMode.state ?? 'unknown';
    if (state === 'on') return error;
    return new TollgateError({
      code: error.code,
      status: error.status,
      message: `${error.message} (${STRICT_MODE_WARNINGS[state]})`,
      details: error.details,
      cause: error,
    });
  }

  /**
   * S-6: invoices.download / creditNotes.download give a temporary `location` valid until `expires`;
   * it is fetched at once (no token). A location already past its `expires`, or dead when fetched
   * (404/403/410), is asked for again, once. Teamleader answers 400/404 to the download while the PDF
   * is not rendered yet (right after booking, after removePayments): that is `not_ready`, not an error.
   */
  async fetchPdf({ connection, kind, sourceId }: { connection: SourceConnection; kind: SourceDocumentKind; sourceId: string }): Promise<SourcePdf> {
    const api = this.#api(await this.#credentials(connection));
    const action = kind === 'credit_note' ? 'creditNotes.download' : 'invoices.download';
    for (let round = 1; ; round++) {
      let download: { location: string; expires: string };
      try {
        download = kind === 'credit_note' ? await api.downloadCreditNote({ id: sourceId }) : await api.downloadInvoice({ id: sourceId });
      } catch (error) {
        if (error instanceof TeamleaderValidationError || error instanceof TeamleaderNotFoundError)
          return { status: 'not_ready', reason: `${action} answered ${error.status}${error.titles.length ? `: ${error.titles.join('; ')}` : ''}` };
        throw error;
      }
      const expired = Date.parse(download.expires) <= this.#clock.now().getTime();
      if (!expired) {
        try {
          const file = await this.#client.fetchFile({ location: download.location });
          return { status: 'ready', bytes: file.bytes, contentType: file.contentType ?? 'application/pdf' };
        } catch (error) {
          if (!(error instanceof TeamleaderError && [403, 404, 410].includes(error.status))) throw error;
        }
      }
      if (round === 2) throw new TeamleaderUnavailableError({ message: `${action}: the download location had expired twice in a row.`, action });
    }
  }

  /**
   * The plugin's credentials row for the core's connection: one per Tollgate account, and it must
   * still be linked to the same Teamleader account (a reconnect to another one needs new consent).
   */
  async #credentials(connection: SourceConnection): Promise<string> {
    const row = await this.#connections.byAccount({ accountId: connection.accountId });
    if (!row || row.version === 0 || row.teamleaderAccountId !== connection.sourceAccountId) {
      throw new ReconsentNeededError({ connectionId: connection.id, reason: 'no Teamleader credentials for this connection; connect again' });
    }
    return row.id;
  }

  #api(connectionId: string) {
    return this.#client.connection({ connectionId });
  }
}

function customField(d: CustomFieldDefinition): SourceCustomField {
  return {
    id: d.id,
    label: d.label,
    type: d.type,
    context: d.context,
    options: d.type === 'single_select' || d.type === 'multi_select' ? (d.configuration?.options ?? []).map((o) => ({ id: o.id, label: o.value })) : null,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type CustomerCursor = { list: 'companies' | 'contacts'; page: number; since: string };

function encodeCustomerCursor(cursor: CustomerCursor): string {
  return Buffer.from(JSON.stringify([cursor.list === 'companies' ? 'c' : 'p', cursor.page, cursor.since])).toString('base64url');
}

function decodeCustomerCursor(text: string): CustomerCursor {
  try {
    const [list, page, since] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if ((list === 'c' || list === 'p') && Number.isInteger(page) && (page as number) >= 1 && typeof since === 'string')
      return { list: list === 'c' ? 'companies' : 'contacts', page: page as number, since };
  } catch {
    // falls through
  }
  throw new ValidationError({ message: 'Invalid customer cursor.' });
}

/** Teamleader's documented timestamp form: seconds and an explicit offset. */
function teamleaderTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}+00:00`;
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function sameAmount(a: string, b: string): boolean {
  try {
    return Money.of(String(a)).equals(Money.of(b));
  } catch {
    return false;
  }
}

async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof TeamleaderNotFoundError) return null;
    throw error;
  }
}

/**
 * `fn` over the items, at most `limit` at once, results in order. On a failure no new item starts,
 * and the first error is thrown only once every call in flight has ended: nothing of a page is
 * still talking to Teamleader after the run that asked for it has ended (the outage test counted
 * the retries of calls still in flight, and flaked when one came after the run was stored).
 */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
