import { createHash } from 'node:crypto';
import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, type Database, type Queryable } from '@tollgate/db';
import { inject, injectable } from 'tsyringe';
import { MandateUploadNotFoundError } from './invoice-sync.errors.js';
import { mandateReportCsv, readMandateCsv, type MandateSequence } from './mandate-csv.js';
import { clampLimit, newId, type Row } from './invoice-sync.views.js';

export type MandateRowOutcome = 'linked' | 'unchanged' | 'failed';

export interface MandateUploadRow {
  line: number;
  customerNumber: string;
  reference: string;
  outcome: MandateRowOutcome;
  /** Codes: unknown_customer, invalid_iban, duplicate_reference_in_file, … (empty unless failed). */
  reasons: string[];
  customerId: string | null;
  mandateId: string | null;
}

export interface MandateUpload {
  id: string;
  fileName: string | null;
  counts: { total: number; linked: number; unchanged: number; failed: number };
  createdAt: Date;
  rows: MandateUploadRow[];
}

export interface Mandate {
  id: string;
  customerId: string;
  customerNumber: string;
  customerName: string;
  reference: string;
  iban: string;
  bic: string | null;
  signatureDate: string;
  sequence: MandateSequence;
  status: 'active' | 'revoked';
  uploadId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * S-9: signed SEPA mandates uploaded as CSV (customerNumber = the source's customer id) and linked
 * to the account's customers. Each row is checked on its own; the good ones are stored, the others
 * listed with their reasons in the upload's report. The same file uploaded again is the same upload.
 */
@injectable()
export class MandateService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async upload(input: { accountId: string; text: string; fileName?: string | null }): Promise<MandateUpload & { replayed: boolean }> {
    const now = this.clock.now();
    const rows = readMandateCsv({ text: input.text, today: now.toISOString().slice(0, 10) });
    const hash = createHash('sha256')
      .update(
        input.text
          .replace(/^\uFEFF/, '')
          .replace(/\r\n/g, '\n')
          .trim(),
      )
      .digest('hex');
    const existing = await this.#byHash(this.db, input.accountId, hash);
    if (existing) return { ...existing, replayed: true };

    return this.db.transaction(async (tx) => {
      const id = newId('mup');
      // Claimed first: a second host uploading the same file waits here, then answers this upload.
      const claimed = await tx.query(
        `insert into sync_mandate_uploads (id, account_id, content_hash, file_name, total_rows, linked_rows, unchanged_rows, failed_rows, rows, created_at)
         values ($1, $2, $3, $4, $5, 0, 0, 0, '[]', $6) on conflict (account_id, content_hash) do nothing returning id`,
        [id, input.accountId, hash, input.fileName ?? null, rows.length, now],
      );
      if (claimed.rows.length === 0) {
        const raced = await this.#byHash(tx, input.accountId, hash);
        if (!raced) throw new Error('mandate upload conflicted but was not found');
        return { ...raced, replayed: true };
      }

      const numbers = [...new Set(rows.map((r) => r.customerNumber).filter(Boolean))];
      const { rows: customers } = await tx.query<{ id: string; customer_number: string }>(
        'select id, customer_number from sync_customers where account_id = $1 and customer_number in (select jsonb_array_elements_text($2::jsonb)) order by created_at, id',
        [input.accountId, JSON.stringify(numbers)],
      );
      const customerOf = new Map<string, string>();
      for (const c of customers) if (!customerOf.has(c.customer_number)) customerOf.set(c.customer_number, c.id);
      const seen = new Map<string, number>();
      for (const r of rows) if (r.reference) seen.set(r.reference, (seen.get(r.reference) ?? 0) + 1);

      const out: MandateUploadRow[] = [];
      for (const r of rows) {
        const reasons = [...r.reasons];
        const customerId = r.customerNumber ? (customerOf.get(r.customerNumber) ?? null) : null;
        if (r.customerNumber && !customerId) reasons.push('unknown_customer');
        if (r.reference && (seen.get(r.reference) ?? 0) > 1) reasons.push('duplicate_reference_in_file');
        let mandateId: string | null = null;
        let outcome: MandateRowOutcome = 'failed';
        if (reasons.length === 0 && customerId) {
          const { rows: found } = await tx.query<Row>('select * from sync_mandates where account_id = $1 and reference = $2 for update', [
            input.accountId,
            r.reference,
          ]);
          const same = found[0];
          const sequence = r.sequence ?? 'FRST';
          if (same && same.customer_id !== customerId) reasons.push('duplicate_reference_in_account');
          else if (
            same &&
            same.status === 'active' &&
            same.iban === r.iban &&
            (same.bic ?? null) === r.bic &&
            dayOf(same.signature_date) === r.signatureDate &&
            (r.sequence === null || same.sequence === r.sequence)
          ) {
            outcome = 'unchanged';
            mandateId = String(same.id);
          } else {
            // One active mandate per customer: the one in this file replaces the customer's other one.
            await tx.query(`update sync_mandates set status = 'revoked', updated_at = $3 where customer_id = $1 and status = 'active' and id <> $2`, [
              customerId,
              same ? same.id : '',
              now,
            ]);
            if (same) {
              await tx.query(
                `update sync_mandates set iban = $2, bic = $3, signature_date = $4, sequence = $5, status = 'active', upload_id = $6, updated_at = $7 where id = $1`,
                [same.id, r.iban, r.bic, r.signatureDate, r.sequence ?? same.sequence, id, now],
              );
              mandateId = String(same.id);
            } else {
              mandateId = newId('mdt');
              await tx.query(
                `insert into sync_mandates (id, account_id, customer_id, reference, iban, bic, signature_date, sequence, status, created_at, updated_at, upload_id)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $9, $10)`,
                [mandateId, input.accountId, customerId, r.reference, r.iban, r.bic, r.signatureDate, sequence, now, id],
              );
            }
            await tx.query(`insert into sync_invoice_events (customer_id, at, type, detail) values ($1, $2, 'mandate_linked', $3)`, [
              customerId,
              now,
              JSON.stringify({ mandateId, reference: r.reference, uploadId: id }),
            ]);
            outcome = 'linked';
          }
        }
        out.push({
          line: r.line,
          customerNumber: r.customerNumber,
          reference: r.reference,
          outcome: reasons.length > 0 ? 'failed' : outcome,
          reasons,
          customerId,
          mandateId: reasons.length > 0 ? null : mandateId,
        });
      }
      const count = (o: MandateRowOutcome) => out.filter((r) => r.outcome === o).length;
      await tx.query('update sync_mandate_uploads set linked_rows = $2, unchanged_rows = $3, failed_rows = $4, rows = $5 where id = $1', [
        id,
        count('linked'),
        count('unchanged'),
        count('failed'),
        JSON.stringify(out),
      ]);
      return {
        id,
        fileName: input.fileName ?? null,
        counts: { total: out.length, linked: count('linked'), unchanged: count('unchanged'), failed: count('failed') },
        createdAt: now,
        rows: out,
        replayed: false,
      };
    });
  }

  async getUpload(input: { accountId: string; id: string }): Promise<MandateUpload> {
    const { rows } = await this.db.query<Row>('select * from sync_mandate_uploads where account_id = $1 and id = $2', [input.accountId, input.id]);
    if (!rows[0]) throw new MandateUploadNotFoundError(input.id);
    return uploadView(rows[0]);
  }

  async report(input: { accountId: string; id: string }): Promise<{ fileName: string; csv: string }> {
    const upload = await this.getUpload(input);
    return { fileName: `mandate-upload-${upload.id}.csv`, csv: mandateReportCsv(upload.rows) };
  }

  async listUploads(input: { accountId: string; limit?: number }): Promise<Array<Omit<MandateUpload, 'rows'>>> {
    const { rows } = await this.db.query<Row>('select * from sync_mandate_uploads where account_id = $1 order by created_at desc, id desc limit $2', [
      input.accountId,
      clampLimit(input.limit),
    ]);
    return rows.map((r) => {
      const { rows: _rows, ...rest } = uploadView(r);
      return rest;
    });
  }

  async list(input: { accountId: string; customerId?: string; status?: 'active' | 'revoked' }): Promise<Mandate[]> {
    const { rows } = await this.db.query<Row>(
      `select m.*, c.customer_number, c.name as customer_name from sync_mandates m join sync_customers c on c.id = m.customer_id
       where m.account_id = $1 and ($2::text is null or m.customer_id = $2) and ($3::text is null or m.status = $3)
       order by m.created_at desc, m.id desc`,
      [input.accountId, input.customerId ?? null, input.status ?? null],
    );
    return rows.map(mandateView);
  }

  async #byHash(q: Queryable, accountId: string, hash: string): Promise<MandateUpload | null> {
    const { rows } = await q.query<Row>('select * from sync_mandate_uploads where account_id = $1 and content_hash = $2', [accountId, hash]);
    return rows[0] ? uploadView(rows[0]) : null;
  }
}

function dayOf(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
}

function uploadView(row: Row): MandateUpload {
  const rows = (typeof row.rows === 'string' ? JSON.parse(row.rows) : row.rows) as MandateUploadRow[];
  return {
    id: String(row.id),
    fileName: (row.file_name as string | null) ?? null,
    counts: { total: Number(row.total_rows), linked: Number(row.linked_rows), unchanged: Number(row.unchanged_rows), failed: Number(row.failed_rows) },
    createdAt: row.created_at as Date,
    rows,
  };
}

export function mandateView(row: Row): Mandate {
  return {
    id: String(row.id),
    customerId: String(row.customer_id),
    customerNumber: String(row.customer_number),
    customerName: String(row.customer_name),
    reference: String(row.reference),
    iban: String(row.iban),
    bic: (row.bic as string | null) ?? null,
    signatureDate: dayOf(row.signature_date),
    sequence: row.sequence as MandateSequence,
    status: row.status as 'active' | 'revoked',
    uploadId: (row.upload_id as string | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}
