import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { eventMigrations } from '@tollgate/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from './connection.service.js';
import { CustomerService } from './customer.service.js';
import { InvoiceImporter } from './invoice-importer.js';
import { InvoicePaymentService } from './invoice-payments.js';
import { invoiceSyncMigrations } from './invoice-sync.migrations.js';
import { InvoiceWritebackService } from './invoice-writebacks.js';
import { ProfileService } from './profile.service.js';
import { ScriptedSource, sourceCustomer, sourceDoc } from './scripted-source.fixture.js';

for (const engine of testEngines()) {
  describe(`invoice payments and write-back [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-20T10:00:00.000Z');
    const sources = new Map<string, ScriptedSource>();
    const directory = { get: (id: string) => sources.get(id) };
    const options = { writebackMaxAttempts: 3, writebackBackoffSeconds: 10, writebackLeaseSeconds: 60 };
    let n = 0;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [eventMigrations, invoiceSyncMigrations] });
    });
    afterAll(() => db?.dispose());

    const payments = () => new InvoicePaymentService(db, clock);
    const writebacks = () => new InvoiceWritebackService(db, clock, directory, options);

    /** One connection with one booked invoice of 121.00 due 2026-04-09. */
    async function setup(overrides: Parameters<typeof sourceDoc>[0] = {}) {
      n++;
      const accountId = `acc_pay_${engine.name}_${n}`;
      const source = new ScriptedSource(`scripted-pay-${n}`);
      sources.set(source.id, source);
      source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1' }));
      const profile = await new ProfileService(db, clock).create({ accountId, name: 'Transfer', directDebit: false, paymentLink: true, transfer: true });
      const connections = new ConnectionService(db, clock, directory);
      const connection = await connections.create({ accountId, sourceId: source.id, sourceAccountId: `tl-pay-${n}`, defaultProfileId: profile.id });
      const doc = sourceDoc(overrides);
      source.put(doc);
      const importer = new InvoiceImporter(db, clock, directory, connections, new CustomerService(db, clock), { pageSize: 50 });
      await importer.importRecent({ connectionId: connection.id, days: 30 });
      const { rows } = await db.query<{ id: string }>('select id from sync_invoices where account_id = $1', [accountId]);
      return { accountId, source, doc, importer, connection, invoiceId: rows[0]!.id };
    }

    const invoiceRow = async (id: string) =>
      (await db.query<{ status: string; amount_due: string }>('select status, amount_due::text as amount_due from sync_invoices where id = $1', [id])).rows[0]!;
    const outbox = async (accountId: string, type: string) =>
      (await db.query<{ data: Record<string, unknown> }>('select data from event_outbox where account_id = $1 and type = $2 order by id', [accountId, type]))
        .rows;
    const eventTypes = async (invoiceId: string) =>
      (await db.query<{ type: string }>('select type from sync_invoice_events where invoice_id = $1 order by id', [invoiceId])).rows.map((r) => r.type);
    const paidAt = new Date('2026-03-19T12:00:00.000Z');

    it('records a full payment once per (method, externalRef): the invoice is paid, invoice.paid once, one registerPayment', async () => {
      const { accountId, invoiceId, source, doc } = await setup();
      const input = { accountId, invoiceId, amount: '121.00', method: 'payment_link' as const, externalRef: 'card_1', paidAt };
      const first = await payments().record(input);
      expect(first).toMatchObject({ duplicate: false, invoice: { status: 'paid', amountDue: '0.00' }, payment: { amount: '121.00', currency: 'EUR' } });
      const again = await Promise.all([payments().record(input), payments().record(input)]);
      expect(again.map((r) => r.duplicate)).toEqual([true, true]);
      expect(again[0]!.payment.id).toBe(first.payment.id);
      expect(await payments().listPayments({ accountId, invoiceId })).toHaveLength(1);
      expect(await outbox(accountId, 'invoice.paid')).toEqual([{ data: expect.objectContaining({ invoiceId, amountDue: '0.00', totalInclVat: '121.00' }) }]);

      expect(await writebacks().drain({ accountId })).toEqual({ done: 1, failed: 0, parked: 0 });
      expect(await writebacks().drain({ accountId })).toEqual({ done: 0, failed: 0, parked: 0 });
      expect(source.writes).toEqual([
        { sourceInvoiceId: doc.sourceId, paymentId: expect.any(String), status: 'paid', amount: '121.00', paidAt: paidAt.toISOString() },
      ]);
      expect(await eventTypes(invoiceId)).toEqual(['imported', 'payment_recorded', 'writeback_queued', 'status_changed', 'writeback_done']);
    });

    it('keeps partial payments: amount due drops, the invoice stays booked until the last one', async () => {
      const { accountId, invoiceId, source } = await setup();
      const a = await payments().record({ accountId, invoiceId, amount: '21.00', method: 'transfer', externalRef: 'stmt-1/1', paidAt });
      expect(a.invoice).toMatchObject({ status: 'booked', amountDue: '100.00' });
      expect(await outbox(accountId, 'invoice.paid')).toEqual([]);
      const b = await payments().record({ accountId, invoiceId, amount: '100.00', method: 'manual', externalRef: 'cash-1', paidAt });
      expect(b.invoice).toMatchObject({ status: 'paid', amountDue: '0.00' });
      await expect(payments().record({ accountId, invoiceId, amount: '1.00', method: 'manual', externalRef: 'cash-2', paidAt })).rejects.toMatchObject({
        code: 'invoice_not_payable',
      });
      await writebacks().drain({ accountId });
      expect(source.writes.map((w) => w.amount)).toEqual(['21.00', '100.00']);
    });

    it('refuses what it cannot record and changes nothing', async () => {
      const { accountId, invoiceId } = await setup();
      const base = { accountId, invoiceId, method: 'manual' as const, paidAt };
      await expect(payments().record({ ...base, amount: '0', externalRef: 'x0' })).rejects.toMatchObject({ status: 400 });
      await expect(payments().record({ ...base, amount: '1.001', externalRef: 'x1' })).rejects.toMatchObject({ code: 'too_many_decimals' });
      await expect(payments().record({ ...base, amount: '10.00', currency: 'USD', externalRef: 'x2' })).rejects.toMatchObject({ code: 'invoice_not_payable' });
      await expect(payments().record({ ...base, invoiceId: 'inv_nope', amount: '10.00', externalRef: 'x3' })).rejects.toMatchObject({
        code: 'invoice_not_found',
      });
      await expect(payments().record({ ...base, accountId: 'acc_other', amount: '10.00', externalRef: 'x4' })).rejects.toMatchObject({
        code: 'invoice_not_found',
      });
      await payments().record({ ...base, amount: '10.00', externalRef: 'x5' });
      await expect(payments().record({ ...base, amount: '11.00', externalRef: 'x5' })).rejects.toMatchObject({ code: 'payment_conflict' });
      expect(await invoiceRow(invoiceId)).toEqual({ status: 'booked', amount_due: '111.00' });
      expect(await payments().listPayments({ accountId, invoiceId })).toHaveLength(1);
    });

    it('a re-import does not undo our status or amount due once a payment was recorded here', async () => {
      const { accountId, invoiceId, source, doc, importer, connection } = await setup();
      await payments().record({ accountId, invoiceId, amount: '121.00', method: 'manual', externalRef: 'keep-1', paidAt });
      // The source changed something else before our write-back reached it: it still says booked, 121 due.
      source.put({ ...doc, totalExclVat: '100.00', updatedAt: new Date(Date.parse(doc.updatedAt) + 60_000).toISOString() });
      await importer.importRecent({ connectionId: connection.id, days: 30 });
      expect(await invoiceRow(invoiceId)).toEqual({ status: 'paid', amount_due: '0.00' });
    });

    it('reverses a payment: booked before the due date, removePayments then the standing payments registered again', async () => {
      const { accountId, invoiceId, source } = await setup();
      await payments().record({ accountId, invoiceId, amount: '21.00', method: 'transfer', externalRef: 't-1', paidAt });
      await payments().record({ accountId, invoiceId, amount: '100.00', method: 'payment_link', externalRef: 'card-9', paidAt });
      await writebacks().drain({ accountId });
      const reversed = await payments().reverse({ accountId, method: 'payment_link', externalRef: 'card-9', reason: 'chargeback' });
      expect(reversed).toMatchObject({
        alreadyReversed: false,
        payment: { status: 'reversed', reverseReason: 'chargeback' },
        invoice: { status: 'booked', amountDue: '100.00' },
      });
      const twice = await payments().reverse({ accountId, method: 'payment_link', externalRef: 'card-9', reason: 'chargeback' });
      expect(twice.alreadyReversed).toBe(true);
      expect(await outbox(accountId, 'invoice.payment_removed')).toEqual([
        {
          data: expect.objectContaining({
            invoiceId,
            paymentId: reversed.payment.id,
            amount: '100.00',
            status: 'booked',
            amountDue: '100.00',
            reason: 'chargeback',
          }),
        },
      ]);
      expect(await writebacks().drain({ accountId })).toEqual({ done: 2, failed: 0, parked: 0 });
      expect(source.writes.map((w) => [w.status, w.amount])).toEqual([
        ['paid', '21.00'],
        ['paid', '100.00'],
        ['unpaid', null],
        ['paid', '21.00'],
      ]);
      await expect(payments().reverse({ accountId, method: 'manual', externalRef: 'nope', reason: 'x' })).rejects.toMatchObject({ code: 'payment_not_found' });
    });

    it('a reversal past the due date leaves the invoice expired', async () => {
      const { accountId, invoiceId } = await setup({ dueOn: '2026-03-19' });
      const { payment } = await payments().record({ accountId, invoiceId, amount: '121.00', method: 'direct_debit', externalRef: 'dd-1', paidAt });
      const { invoice } = await payments().reverseById({ accountId, paymentId: payment.id, reason: 'AM04 insufficient funds' });
      expect(invoice).toMatchObject({ status: 'expired', amountDue: '121.00' });
    });

    it('retries an outage with backoff, parks after the last attempt, and a retry writes it once; later rows of the invoice wait', async () => {
      const { accountId, invoiceId, source } = await setup();
      source.failWrites = 3;
      await payments().record({ accountId, invoiceId, amount: '121.00', method: 'manual', externalRef: 'm-1', paidAt });
      expect(await writebacks().drain({ accountId })).toEqual({ done: 0, failed: 1, parked: 0 });
      expect(await writebacks().drain({ accountId })).toEqual({ done: 0, failed: 0, parked: 0 }); // not due yet
      clock.advance({ seconds: 10 });
      expect(await writebacks().drain({ accountId })).toEqual({ done: 0, failed: 1, parked: 0 });
      clock.advance({ seconds: 20 });
      expect(await writebacks().drain({ accountId })).toEqual({ done: 0, failed: 0, parked: 1 });
      await payments().reverse({ accountId, method: 'manual', externalRef: 'm-1', reason: 'entered by mistake' });
      clock.advance({ hours: 2 });
      expect(await writebacks().drain({ accountId })).toEqual({ done: 0, failed: 0, parked: 0 }); // the removal waits behind the parked registration
      const [parked] = await writebacks().list({ accountId, status: 'parked' });
      expect(parked).toMatchObject({ action: 'register', attempts: 3, lastError: 'source unavailable (write)' });
      await expect(writebacks().retry({ accountId: 'acc_other', id: parked!.id })).rejects.toMatchObject({ code: 'writeback_not_found' });
      await writebacks().retry({ accountId, id: parked!.id });
      await expect(writebacks().retry({ accountId, id: parked!.id })).rejects.toMatchObject({ code: 'writeback_not_parked' });
      expect(await writebacks().drain({ accountId })).toEqual({ done: 2, failed: 0, parked: 0 });
      expect(source.writes.map((w) => w.status)).toEqual(['paid', 'unpaid']);
      expect(source.writeCalls).toBe(5);
      const types = await eventTypes(invoiceId);
      expect(types.filter((t) => t === 'writeback_failed')).toHaveLength(2);
      expect(types.filter((t) => t === 'writeback_parked')).toHaveLength(1);
      expect(types.filter((t) => t === 'writeback_done')).toHaveLength(2);
    });

    it('two drainers at once never write the same row twice, and a dead drainer’s lease is taken over', async () => {
      const { accountId, invoiceId, source } = await setup();
      await payments().record({ accountId, invoiceId, amount: '21.00', method: 'manual', externalRef: 'c-1', paidAt });
      let release!: () => void;
      source.holdWrites = new Promise<void>((resolve) => (release = resolve));
      const entered = new Promise<void>((resolve) => (source.writeEntered = resolve));
      const first = writebacks().drain({ accountId, owner: 'host-a' });
      await entered;
      expect(await writebacks().drain({ accountId, owner: 'host-b' })).toEqual({ done: 0, failed: 0, parked: 0 });
      source.holdWrites = null;
      release();
      expect(await first).toEqual({ done: 1, failed: 0, parked: 0 });
      expect(source.writeCalls).toBe(1);

      // host-c claims, then dies before writing: after the lease, host-d writes it.
      await payments().record({ accountId, invoiceId, amount: '100.00', method: 'manual', externalRef: 'c-2', paidAt });
      await db.query(`update sync_writebacks set lease_owner = 'host-c', lease_until = $2, attempts = 1 where invoice_id = $1 and status = 'pending'`, [
        invoiceId,
        new Date(clock.now().getTime() + 60_000),
      ]);
      expect(await writebacks().drain({ accountId, owner: 'host-d' })).toEqual({ done: 0, failed: 0, parked: 0 });
      clock.advance({ seconds: 61 });
      expect(await writebacks().drain({ accountId, owner: 'host-d' })).toEqual({ done: 1, failed: 0, parked: 0 });
      expect(source.writes.map((w) => w.amount)).toEqual(['21.00', '100.00']);
    });
  });
}
