import { CLOCK, ManualClock } from '@tollgate/clock';
import { DATABASE, migrate, pgArray, testEngines, type TestDatabase } from '@tollgate/db';
import { eventMigrations } from '@tollgate/events';
import type { AccountingDetails } from '@tollgate/plugin-sdk';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTING_DOCUMENTS, type AccountingDocumentReader } from './accounting-documents.js';
import { AccountingDocumentsService } from './accounting-documents.service.js';
import { ConnectionService } from './connection.service.js';
import { CustomerService } from './customer.service.js';
import { InvoiceImporter } from './invoice-importer.js';
import type { SourceDocument, SourceDocumentKind } from './invoice-source.js';
import { invoiceSyncMigrations } from './invoice-sync.migrations.js';
import { ProfileService } from './profile.service.js';
import { registerInvoiceSync } from './registration.js';
import { ScriptedSource, sourceCustomer, sourceDoc } from './scripted-source.fixture.js';

/** Accounting details as a source gives them; `total` makes each document's figures its own. */
function details(total = '100.00'): AccountingDetails {
  const tax = '21.00'; // stored and read back as given: the service never sums these
  return {
    seller: {
      name: 'Seller BV',
      vatNumber: 'BE0899623035',
      enterpriseNumber: '0899623035',
      address: { line1: 'Street 1', postalCode: '9000', city: 'Gent', country: 'BE' },
    },
    buyer: { name: 'Buyer NV', vatNumber: 'BE0417497106', enterpriseNumber: '0417497106', address: { country: 'BE' }, sourceId: 'cus-1' },
    lines: [
      {
        id: '1',
        description: 'Services',
        quantity: '1',
        unitCode: 'C62',
        unitPrice: total,
        discount: '0.00',
        lineTotal: total,
        vatCategory: 'S',
        vatRate: '21',
      },
    ],
    vatBreakdown: [{ vatCategory: 'S', vatRate: '21', taxableAmount: total, taxAmount: tax }],
    totals: { lineExtension: total, allowances: '0.00', taxExclusive: total, tax, taxInclusive: total, prepaid: '0.00', payable: total },
    payment: { meansCode: '58', reference: '+++000/0000/00097+++', iban: 'BE68539007547034' },
    references: { buyerReference: 'PO-1' },
  };
}

/** A source whose getDocument can fail for chosen documents (an outage for one of them) and counts its calls. */
class AccountingSource extends ScriptedSource {
  readonly failing = new Set<string>();
  readonly getCalls: string[] = [];
  override async getDocument(input: { kind: SourceDocumentKind; sourceId: string }) {
    this.getCalls.push(input.sourceId);
    if (this.failing.has(input.sourceId)) throw new Error(`source unavailable for ${input.sourceId}`);
    return super.getDocument(input);
  }
}

for (const engine of testEngines()) {
  describe(`accounting documents: stored on import, listed, backfilled (P-6) [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-20T10:00:00.000Z');
    const sources = new Map<string, AccountingSource>();
    const directory = { get: (id: string) => sources.get(id) };
    let connections: ConnectionService;
    let profiles: ProfileService;
    let customers: CustomerService;
    let reader: AccountingDocumentsService;
    let n = 0;

    async function setup(docs: SourceDocument[]) {
      n++;
      const accountId = `acc_acct_${engine.name}_${n}`;
      const source = new AccountingSource(`acct-source-${n}`);
      sources.set(source.id, source);
      source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1' }));
      const profile = await profiles.create({ accountId, name: 'Transfer', directDebit: false, paymentLink: false, transfer: true });
      const connection = await connections.create({ accountId, sourceId: source.id, sourceAccountId: `tl-acct-${n}`, defaultProfileId: profile.id });
      source.put(...docs);
      const importer = new InvoiceImporter(db, clock, directory, connections, customers, {});
      await importer.importRecent({ connectionId: connection.id, days: 3660 });
      const ids = async () =>
        new Map(
          (await db.query<{ id: string; source_id: string }>('select id, source_id from sync_invoices where account_id = $1', [accountId])).rows.map((r) => [
            r.source_id,
            r.id,
          ]),
        );
      return { accountId, source, connection, importer, ids: await ids() };
    }

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [eventMigrations, invoiceSyncMigrations] });
      connections = new ConnectionService(db, clock, directory);
      profiles = new ProfileService(db, clock);
      customers = new CustomerService(db, clock);
      reader = new AccountingDocumentsService(db, clock, directory);
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('the importer stores what the source gives; list joins it with the invoice and names the documents without details as missing', async () => {
      const withDetails = sourceDoc({ issuedOn: '2026-03-01', accounting: details('100.00') });
      const credit = sourceDoc({ kind: 'credit_note', number: '2026 / 1', issuedOn: '2026-03-05', accounting: details('40.00') });
      const bare = sourceDoc({ issuedOn: '2026-03-03' });
      const { accountId, source, ids } = await setup([withDetails, credit, bare]);
      const page = await reader.list({ accountId });
      expect(page.documents.map((d) => [d.number, d.kind, d.issuedOn])).toEqual([
        [withDetails.number, 'invoice', '2026-03-01'],
        ['CN2026 / 1', 'credit_note', '2026-03-05'],
      ]);
      expect(page.documents[0]).toEqual({
        ...details('100.00'),
        id: ids.get(withDetails.sourceId),
        kind: 'invoice',
        number: withDetails.number,
        issuedOn: '2026-03-01',
        dueOn: withDetails.dueOn,
        currency: 'EUR',
        source: { id: source.id, documentId: withDetails.sourceId },
      });
      // A credit note has no due date at the source (the import keeps its date there for collection).
      expect(page.documents[1]).toMatchObject({ kind: 'credit_note', issuedOn: '2026-03-05', dueOn: null });
      expect(page.missing).toEqual([{ invoiceId: ids.get(bare.sourceId), number: bare.number, reason: 'no_accounting_details' }]);
      expect(page.nextCursor).toBeNull();
    });

    it('filters combine (ids, issue dates inclusive, kinds, statuses) and pages run by issue date then id with an opaque cursor', async () => {
      const docs = Array.from({ length: 7 }, (_, i) => sourceDoc({ issuedOn: `2026-03-0${i + 1}`, accounting: details(`${i + 1}0.00`) }));
      docs.push(sourceDoc({ kind: 'credit_note', number: 'CN 9', issuedOn: '2026-03-04', accounting: details('5.00') }));
      const { accountId, ids } = await setup(docs);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<AccountingDocumentReader['list']>> = await reader.list({ accountId, limit: 3, cursor });
        seen.push(...page.documents.map((d) => d.issuedOn));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07']);

      const ranged = await reader.list({ accountId, issuedFrom: '2026-03-02', issuedTo: '2026-03-04', kinds: ['invoice'] });
      expect(ranged.documents.map((d) => d.issuedOn)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
      const credits = await reader.list({ accountId, kinds: ['credit_note'] });
      expect(credits.documents.map((d) => d.totals.taxExclusive)).toEqual(['5.00']);
      const picked = await reader.list({ accountId, ids: [ids.get(docs[1]!.sourceId)!, ids.get(docs[5]!.sourceId)!, 'inv_other'], issuedTo: '2026-03-03' });
      expect(picked.documents.map((d) => d.id)).toEqual([ids.get(docs[1]!.sourceId)]);
      expect((await reader.list({ accountId, statuses: ['paid'] })).documents).toEqual([]);
      expect((await reader.list({ accountId, statuses: ['booked'] })).documents).toHaveLength(8);
      // Another account sees none of them.
      expect(await reader.list({ accountId: 'acc_nobody' })).toEqual({ documents: [], missing: [], nextCursor: null });
      await expect(reader.list({ accountId, limit: 501 })).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(reader.list({ accountId, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_cursor' });
      await expect(reader.list({ accountId, issuedFrom: '1 March' })).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('an update from the source overwrites the details; an older read (a replay) does not; an unchanged re-read fills a document imported without them', async () => {
      const doc = sourceDoc({ issuedOn: '2026-03-02', accounting: details('100.00') });
      const bare = sourceDoc({ issuedOn: '2026-03-03' });
      const { accountId, source, importer, connection } = await setup([doc, bare]);
      const later = new Date(new Date(doc.updatedAt).getTime() + 60_000).toISOString();
      source.put({ ...doc, totalExclVat: '150.00', totalInclVat: '181.50', amountDue: '181.50', updatedAt: later, accounting: details('150.00') });
      await importer.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: doc.sourceId });
      expect((await reader.list({ accountId })).documents.map((d) => d.totals.taxExclusive)).toEqual(['150.00']);
      // A replayed older read changes nothing.
      source.put({ ...doc, accounting: details('999.00') });
      await importer.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: doc.sourceId });
      expect((await reader.list({ accountId })).documents.map((d) => d.totals.taxExclusive)).toEqual(['150.00']);
      // The same version of `bare`, now with details (a source upgraded since): the re-read stores them.
      source.put({ ...bare, accounting: details('70.00') });
      await importer.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: bare.sourceId });
      const after = await reader.list({ accountId });
      expect(after.documents.map((d) => d.totals.taxExclusive)).toEqual(['150.00', '70.00']);
      expect(after.missing).toEqual([]);
    });

    it('backfill reads what is missing, bounded per call, survives one document’s failure, and is idempotent', async () => {
      const docs = Array.from({ length: 5 }, (_, i) => sourceDoc({ issuedOn: `2026-02-1${i}` }));
      const { accountId, source, ids } = await setup(docs);
      expect((await reader.list({ accountId })).missing).toHaveLength(5);
      // The source now gives details (a newer plugin); the second document's read fails (an outage for it).
      for (const [i, doc] of docs.entries()) source.put({ ...doc, accounting: details(`${i + 1}00.00`) });
      source.failing.add(docs[1]!.sourceId);

      expect(await reader.backfill({ accountId, limit: 3 })).toEqual({ filled: 2, failed: 1, remaining: 3 });
      expect(source.getCalls).toEqual([docs[0]!.sourceId, docs[1]!.sourceId, docs[2]!.sourceId]);
      const misses = await db.query<{ attempts: number; last_error: string }>(
        'select attempts, last_error from invoice_accounting_misses where invoice_id = $1',
        [ids.get(docs[1]!.sourceId)],
      );
      expect(misses.rows).toEqual([{ attempts: 1, last_error: `source unavailable for ${docs[1]!.sourceId}` }]);

      // Untried documents go before the one that failed: the next call is not stuck on it.
      source.getCalls.length = 0;
      expect(await reader.backfill({ accountId, limit: 2 })).toEqual({ filled: 2, failed: 0, remaining: 1 });
      expect(source.getCalls).toEqual([docs[3]!.sourceId, docs[4]!.sourceId]);

      source.failing.clear();
      source.getCalls.length = 0;
      expect(await reader.backfill({ accountId })).toEqual({ filled: 1, failed: 0, remaining: 0 });
      expect(source.getCalls).toEqual([docs[1]!.sourceId]);
      expect((await db.query('select 1 from invoice_accounting_misses where invoice_id = $1', [ids.get(docs[1]!.sourceId)])).rows).toEqual([]);

      // Idempotent: nothing left, nothing read.
      source.getCalls.length = 0;
      expect(await reader.backfill({ accountId })).toEqual({ filled: 0, failed: 0, remaining: 0 });
      expect(source.getCalls).toEqual([]);
      const listed = await reader.list({ accountId });
      expect(listed.missing).toEqual([]);
      expect(listed.documents.map((d) => d.totals.taxExclusive)).toEqual(['100.00', '200.00', '300.00', '400.00', '500.00']);
    });

    it('backfill counts a document gone at the source or given without details as failed; disconnected connections are left alone', async () => {
      const gone = sourceDoc({ issuedOn: '2026-01-10' });
      const plain = sourceDoc({ issuedOn: '2026-01-11' });
      const { accountId, source, connection, ids } = await setup([gone, plain]);
      source.documents = source.documents.filter((d) => d.sourceId !== gone.sourceId);
      expect(await reader.backfill({ accountId })).toEqual({ filled: 0, failed: 2, remaining: 2 });
      const errors = await db.query<{ invoice_id: string; last_error: string }>(
        'select invoice_id, last_error from invoice_accounting_misses where invoice_id = any($1::text[]) order by last_error',
        [pgArray([ids.get(gone.sourceId)!, ids.get(plain.sourceId)!])],
      );
      expect(errors.rows).toEqual([
        { invoice_id: ids.get(gone.sourceId), last_error: 'not_found_at_source' },
        { invoice_id: ids.get(plain.sourceId), last_error: 'source_gives_no_accounting_details' },
      ]);
      await db.query(`update sync_connections set status = 'disconnected' where id = $1`, [connection.id]);
      source.getCalls.length = 0;
      expect(await reader.backfill({ accountId })).toEqual({ filled: 0, failed: 0, remaining: 0 });
      expect(source.getCalls).toEqual([]);
      await expect(reader.backfill({ accountId, limit: 0 })).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('with backoff (the sweep) a failed document waits 1 h, then 2 h … at most a day; an explicit call tries it at once', async () => {
      const doc = sourceDoc({ issuedOn: '2026-01-05' });
      const { accountId, source } = await setup([doc]);
      source.put({ ...doc, accounting: details('10.00') });
      source.failing.add(doc.sourceId);
      expect(await reader.backfill({ accountId, backoff: true })).toEqual({ filled: 0, failed: 1, remaining: 1 });
      source.getCalls.length = 0;
      expect(await reader.backfill({ accountId, backoff: true })).toEqual({ filled: 0, failed: 0, remaining: 1 });
      expect(source.getCalls).toEqual([]);
      clock.advance({ hours: 1 });
      expect(await reader.backfill({ accountId, backoff: true })).toEqual({ filled: 0, failed: 1, remaining: 1 });
      clock.advance({ minutes: 90 });
      expect(await reader.backfill({ accountId, backoff: true })).toEqual({ filled: 0, failed: 0, remaining: 1 });
      expect(await reader.backfill({ accountId })).toEqual({ filled: 0, failed: 1, remaining: 1 });
      source.failing.clear();
      clock.advance({ hours: 3, minutes: 59 });
      expect(await reader.backfill({ accountId, backoff: true })).toEqual({ filled: 0, failed: 0, remaining: 1 });
      clock.advance({ minutes: 1 });
      expect(await reader.backfill({ accountId, backoff: true })).toEqual({ filled: 1, failed: 0, remaining: 0 });
      expect(source.getCalls).toEqual([doc.sourceId, doc.sourceId, doc.sourceId]);
    });

    it('direct debit: the customer’s mandate fills BT-89/BT-91; without a usable one the document becomes a credit transfer (58) with the structured communication and the seller’s IBAN', async () => {
      const debit = (total: string): AccountingDetails => {
        const base = details(total);
        return { ...base, payment: { meansCode: '59', reference: null, iban: null, termDays: 30 } };
      };
      const doc = sourceDoc({ issuedOn: '2026-03-10', accounting: debit('100.00') });
      const transfer = sourceDoc({ issuedOn: '2026-03-11', accounting: details('50.00') });
      const { accountId, ids } = await setup([doc, transfer]);
      const invoiceId = ids.get(doc.sourceId)!;
      const now = clock.now();
      await db.query(`update sync_invoices set structured_reference = '000000001097' where id = $1`, [invoiceId]);
      await db.query(
        `insert into sync_direct_debit_creditors (account_id, name, iban, bic, creditor_id, updated_at) values ($1, 'Seller BV', 'BE71096123456769', 'GKCCBEBB', 'BE68ZZZ0899623035', $2)`,
        [accountId, now],
      );
      const payment = async () => (await reader.list({ accountId })).documents.find((d) => d.id === invoiceId)!.payment;

      // No mandate: SEPA credit transfer to the seller's account, with our structured communication.
      expect(await payment()).toEqual({
        meansCode: '58',
        reference: '+++000/0000/01097+++',
        iban: 'BE71096123456769',
        termDays: 30,
        mandateReference: null,
        debitedAccount: null,
      });

      const { rows } = await db.query<{ customer_id: string }>('select customer_id from sync_invoices where id = $1', [invoiceId]);
      const customerId = rows[0]!.customer_id;
      await db.query(
        `insert into sync_mandates (id, account_id, customer_id, reference, iban, bic, signature_date, sequence, status, created_at, updated_at)
         values ('mdt_old_' || $1, $1, $2, 'MANDATE-OLD', 'BE62510007547061', null, '2025-01-01', 'RCUR', 'revoked', $3, $3),
                ('mdt_new_' || $1, $1, $2, 'MANDATE-7', 'NL91ABNA0417164300', null, '2026-01-01', 'RCUR', 'active', $3, $3)`,
        [accountId, customerId, now],
      );
      expect(await payment()).toEqual({
        meansCode: '59',
        reference: null,
        iban: null,
        termDays: 30,
        mandateReference: 'MANDATE-7',
        debitedAccount: 'NL91ABNA0417164300',
      });
      // A document that is not a direct debit is left as the source gave it.
      expect((await reader.list({ accountId })).documents.find((d) => d.id === ids.get(transfer.sourceId))!.payment).toEqual(details('50.00').payment);

      // The invoice was collected with the old mandate (a collection not returned): that one is the document's.
      await db.query(
        `insert into sync_direct_debit_runs (id, account_id, trigger, collector_id, item_count, control_sum, created_at) values ('ddr_' || $1, $1, 'manual', 'sepa', 1, 121.00, $2)`,
        [accountId, now],
      );
      await db.query(
        `insert into sync_direct_debit_items (end_to_end_id, account_id, invoice_id, mandate_id, run_id, amount, sequence, status, created_at, updated_at)
         values ('e2e_' || $1, $1, $2, 'mdt_old_' || $1, 'ddr_' || $1, 121.00, 'RCUR', 'submitted', $3, $3)`,
        [accountId, invoiceId, now],
      );
      expect(await payment()).toMatchObject({ meansCode: '59', mandateReference: 'MANDATE-OLD', debitedAccount: 'BE62510007547061' });
      // Returned by the bank: that collection no longer names the mandate; the active one does again.
      await db.query(`update sync_direct_debit_items set status = 'returned' where end_to_end_id = 'e2e_' || $1`, [accountId]);
      expect(await payment()).toMatchObject({ meansCode: '59', mandateReference: 'MANDATE-7' });

      // Revoked, and never collected with: no usable mandate any more.
      await db.query(`update sync_mandates set status = 'revoked' where customer_id = $1`, [customerId]);
      expect(await payment()).toMatchObject({ meansCode: '58', mandateReference: null });
    });

    it('registerInvoiceSync puts the reader under ACCOUNTING_DOCUMENTS (the same instance as the service)', () => {
      const child = container.createChildContainer();
      child.register(DATABASE, { useValue: db });
      child.register(CLOCK, { useValue: clock });
      registerInvoiceSync({ container: child, sources: directory });
      const byToken = child.resolve<AccountingDocumentReader>(ACCOUNTING_DOCUMENTS);
      expect(byToken).toBeInstanceOf(AccountingDocumentsService);
      expect(byToken).toBe(child.resolve(AccountingDocumentsService));
    });
  });
}
