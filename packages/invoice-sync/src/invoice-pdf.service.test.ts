import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { eventMigrations } from '@tollgate/events';
import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { LocalFileStore, type FileStore } from '@tollgate/files';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBuffer, type Entry } from 'yauzl';
import { ConnectionService } from './connection.service.js';
import { CustomerService } from './customer.service.js';
import { InvoiceImporter } from './invoice-importer.js';
import { InvoicePdfService, pdfFilename } from './invoice-pdf.service.js';
import { InvoiceQueries } from './invoice-query.service.js';
import type { SourceDocumentKind, SourcePdf } from './invoice-source.js';
import { invoiceSyncMigrations } from './invoice-sync.migrations.js';
import type { Invoice, InvoiceSyncOptions } from './invoice-sync.types.js';
import { ProfileService } from './profile.service.js';
import { ScriptedSource, sourceCustomer, sourceDoc } from './scripted-source.fixture.js';

/** A scripted source with PDFs: each document answers from its queue of outcomes, then `ready`. */
class PdfSource extends ScriptedSource {
  readonly outcomes = new Map<string, Array<SourcePdf | Error>>();
  readonly pdfCalls: string[] = [];

  async fetchPdf(input: { kind: SourceDocumentKind; sourceId: string }): Promise<SourcePdf> {
    this.pdfCalls.push(input.sourceId);
    const next = this.outcomes.get(input.sourceId)?.shift();
    if (next instanceof Error) throw next;
    return next ?? { status: 'ready', bytes: pdfBytes(input.sourceId) };
  }
}

const pdfBytes = (id: string) => new Uint8Array(Buffer.from(`%PDF-1.4\n% ${id}\n%%EOF\n`));
const NOT_READY: SourcePdf = { status: 'not_ready', reason: 'invoices.download answered 400: not rendered yet' };

/** Entry name → bytes. */
async function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error) return reject(error);
      const out = new Map<string, Buffer>();
      file.on('entry', (entry: Entry) => {
        file.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          buffer(stream).then((body) => {
            out.set(entry.fileName, body);
            file.readEntry();
          }, reject);
        });
      });
      file.on('end', () => resolve(out));
      file.on('error', reject);
      file.readEntry();
    });
  });
}

for (const engine of testEngines()) {
  describe(`invoice PDFs (S-6) [${engine.name}]`, () => {
    let db: TestDatabase;
    let root: string;
    let files: LocalFileStore;
    const clock = new ManualClock('2026-03-20T10:00:00.000Z');
    const sources = new Map<string, ScriptedSource>();
    const directory = { get: (id: string) => sources.get(id) };
    let connections: ConnectionService;
    let profiles: ProfileService;
    let customers: CustomerService;
    let queries: InvoiceQueries;
    const pdfService = (options: InvoiceSyncOptions = {}) => new InvoicePdfService(db, clock, directory, files, options);
    let n = 0;

    /** A fresh account and scripted source with `count` imported invoices (the last one a credit note when asked). */
    async function setup(input: { count?: number; source?: ScriptedSource } = {}) {
      n++;
      const accountId = `acc_pdf_${engine.name}_${n}`;
      const source = input.source ?? new PdfSource(`pdf-source-${n}`);
      sources.set(source.id, source);
      source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1' }));
      const profile = await profiles.create({ accountId, name: 'Link', directDebit: false, paymentLink: true, transfer: false });
      const connection = await connections.create({ accountId, sourceId: source.id, sourceAccountId: `tl-pdf-${n}`, defaultProfileId: profile.id });
      source.put(...Array.from({ length: input.count ?? 1 }, () => sourceDoc()));
      await new InvoiceImporter(db, clock, directory, connections, customers, {}).importRecent({ connectionId: connection.id, days: 3660 });
      const invoices = (await queries.listInvoices({ accountId, limit: 200 })).data.sort((a, b) =>
        a.sourceId.localeCompare(b.sourceId, 'en', { numeric: true }),
      );
      return { accountId, source: source as PdfSource, connection, invoices };
    }
    const events = async (accountId: string, invoice: Invoice) =>
      (await queries.getInvoice({ accountId, id: invoice.id })).events
        .filter((e) => e.type.startsWith('pdf_'))
        .map((e): Record<string, unknown> => ({ type: e.type, ...e.detail }));
    const outbox = async (accountId: string) =>
      (
        await db.query<{ data: Record<string, unknown> }>(
          `select data from event_outbox where account_id = $1 and type = 'invoice.pdf_available' order by id`,
          [accountId],
        )
      ).rows;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [eventMigrations, invoiceSyncMigrations] });
      root = await mkdtemp(join(tmpdir(), 'tollgate-pdfs-'));
      files = new LocalFileStore({ root });
      connections = new ConnectionService(db, clock, directory);
      profiles = new ProfileService(db, clock);
      customers = new CustomerService(db, clock);
      queries = new InvoiceQueries(db);
    });
    afterAll(async () => {
      await db?.dispose();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it('fetches an imported invoice’s PDF once, stores it per account and invoice, logs it and tells invoice.pdf_available', async () => {
      const { accountId, source, invoices } = await setup({ count: 2 });
      const [first, second] = invoices as [Invoice, Invoice];
      expect(first.pdfStatus).toBe('missing');
      const pdfs = pdfService();
      expect(await pdfs.runDue()).toEqual({ fetched: 2, notReady: 0, failed: 0, gaveUp: 0 });
      expect(await pdfs.runDue()).toEqual({ fetched: 0, notReady: 0, failed: 0, gaveUp: 0 });
      expect(source.pdfCalls.sort()).toEqual([first.sourceId, second.sourceId].sort());

      const stored = await pdfs.read({ accountId, invoiceId: first.id });
      expect(stored).toMatchObject({ invoiceId: first.id, filename: pdfFilename(first.number), size: pdfBytes(first.sourceId).length });
      expect(stored!.body.toString()).toBe(Buffer.from(pdfBytes(first.sourceId)).toString());
      expect(await files.stat({ key: `invoice-sync/${accountId}/${first.id}.pdf` })).toMatchObject({ contentType: 'application/pdf', sha256: stored!.sha256 });
      const opened = await pdfs.open({ accountId, invoiceId: second.id });
      expect((await buffer(opened.stream)).toString()).toContain(second.sourceId);
      expect(await pdfs.state({ accountId, invoiceId: first.id })).toMatchObject({ status: 'available', attempts: 1, lastError: null, fetchedAt: clock.now() });
      expect(await events(accountId, first)).toEqual([{ type: 'pdf_fetched', attempt: 1, size: stored!.size, sha256: stored!.sha256 }]);
      const told = await outbox(accountId);
      expect(told.map((r) => r.data.invoiceId).sort()).toEqual([first.id, second.id].sort());
      expect(told.find((r) => r.data.invoiceId === first.id)!.data).toEqual({
        invoiceId: first.id,
        connectionId: first.connectionId,
        kind: 'invoice',
        number: first.number,
        size: stored!.size,
        sha256: stored!.sha256,
        attempts: 1,
      });
      // Another account sees none of it.
      expect(await pdfs.read({ accountId: 'acc_other', invoiceId: first.id })).toBeNull();
      await expect(pdfs.open({ accountId: 'acc_other', invoiceId: first.id })).rejects.toMatchObject({ code: 'invoice_not_found', status: 404 });
    });

    it('while the source has not rendered it: retried with backoff (5, 10 minutes…), then fetched', async () => {
      const { accountId, source, invoices } = await setup();
      const invoice = invoices[0]!;
      source.outcomes.set(invoice.sourceId, [NOT_READY, NOT_READY]);
      const pdfs = pdfService();
      const start = clock.now().getTime();
      expect(await pdfs.runDue()).toMatchObject({ notReady: 1 });
      expect(await pdfs.state({ accountId, invoiceId: invoice.id })).toMatchObject({
        status: 'missing',
        attempts: 1,
        nextAttemptAt: new Date(start + 5 * 60_000),
        lastError: NOT_READY.reason,
      });
      await expect(pdfs.read({ accountId, invoiceId: invoice.id })).resolves.toBeNull();
      await expect(pdfs.open({ accountId, invoiceId: invoice.id })).rejects.toMatchObject({ code: 'pdf_not_available', status: 409 });

      clock.advance({ minutes: 4 });
      expect(await pdfs.runDue()).toEqual({ fetched: 0, notReady: 0, failed: 0, gaveUp: 0 });
      clock.advance({ minutes: 1 });
      expect(await pdfs.runDue()).toMatchObject({ notReady: 1 });
      expect((await pdfs.state({ accountId, invoiceId: invoice.id })).nextAttemptAt).toEqual(new Date(start + 15 * 60_000));
      clock.advance({ minutes: 9 });
      expect((await pdfs.runDue()).fetched).toBe(0);
      clock.advance({ minutes: 1 });
      expect((await pdfs.runDue()).fetched).toBe(1);
      expect(source.pdfCalls).toEqual([invoice.sourceId, invoice.sourceId, invoice.sourceId]);
      const log = await events(accountId, invoice);
      expect(log.map((e) => e.type)).toEqual(['pdf_not_ready', 'pdf_not_ready', 'pdf_fetched']);
      expect(log[0]).toMatchObject({ attempt: 1, maxAttempts: 10, retryAt: new Date(start + 5 * 60_000).toISOString() });
      expect(log[2]).toMatchObject({ attempt: 3 });
      expect((await outbox(accountId))[0]!.data.attempts).toBe(3);
    });

    it('gives up after the capped attempts (failed, with the reason); a fetch request starts it over', async () => {
      const { accountId, source, invoices } = await setup();
      const invoice = invoices[0]!;
      source.outcomes.set(invoice.sourceId, [
        NOT_READY,
        new Error('Teamleader file failed with 503.'),
        { status: 'ready', bytes: new Uint8Array(Buffer.from('<html>')) },
      ]);
      const pdfs = pdfService({ pdfMaxAttempts: 3, pdfRetryMinutes: 1 });
      expect(await pdfs.runDue()).toMatchObject({ notReady: 1 });
      clock.advance({ minutes: 1 });
      expect(await pdfs.runDue()).toMatchObject({ failed: 1 });
      clock.advance({ minutes: 2 });
      expect(await pdfs.runDue()).toMatchObject({ gaveUp: 1 });
      clock.advance({ days: 30 });
      expect(await pdfs.runDue()).toEqual({ fetched: 0, notReady: 0, failed: 0, gaveUp: 0 });
      expect(await pdfs.state({ accountId, invoiceId: invoice.id })).toMatchObject({
        status: 'failed',
        attempts: 3,
        nextAttemptAt: null,
        lastError: 'the source answered something that is not a PDF',
      });
      expect((await events(accountId, invoice)).map((e) => [e.type, e.reason])).toEqual([
        ['pdf_not_ready', NOT_READY.reason],
        ['pdf_fetch_failed', 'Teamleader file failed with 503.'],
        ['pdf_given_up', 'the source answered something that is not a PDF'],
      ]);
      expect((await queries.listInvoices({ accountId, pdfAvailable: false })).data.map((i) => [i.id, i.pdfStatus])).toEqual([[invoice.id, 'failed']]);

      expect(await pdfs.requestFetch({ accountId, invoiceIds: [invoice.id] })).toEqual({ scheduled: 1, available: 0 });
      expect(await pdfs.state({ accountId, invoiceId: invoice.id })).toMatchObject({ status: 'missing', attempts: 0, nextAttemptAt: null });
      expect(await pdfs.runDue()).toMatchObject({ fetched: 1 });
      expect((await events(accountId, invoice)).slice(-2)).toEqual([
        { type: 'pdf_fetch_requested', previousStatus: 'failed', previousAttempts: 3 },
        expect.objectContaining({ type: 'pdf_fetched', attempt: 1 }),
      ]);
      // Asking again for one that has its PDF schedules nothing.
      expect(await pdfs.requestFetch({ accountId, invoiceIds: [invoice.id] })).toEqual({ scheduled: 0, available: 1 });
    });

    it('a fetch request with an unknown id refuses the whole request and changes nothing; without ids it takes every missing one', async () => {
      const { accountId, source, invoices } = await setup({ count: 3 });
      const [a, b, c] = invoices as [Invoice, Invoice, Invoice];
      for (const doc of [a, b, c]) source.outcomes.set(doc.sourceId, [NOT_READY]);
      const pdfs = pdfService();
      await pdfs.runDue();
      await expect(pdfs.requestFetch({ accountId, invoiceIds: [a.id, 'inv_nope'] })).rejects.toMatchObject({ code: 'invoice_not_found', status: 404 });
      await expect(pdfs.requestFetch({ accountId: 'acc_other', invoiceIds: [a.id] })).rejects.toMatchObject({ code: 'invoice_not_found' });
      expect((await pdfs.state({ accountId, invoiceId: a.id })).attempts).toBe(1);
      expect(await pdfs.requestFetch({ accountId })).toEqual({ scheduled: 3, available: 0 });
      expect(await pdfs.runDue()).toMatchObject({ fetched: 3 });
      expect((await queries.listInvoices({ accountId, pdfAvailable: true })).data).toHaveLength(3);
      expect((await queries.listInvoices({ accountId, pdfAvailable: false })).data).toEqual([]);
    });

    it('waits while the connection needs consent again; a source without PDFs is given up at once', async () => {
      const { accountId, connection, invoices } = await setup();
      await connections.markReconsentNeeded({ id: connection.id });
      const pdfs = pdfService();
      expect(await pdfs.runDue()).toEqual({ fetched: 0, notReady: 0, failed: 0, gaveUp: 0 });
      expect((await pdfs.state({ accountId, invoiceId: invoices[0]!.id })).attempts).toBe(0);

      const plain = await setup({ source: new ScriptedSource(`plain-${n}`) });
      expect(await pdfs.runDue()).toMatchObject({ gaveUp: 1 });
      expect(await pdfs.state({ accountId: plain.accountId, invoiceId: plain.invoices[0]!.id })).toMatchObject({
        status: 'failed',
        lastError: `the source ${plain.source.id} does not provide PDFs`,
      });
    });

    it('two rounds at once (two hosts) fetch each PDF once and tell it once', async () => {
      const { accountId, source, invoices } = await setup({ count: 6 });
      const [one, two] = [pdfService(), pdfService()];
      const results = await Promise.all([one.runDue(), two.runDue()]);
      expect(results[0]!.fetched + results[1]!.fetched).toBe(6);
      expect(source.pdfCalls).toHaveLength(6);
      expect(new Set(source.pdfCalls).size).toBe(6);
      expect(await outbox(accountId)).toHaveLength(6);
      for (const invoice of invoices) expect((await events(accountId, invoice)).map((e) => e.type)).toEqual(['pdf_fetched']);
    });

    it('a round claimed by a host that died is taken over after the lease', async () => {
      const { accountId, source, invoices } = await setup();
      const invoice = invoices[0]!;
      // A claim without a fetch: what a host that crashed mid-round leaves behind.
      await db.query(`update sync_invoices set pdf_attempts = 1, pdf_next_attempt_at = $2 where id = $1`, [
        invoice.id,
        new Date(clock.now().getTime() + 10 * 60_000),
      ]);
      const pdfs = pdfService();
      expect((await pdfs.runDue()).fetched).toBe(0);
      clock.advance({ minutes: 10 });
      expect((await pdfs.runDue()).fetched).toBe(1);
      expect(source.pdfCalls).toEqual([invoice.sourceId]);
      expect((await pdfs.state({ accountId, invoiceId: invoice.id })).attempts).toBe(2);
    });

    it('ZIP of a selection: the PDFs by number and missing.txt for those without; 409 no_pdf_available when none has one', async () => {
      const { accountId, source, invoices } = await setup({ count: 3 });
      const [a, b, c] = invoices as [Invoice, Invoice, Invoice];
      source.outcomes.set(b.sourceId, [NOT_READY]);
      const pdfs = pdfService();
      await pdfs.runDue();
      const zip = await pdfs.zip({ accountId, invoiceIds: [a.id, b.id, c.id, a.id, 'inv_unknown'] });
      expect(zip.files).toBe(2);
      expect(zip.missing.map((m) => m.invoiceId)).toEqual([b.id, 'inv_unknown']);
      const entries = await unzip(await buffer(zip.stream));
      expect([...entries.keys()].sort()).toEqual([pdfFilename(a.number), pdfFilename(c.number), 'missing.txt'].sort());
      expect(entries.get(pdfFilename(a.number))!.toString()).toBe(Buffer.from(pdfBytes(a.sourceId)).toString());
      const missing = entries.get('missing.txt')!.toString();
      expect(missing).toContain(`${b.number}\t${b.id}\tnot fetched yet (1 attempts so far, last: ${NOT_READY.reason})`);
      expect(missing).toContain('inv_unknown\tinv_unknown\tnot found in this account');
      expect(missing).not.toContain(a.id);

      await expect(pdfs.zip({ accountId, invoiceIds: [b.id] })).rejects.toMatchObject({ code: 'no_pdf_available', status: 409 });
      await expect(pdfs.zip({ accountId: 'acc_other', invoiceIds: [a.id] })).rejects.toMatchObject({ code: 'no_pdf_available' });
      // All present: no missing.txt.
      const whole = await unzip(await buffer((await pdfs.zip({ accountId, invoiceIds: [a.id, c.id] })).stream));
      expect([...whole.keys()].sort()).toEqual([pdfFilename(a.number), pdfFilename(c.number)].sort());
    });

    it('a PDF that vanishes from the store while the ZIP is sent breaks the download with an error (no silent gap, no crash)', async () => {
      const { accountId, invoices } = await setup({ count: 2 });
      const [a, b] = invoices as [Invoice, Invoice];
      await pdfService().runDue();
      // The store still has b when the ZIP is planned, and no longer when the stream gets to it.
      const gone = `invoice-sync/${accountId}/${b.id}.pdf`;
      const vanishing: FileStore = {
        put: (input) => files.put(input),
        read: (input) => files.read(input),
        stat: (input) => files.stat(input),
        delete: (input) => files.delete(input),
        open: (input) => (input.key === gone ? Promise.resolve(null) : files.open(input)),
      };
      const pdfs = new InvoicePdfService(db, clock, directory, vanishing, {});
      const zip = await pdfs.zip({ accountId, invoiceIds: [a.id, b.id] });
      expect(zip.files).toBe(2);
      await expect(buffer(zip.stream)).rejects.toThrow(/vanished from the file store/);
    });

    it('file names: the display number made safe', () => {
      expect(pdfFilename('2026 / 12')).toBe('2026-12.pdf');
      expect(pdfFilename('CN2026 / 3')).toBe('CN2026-3.pdf');
      expect(pdfFilename('../../etc')).toBe('etc.pdf');
      expect(pdfFilename('///')).toBe('invoice.pdf');
    });
  });
}
