import { DATABASE, type Database } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import { inject, injectable } from 'tsyringe';
import { InvoiceNotFoundError } from './invoice-sync.errors.js';
import type { Invoice, InvoiceEvent, InvoiceStatus } from './invoice-sync.types.js';
import type { SourceDocumentKind } from './invoice-source.js';
import { clampLimit, eventView, invoiceView, type Row } from './invoice-sync.views.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Read side for the API: imported invoices and credit notes with their event log. */
@injectable()
export class InvoiceQueries {
  constructor(@inject(DATABASE) private readonly db: Database) {}

  /** Newest issue date first; `before` is the last id of the previous page. from/to bound the issue date (YYYY-MM-DD, inclusive). */
  async listInvoices(input: {
    accountId: string;
    status?: InvoiceStatus;
    kind?: SourceDocumentKind;
    customerId?: string;
    number?: string;
    /** S-6 "PDF available: no" is `false` (missing or given up). */
    pdfAvailable?: boolean;
    from?: string;
    to?: string;
    limit?: number;
    before?: string;
  }): Promise<{ data: Invoice[]; nextCursor: string | null }> {
    if (input.status && !['booked', 'pending', 'paid', 'expired'].includes(input.status))
      throw new ValidationError({ code: 'invalid_status', message: 'status is booked, pending, paid or expired.' });
    if (input.kind && !['invoice', 'credit_note'].includes(input.kind))
      throw new ValidationError({ code: 'invalid_kind', message: 'kind is invoice or credit_note.' });
    for (const key of ['from', 'to'] as const) {
      if (input[key] !== undefined && !DAY.test(input[key]))
        throw new ValidationError({ code: 'invalid_date', message: `${key} must be a date like 2026-03-31.` });
    }
    const limit = clampLimit(input.limit);
    const { rows } = await this.db.query<Row>(
      `select * from sync_invoices
        where account_id = $1 and ($2::text is null or status = $2) and ($3::text is null or kind = $3) and ($4::text is null or customer_id = $4)
          and ($5::text is null or number ilike '%' || $5 || '%') and ($6::date is null or issued_on >= $6) and ($7::date is null or issued_on <= $7)
          and ($8::text is null or (issued_on, id) < (select issued_on, id from sync_invoices where id = $8))
          and ($10::boolean is null or (pdf_status = 'available') = $10)
        order by issued_on desc, id desc limit $9`,
      [
        input.accountId,
        input.status ?? null,
        input.kind ?? null,
        input.customerId ?? null,
        input.number?.trim() || null,
        input.from ?? null,
        input.to ?? null,
        input.before ?? null,
        limit + 1,
        input.pdfAvailable ?? null,
      ],
    );
    const data = rows.slice(0, limit).map(invoiceView);
    return { data, nextCursor: rows.length > limit ? data.at(-1)!.id : null };
  }

  async getInvoice(input: { accountId: string; id: string }): Promise<Invoice & { events: InvoiceEvent[] }> {
    const { rows } = await this.db.query<Row>('select * from sync_invoices where id = $1 and account_id = $2', [input.id, input.accountId]);
    if (!rows[0]) throw new InvoiceNotFoundError(input.id);
    const events = await this.db.query<Row>('select * from sync_invoice_events where invoice_id = $1 order by id', [input.id]);
    return { ...invoiceView(rows[0]), events: events.rows.map(eventView) };
  }
}
