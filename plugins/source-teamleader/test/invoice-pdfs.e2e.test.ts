import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBuffer, type Entry } from 'yauzl';
import plugin from '../src/index.js';
import { connectThroughSandbox, sandboxPluginOptions } from './teamleader-test-kit.js';

/**
 * S-6 end to end: a real host with the source-teamleader plugin and the Teamleader sandbox over real
 * HTTP, one manual clock. Imported invoices' PDFs are fetched by the schedule (invoices.download →
 * the temporary location), retried with backoff while Teamleader has not rendered them, fetched again
 * from a new location when one expired, served one by one and as a streamed ZIP with missing.txt.
 */
const API = '/v1/invoice-sync';

type Ref = { type: 'company' | 'contact'; id: string };
type Seeded = { id: string; invoice_number: string };

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
  describe(`invoice PDFs from Teamleader, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: TeamleaderSandbox;
    let t: TestHost;
    let filesRoot: string;
    let owner: { accountId: string; ownerKey: string };
    let member: string;
    let acme: Ref;
    let closed = false;
    /** Teamleader invoice id → our invoice id. */
    const ours = new Map<string, string>();

    const api = (input: { method?: string; path: string; body?: unknown; key?: string }) =>
      t.request({ ...input, path: `${API}${input.path}`, key: input.key ?? owner.ownerKey });
    /** A raw request, for binary answers (PDF, ZIP). */
    const raw = (input: { method?: string; path: string; body?: unknown; key?: string }) =>
      fetch(`${t.url}${API}${input.path}`, {
        method: input.method ?? 'GET',
        headers: { authorization: `Bearer ${input.key ?? owner.ownerKey}`, ...(input.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
      });
    const book = () => sandbox.control.seedInvoice({ customer: acme, booked: true }) as unknown as Seeded;
    /** A manual import of what was booked; returns our ids of the given Teamleader invoices. */
    const importBooked = async (...docs: Seeded[]) => {
      const connectionId = (await api({ path: '/connections' })).body.data[0].id as string;
      expect((await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } })).status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
      for (const doc of docs) {
        const { rows } = await t.db.query<{ id: string }>(`select id from sync_invoices where kind = 'invoice' and source_id = $1`, [doc.id]);
        expect(rows).toHaveLength(1);
        ours.set(doc.id, rows[0]!.id);
      }
      return docs.map((doc) => ours.get(doc.id)!);
    };
    const invoice = async (id: string) => (await api({ path: `/invoices/${id}` })).body;
    const pdfEvents = async (id: string) =>
      ((await invoice(id)).events as Array<{ type: string; detail: Record<string, unknown> }>).filter((e) => e.type.startsWith('pdf_'));
    /** Teamleader calls about one document since `from` (an index into the request log). */
    const calls = (from: number, doc: Seeded) =>
      sandbox.control
        .requests()
        .slice(from)
        .filter((r) => (r.path === '/invoices.download' && (r.body as { id?: string } | null)?.id === doc.id) || r.path.startsWith('/files/'))
        .map((r) => `${r.method} ${r.path.startsWith('/files/') ? '/files/…' : r.path} ${r.status}`);
    const round = () => t.host.invoiceSync.pdfJobs.runOnce();

    beforeAll(async () => {
      sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      filesRoot = await mkdtemp(join(tmpdir(), 'tollgate-pdf-e2e-'));
      t = await createTestHost({
        engine,
        clock,
        plugins: [{ plugin, options: sandboxPluginOptions({ sandbox, maxAttempts: 2 }) }],
        config: { files: { root: filesRoot } },
      });
      owner = await t.createAccount({ name: 'Pdf BV' });
      member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'member', role: 'member' } })).body.key;
      acme = { type: 'company', id: (sandbox.control.seedCompany({ name: 'Acme NV', email: 'info@acme.test' }) as { id: string }).id };
      expect((await connectThroughSandbox({ t, key: owner.ownerKey })).status).toBe(200);
      const profile = await api({ method: 'POST', path: '/profiles', body: { name: 'Link', directDebit: false, paymentLink: true, transfer: false } });
      expect(profile.status).toBe(201);
    });
    afterAll(async () => {
      if (!closed) await t?.close();
      await sandbox?.close();
      if (filesRoot) await rm(filesRoot, { recursive: true, force: true });
    });

    it('imported → its PDF is fetched by the schedule, served as application/pdf, logged and told (invoice.pdf_available)', async () => {
      const doc = book();
      const [id] = await importBooked(doc);
      expect((await invoice(id!)).pdfStatus).toBe('missing');
      const before = await api({ path: `/invoices/${id}/pdf` });
      expect(before.status).toBe(409);
      expect(before.body.error).toMatchObject({ code: 'pdf_not_available' });

      const from = sandbox.control.requests().length;
      expect(await round()).toEqual({ fetched: 1, notReady: 0, failed: 0, gaveUp: 0 });
      expect(calls(from, doc)).toEqual(['POST /invoices.download 200', 'GET /files/… 200']);
      expect(await round()).toEqual({ fetched: 0, notReady: 0, failed: 0, gaveUp: 0 });

      const detail = await invoice(id!);
      expect(detail.pdfStatus).toBe('available');
      expect((await pdfEvents(id!)).map((e) => [e.type, e.detail.attempt])).toEqual([['pdf_fetched', 1]]);
      for (const key of [owner.ownerKey, member]) {
        const pdf = await raw({ path: `/invoices/${id}/pdf`, key });
        expect(pdf.status).toBe(200);
        expect(pdf.headers.get('content-type')).toBe('application/pdf');
        expect(pdf.headers.get('content-disposition')).toBe(`inline; filename="${detail.number.replace(/[^A-Za-z0-9._-]+/g, '-')}.pdf"`);
        const text = Buffer.from(await pdf.arrayBuffer()).toString('latin1');
        expect(text).toMatch(/^%PDF-1\.4/);
        expect(text).toContain(`Invoice ${doc.invoice_number}`);
        expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
      }
      // Another account's key: the invoice does not exist for it.
      const other = await t.createAccount({ name: 'Other BV' });
      expect((await api({ path: `/invoices/${id}/pdf`, key: other.ownerKey })).status).toBe(404);

      await t.host.events.jobs.runOnce();
      const told = await t.request({ path: '/v1/events?type=invoice.pdf_available', key: owner.ownerKey });
      expect(told.body.data).toEqual([
        expect.objectContaining({ type: 'invoice.pdf_available', data: expect.objectContaining({ invoiceId: id, number: detail.number, attempts: 1 }) }),
      ]);
    });

    it('not rendered yet (400 right after booking) → retried with backoff (5, then 10 minutes), then fetched', async () => {
      sandbox.control.setPdfMode('deferred');
      const doc = book();
      sandbox.control.setPdfMode('immediate');
      const [id] = await importBooked(doc);
      const from = sandbox.control.requests().length;
      expect(await round()).toMatchObject({ notReady: 1 });
      const first = (await pdfEvents(id!))[0]!;
      expect(first).toMatchObject({ type: 'pdf_not_ready', detail: { attempt: 1, retryAt: '2026-03-02T09:05:00.000Z' } });
      expect(first.detail.reason).toMatch(/invoices\.download answered 400: .*not rendered/);

      clock.advance({ minutes: 4 });
      expect(await round()).toEqual({ fetched: 0, notReady: 0, failed: 0, gaveUp: 0 });
      clock.advance({ minutes: 1 });
      expect(await round()).toMatchObject({ notReady: 1 });
      expect((await pdfEvents(id!))[1]).toMatchObject({ type: 'pdf_not_ready', detail: { attempt: 2, retryAt: '2026-03-02T09:15:00.000Z' } });
      sandbox.control.markPdfReady({ id: doc.id });
      clock.advance({ minutes: 9 });
      expect((await round()).fetched).toBe(0);
      clock.advance({ minutes: 1 });
      expect((await round()).fetched).toBe(1);
      expect(calls(from, doc)).toEqual(['POST /invoices.download 400', 'POST /invoices.download 400', 'POST /invoices.download 200', 'GET /files/… 200']);
      expect((await pdfEvents(id!)).map((e) => e.type)).toEqual(['pdf_not_ready', 'pdf_not_ready', 'pdf_fetched']);
      expect((await raw({ path: `/invoices/${id}/pdf` })).status).toBe(200);
    });

    it('an expired download location is asked for again: expired on arrival (no GET), or dead when fetched (404)', async () => {
      const stamped = book();
      const [stampedId] = await importBooked(stamped);
      let from = sandbox.control.requests().length;
      sandbox.control.expireNextDownloadLinks({ count: 1 });
      expect((await round()).fetched).toBe(1);
      expect(calls(from, stamped)).toEqual(['POST /invoices.download 200', 'POST /invoices.download 200', 'GET /files/… 200']);

      const dead = book();
      const [deadId] = await importBooked(dead);
      from = sandbox.control.requests().length;
      sandbox.control.expireNextDownloadLinks({ count: 1, how: 'link' });
      expect((await round()).fetched).toBe(1);
      expect(calls(from, dead)).toEqual(['POST /invoices.download 200', 'GET /files/… 404', 'POST /invoices.download 200', 'GET /files/… 200']);
      for (const id of [stampedId!, deadId!]) expect((await invoice(id)).pdfStatus).toBe('available');
    });

    it('a file host outage is retried; past the capped attempts the PDF is given up, and "fetch now" starts it over', async () => {
      const doc = book();
      const [id] = await importBooked(doc);
      sandbox.control.failFileDownloads(true);
      expect(await round()).toMatchObject({ failed: 1 });
      expect((await pdfEvents(id!))[0]).toMatchObject({
        type: 'pdf_fetch_failed',
        detail: { attempt: 1, reason: expect.stringContaining('teamleader_unavailable') },
      });
      // The other nine attempts, each after its backoff (5, 10, 20 … minutes, at most 6 hours).
      for (let attempt = 2; attempt <= 10; attempt++) {
        clock.advance({ hours: 6 });
        expect(await round()).toMatchObject(attempt < 10 ? { failed: 1 } : { gaveUp: 1 });
      }
      expect((await invoice(id!)).pdfStatus).toBe('failed');
      expect((await pdfEvents(id!)).at(-1)).toMatchObject({ type: 'pdf_given_up', detail: { attempts: 10 } });
      clock.advance({ days: 2 });
      expect(await round()).toEqual({ fetched: 0, notReady: 0, failed: 0, gaveUp: 0 });

      sandbox.control.failFileDownloads(false);
      expect((await api({ method: 'POST', path: '/invoices/pdfs/fetch', body: { invoiceIds: [id] }, key: member })).status).toBe(403);
      const unknown = await api({ method: 'POST', path: '/invoices/pdfs/fetch', body: { invoiceIds: [id, 'inv_nope'] } });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('invoice_not_found');
      expect((await invoice(id!)).pdfStatus).toBe('failed');
      const asked = await api({ method: 'POST', path: '/invoices/pdfs/fetch', body: { invoiceIds: [id] } });
      expect(asked).toMatchObject({ status: 202, body: { scheduled: 1, available: 0 } });
      expect((await round()).fetched).toBe(1);
      expect((await invoice(id!)).pdfStatus).toBe('available');
      expect((await api({ method: 'POST', path: '/invoices/pdfs/fetch', body: {} })).body).toEqual({ scheduled: 0, available: 0 });
    });

    it('ZIP of 3 with one without a PDF → 2 PDFs by number and missing.txt; 409 no_pdf_available when none has one; the filter PDF available: no', async () => {
      const [withPdf1, withPdf2] = [...ours.values()];
      sandbox.control.setPdfMode('deferred');
      const pending = book();
      sandbox.control.setPdfMode('immediate');
      const [pendingId] = await importBooked(pending);
      expect(await round()).toMatchObject({ notReady: 1 });

      const notAvailable = await api({ path: '/invoices?pdfAvailable=false' });
      expect(notAvailable.status).toBe(200);
      expect(notAvailable.body.data.map((i: { id: string }) => i.id)).toEqual([pendingId]);
      expect(notAvailable.body.data[0].pdfStatus).toBe('missing');
      const available = (await api({ path: '/invoices?pdfAvailable=true&limit=200' })).body.data.map((i: { id: string }) => i.id);
      expect(available).toHaveLength(ours.size - 1);
      expect(available).not.toContain(pendingId);
      expect((await api({ path: '/invoices?pdfAvailable=maybe' })).status).toBe(400);

      const numbers = new Map<string, string>();
      for (const id of [withPdf1!, withPdf2!, pendingId!]) numbers.set(id, (await invoice(id)).number);
      const res = await raw({ method: 'POST', path: '/invoices/pdfs/download', body: { invoiceIds: [withPdf1, pendingId, withPdf2] }, key: member });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="invoices-${clock.now().toISOString().slice(0, 10)}.zip"`);
      expect(res.headers.get('transfer-encoding')).toBe('chunked'); // streamed, not buffered to a length first
      expect([res.headers.get('x-pdf-count'), res.headers.get('x-pdf-missing')]).toEqual(['2', '1']);
      const entries = await unzip(Buffer.from(await res.arrayBuffer()));
      const name = (id: string) => `${numbers.get(id)!.replace(/[^A-Za-z0-9._-]+/g, '-')}.pdf`;
      expect([...entries.keys()].sort()).toEqual([name(withPdf1!), name(withPdf2!), 'missing.txt'].sort());
      for (const id of [withPdf1!, withPdf2!]) {
        const served = Buffer.from(await (await raw({ path: `/invoices/${id}/pdf` })).arrayBuffer());
        expect(entries.get(name(id))!.equals(served)).toBe(true);
      }
      const missing = entries.get('missing.txt')!.toString('utf8');
      expect(missing).toContain(`${numbers.get(pendingId!)}\t${pendingId}\tnot fetched yet (1 attempts so far`);

      const none = await api({ method: 'POST', path: '/invoices/pdfs/download', body: { invoiceIds: [pendingId] } });
      expect(none.status).toBe(409);
      expect(none.body.error.code).toBe('no_pdf_available');
      for (const body of [{ invoiceIds: [] }, { invoiceIds: Array.from({ length: 501 }, (_, i) => `inv_${i}`) }, {}, { invoiceIds: [withPdf1], extra: 1 }]) {
        expect((await api({ method: 'POST', path: '/invoices/pdfs/download', body })).status).toBe(400);
      }
    });

    it('the host closes at once with a ZIP download in flight that its client stopped reading', async () => {
      // A large PDF (24 MB), so the ZIP cannot sit whole in the sockets' buffers.
      sandbox.control.padPdfs({ bytes: 24 * 1024 * 1024 });
      const [id] = await importBooked(book());
      expect((await round()).fetched).toBe(1);
      sandbox.control.padPdfs({ bytes: 0 });
      const res = await raw({ method: 'POST', path: '/invoices/pdfs/download', body: { invoiceIds: [id] } });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      expect((await reader.read()).done).toBe(false); // one chunk, then the client stops reading
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        t.close().then(() => 'closed'),
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still open after 8 s'), 8_000))),
      ]);
      clearTimeout(timer);
      closed = true;
      expect(outcome).toBe('closed');
      await reader.cancel().catch(() => undefined);
    }, 20_000);
  });
}
