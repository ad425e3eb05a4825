import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, type Database, type Queryable } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import { Money } from '@tollgate/money';
import type { DirectDebitCollector, DirectDebitItem, DirectDebitOutcome } from '@tollgate/plugin-sdk';
import { electronicFormatIBAN, extractBIC, isSEPACountry, isValidBIC, isValidIBAN } from 'ibantools';
import { randomBytes } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { InvoicePaymentService } from './invoice-payments.js';
import { DirectDebitCreditorMissingError, DirectDebitUnavailableError, InvoiceNotPayableError } from './invoice-sync.errors.js';
import { DIRECT_DEBIT_COLLECTORS, type DirectDebitCollectorDirectory } from './invoice-sync.types.js';
import { newId, type Row } from './invoice-sync.views.js';

export interface DirectDebitCreditorSettings {
  name: string;
  iban: string;
  bic: string;
  creditorId: string;
  updatedAt: Date;
}

export interface DirectDebitRun {
  id: string;
  trigger: 'manual' | 'schedule';
  collectorId: string;
  /** Invoices put in files by this run. */
  itemCount: number;
  controlSum: string;
  collectionDate: string | null;
  files: Array<{ id: string; msgId: string; sequence: string; count: number; controlSum: string }>;
  /** Why the collector could not take them (the claimed invoices are sent again by the next run). */
  error: string | null;
  /** The bank's answers applied before collecting. */
  outcomes: { settled: number; returned: number };
  createdAt: Date;
}

const MAX_ITEMS_PER_RUN = 5000;

/**
 * S-9 collection: invoices of customers with an active mandate whose profile has direct debit are
 * claimed (one open collection per invoice, so two runs or two hosts never collect one twice),
 * moved to `pending` and handed to the host's direct-debit collector (payments-sepa: pain.008 files
 * through its bank channel). The bank's answers come back through the collector's outcomes: settled
 * → paid, refused or returned → booked again, or expired past the due date.
 */
@injectable()
export class DirectDebitService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(DIRECT_DEBIT_COLLECTORS) private readonly collectors: DirectDebitCollectorDirectory,
    @inject(InvoicePaymentService) private readonly payments: InvoicePaymentService,
  ) {}

  async getCreditor(input: { accountId: string }): Promise<DirectDebitCreditorSettings | null> {
    const { rows } = await this.db.query<Row>('select * from sync_direct_debit_creditors where account_id = $1', [input.accountId]);
    return rows[0] ? creditorView(rows[0]) : null;
  }

  async setCreditor(input: { accountId: string; name: string; iban: string; bic: string; creditorId: string }): Promise<DirectDebitCreditorSettings> {
    const iban = electronicFormatIBAN(input.iban) ?? '';
    const bic = input.bic.replace(/\s+/g, '').toUpperCase();
    const creditorId = input.creditorId.replace(/\s+/g, '').toUpperCase();
    const fail = (field: string, message: string): never => {
      throw new ValidationError({ code: 'invalid_creditor', message: `${field} ${message}`, details: { field } });
    };
    if (!isValidIBAN(iban) || !isSEPACountry(iban.slice(0, 2))) fail('iban', 'is not a valid IBAN of a SEPA country');
    if (!isValidBIC(bic)) fail('bic', 'is not a valid BIC');
    if (extractBIC(bic).countryCode !== iban.slice(0, 2)) fail('bic', 'is not of the IBAN’s country');
    if (!isValidCreditorId(creditorId)) fail('creditorId', 'is not a valid SEPA creditor identifier (e.g. BE68ZZZ0123456789)');
    const now = this.clock.now();
    const { rows } = await this.db.query<Row>(
      `insert into sync_direct_debit_creditors (account_id, name, iban, bic, creditor_id, updated_at) values ($1, $2, $3, $4, $5, $6)
       on conflict (account_id) do update set name = excluded.name, iban = excluded.iban, bic = excluded.bic, creditor_id = excluded.creditor_id, updated_at = excluded.updated_at
       returning *`,
      [input.accountId, input.name.trim(), iban, bic, creditorId, now],
    );
    return creditorView(rows[0]!);
  }

  /**
   * One collection run for an account: first the bank's answers so far, then every invoice due for
   * direct debit and not yet in a collection. An invoice claimed by a run whose hand-over failed is
   * handed over again by the next run (same EndToEndId: the collector sends it once).
   */
  async collect(input: { accountId: string; trigger: 'manual' | 'schedule' }): Promise<DirectDebitRun> {
    const collector = this.#collector();
    const creditor = await this.getCreditor({ accountId: input.accountId });
    if (!creditor) throw new DirectDebitCreditorMissingError();
    const outcomes = await this.applyOutcomes();
    const now = this.clock.now();
    const runId = newId('ddr');

    const items = await this.db.transaction(async (tx) => {
      await tx.query(
        `insert into sync_direct_debit_runs (id, account_id, trigger, collector_id, item_count, control_sum, created_at) values ($1, $2, $3, $4, 0, 0, $5)`,
        [runId, input.accountId, input.trigger, collector.id, now],
      );
      const { rows: due } = await tx.query<Row>(
        `select i.id, i.amount_due::text as amount_due, i.number, m.id as mandate_id, m.sequence,
                exists (select 1 from sync_direct_debit_items x where x.mandate_id = m.id and x.status <> 'returned') as used
         from sync_invoices i
         join sync_profiles p on p.id = i.profile_id and p.direct_debit
         join sync_mandates m on m.customer_id = i.customer_id and m.status = 'active'
         where i.account_id = $1 and i.kind = 'invoice' and i.status = 'booked' and i.currency = 'EUR' and i.amount_due > 0
           -- Collected once: a refused or returned collection is not presented again by itself.
           and not exists (select 1 from sync_direct_debit_items x where x.invoice_id = i.id)
         order by i.due_on, i.id
         limit $2
         for update of i skip locked`,
        [input.accountId, MAX_ITEMS_PER_RUN],
      );
      const usedOnce = new Set<string>();
      for (const row of due) {
        const mandateId = String(row.mandate_id);
        // A one-off mandate collects one invoice, ever.
        if (row.sequence === 'OOFF' && (row.used || usedOnce.has(mandateId))) continue;
        const sequence = row.sequence === 'FRST' && (row.used || usedOnce.has(mandateId)) ? 'RCUR' : String(row.sequence);
        usedOnce.add(mandateId);
        const endToEndId = `TGI${now.getTime().toString(36).toUpperCase()}${randomBytes(8).toString('hex').toUpperCase()}`;
        const claimed = await tx.query(
          `insert into sync_direct_debit_items (end_to_end_id, account_id, invoice_id, mandate_id, run_id, amount, sequence, status, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, 'claimed', $8, $8) on conflict do nothing returning end_to_end_id`,
          [endToEndId, input.accountId, row.id, mandateId, runId, row.amount_due, sequence, now],
        );
        if (claimed.rows.length === 0) continue;
        await tx.query(`update sync_invoices set status = 'pending', updated_at = $2 where id = $1`, [row.id, now]);
        await this.#event(tx, String(row.id), 'direct_debit_claimed', { endToEndId, runId, mandateId, amount: String(row.amount_due), sequence });
      }
      // This run's claims and any left by a run whose hand-over failed.
      const { rows: open } = await tx.query<Row>(
        `update sync_direct_debit_items x set run_id = $2, updated_at = $3 where x.account_id = $1 and x.status = 'claimed' returning x.end_to_end_id`,
        [input.accountId, runId, now],
      );
      if (open.length === 0) return [];
      const { rows } = await tx.query<Row>(
        `select x.end_to_end_id, x.amount::text as amount, x.sequence, m.reference, m.signature_date, m.iban, m.bic, c.name, i.number
         from sync_direct_debit_items x join sync_mandates m on m.id = x.mandate_id join sync_customers c on c.id = m.customer_id
         join sync_invoices i on i.id = x.invoice_id
         where x.run_id = $1 and x.status = 'claimed' order by x.end_to_end_id`,
        [runId],
      );
      return rows.map((r): DirectDebitItem => ({
        endToEndId: String(r.end_to_end_id),
        amount: Money.of(String(r.amount)).toString(),
        mandateReference: String(r.reference),
        signatureDate: dayOf(r.signature_date),
        sequence: r.sequence as DirectDebitItem['sequence'],
        iban: String(r.iban),
        bic: (r.bic as string | null) ?? null,
        debtorName: String(r.name),
        remittance: `Invoice ${String(r.number)}`,
      }));
    });

    let error: string | null = null;
    let collected: Awaited<ReturnType<DirectDebitCollector['collect']>> | null = null;
    if (items.length > 0) {
      try {
        collected = await collector.collect({
          accountId: input.accountId,
          idempotencyKey: runId,
          creditor: { name: creditor.name, iban: creditor.iban, bic: creditor.bic, creditorId: creditor.creditorId },
          items,
        });
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause);
      }
    }
    const controlSum = Money.sum(items.map((i) => Money.of(i.amount))).toString();
    await this.db.transaction(async (tx) => {
      await tx.query('update sync_direct_debit_runs set item_count = $2, control_sum = $3, files = $4, collection_date = $5, error = $6 where id = $1', [
        runId,
        collected ? items.length : 0,
        collected ? controlSum : '0',
        JSON.stringify(collected?.files ?? []),
        collected?.collectionDate ?? null,
        error,
      ]);
      if (!collected) return;
      const { rows: submitted } = await tx.query<Row>(
        `update sync_direct_debit_items set status = 'submitted', updated_at = $2 where run_id = $1 and status = 'claimed' returning invoice_id, end_to_end_id`,
        [runId, this.clock.now()],
      );
      for (const s of submitted)
        await this.#event(tx, String(s.invoice_id), 'direct_debit_submitted', {
          endToEndId: String(s.end_to_end_id),
          runId,
          collector: collector.id,
          collectionDate: collected.collectionDate,
          files: collected.files.map((f) => f.msgId),
        });
    });
    return {
      id: runId,
      trigger: input.trigger,
      collectorId: collector.id,
      itemCount: collected ? items.length : 0,
      controlSum: collected ? controlSum : '0.00',
      collectionDate: collected?.collectionDate ?? null,
      files: collected?.files ?? [],
      error,
      outcomes,
      createdAt: now,
    };
  }

  /** Whether the daily job already ran a collection for the account on this UTC day. */
  async collectedOn(input: { accountId: string; day: string }): Promise<boolean> {
    const { rows } = await this.db.query(
      `select 1 from sync_direct_debit_runs where account_id = $1 and trigger = 'schedule' and error is null and created_at >= ($2::date)::timestamp at time zone 'UTC' and created_at < ($2::date + 1)::timestamp at time zone 'UTC' limit 1`,
      [input.accountId, input.day],
    );
    return rows.length > 0;
  }

  /** Accounts that have a creditor set: the daily job runs `collect` for each. */
  async accountsToCollect(): Promise<string[]> {
    const { rows } = await this.db.query<{ account_id: string }>('select account_id from sync_direct_debit_creditors order by account_id');
    return rows.map((r) => r.account_id);
  }

  async listRuns(input: { accountId: string; limit?: number }): Promise<Array<Omit<DirectDebitRun, 'outcomes'>>> {
    const { rows } = await this.db.query<Row>('select * from sync_direct_debit_runs where account_id = $1 order by created_at desc, id desc limit $2', [
      input.accountId,
      Math.min(Math.max(input.limit ?? 50, 1), 200),
    ]);
    return rows.map((r) => ({
      id: String(r.id),
      trigger: r.trigger as 'manual' | 'schedule',
      collectorId: String(r.collector_id),
      itemCount: Number(r.item_count),
      controlSum: Money.of(String(r.control_sum)).toString(),
      collectionDate: r.collection_date ? dayOf(r.collection_date) : null,
      files: (typeof r.files === 'string' ? JSON.parse(r.files) : r.files) as DirectDebitRun['files'],
      error: (r.error as string | null) ?? null,
      createdAt: r.created_at as Date,
    }));
  }

  /**
   * Applies the collectors' answers since the last one applied. Each answer is applied once
   * whatever the number of hosts (the item's status moves once); the cursor only saves re-reading.
   */
  async applyOutcomes(): Promise<{ settled: number; returned: number }> {
    const result = { settled: 0, returned: 0 };
    for (const collector of this.collectors.list()) {
      for (let page = 0; page < 50; page++) {
        const { rows } = await this.db.query<{ last_id: string | null }>('select last_id from sync_direct_debit_cursors where collector_id = $1', [
          collector.id,
        ]);
        const after = rows[0]?.last_id ?? null;
        const outcomes = await collector.outcomes({ after, limit: 200 });
        if (outcomes.length === 0) break;
        for (const outcome of outcomes) if (await this.#applyOutcome(outcome)) result[outcome.kind] += 1;
        await this.db.query(
          `insert into sync_direct_debit_cursors (collector_id, last_id) values ($1, $2) on conflict (collector_id) do update set last_id = excluded.last_id`,
          [collector.id, outcomes.at(-1)!.id],
        );
      }
    }
    return result;
  }

  /**
   * One answer of the bank. Settled → the payment is recorded (InvoicePaymentService: idempotent on
   * method direct_debit + EndToEndId, written back to the source; the invoice becomes paid). Refused
   * or returned → a recorded payment is reversed (the invoice goes back to booked, or expired past its
   * due date, and the source's payment is removed); one never recorded only moves the pending
   * invoice back. The payment call comes first and is idempotent, so a crash in between repeats it
   * harmlessly; the item's status then moves once.
   */
  async #applyOutcome(outcome: DirectDebitOutcome): Promise<boolean> {
    const { rows } = await this.db.query<Row>('select * from sync_direct_debit_items where end_to_end_id = $1 and account_id = $2', [
      outcome.endToEndId,
      outcome.accountId,
    ]);
    const item = rows[0];
    if (!item) return false;
    const invoiceId = String(item.invoice_id);
    const ref = { accountId: outcome.accountId, method: 'direct_debit' as const, externalRef: outcome.endToEndId };
    if (outcome.kind === 'settled') {
      if (item.status !== 'claimed' && item.status !== 'submitted') return false;
      let recorded: string | null = null;
      try {
        recorded = (await this.payments.record({ ...ref, invoiceId, amount: outcome.amount, paidAt: outcome.occurredAt })).payment.id;
      } catch (error) {
        // Paid meanwhile by other means (link, transfer): the collection's money is noted, not recorded twice.
        if (!(error instanceof InvoiceNotPayableError)) throw error;
      }
      return this.db.transaction(async (tx) => {
        const moved = await tx.query(
          `update sync_direct_debit_items set status = 'settled', updated_at = $2 where end_to_end_id = $1 and status in ('claimed', 'submitted') returning 1`,
          [outcome.endToEndId, this.clock.now()],
        );
        if (moved.rows.length === 0) return false;
        await this.#event(tx, invoiceId, 'direct_debit_settled', {
          endToEndId: outcome.endToEndId,
          amount: outcome.amount,
          paymentId: recorded,
          at: outcome.occurredAt,
        });
        return true;
      });
    }
    if (item.status === 'returned') return false;
    const reason = `direct debit ${outcome.kind}: ${outcome.reason ?? 'NARR'}`;
    let reversed = false;
    if (await this.payments.findPayment(ref)) {
      await this.payments.reverse({ ...ref, reason });
      reversed = true;
    }
    return this.db.transaction(async (tx) => {
      const { rows: locked } = await tx.query<Row>(
        `update sync_direct_debit_items set status = 'returned', reason = $2, updated_at = $3 where end_to_end_id = $1 and status <> 'returned' returning 1`,
        [outcome.endToEndId, outcome.reason, this.clock.now()],
      );
      if (locked.length === 0) return false;
      const now = this.clock.now();
      // Not paid yet (refused before settlement): the pending invoice is unpaid again (S-5).
      const { rows: moved } = reversed
        ? { rows: [] as Array<{ status: string }> }
        : await tx.query<{ status: string }>(
            `update sync_invoices set status = case when due_on < $2::date then 'expired' else 'booked' end, updated_at = $3
             where id = $1 and status = 'pending' returning status`,
            [invoiceId, now.toISOString().slice(0, 10), now],
          );
      const { rows: current } = await tx.query<{ status: string }>('select status from sync_invoices where id = $1', [invoiceId]);
      await this.#event(tx, invoiceId, 'direct_debit_returned', {
        endToEndId: outcome.endToEndId,
        reason: outcome.reason,
        amount: outcome.amount,
        wasSettled: item.status === 'settled',
        paymentReversed: reversed,
        status: moved[0]?.status ?? current[0]?.status ?? null,
      });
      return true;
    });
  }

  #collector(): DirectDebitCollector {
    const collector = this.collectors.list()[0];
    if (!collector) throw new DirectDebitUnavailableError();
    return collector;
  }

  async #event(tx: Queryable, invoiceId: string, type: string, detail: Record<string, unknown>): Promise<void> {
    await tx.query('insert into sync_invoice_events (invoice_id, at, type, detail) values ($1, $2, $3, $4)', [
      invoiceId,
      this.clock.now(),
      type,
      JSON.stringify(detail),
    ]);
  }
}

function dayOf(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
}

function creditorView(row: Row): DirectDebitCreditorSettings {
  return {
    name: String(row.name),
    iban: String(row.iban),
    bic: String(row.bic),
    creditorId: String(row.creditor_id),
    updatedAt: row.updated_at as Date,
  };
}

/** SEPA creditor identifier: CC + 2 check digits + 3-character business code + national id; ISO 7064 mod 97-10 without the business code. */
export function isValidCreditorId(value: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$/.test(value) || !isSEPACountry(value.slice(0, 2))) return false;
  const digits = `${value.slice(7)}${value.slice(0, 4)}`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return rest === 1;
}
