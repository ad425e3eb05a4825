import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, pgArray, type Database, type Queryable } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import type { AccountingDetails, AccountingDocument, AccountingPayment } from '@tollgate/plugin-sdk';
import { inject, injectable } from 'tsyringe';
import type { AccountingDocumentFilter, AccountingDocumentReader, MissingAccountingDetails } from './accounting-documents.js';
import type { SourceConnection, SourceDocumentKind } from './invoice-source.js';
import { INVOICE_SOURCES, type InvoiceSourceDirectory } from './invoice-sync.types.js';
import type { Row } from './invoice-sync.views.js';
import { formatStructuredCommunication } from './structured-communication.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
const DEFAULT_BACKFILL = 200;
const MAX_BACKFILL = 1000;
const KINDS: readonly SourceDocumentKind[] = ['invoice', 'credit_note'];
const STATUSES = ['booked', 'pending', 'paid', 'expired'] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Stores a document's accounting details as the source gave them (on import, on every update, on
 * backfill). A newer read replaces an older one; an older one (a replayed webhook) changes nothing.
 */
export async function storeAccountingDetails(
  q: Queryable,
  input: { invoiceId: string; details: AccountingDetails; sourceUpdatedAt: string | Date; readAt: Date },
): Promise<void> {
  // One round trip (the importer writes this for every document): store, and forget a backfill miss.
  await q.query(
    `with stored as (
       insert into invoice_accounting (invoice_id, details, read_at, source_updated_at) values ($1, $2, $3, $4)
       on conflict (invoice_id) do update set details = excluded.details, read_at = excluded.read_at, source_updated_at = excluded.source_updated_at
         where invoice_accounting.source_updated_at <= excluded.source_updated_at
       returning invoice_id)
     delete from invoice_accounting_misses where invoice_id in (select invoice_id from stored)`,
    [input.invoiceId, JSON.stringify(input.details), input.readAt, new Date(input.sourceUpdatedAt)],
  );
}

/**
 * P-6: imported invoices and credit notes as accounting exporters take them (AccountingDocumentReader).
 * `list` joins the stored collection fields with the accounting details read from the source and
 * names the selected documents that have none (`missing`); `backfill` reads those details for
 * documents imported before the source gave them, a bounded number per call.
 */
@injectable()
export class AccountingDocumentsService implements AccountingDocumentReader {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(INVOICE_SOURCES) private readonly sources: InvoiceSourceDirectory,
  ) {}

  async list(filter: AccountingDocumentFilter): Promise<{ documents: AccountingDocument[]; missing: MissingAccountingDetails[]; nextCursor: string | null }> {
    const limit = filter.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw new ValidationError({ message: `limit must be a whole number from 1 to ${MAX_LIMIT}.` });
    for (const [name, value] of [
      ['issuedFrom', filter.issuedFrom],
      ['issuedTo', filter.issuedTo],
    ] as const) {
      if (value !== undefined && !DATE.test(value)) throw new ValidationError({ message: `${name} must be a date YYYY-MM-DD.` });
    }
    if (filter.kinds?.some((k) => !KINDS.includes(k))) throw new ValidationError({ message: 'kinds must be invoice and/or credit_note.' });
    if (filter.statuses?.some((s) => !(STATUSES as readonly string[]).includes(s)))
      throw new ValidationError({ message: `statuses must be among ${STATUSES.join(', ')}.` });
    const after = filter.cursor ? decodeCursor(filter.cursor) : null;

    const params: unknown[] = [filter.accountId];
    const where = ['i.account_id = $1'];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (filter.ids) add((n) => `i.id = any($${n}::text[])`, pgArray([...new Set(filter.ids)]));
    if (filter.issuedFrom) add((n) => `i.issued_on >= $${n}::date`, filter.issuedFrom);
    if (filter.issuedTo) add((n) => `i.issued_on <= $${n}::date`, filter.issuedTo);
    if (filter.kinds) add((n) => `i.kind = any($${n}::text[])`, pgArray([...filter.kinds]));
    if (filter.statuses) add((n) => `i.status = any($${n}::text[])`, pgArray([...filter.statuses]));
    if (after) {
      params.push(after.issuedOn, after.id);
      where.push(`(i.issued_on, i.id) > ($${params.length - 1}::date, $${params.length})`);
    }
    params.push(limit + 1);
    const { rows } = await this.db.query<Row>(
      `select i.id, i.kind, i.number, i.issued_on, i.due_on, i.currency, i.source_id, c.source_id as connection_source, a.details,
              i.structured_reference, md.reference as mandate_reference, md.iban as mandate_iban, cr.iban as creditor_iban
         from sync_invoices i
         join sync_connections c on c.id = i.connection_id
         left join invoice_accounting a on a.invoice_id = i.id
         -- S-9: the mandate this invoice was collected with (a collection not returned), else the customer's active one.
         left join lateral (
           select m.reference, m.iban
             from sync_mandates m
             left join sync_direct_debit_items d on d.mandate_id = m.id and d.invoice_id = i.id and d.status <> 'returned'
            where m.customer_id = i.customer_id and (m.status = 'active' or d.invoice_id is not null)
            order by (d.invoice_id is not null) desc, m.updated_at desc, m.id
            limit 1) md on true
         left join sync_direct_debit_creditors cr on cr.account_id = i.account_id
        where ${where.join(' and ')}
        order by i.issued_on, i.id
        limit $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const documents: AccountingDocument[] = [];
    const missing: MissingAccountingDetails[] = [];
    for (const row of page) {
      const details = parseDetails(row.details);
      if (!details) {
        missing.push({ invoiceId: row.id as string, number: row.number as string, reason: 'no_accounting_details' });
        continue;
      }
      documents.push({
        ...details,
        payment: paymentOf({ details, row }),
        id: row.id as string,
        kind: row.kind as SourceDocumentKind,
        number: row.number as string,
        issuedOn: row.issued_on as string,
        // Teamleader credit notes have no due date (the import stores their date there, for collection).
        dueOn: row.kind === 'credit_note' ? null : ((row.due_on as string | null) ?? null),
        currency: row.currency as string,
        source: { id: row.connection_source as string, documentId: row.source_id as string },
      });
    }
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor({ issuedOn: last.issued_on as string, id: last.id as string }) : null;
    return { documents, missing, nextCursor };
  }

  /**
   * Reads the details of the account's imported documents that lack them, with the source's
   * `getDocument`: never-tried documents first (oldest issue date first), then those whose last try
   * is oldest. One document's failure (source error, gone at the source, a source that gives no
   * details) is recorded and counted, and the others go on. Running it again only reads what is
   * still missing. With `backoff` (the periodic sweep) a document that failed is left alone for
   * 2^(attempts−1) hours, at most a day, so documents a source can never give do not use up its
   * rate limit on every sweep; an explicit call tries them at once.
   */
  async backfill(input: { accountId: string; limit?: number; backoff?: boolean }): Promise<{ filled: number; failed: number; remaining: number }> {
    const limit = input.limit ?? DEFAULT_BACKFILL;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BACKFILL)
      throw new ValidationError({ message: `limit must be a whole number from 1 to ${MAX_BACKFILL}.` });
    const { rows } = await this.db.query<Row>(
      `select i.id, i.kind, i.source_id, i.connection_id, c.source_id as connection_source, c.source_account_id, c.account_id, c.profile_field_id, c.status as connection_status
         from sync_invoices i
         join sync_connections c on c.id = i.connection_id
         left join invoice_accounting a on a.invoice_id = i.id
         left join invoice_accounting_misses m on m.invoice_id = i.id
        where i.account_id = $1 and a.invoice_id is null and c.status = 'connected'
          and ($3::boolean is not true or m.invoice_id is null
               or m.last_attempt_at <= $4::timestamptz - interval '1 hour' * least(power(2, m.attempts - 1), 24))
        order by m.last_attempt_at nulls first, i.issued_on, i.id
        limit $2`,
      [input.accountId, limit, input.backoff === true, this.clock.now()],
    );
    let filled = 0;
    let failed = 0;
    for (const row of rows) {
      const outcome = await this.#fillOne(row);
      if (outcome === 'filled') filled++;
      else failed++;
    }
    return { filled, failed, remaining: await this.#remaining(input.accountId) };
  }

  async #fillOne(row: Row): Promise<'filled' | 'failed'> {
    const invoiceId = row.id as string;
    const source = this.sources.get(row.connection_source as string);
    const connection: SourceConnection = {
      id: row.connection_id as string,
      accountId: row.account_id as string,
      sourceAccountId: row.source_account_id as string,
      profileFieldId: (row.profile_field_id as string | null) ?? null,
    };
    let error: string;
    try {
      if (!source) throw new Error(`the source ${String(row.connection_source)} is not loaded`);
      const doc = await source.getDocument({ connection, kind: row.kind as SourceDocumentKind, sourceId: row.source_id as string });
      if (!doc) error = 'not_found_at_source';
      else if (!doc.accounting) error = 'source_gives_no_accounting_details';
      else {
        await storeAccountingDetails(this.db, { invoiceId, details: doc.accounting, sourceUpdatedAt: doc.updatedAt, readAt: this.clock.now() });
        return 'filled';
      }
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
    }
    await this.db.query(
      `insert into invoice_accounting_misses (invoice_id, attempts, last_error, last_attempt_at) values ($1, 1, $2, $3)
       on conflict (invoice_id) do update set attempts = invoice_accounting_misses.attempts + 1, last_error = excluded.last_error, last_attempt_at = excluded.last_attempt_at`,
      [invoiceId, error.slice(0, 500), this.clock.now()],
    );
    return 'failed';
  }

  async #remaining(accountId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: string | number }>(
      `select count(*) as n from sync_invoices i join sync_connections c on c.id = i.connection_id
         left join invoice_accounting a on a.invoice_id = i.id
        where i.account_id = $1 and a.invoice_id is null and c.status = 'connected'`,
      [accountId],
    );
    return Number(rows[0]?.n ?? 0);
  }
}

/**
 * Direct debit (49, 59) needs the mandate reference (BT-89, PEPPOL-EN16931-R061) and the debited
 * account (BT-91), which the source does not know: they come from the customer's S-9 mandate. With no
 * usable mandate the document is written as a SEPA credit transfer (58) to the seller's account with
 * the structured communication, which is how the customer can still pay it.
 */
function paymentOf(input: { details: AccountingDetails; row: Row }): AccountingPayment {
  const { payment } = input.details;
  const { row } = input;
  if (payment.meansCode !== '49' && payment.meansCode !== '59') return payment;
  const reference = (row.mandate_reference as string | null) ?? null;
  const iban = (row.mandate_iban as string | null) ?? null;
  if (reference && iban) return { ...payment, mandateReference: reference, debitedAccount: iban };
  const ours = row.structured_reference ? formatStructuredCommunication(row.structured_reference as string) : null;
  return {
    ...payment,
    meansCode: '58',
    reference: payment.reference ?? ours,
    iban: payment.iban ?? ((row.creditor_iban as string | null) || null),
    mandateReference: null,
    debitedAccount: null,
  };
}

function parseDetails(value: unknown): AccountingDetails | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as AccountingDetails;
}

function encodeCursor(at: { issuedOn: string; id: string }): string {
  return Buffer.from(JSON.stringify([at.issuedOn, at.id])).toString('base64url');
}

function decodeCursor(text: string): { issuedOn: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && DATE.test(value[0]) && typeof value[1] === 'string')
      return { issuedOn: value[0], id: value[1] };
  } catch {
    // falls through
  }
  throw new ValidationError({ code: 'invalid_cursor', message: 'Not a cursor of this list.' });
}
