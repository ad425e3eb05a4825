import { randomBytes } from 'node:crypto';
import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, type Database } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { inject, injectable } from 'tsyringe';
import { invoiceEvent, paymentView, type InvoicePayment } from './invoice-payments.js';
import { WritebackNotFoundError, WritebackNotParkedError } from './invoice-sync.errors.js';
import { INVOICE_SOURCES, INVOICE_SYNC_OPTIONS, type InvoiceSourceDirectory, type InvoiceSyncOptions } from './invoice-sync.types.js';
import { connectionView, type Row } from './invoice-sync.views.js';

export type WritebackAction = 'register' | 'remove';
export type WritebackStatus = 'pending' | 'done' | 'parked';

export interface Writeback {
  id: string;
  accountId: string;
  connectionId: string;
  invoiceId: string;
  /** The payment registered (`register`); null for `remove` (the source removes all of an invoice's payments). */
  paymentId: string | null;
  action: WritebackAction;
  status: WritebackStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  doneAt: Date | null;
}

export interface DrainResult {
  done: number;
  failed: number;
  parked: number;
}

export function writebackView(row: Row): Writeback {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    connectionId: row.connection_id as string,
    invoiceId: row.invoice_id as string,
    paymentId: (row.payment_id as string | null) ?? null,
    action: row.action as WritebackAction,
    status: row.status as WritebackStatus,
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as Date,
    lastError: (row.last_error as string | null) ?? null,
    createdAt: row.created_at as Date,
    doneAt: (row.done_at as Date | null) ?? null,
  };
}

/**
 * S-5 write-back: drains `sync_writebacks` (queued by InvoicePaymentService) into the source's
 * `writeStatus`, oldest first and one at a time per invoice (a removal must follow the payments it
 * removes and precede the ones registered again). A row is leased before the call, so two hosts
 * draining at once never write it twice (the source plugin's own claim per write-back id is the
 * second guard). A failed call is retried with exponential backoff, then parked after
 * `writebackMaxAttempts`; a parked row holds back the invoice's later rows until retried. Every
 * call is in the invoice's event log.
 */
@injectable()
export class InvoiceWritebackService {
  readonly #owner = `wb-drainer-${randomBytes(6).toString('hex')}`;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(INVOICE_SOURCES) private readonly sources: InvoiceSourceDirectory,
    @inject(INVOICE_SYNC_OPTIONS) private readonly options: InvoiceSyncOptions,
  ) {}

  /**
   * Writes every due row (up to `limit`), of one account or all. `owner` names the drainer holding
   * the leases (default: this instance).
   */
  async drain(input: { limit?: number; owner?: string; accountId?: string } = {}): Promise<DrainResult> {
    const result: DrainResult = { done: 0, failed: 0, parked: 0 };
    const owner = input.owner ?? this.#owner;
    for (let i = 0; i < (input.limit ?? 100); i++) {
      const row = await this.#claim(owner, input.accountId ?? null);
      if (!row) break;
      const outcome = await this.#write(row, owner);
      result[outcome]++;
    }
    return result;
  }

  async list(input: { accountId: string; invoiceId?: string; status?: WritebackStatus }): Promise<Writeback[]> {
    const { rows } = await this.db.query<Row>(
      `select * from sync_writebacks where account_id = $1 and ($2::text is null or invoice_id = $2) and ($3::text is null or status = $3) order by seq limit 200`,
      [input.accountId, input.invoiceId ?? null, input.status ?? null],
    );
    return rows.map(writebackView);
  }

  async get(input: { accountId: string; id: string }): Promise<Writeback> {
    const { rows } = await this.db.query<Row>('select * from sync_writebacks where id = $1 and account_id = $2', [input.id, input.accountId]);
    if (!rows[0]) throw new WritebackNotFoundError(input.id);
    return writebackView(rows[0]);
  }

  /** A parked row goes back to the queue with fresh attempts; the next drain writes it. */
  async retry(input: { accountId: string; id: string }): Promise<Writeback> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>('select * from sync_writebacks where id = $1 and account_id = $2 for update', [input.id, input.accountId]);
      if (!rows[0]) throw new WritebackNotFoundError(input.id);
      const before = writebackView(rows[0]);
      if (before.status !== 'parked') throw new WritebackNotParkedError({ writebackId: before.id, status: before.status });
      const updated = await tx.query<Row>(
        `update sync_writebacks set status = 'pending', attempts = 0, next_attempt_at = $2, lease_owner = null, lease_until = null, updated_at = $2
         where id = $1 returning *`,
        [before.id, now],
      );
      await invoiceEvent(tx, before.invoiceId, now, 'writeback_retry_requested', { writebackId: before.id, action: before.action });
      return writebackView(updated.rows[0]!);
    });
  }

  async #payment(id: string): Promise<InvoicePayment | null> {
    const { rows } = await this.db.query<Row>('select * from sync_payments where id = $1', [id]);
    return rows[0] ? paymentView(rows[0]) : null;
  }

  async #claim(owner: string, accountId: string | null): Promise<Row | undefined> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + (this.options.writebackLeaseSeconds ?? 120) * 1000);
    const { rows } = await this.db.query<Row>(
      `update sync_writebacks set lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3
       where id = (
         select w.id from sync_writebacks w
          where w.status = 'pending' and w.next_attempt_at <= $3 and ($4::text is null or w.account_id = $4) and (w.lease_until is null or w.lease_until <= $3)
            and not exists (select 1 from sync_writebacks e where e.invoice_id = w.invoice_id and e.seq < w.seq and e.status <> 'done')
          order by w.seq limit 1
          for update skip locked)
         and status = 'pending' and (lease_until is null or lease_until <= $3)
       returning *`,
      [owner, leaseUntil, now, accountId],
    );
    return rows[0];
  }

  async #write(row: Row, owner: string): Promise<'done' | 'failed' | 'parked'> {
    const wb = writebackView(row);
    const started = this.clock.now();
    const payment = wb.paymentId ? await this.#payment(wb.paymentId) : null;
    try {
      const { rows: found } = await this.db.query<Row>('select * from sync_connections where id = $1', [wb.connectionId]);
      const invoice = await this.db.query<{ source_id: string }>('select source_id from sync_invoices where id = $1', [wb.invoiceId]);
      const connection = connectionView(found[0]!);
      const source = this.sources.get(connection.sourceId);
      if (!source) throw new Error(`source plugin "${connection.sourceId}" is not loaded on this host`);
      await source.writeStatus({
        connection: {
          id: connection.id,
          accountId: connection.accountId,
          sourceAccountId: connection.sourceAccountId,
          profileFieldId: connection.profileFieldId,
        },
        sourceInvoiceId: invoice.rows[0]!.source_id,
        // The write-back's own id: a payment registered again after a removal is a new write.
        paymentId: wb.id,
        status: wb.action === 'register' ? 'paid' : 'unpaid',
        ...(payment ? { paidAmount: Money.of(payment.amount, payment.currency), paidAt: payment.paidAt } : {}),
      });
    } catch (error) {
      return this.#failed(wb, owner, error);
    }
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const updated = await tx.query(
        `update sync_writebacks set status = 'done', done_at = $3, lease_owner = null, lease_until = null, last_error = null, updated_at = $3
         where id = $1 and lease_owner = $2 and status = 'pending'`,
        [wb.id, owner, now],
      );
      if (updated.rowCount === 0) return; // lease lost to another host, which logs its own call
      await invoiceEvent(tx, wb.invoiceId, now, 'writeback_done', {
        writebackId: wb.id,
        action: wb.action,
        call: wb.action === 'register' ? 'invoices.registerPayment' : 'invoices.removePayments',
        paymentId: wb.paymentId,
        ...(payment ? { amount: payment.amount, currency: payment.currency } : {}),
        attempt: wb.attempts,
        startedAt: started.toISOString(),
      });
    });
    return 'done';
  }

  async #failed(wb: Writeback, owner: string, error: unknown): Promise<'failed' | 'parked'> {
    const now = this.clock.now();
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    const code = (error as { code?: unknown } | null)?.code;
    const max = this.options.writebackMaxAttempts ?? 8;
    const parked = wb.attempts >= max;
    const base = this.options.writebackBackoffSeconds ?? 30;
    const delay = Math.min(base * 2 ** Math.max(wb.attempts - 1, 0), 3600);
    const next = new Date(now.getTime() + delay * 1000);
    return this.db.transaction(async (tx) => {
      const updated = await tx.query(
        `update sync_writebacks set status = $3, next_attempt_at = $4, last_error = $5, lease_owner = null, lease_until = null, updated_at = $6
         where id = $1 and lease_owner = $2 and status = 'pending'`,
        [wb.id, owner, parked ? 'parked' : 'pending', next, message, now],
      );
      if (updated.rowCount === 0) return 'failed';
      await invoiceEvent(tx, wb.invoiceId, now, parked ? 'writeback_parked' : 'writeback_failed', {
        writebackId: wb.id,
        action: wb.action,
        call: wb.action === 'register' ? 'invoices.registerPayment' : 'invoices.removePayments',
        paymentId: wb.paymentId,
        attempt: wb.attempts,
        error: message,
        ...(typeof code === 'string' ? { code } : {}),
        ...(parked ? {} : { nextAttemptAt: next.toISOString() }),
      });
      return parked ? 'parked' : 'failed';
    });
  }
}
