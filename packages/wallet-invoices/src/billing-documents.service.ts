import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, type Database, type Queryable } from '@tollgate/db';
import { FILE_STORE, type FileStore } from '@tollgate/files';
import { NotificationService } from '@tollgate/notifications';
import { inject, injectable } from 'tsyringe';
import { documentHtml } from './document-html.js';
import { ublOf } from './document-ubl.js';
import { BillingDocumentNotFoundError, DocumentNotReadyError, InvalidVatNumberError, VatCountryMismatchError } from './wallet-invoices.errors.js';
import {
  BILLING_PDF_RENDERER,
  WALLET_INVOICE_OPTIONS,
  type BillingDocument,
  type BillingPdfRenderer,
  type BillingProfile,
  type DocumentType,
  type WalletInvoiceOptions,
} from './wallet-invoices.types.js';
import { validateVatNumber, vatNumberCountry } from './vat-number.js';

type Row = Record<string, unknown>;

const COLUMNS = `id, account_id, doc_type, number, issued_at, issued_on::text as issued_on, currency, net::text as net, vat::text as vat, gross::text as gross,
  seller, buyer, lines, locale, transaction_id, lot_id, purchase_id, credited, pdf_key, ubl_key, rendered_at, mailed_at, render_attempts`;

function documentOf(r: Row): BillingDocument {
  const lines = r.lines as BillingDocument['lines'];
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    type: r.doc_type as DocumentType,
    number: r.number as string,
    issuedAt: r.issued_at as Date,
    issuedOn: r.issued_on as string,
    currency: r.currency as string,
    net: r.net as string,
    vat: r.vat as string,
    gross: r.gross as string,
    seller: r.seller as BillingDocument['seller'],
    buyer: r.buyer as BillingDocument['buyer'],
    lines,
    locale: r.locale as BillingDocument['locale'],
    transactionId: r.transaction_id as string,
    lotId: (r.lot_id as string | null) ?? null,
    purchaseId: (r.purchase_id as string | null) ?? null,
    credited: r.credited as BillingDocument['credited'],
    vatCategory: lines[0]!.category,
    vatRate: lines[0]!.rate,
    ready: r.rendered_at !== null,
    mailedAt: (r.mailed_at as Date | null) ?? null,
  };
}

export interface DocumentFile {
  body: Buffer;
  contentType: string;
  filename: string;
}

/** A page of documents, newest first; pass `nextCursor` as `cursor` for the next page. */
export interface DocumentPage {
  data: BillingDocument[];
  nextCursor: string | null;
}

const encodeCursor = (d: { issuedAt: Date; id: string }) => Buffer.from(`${d.issuedAt.toISOString()}|${d.id}`).toString('base64url');
const decodeCursor = (cursor: string): { at: Date; id: string } | null => {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  return id && !Number.isNaN(date.getTime()) ? { at: date, id } : null;
};

/**
 * Billing profiles, the documents' reads, and the after-commit work: render the PDF and the UBL,
 * store both, and mail them once (the notifications outbox keys each mail by document).
 */
@injectable()
export class BillingDocumentService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(FILE_STORE) private readonly files: FileStore,
    @inject(NotificationService) private readonly notifications: NotificationService,
    @inject(BILLING_PDF_RENDERER) private readonly pdf: BillingPdfRenderer,
    @inject(WALLET_INVOICE_OPTIONS) private readonly options: WalletInvoiceOptions,
  ) {}

  // ---- billing profiles ------------------------------------------------------------------------

  async profile(input: { accountId: string }): Promise<BillingProfile | null> {
    const { rows } = await this.db.query<Row>('select * from billing_profiles where account_id = $1', [input.accountId]);
    return rows[0] ? profileOf(rows[0]) : null;
  }

  /** Sets the buyer data of the account's next documents (documents already issued keep theirs). */
  async setProfile(input: {
    accountId: string;
    legalName: string;
    addressLines: string[];
    postcode: string;
    city: string;
    country: string;
    vatNumber: string | null;
    email: string | null;
  }): Promise<BillingProfile> {
    const country = input.country.toUpperCase();
    let vatNumber: string | null = null;
    if (input.vatNumber) {
      const check = validateVatNumber({ value: input.vatNumber });
      if (!check.valid) throw new InvalidVatNumberError({ vatNumber: input.vatNumber, reason: check.reason });
      if (vatNumberCountry(check.normalised) !== country) throw new VatCountryMismatchError({ vatNumber: check.normalised, country });
      vatNumber = check.normalised;
    }
    const { rows } = await this.db.query<Row>(
      `insert into billing_profiles (account_id, legal_name, address_lines, postcode, city, country, vat_number, email, updated_at)
       values ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9)
       on conflict (account_id) do update set legal_name = excluded.legal_name, address_lines = excluded.address_lines, postcode = excluded.postcode,
         city = excluded.city, country = excluded.country, vat_number = excluded.vat_number, email = excluded.email, updated_at = excluded.updated_at
       returning *`,
      [input.accountId, input.legalName, JSON.stringify(input.addressLines), input.postcode, input.city, country, vatNumber, input.email, this.clock.now()],
    );
    return profileOf(rows[0]!);
  }

  // ---- documents -------------------------------------------------------------------------------

  /** An account's documents (or, for operators, every account's), newest first. */
  async list(input: { accountId: string | null; type?: DocumentType; from?: Date; to?: Date; cursor?: string; limit?: number }): Promise<DocumentPage> {
    const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
    const after = input.cursor ? decodeCursor(input.cursor) : null;
    const { rows } = await this.db.query<Row>(
      `select ${COLUMNS} from billing_documents
        where ($1::text is null or account_id = $1) and ($2::text is null or doc_type = $2)
          and ($3::timestamptz is null or issued_at >= $3) and ($4::timestamptz is null or issued_at < $4)
          and ($5::timestamptz is null or (issued_at, id) < ($5, $6))
        order by issued_at desc, id desc limit $7`,
      [input.accountId, input.type ?? null, input.from ?? null, input.to ?? null, after?.at ?? null, after?.id ?? '', limit + 1],
    );
    const data = rows.slice(0, limit).map(documentOf);
    return { data, nextCursor: rows.length > limit ? encodeCursor(data[data.length - 1]!) : null };
  }

  async get(input: { accountId: string | null; id: string }): Promise<BillingDocument> {
    const row = await this.#row(this.db, input);
    if (!row) throw new BillingDocumentNotFoundError(input.id);
    return documentOf(row);
  }

  /** The invoice of a purchase, if one was issued. */
  async invoiceOfPurchase(input: { purchaseId: string }): Promise<BillingDocument | null> {
    const { rows } = await this.db.query<Row>(`select ${COLUMNS} from billing_documents where purchase_id = $1 and doc_type = 'invoice'`, [input.purchaseId]);
    return rows[0] ? documentOf(rows[0]) : null;
  }

  /** The stored PDF or UBL; `document_not_ready` (409) until the job has rendered them. */
  async file(input: { accountId: string | null; id: string; kind: 'pdf' | 'ubl' }): Promise<DocumentFile> {
    const row = await this.#row(this.db, input);
    if (!row) throw new BillingDocumentNotFoundError(input.id);
    const key = (input.kind === 'pdf' ? row.pdf_key : row.ubl_key) as string | null;
    const stored = key ? await this.files.read({ key }) : null;
    if (!stored) throw new DocumentNotReadyError(input.id);
    return { body: stored.body, contentType: stored.file.contentType, filename: fileName(documentOf(row), input.kind) };
  }

  // ---- after commit: render, store, mail ------------------------------------------------------

  /**
   * Renders and stores a document's PDF and UBL (once), then queues its mail (once: the outbox keys it
   * by document and recipient). Safe to run twice or on two hosts: files are written under fixed keys
   * and each step is recorded with a compare-and-set.
   */
  async process(input: { documentId: string }): Promise<'rendered' | 'mailed' | 'done' | 'missing'> {
    const row = await this.#row(this.db, { accountId: null, id: input.documentId });
    if (!row) return 'missing';
    const doc = documentOf(row);
    let outcome: 'rendered' | 'mailed' | 'done' = 'done';
    let files: { pdf: Buffer; ubl: Buffer } | null = null;
    if (row.rendered_at === null) {
      try {
        files = await this.#render(doc);
      } catch (error) {
        await this.db.query('update billing_documents set render_attempts = render_attempts + 1, last_error = $2 where id = $1', [
          doc.id,
          String((error as Error).message ?? error).slice(0, 500),
        ]);
        throw error;
      }
      outcome = 'rendered';
    }
    if (row.mailed_at === null) {
      files ??= await this.#stored(row);
      await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<Row>('update billing_documents set mailed_at = $2 where id = $1 and mailed_at is null returning id', [
          doc.id,
          this.clock.now(),
        ]);
        if (!rows[0]) return;
        const { rows: account } = await tx.query<{ name: string }>('select name from accounts where id = $1', [doc.accountId]);
        const recipients = doc.buyer.email ? [doc.buyer.email] : [];
        await this.notifications.enqueue({
          tx,
          accountId: doc.accountId,
          eventKey: `billing_document:${doc.id}`,
          template: 'billing_document',
          locale: doc.locale,
          recipients,
          data: { accountName: account[0]?.name ?? doc.buyer.name, documentNumber: doc.number, creditNote: doc.type === 'credit_note', amount: doc.gross },
          attachments: [
            { filename: fileName(doc, 'pdf'), contentType: 'application/pdf', content: files!.pdf },
            { filename: fileName(doc, 'ubl'), contentType: 'application/xml', content: files!.ubl },
          ],
        });
      });
      if (outcome === 'done') outcome = 'mailed';
    }
    return outcome;
  }

  /** Documents whose job was lost (a host died, no queue in the CLI): oldest first, those not given up on. */
  async processDue(input: { limit?: number } = {}): Promise<{ processed: number; failed: number }> {
    const { rows } = await this.db.query<{ id: string }>(
      `select id from billing_documents where (rendered_at is null or mailed_at is null) and render_attempts < $1 order by issued_at, id limit $2`,
      [this.options.maxRenderAttempts ?? 5, input.limit ?? 50],
    );
    let processed = 0;
    let failed = 0;
    for (const { id } of rows) {
      try {
        await this.process({ documentId: id });
        processed += 1;
      } catch {
        failed += 1;
      }
    }
    return { processed, failed };
  }

  async #render(doc: BillingDocument): Promise<{ pdf: Buffer; ubl: Buffer }> {
    const ubl = Buffer.from(ublOf(doc, this.options.seller), 'utf8');
    const pdf = Buffer.from(await this.pdf.render({ html: documentHtml(doc) }));
    const base = `wallet-invoices/${doc.accountId}/${doc.id}`;
    await this.files.put({ key: `${base}.pdf`, body: pdf, contentType: 'application/pdf' });
    await this.files.put({ key: `${base}.xml`, body: ubl, contentType: 'application/xml' });
    await this.db.query('update billing_documents set pdf_key = $2, ubl_key = $3, rendered_at = $4, last_error = null where id = $1 and rendered_at is null', [
      doc.id,
      `${base}.pdf`,
      `${base}.xml`,
      this.clock.now(),
    ]);
    return { pdf, ubl };
  }

  async #stored(row: Row): Promise<{ pdf: Buffer; ubl: Buffer }> {
    const [pdf, ubl] = await Promise.all([this.files.read({ key: row.pdf_key as string }), this.files.read({ key: row.ubl_key as string })]);
    if (!pdf || !ubl) return this.#render(documentOf(row));
    return { pdf: pdf.body, ubl: ubl.body };
  }

  async #row(q: Queryable, input: { accountId: string | null; id: string }): Promise<Row | undefined> {
    const { rows } = await q.query<Row>(`select ${COLUMNS} from billing_documents where id = $1 and ($2::text is null or account_id = $2)`, [
      input.id,
      input.accountId,
    ]);
    return rows[0];
  }
}

function profileOf(r: Row): BillingProfile {
  return {
    accountId: r.account_id as string,
    legalName: r.legal_name as string,
    addressLines: r.address_lines as string[],
    postcode: r.postcode as string,
    city: r.city as string,
    country: r.country as string,
    vatNumber: (r.vat_number as string | null) ?? null,
    email: (r.email as string | null) ?? null,
    updatedAt: r.updated_at as Date,
  };
}

/** invoice-TG2026-000001.pdf, credit-note-TGCN2026-000001.xml. */
export const fileName = (doc: Pick<BillingDocument, 'type' | 'number'>, kind: 'pdf' | 'ubl'): string =>
  `${doc.type === 'invoice' ? 'invoice' : 'credit-note'}-${doc.number.replace(/[^A-Za-z0-9-]/g, '-')}.${kind === 'pdf' ? 'pdf' : 'xml'}`;
