import type { TeamleaderClient } from './teamleader.client.js';
import { jsonDecimal } from './teamleader-json.js';
import type {
  Company,
  Contact,
  CreditNote,
  CreditNoteFilter,
  CustomFieldContext,
  CustomFieldDefinition,
  Department,
  DepartmentInfo,
  DownloadLocation,
  Invoice,
  InvoiceFilter,
  InvoiceListItem,
  InvoiceSort,
  Subscription,
  SubscriptionFilter,
  TaxRate,
  TeamleaderUser,
  Webhook,
} from './teamleader.types.js';

type Data<T> = { data: T };

/** The largest page Teamleader serves: the most ids one `.list` + `filter.ids` call can answer in full. */
export const BY_IDS_MAX = 100;

/**
 * The typed calls invoice sync needs, for one connection (`client.connection({ connectionId })`).
 * Large lists (invoices, credit notes, subscriptions) are async iterators over every page; small
 * ones (custom field definitions, departments, webhooks) resolve to arrays.
 */
export class TeamleaderApi {
  readonly #client: TeamleaderClient;
  readonly connectionId: string;

  constructor({ client, connectionId }: { client: TeamleaderClient; connectionId: string }) {
    this.#client = client;
    this.connectionId = connectionId;
  }

  /** `data.account.id` is the Teamleader account: the tenant key webhooks carry too. */
  async usersMe(): Promise<TeamleaderUser> {
    return (await this.#call<Data<TeamleaderUser>>('users.me', {})).data;
  }

  listInvoices({ filter, sort, pageSize }: { filter?: InvoiceFilter; sort?: InvoiceSort; pageSize?: number } = {}): AsyncGenerator<
    InvoiceListItem,
    void,
    undefined
  > {
    return this.#paginate<InvoiceListItem>('invoices.list', { ...(filter && { filter }), ...(sort && { sort }) }, pageSize);
  }

  async invoiceInfo({ id, includes }: { id: string; includes?: string }): Promise<Invoice> {
    return (await this.#call<Data<Invoice>>('invoices.info', { id, ...(includes && { includes }) })).data;
  }

  /** A temporary location; a 400/404 right after booking usually means the PDF is not rendered yet. */
  async downloadInvoice({ id, format = 'pdf' }: { id: string; format?: 'pdf' | 'ubl/e-fff' | 'ubl/peppol_bis_3' }): Promise<DownloadLocation> {
    return (await this.#call<Data<DownloadLocation>>('invoices.download', { id, format })).data;
  }

  listCreditNotes({ filter, pageSize }: { filter?: CreditNoteFilter; pageSize?: number } = {}): AsyncGenerator<CreditNote, void, undefined> {
    return this.#paginate<CreditNote>('creditNotes.list', { ...(filter && { filter }) }, pageSize);
  }

  /** The blueprint documents `data` as a one-element array here; both shapes are accepted. */
  async creditNoteInfo({ id }: { id: string }): Promise<CreditNote> {
    const { data } = await this.#call<Data<CreditNote | CreditNote[]>>('creditNotes.info', { id });
    const note = Array.isArray(data) ? data[0] : data;
    if (!note) throw new TypeError(`creditNotes.info ${id} returned no credit note`);
    return note;
  }

  async downloadCreditNote({ id, format = 'pdf' }: { id: string; format?: 'pdf' | 'ubl/e-fff' }): Promise<DownloadLocation> {
    return (await this.#call<Data<DownloadLocation>>('creditNotes.download', { id, format })).data;
  }

  listSubscriptions({ filter, pageSize }: { filter?: SubscriptionFilter; pageSize?: number } = {}): AsyncGenerator<Subscription, void, undefined> {
    return this.#paginate<Subscription>('subscriptions.list', { ...(filter && { filter }) }, pageSize);
  }

  async subscriptionInfo({ id }: { id: string }): Promise<Subscription> {
    return (await this.#call<Data<Subscription>>('subscriptions.info', { id })).data;
  }

  async contactInfo({ id }: { id: string }): Promise<Contact> {
    return (await this.#call<Data<Contact>>('contacts.info', { id })).data;
  }

  async companyInfo({ id, includes }: { id: string; includes?: string }): Promise<Company> {
    return (await this.#call<Data<Company>>('companies.info', { id, ...(includes && { includes }) })).data;
  }

  /**
   * Companies by id, `ids.length` ≤ 100 per call (Teamleader's advice: `.list` + `filter.ids` over one
   * `.info` per company). Custom fields included; ids Teamleader does not know are simply absent.
   */
  async companies({ ids }: { ids: string[] }): Promise<Company[]> {
    return this.#byIds<Company>('companies.list', ids);
  }

  /** Contacts by id, like `companies`. */
  async contacts({ ids }: { ids: string[] }): Promise<Contact[]> {
    return this.#byIds<Contact>('contacts.list', ids);
  }

  /** One custom field definition (any context), with a select field's options. */
  async customFieldDefinitionInfo({ id }: { id: string }): Promise<CustomFieldDefinition> {
    return (await this.#call<Data<CustomFieldDefinition>>('customFieldDefinitions.info', { id })).data;
  }

  /** Always pages through (a known SDK bug stopped at 20). */
  async customFieldDefinitions({ context, ids }: { context?: CustomFieldContext; ids?: string[] } = {}): Promise<CustomFieldDefinition[]> {
    const filter = { ...(context && { context }), ...(ids && { ids }) };
    return collect(this.#paginate<CustomFieldDefinition>('customFieldDefinitions.list', Object.keys(filter).length > 0 ? { filter } : {}));
  }

  /** Not paged by Teamleader. */
  async departments({ ids, status }: { ids?: string[]; status?: Array<'active' | 'archived'> } = {}): Promise<Department[]> {
    const filter = { ...(ids && { ids }), ...(status && { status }) };
    return (await this.#call<Data<Department[]>>('departments.list', Object.keys(filter).length > 0 ? { filter } : {})).data;
  }

  /** One department with its address, IBAN and BIC (the seller on its invoices). */
  async departmentInfo({ id }: { id: string }): Promise<DepartmentInfo> {
    return (await this.#call<Data<DepartmentInfo>>('departments.info', { id })).data;
  }

  /** Every tax rate (all pages), optionally of one department. */
  async taxRates({ departmentId }: { departmentId?: string } = {}): Promise<TaxRate[]> {
    return collect(this.#paginate<TaxRate>('taxRates.list', departmentId ? { filter: { department_id: departmentId } } : {}));
  }

  async registerWebhook({ url, types }: { url: string; types: string[] }): Promise<void> {
    await this.#call('webhooks.register', { url, types });
  }

  async listWebhooks(): Promise<Webhook[]> {
    return (await this.#call<Data<Webhook[]>>('webhooks.list', {})).data;
  }

  async unregisterWebhook({ url, types }: { url: string; types: string[] }): Promise<void> {
    await this.#call('webhooks.unregister', { url, types });
  }

  /**
   * Not idempotent: a 5xx or timeout is not retried and surfaces as TeamleaderUnavailableError
   * with `outcomeUnknown` — check `invoiceInfo().payments` before trying again.
   * `amount` is a decimal string; it is sent as the exact JSON number.
   */
  async registerPayment({
    id,
    amount,
    currency,
    paidAt,
    paymentMethodId,
  }: {
    id: string;
    amount: string;
    currency: string;
    paidAt: string;
    paymentMethodId?: string;
  }): Promise<void> {
    await this.#call('invoices.registerPayment', {
      id,
      payment: { amount: jsonDecimal(amount), currency },
      paid_at: paidAt,
      ...(paymentMethodId && { payment_method_id: paymentMethodId }),
    });
  }

  /** Removes ALL payments of the invoice (there is no single-payment removal). */
  async removePayments({ id }: { id: string }): Promise<void> {
    await this.#call('invoices.removePayments', { id });
  }

  async #byIds<T>(action: string, ids: string[]): Promise<T[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    if (unique.length > BY_IDS_MAX) throw new RangeError(`${action}: at most ${BY_IDS_MAX} ids per call, got ${unique.length}`);
    // Teamleader may serve fewer than asked (its page cap is undocumented): the next page until every
    // id is answered or a page comes back empty (ids it does not know are simply absent).
    const found = new Map<string, T>();
    for (let number = 1; found.size < unique.length; number++) {
      const body = { filter: { ids: unique }, page: { size: BY_IDS_MAX, number }, includes: 'custom_fields' };
      const { data } = await this.#call<Data<Array<T & { id: string }>>>(action, body);
      if (data.length === 0) break;
      for (const item of data) found.set(item.id, item);
    }
    return [...found.values()];
  }

  #call<T>(action: string, body: unknown): Promise<T> {
    return this.#client.call<T>({ connectionId: this.connectionId, action, body });
  }

  #paginate<T>(action: string, body: Record<string, unknown>, pageSize?: number): AsyncGenerator<T, void, undefined> {
    return this.#client.paginate<T>({ connectionId: this.connectionId, action, body, ...(pageSize !== undefined && { pageSize }) });
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
