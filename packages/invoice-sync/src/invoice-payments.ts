import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, sqlStateOf, type Database, type Queryable, type Transaction } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import { recordEvent } from '@tollgate/events';
import { isCurrency, Money } from '@tollgate/money';
import { inject, injectable } from 'tsyringe';
import { InvoiceNotFoundError, InvoiceNotPayableError, PaymentConflictError, PaymentNotFoundError } from './invoice-sync.errors.js';
import type { Invoice, InvoiceStatus } from './invoice-sync.types.js';
import { invoiceView, newId, type Row } from './invoice-sync.views.js';

export type PaymentMethod = 'payment_link' | 'transfer' | 'direct_debit' | 'manual';
export const PAYMENT_METHODS: readonly PaymentMethod[] = ['payment_link', 'transfer', 'direct_debit', 'manual'];

export interface InvoicePayment {
  id: string;
  accountId: string;
  invoiceId: string;
  method: PaymentMethod;
  /** The payment's id where it came from (card payment id, bank entry reference, mandate collection id, …). */
  externalRef: string;
  amount: string;
  currency: string;
  paidAt: Date;
  status: 'active' | 'reversed';
  reversedAt: Date | null;
  reverseReason: string | null;
  createdAt: Date;
}

export interface RecordPaymentInput {
  accountId: string;
  invoiceId: string;
  /** Decimal string, at most 2 decimals, > 0. */
  amount: string;
  /** Defaults to the invoice's currency; another one is refused. */
  currency?: string;
  method: PaymentMethod;
  externalRef: string;
  paidAt: Date;
}

export interface RecordPaymentResult {
  payment: InvoicePayment;
  invoice: Invoice;
  /** True when this (method, externalRef) was recorded before: nothing changed. */
  duplicate: boolean;
}

export interface ReversePaymentResult {
  payment: InvoicePayment;
  invoice: Invoice;
  /** True when the payment was reversed before: nothing changed. */
  alreadyReversed: boolean;
}

export function paymentView(row: Row): InvoicePayment {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    invoiceId: row.invoice_id as string,
    method: row.method as PaymentMethod,
    externalRef: row.external_ref as string,
    amount: Money.of(row.amount as string, row.currency as string).toString(),
    currency: row.currency as string,
    paidAt: row.paid_at as Date,
    status: row.status as 'active' | 'reversed',
    reversedAt: (row.reversed_at as Date | null) ?? null,
    reverseReason: (row.reverse_reason as string | null) ?? null,
    createdAt: row.created_at as Date,
  };
}

/**
 * S-5: payments received for imported invoices, whatever brought them (payment link, a transfer
 * matched from a bank statement, a direct-debit collection, or recorded by hand), and their
 * reversals (refusal, chargeback, return). Recording is idempotent per (account, method,
 * externalRef): a replayed notification or statement records nothing more. Each change is written
 * back to the source through `sync_writebacks` (drained by `InvoiceWritebackService`) in the same
 * transaction, so a payment is never recorded without its write-back, nor written back twice.
 */
@injectable()
export class InvoicePaymentService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(input: RecordPaymentInput): Promise<RecordPaymentResult> {
    if (!PAYMENT_METHODS.includes(input.method)) throw new ValidationError({ message: `Unknown payment method "${String(input.method)}".` });
    if (!input.externalRef || input.externalRef.length > 200) throw new ValidationError({ message: 'externalRef must be 1 to 200 characters.' });
    if (!(input.paidAt instanceof Date) || Number.isNaN(input.paidAt.getTime())) throw new ValidationError({ message: 'paidAt must be a valid date.' });
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction((tx) => this.#record(tx, input));
      } catch (error) {
        // Two hosts recorded the same payment at once: the loser reads the winner's row.
        if (attempt < 2 && sqlStateOf(error) === '23505') continue;
        throw error;
      }
    }
  }

  async #record(tx: Transaction, input: RecordPaymentInput): Promise<RecordPaymentResult> {
    const now = this.clock.now();
    const invoice = await lockInvoice(tx, input);
    const existing = await tx.query<Row>('select * from sync_payments where account_id = $1 and method = $2 and external_ref = $3', [
      input.accountId,
      input.method,
      input.externalRef,
    ]);
    const currency = input.currency ?? invoice.currency;
    if (currency !== invoice.currency) throw new InvoiceNotPayableError({ invoiceId: invoice.id, reason: 'currency_mismatch', currency: invoice.currency });
    if (!isCurrency(currency)) throw new InvoiceNotPayableError({ invoiceId: invoice.id, reason: 'unsupported_currency', currency });
    const amount = Money.of(input.amount, currency, { maxDecimals: 2 });
    if (!amount.isPositive()) throw new ValidationError({ message: 'amount must be greater than zero.', details: { amount: input.amount } });
    if (existing.rows[0]) {
      const payment = paymentView(existing.rows[0]);
      if (payment.invoiceId !== invoice.id || !Money.of(payment.amount, payment.currency).equals(amount)) {
        throw new PaymentConflictError({ paymentId: payment.id, method: input.method, externalRef: input.externalRef });
      }
      return { payment, invoice, duplicate: true };
    }
    if (invoice.kind !== 'invoice') throw new InvoiceNotPayableError({ invoiceId: invoice.id, reason: 'credit_note' });
    const due = Money.of(invoice.amountDue, invoice.currency);
    if (invoice.status === 'paid' || !due.isPositive()) throw new InvoiceNotPayableError({ invoiceId: invoice.id, reason: 'already_paid' });

    const { rows } = await tx.query<Row>(
      `insert into sync_payments (id, account_id, invoice_id, method, external_ref, amount, currency, paid_at, status, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9) returning *`,
      [newId('pay'), input.accountId, invoice.id, input.method, input.externalRef, amount.toString(), currency, input.paidAt, now],
    );
    const payment = paymentView(rows[0]!);
    const left = Money.max(due.minus(amount), Money.zero(invoice.currency));
    const status: InvoiceStatus = left.isZero() ? 'paid' : invoice.status;
    const updated = await updateInvoice(tx, { id: invoice.id, status, amountDue: left.toString(), now });
    await invoiceEvent(tx, invoice.id, now, 'payment_recorded', {
      paymentId: payment.id,
      method: payment.method,
      externalRef: payment.externalRef,
      amount: payment.amount,
      currency,
      paidAt: payment.paidAt.toISOString(),
      amountDue: updated.amountDue,
      ...(amount.greaterThan(due) ? { overpaid: amount.minus(due).toString() } : {}),
    });
    await enqueueWriteback(tx, { invoice, paymentId: payment.id, action: 'register', now });
    if (status === 'paid') {
      await invoiceEvent(tx, invoice.id, now, 'status_changed', { from: invoice.status, to: 'paid', paymentId: payment.id });
      await recordEvent({
        q: tx,
        accountId: invoice.accountId,
        type: 'invoice.paid',
        data: {
          invoiceId: invoice.id,
          connectionId: invoice.connectionId,
          kind: invoice.kind,
          number: invoice.number,
          totalInclVat: updated.totalInclVat,
          amountDue: updated.amountDue,
        },
        occurredAt: now,
      });
    }
    return { payment, invoice: updated, duplicate: false };
  }

  /** A refusal, chargeback or return of a payment recorded before, named by its (method, externalRef). */
  async reverse(input: { accountId: string; method: PaymentMethod; externalRef: string; reason: string }): Promise<ReversePaymentResult> {
    const { rows } = await this.db.query<{ id: string }>('select id from sync_payments where account_id = $1 and method = $2 and external_ref = $3', [
      input.accountId,
      input.method,
      input.externalRef,
    ]);
    if (!rows[0]) throw new PaymentNotFoundError({ method: input.method, externalRef: input.externalRef });
    return this.reverseById({ accountId: input.accountId, paymentId: rows[0].id, reason: input.reason });
  }

  /**
   * Marks the payment reversed, gives its amount back to the invoice, and moves a paid invoice back
   * to `booked`, or `expired` when its due date has passed (the injected clock's UTC day). The source
   * can only remove all payments of an invoice, so the write-back removes them and registers again
   * each payment still standing.
   */
  async reverseById(input: { accountId: string; paymentId: string; reason: string }): Promise<ReversePaymentResult> {
    const reason = input.reason.trim();
    if (!reason || reason.length > 500) throw new ValidationError({ message: 'reason must be 1 to 500 characters.' });
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const found = await tx.query<Row>('select invoice_id from sync_payments where id = $1 and account_id = $2', [input.paymentId, input.accountId]);
      if (!found.rows[0]) throw new PaymentNotFoundError({ paymentId: input.paymentId });
      // Invoice first, then payment: the same lock order as record().
      const invoice = await lockInvoice(tx, { accountId: input.accountId, invoiceId: found.rows[0].invoice_id as string });
      const locked = await tx.query<Row>('select * from sync_payments where id = $1 for update', [input.paymentId]);
      const before = paymentView(locked.rows[0]!);
      if (before.status === 'reversed') return { payment: before, invoice, alreadyReversed: true };
      const { rows } = await tx.query<Row>(`update sync_payments set status = 'reversed', reversed_at = $2, reverse_reason = $3 where id = $1 returning *`, [
        before.id,
        now,
        reason,
      ]);
      const payment = paymentView(rows[0]!);
      const total = Money.of(invoice.totalInclVat, invoice.currency);
      const due = Money.min(Money.of(invoice.amountDue, invoice.currency).plus(Money.of(payment.amount, invoice.currency)), total);
      const today = now.toISOString().slice(0, 10);
      const unpaid: InvoiceStatus = invoice.dueOn < today ? 'expired' : 'booked';
      // A collection still under way (pending) stays so unless it is the direct debit that was returned.
      const status: InvoiceStatus = invoice.status === 'pending' && payment.method !== 'direct_debit' ? 'pending' : unpaid;
      const updated = await updateInvoice(tx, { id: invoice.id, status, amountDue: due.toString(), now });
      await invoiceEvent(tx, invoice.id, now, 'payment_reversed', {
        paymentId: payment.id,
        method: payment.method,
        externalRef: payment.externalRef,
        amount: payment.amount,
        reason,
        amountDue: updated.amountDue,
      });
      if (status !== invoice.status) await invoiceEvent(tx, invoice.id, now, 'status_changed', { from: invoice.status, to: status, paymentId: payment.id });
      await enqueueWriteback(tx, { invoice, paymentId: null, action: 'remove', now });
      const standing = await tx.query<{ id: string }>(`select id from sync_payments where invoice_id = $1 and status = 'active' order by created_at, id`, [
        invoice.id,
      ]);
      for (const other of standing.rows) await enqueueWriteback(tx, { invoice, paymentId: other.id, action: 'register', now });
      await recordEvent({
        q: tx,
        accountId: invoice.accountId,
        type: 'invoice.payment_removed',
        data: {
          invoiceId: invoice.id,
          connectionId: invoice.connectionId,
          number: invoice.number,
          paymentId: payment.id,
          method: payment.method,
          amount: payment.amount,
          currency: payment.currency,
          reason,
          status,
          amountDue: updated.amountDue,
        },
        occurredAt: now,
      });
      return { payment, invoice: updated, alreadyReversed: false };
    });
  }

  async listPayments(input: { accountId: string; invoiceId: string }): Promise<InvoicePayment[]> {
    const invoice = await this.db.query('select 1 from sync_invoices where id = $1 and account_id = $2', [input.invoiceId, input.accountId]);
    if (!invoice.rows[0]) throw new InvoiceNotFoundError(input.invoiceId);
    const { rows } = await this.db.query<Row>('select * from sync_payments where invoice_id = $1 order by created_at, id', [input.invoiceId]);
    return rows.map(paymentView);
  }

  async getPayment(input: { accountId: string; paymentId: string }): Promise<InvoicePayment> {
    const { rows } = await this.db.query<Row>('select * from sync_payments where id = $1 and account_id = $2', [input.paymentId, input.accountId]);
    if (!rows[0]) throw new PaymentNotFoundError({ paymentId: input.paymentId });
    return paymentView(rows[0]);
  }

  /** The payment recorded under (method, externalRef), or null. */
  async findPayment(input: { accountId: string; method: PaymentMethod; externalRef: string }): Promise<InvoicePayment | null> {
    const { rows } = await this.db.query<Row>('select * from sync_payments where account_id = $1 and method = $2 and external_ref = $3', [
      input.accountId,
      input.method,
      input.externalRef,
    ]);
    return rows[0] ? paymentView(rows[0]) : null;
  }
}

async function lockInvoice(tx: Queryable, input: { accountId: string; invoiceId: string }): Promise<Invoice> {
  const { rows } = await tx.query<Row>('select * from sync_invoices where id = $1 and account_id = $2 for update', [input.invoiceId, input.accountId]);
  if (!rows[0]) throw new InvoiceNotFoundError(input.invoiceId);
  return invoiceView(rows[0]);
}

async function updateInvoice(tx: Queryable, input: { id: string; status: InvoiceStatus; amountDue: string; now: Date }): Promise<Invoice> {
  const { rows } = await tx.query<Row>('update sync_invoices set status = $2, amount_due = $3, updated_at = $4 where id = $1 returning *', [
    input.id,
    input.status,
    input.amountDue,
    input.now,
  ]);
  return invoiceView(rows[0]!);
}

export async function invoiceEvent(q: Queryable, invoiceId: string, at: Date, type: string, detail: Record<string, unknown>): Promise<void> {
  await q.query('insert into sync_invoice_events (invoice_id, at, type, detail) values ($1, $2, $3, $4)', [invoiceId, at, type, JSON.stringify(detail)]);
}

async function enqueueWriteback(tx: Queryable, input: { invoice: Invoice; paymentId: string | null; action: 'register' | 'remove'; now: Date }): Promise<void> {
  const id = newId('wb');
  await tx.query(
    `insert into sync_writebacks (id, account_id, connection_id, invoice_id, payment_id, action, status, next_attempt_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, 'pending', $7, $7, $7)`,
    [id, input.invoice.accountId, input.invoice.connectionId, input.invoice.id, input.paymentId, input.action, input.now],
  );
  await invoiceEvent(tx, input.invoice.id, input.now, 'writeback_queued', { writebackId: id, action: input.action, paymentId: input.paymentId });
}
