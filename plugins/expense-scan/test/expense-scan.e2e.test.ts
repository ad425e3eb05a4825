import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestHost, dropSchemaFamily, ManualClock, openDatabase, testEngines, type Database, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanSpendKey } from '../src/expense-scan.channel.js';
import { expenseScanPlugin } from '../src/index.js';

/**
 * The plugin in a real host: uploads through the host's upload pipeline (sniffing, size limit,
 * multipart), files in a real local file store, scans through the wallet's runner with the real
 * document reader (text PDFs in ~0.03 s; one real OCR of a corpus PNG) and the field finder. The
 * clock is the test's: the free quota's month is the account's (Europe/Brussels).
 */
const BASE = '/v1/plugins/expense-scan';
const CORPUS = join(import.meta.dirname, 'fixtures', 'corpus');
const PLUGIN_ID = 'expense-scan';
/**
 * The corpus receipt's total reads with a confidence of 0.77 (a total whose label is generic): under a
 * threshold of 0.8 it is only a suggestion, so a scanned receipt needs review until the total is corrected.
 */
const OPTIONS = { confidenceThreshold: 0.8 };

let receipt: Buffer;
/** A distinct text PDF: the corpus receipt with a comment after %%EOF (another SHA-256, the same text). */
const variant = (n: number | string) => Buffer.concat([receipt, Buffer.from(`\n% variant ${n}\n`)]);
/** Sniffs as a PDF, but nothing after the header is one. */
const corruptPdf = (n: number) => Buffer.from(`%PDF-1.7\n${'garbage '.repeat(40)}${n}\n`);

for (const engine of testEngines()) {
  describe(`expense-scan plugin [${engine.name}]`, () => {
    const clock = new ManualClock('2026-01-31T20:00:00.000Z');
    let t: TestHost;

    const send = async (
      host: TestHost,
      input: { method?: string; path: string; key: string; form?: FormData; body?: Buffer; headers?: Record<string, string> },
    ) => {
      const response = await fetch(`${host.url}${input.path}`, {
        method: input.method ?? 'POST',
        headers: { authorization: `Bearer ${input.key}`, ...input.headers },
        ...(input.form ? { body: input.form } : input.body ? { body: input.body } : {}),
      });
      const type = response.headers.get('content-type') ?? '';
      const body: any = type.includes('json') ? await response.json() : Buffer.from(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, body };
    };
    const upload = (key: string, bytes: Buffer, opts: { type?: string; filename?: string; scan?: string; host?: TestHost } = {}) => {
      const form = new FormData();
      if (opts.scan) form.append('scan', opts.scan);
      form.append('file', new Blob([new Uint8Array(bytes)], { type: opts.type ?? 'application/pdf' }), opts.filename ?? 'receipt.pdf');
      return send(opts.host ?? t, { path: `${BASE}/expenses`, key, form });
    };
    const uploaded = async (key: string, bytes: Buffer, opts: Parameters<typeof upload>[2] = {}) => {
      const res = await upload(key, bytes, { scan: 'false', ...opts });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const scan = (key: string, id: string, host: TestHost = t) => send(host, { path: `${BASE}/expenses/${id}/scan`, key });
    const get = async (key: string, id: string) => (await t.request({ path: `${BASE}/expenses/${id}`, key })).body;
    const quota = async (key: string) => (await t.request({ path: `${BASE}/quota`, key })).body;
    const wallet = async (key: string) => (await t.request({ path: '/v1/wallet', key })).body as { available: string; pending: string };
    /** What the channel took: spend lines that cost money (a quota-covered scan is a line of 0.00). */
    const charges = async (key: string) =>
      ((await t.request({ path: '/v1/wallet/history?channel=expense-scan', key })).body.data as Array<{ type: string; amount: string }>).filter(
        (line) => line.type === 'spend' && line.amount !== '0.00',
      );
    const spendRuns = async (accountId: string) =>
      (
        await t.db.query<{ spend_key: string; outcome: string }>(
          `select spend_key, outcome from spend_runs where account_id = $1 and channel = 'expense-scan' order by created_at, spend_key`,
          [accountId],
        )
      ).rows;
    const account = () => t.createAccount({ timeZone: 'Europe/Brussels' });
    /** Where the host's store keeps an expense's file: coreServices.files puts a plugin's keys under plugins/<id>/. */
    const storedKey = (accountId: string, expenseId: string, ext = 'pdf') => `plugins/${PLUGIN_ID}/${accountId}/${expenseId}.${ext}`;

    beforeAll(async () => {
      receipt = await readFile(join(CORPUS, 'be-nl-receipt-01.pdf'));
      t = await createTestHost({ engine, clock, plugins: [{ plugin: expenseScanPlugin, options: OPTIONS }] });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('adds the expense-scan channel (unit scan, immediate) with 100 free scans a month', async () => {
      const entry = (await t.request({ path: '/plugins' })).body.data.find((p: { id: string }) => p.id === PLUGIN_ID);
      expect(entry.spendChannels).toEqual([{ id: 'expense-scan', label: 'Expense scan', unit: 'scan', settlement: 'immediate', freeMonthlyQuota: 100 }]);
      const a = await account();
      expect(await quota(a.ownerKey)).toEqual({
        period: '2026-01-01',
        freeUnits: '100',
        used: '0',
        remaining: '100',
        resetsAt: '2026-02-01',
        label: '100 of 100 scans left',
      });
    });

    it('a text PDF: stored with its checksum, scanned into fields with confidences, corrected apart, downloaded, deleted with its file', async () => {
      const a = await account();
      const bytes = variant('fields');
      const res = await upload(a.ownerKey, bytes, { filename: 'bakkerij Één €5.pdf' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        status: 'not_scanned',
        scanQueued: false,
        file: { filename: 'bakkerij Één €5.pdf', contentType: 'application/pdf', size: bytes.length },
      });
      expect(res.body.file.sha256).toMatch(/^[0-9a-f]{64}$/);
      const id = res.body.id as string;

      const scanned = await scan(a.ownerKey, id);
      expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
      expect(scanned.body).toMatchObject({ charged: true, amount: '0.00' });
      const expense = scanned.body.expense;
      expect(expense.scan).toMatchObject({ method: 'pdf-text', paidBy: 'wallet', amount: '0.00' });
      expect(expense.confidenceThreshold).toBe(0.8);
      // Read at 0.77, under the threshold: shown as a suggestion, never filled.
      expect(expense.fields.totalInclVat).toMatchObject({ state: 'suggestion', value: null, scanned: { value: '12.93', confidence: 0.77, filled: false } });
      expect(expense.fields.totalExclVat).toMatchObject({ state: 'filled', value: '11.48', scanned: { confidence: 0.85, filled: true } });
      expect(expense.fields.supplierName).toMatchObject({ state: 'filled', value: 'Bakkerij Janssens BV' });
      expect(expense.fields.supplierVatNumber).toMatchObject({ value: 'BE0734874473' });
      expect(expense.fields.currency).toMatchObject({ state: 'filled', value: 'EUR' });
      expect(expense.fields.invoiceNumber).toEqual({ state: 'missing', value: null, scanned: null, corrected: null });
      // The total is required and has no value to book: the expense needs review.
      expect(expense).toMatchObject({ status: 'needs_review', missing: ['totalInclVat'] });

      const bad = await t.request({
        method: 'PATCH',
        path: `${BASE}/expenses/${id}`,
        key: a.ownerKey,
        body: { fields: { totalInclVat: '12,93', supplierVatNumber: 'BE0734874474' } },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
      expect(bad.body.error.details.map((d: { path: string[] }) => d.path.join('.')).sort()).toEqual(['fields.supplierVatNumber', 'fields.totalInclVat']);
      const fixed = await t.request({
        method: 'PATCH',
        path: `${BASE}/expenses/${id}`,
        key: a.ownerKey,
        body: { fields: { invoiceNumber: 'T-2025-0727', totalInclVat: '12.93', currency: 'usd' } },
      });
      expect(fixed.status).toBe(200);
      expect(fixed.body).toMatchObject({ status: 'scanned', missing: [] });
      expect(fixed.body.fields.totalInclVat).toMatchObject({
        state: 'corrected',
        value: '12.93',
        corrected: '12.93',
        scanned: { value: '12.93', filled: false },
      });
      expect(fixed.body.fields.currency).toMatchObject({ state: 'corrected', value: 'USD', corrected: 'USD', scanned: { value: 'EUR' } });
      const undone = await t.request({ method: 'PATCH', path: `${BASE}/expenses/${id}`, key: a.ownerKey, body: { fields: { totalInclVat: null } } });
      expect(undone.body).toMatchObject({ status: 'needs_review', missing: ['totalInclVat'] });
      expect(undone.body.fields.totalInclVat).toMatchObject({ state: 'suggestion', value: null, corrected: null });
      expect(undone.body.fields.invoiceNumber).toMatchObject({ state: 'corrected', value: 'T-2025-0727' });

      const file = await send(t, { method: 'GET', path: `${BASE}/expenses/${id}/file`, key: a.ownerKey });
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('application/pdf');
      // The name as uploaded (RFC 6266: an ASCII fallback, the UTF-8 name in filename*).
      expect(file.headers.get('content-disposition')).toMatch(
        /^attachment; filename="bakkerij [^"]+5\.pdf"; filename\*=UTF-8''bakkerij%20%C3%89%C3%A9n%20%E2%82%AC5\.pdf$/,
      );
      expect(Buffer.compare(file.body, bytes)).toBe(0);
      // The OpenAPI document names every type the download can answer with.
      const doc = (await t.request({ path: '/docs/json' })).body;
      expect(Object.keys(doc.paths[`${BASE}/expenses/{id}/file`].get.responses['200'].content).sort()).toEqual([
        'application/pdf',
        'image/heic',
        'image/jpeg',
        'image/png',
      ]);

      // Another account does not see it.
      const b = await account();
      expect((await t.request({ path: `${BASE}/expenses/${id}`, key: b.ownerKey })).status).toBe(404);
      expect((await scan(b.ownerKey, id)).status).toBe(404);

      expect(await t.files.stat({ key: storedKey(a.accountId, id) })).toMatchObject({ size: bytes.length, sha256: res.body.file.sha256 });
      expect((await t.request({ method: 'DELETE', path: `${BASE}/expenses/${id}`, key: a.ownerKey })).status).toBe(204);
      expect((await t.request({ path: `${BASE}/expenses/${id}`, key: a.ownerKey })).body.error.code).toBe('expense_not_found');
      expect(await t.files.stat({ key: storedKey(a.accountId, id) })).toBeNull();
    });

    it('a raw upload (X-Filename) with scan: "true" queues a scan whatever the setting; the same Idempotency-Key replays the upload', async () => {
      const a = await account();
      const bytes = variant('raw');
      const raw = await t.upload({
        path: `${BASE}/expenses`,
        key: a.ownerKey,
        file: bytes,
        contentType: 'application/pdf',
        filename: 'raw.pdf',
        idempotencyKey: 'up-1',
      });
      expect(raw.status).toBe(201);
      expect(raw.body).toMatchObject({ status: 'not_scanned', scanQueued: false, file: { filename: 'raw.pdf', size: bytes.length } });
      const again = await t.upload({
        path: `${BASE}/expenses`,
        key: a.ownerKey,
        file: bytes,
        contentType: 'application/pdf',
        filename: 'raw.pdf',
        idempotencyKey: 'up-1',
      });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(raw.body.id);
      expect((await t.request({ path: `${BASE}/expenses`, key: a.ownerKey })).body.data).toHaveLength(1);

      const queued = await upload(a.ownerKey, variant('scan-true'), { scan: 'true' });
      expect(queued.body).toMatchObject({ status: 'not_scanned', scanQueued: true });
      const bad = await upload(a.ownerKey, variant('scan-bad'), { scan: 'yes' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
      expect((await t.runJobs()).failed).toBe(0);
      expect(await get(a.ownerKey, queued.body.id)).toMatchObject({ status: 'needs_review', scanQueued: false, scan: { paidBy: 'wallet' } });
      expect(await get(a.ownerKey, raw.body.id)).toMatchObject({ status: 'not_scanned' });
    });

    it('lists by status, newest first, with a cursor', async () => {
      const a = await account();
      const first = await uploaded(a.ownerKey, variant('list-1'));
      const second = await uploaded(a.ownerKey, variant('list-2'));
      clock.advance({ ms: 1000 });
      const third = await uploaded(a.ownerKey, variant('list-3'));
      expect((await scan(a.ownerKey, second)).status).toBe(200);
      await t.request({ method: 'PATCH', path: `${BASE}/expenses/${second}`, key: a.ownerKey, body: { fields: { totalInclVat: '12.93' } } });
      const broken = await uploaded(a.ownerKey, corruptPdf(1));
      expect((await scan(a.ownerKey, broken)).status).toBe(422);
      const ids = async (query: string) =>
        ((await t.request({ path: `${BASE}/expenses${query}`, key: a.ownerKey })).body.data as Array<{ id: string }>).map((e) => e.id);
      expect(await ids('?status=scanned')).toEqual([second]);
      expect(await ids('?status=failed')).toEqual([broken]);
      expect((await ids('?status=not_scanned')).sort()).toEqual([first, third].sort());
      expect(await ids('?status=needs_review')).toEqual([]);
      const page1 = (await t.request({ path: `${BASE}/expenses?limit=2`, key: a.ownerKey })).body;
      expect(page1.data).toHaveLength(2);
      const page2 = (await t.request({ path: `${BASE}/expenses?limit=2&before=${page1.nextBefore}`, key: a.ownerKey })).body;
      expect(page2.nextBefore).toBeNull();
      expect([...page1.data, ...page2.data].map((e: { id: string }) => e.id).sort()).toEqual([first, second, third, broken].sort());
      expect((await t.request({ path: `${BASE}/expenses?status=done`, key: a.ownerKey })).status).toBe(400);
    });

    it('a re-scan of the same file is free: the same expense, and another expense with identical bytes', async () => {
      const a = await account();
      const bytes = variant('rescan');
      const id = await uploaded(a.ownerKey, bytes);
      expect((await scan(a.ownerKey, id)).body).toMatchObject({ charged: true });
      const again = await scan(a.ownerKey, id);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ charged: false, amount: '0.00', expense: { scan: { paidBy: 'already_paid' } } });
      const copy = await uploaded(a.ownerKey, bytes, { filename: 'copy.pdf' });
      const copied = await scan(a.ownerKey, copy);
      expect(copied.body).toMatchObject({
        charged: false,
        expense: { scan: { paidBy: 'already_paid' }, fields: { totalInclVat: { scanned: { value: '12.93' } } } },
      });
      expect((await quota(a.ownerKey)).used).toBe('1');
      expect(await spendRuns(a.accountId)).toHaveLength(1);
      // Another account pays for its own scan of the same bytes.
      const b = await account();
      expect((await scan(b.ownerKey, await uploaded(b.ownerKey, bytes))).body).toMatchObject({ charged: true });
      expect((await quota(b.ownerKey)).used).toBe('1');
    });

    it('a failed scan is released and not charged; the next attempt gets a fresh key and, once the file reads, is charged once', async () => {
      const a = await account();
      const broken = await uploaded(a.ownerKey, corruptPdf(2));
      const failed = await scan(a.ownerKey, broken);
      expect(failed.status).toBe(422);
      expect(failed.body.error).toMatchObject({ code: 'expense_scan_failed', details: { reason: 'unreadable_file' } });
      expect(await get(a.ownerKey, broken)).toMatchObject({ status: 'failed', scan: null, lastError: { kind: 'failed', code: 'unreadable_file' } });
      expect(await wallet(a.ownerKey)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect((await quota(a.ownerKey)).used).toBe('0');

      // A good file whose stored bytes are damaged for one scan (a storage fault): failed, then read under the next key.
      const good = variant('damaged');
      const id = await uploaded(a.ownerKey, good);
      const key = storedKey(a.accountId, id);
      await t.files.put({ key, body: Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(good.length - 9, 0x78)]), contentType: 'application/pdf' });
      expect((await scan(a.ownerKey, id)).status).toBe(422);
      await t.files.put({ key, body: good, contentType: 'application/pdf' });
      const ok = await scan(a.ownerKey, id);
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body).toMatchObject({
        charged: true,
        expense: { status: 'needs_review', lastError: null, fields: { totalInclVat: { scanned: { value: '12.93' } } } },
      });
      const sha = ok.body.expense.file.sha256 as string;
      expect((await spendRuns(a.accountId)).filter((r) => r.spend_key.includes(sha))).toEqual([
        { spend_key: scanSpendKey({ accountId: a.accountId, sha256: sha, failures: 0 }), outcome: 'failed' },
        { spend_key: scanSpendKey({ accountId: a.accountId, sha256: sha, failures: 1 }), outcome: 'done' },
      ]);
      expect((await quota(a.ownerKey)).used).toBe('1');
      expect(await wallet(a.ownerKey)).toMatchObject({ available: '2.00', pending: '0.00' });
    });

    it('two hosts on one database and one file store scanning the same upload at once charge once', async () => {
      const second = await createTestHost({
        engine,
        clock,
        db: t.db,
        config: { files: t.filesConfig },
        plugins: [{ plugin: expenseScanPlugin, options: OPTIONS }],
      });
      // No free scans for this test (the platform may set a channel's quota; both hosts wrote 100 at start): the charge is money.
      const setQuota = (freeUnits: string) => t.request({ method: 'PUT', path: '/admin/catalog/quotas/expense-scan', key: t.adminKey, body: { freeUnits } });
      expect((await setQuota('0')).status).toBe(200);
      try {
        const a = await account();
        const id = await uploaded(a.ownerKey, variant('two-hosts'), { host: second });
        const answers = await Promise.all([scan(a.ownerKey, id, t), scan(a.ownerKey, id, second), scan(a.ownerKey, id, t), scan(a.ownerKey, id, second)]);
        for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        // Each answer is the one spend (same key: charged, €0.10) or a free re-read of the content it paid.
        for (const answer of answers) expect([answer.body.charged, answer.body.amount]).toEqual(answer.body.charged ? [true, '0.10'] : [false, '0.00']);
        const paid = answers.filter((answer) => answer.body.charged);
        expect(new Set(paid.map((answer) => answer.body.expense.scan.transactionId)).size).toBe(1);
        expect((await charges(a.ownerKey)).map((c) => c.amount)).toEqual(['-0.10']);
        expect(await wallet(a.ownerKey)).toMatchObject({ available: '1.90', pending: '0.00' });
        expect((await spendRuns(a.accountId)).map((r) => r.outcome)).toEqual(['done']);
        const holds = await t.db.query<{ n: number }>(`select count(*)::int as n from holds where account_id = $1 and channel = 'expense-scan'`, [a.accountId]);
        expect(Number(holds.rows[0]!.n)).toBe(1);
        expect(await get(a.ownerKey, id)).toMatchObject({ status: 'needs_review', scan: { method: 'pdf-text' } });
      } finally {
        expect((await setQuota('100')).status).toBe(200);
        await second.close();
      }
    });

    it('uploads: 415 for a text file (with the accepted types), 413 above 20 MB, 403 for a member; members read', async () => {
      const a = await account();
      const text = await upload(a.ownerKey, Buffer.from('just some text\n'), { type: 'text/plain', filename: 'notes.txt' });
      expect(text.status).toBe(415);
      expect(text.body.error.code).toBe('unsupported_media_type');
      expect(text.body.error.details.accepted).toEqual(['application/pdf', 'image/jpeg', 'image/png', 'image/heic']);
      const huge = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(20 * 1024 * 1024, 0x20)]);
      const tooBig = await upload(a.ownerKey, huge);
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.error.code).toBe('payload_too_large');
      expect((await t.request({ path: `${BASE}/expenses`, key: a.ownerKey })).body.data).toEqual([]);

      const member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: a.ownerKey, body: { name: 'reader', role: 'member' } })).body.key as string;
      const refused = await upload(member, variant('member'));
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('insufficient_role');
      const id = await uploaded(a.ownerKey, variant('member'));
      const memberScan = await scan(member, id);
      expect(memberScan.status).toBe(403);
      expect(memberScan.body.error.code).toBe('insufficient_role');
      expect((await t.request({ method: 'PUT', path: `${BASE}/settings`, key: member, body: { autoScan: true } })).status).toBe(403);
      expect((await t.request({ method: 'DELETE', path: `${BASE}/expenses/${id}`, key: member })).status).toBe(403);
      expect((await t.request({ path: `${BASE}/expenses/${id}`, key: member })).status).toBe(200);
      expect((await t.request({ path: `${BASE}/quota`, key: member })).status).toBe(200);
      expect((await quota(a.ownerKey)).used).toBe('0');
    });

    it('auto-scan: with the account setting on, an upload queues a durable scan job that the jobs run', async () => {
      const a = await account();
      expect((await t.request({ path: `${BASE}/settings`, key: a.ownerKey })).body).toEqual({ autoScan: false, isDefault: true });
      const off = await upload(a.ownerKey, variant('auto-off'));
      expect(off.body).toMatchObject({ status: 'not_scanned', scanQueued: false });
      expect((await t.request({ method: 'PUT', path: `${BASE}/settings`, key: a.ownerKey, body: { autoScan: true } })).body).toEqual({
        autoScan: true,
        isDefault: false,
      });
      const on = await upload(a.ownerKey, variant('auto-on'));
      expect(on.body).toMatchObject({ status: 'not_scanned', scanQueued: true });
      const optedOut = await upload(a.ownerKey, variant('auto-opt-out'), { scan: 'false' });
      expect(optedOut.body).toMatchObject({ scanQueued: false });
      const { failed } = await t.runJobs();
      expect(failed).toBe(0);
      expect(await get(a.ownerKey, on.body.id)).toMatchObject({ status: 'needs_review', scanQueued: false, scan: { method: 'pdf-text' } });
      expect(await get(a.ownerKey, off.body.id)).toMatchObject({ status: 'not_scanned' });
      expect(await get(a.ownerKey, optedOut.body.id)).toMatchObject({ status: 'not_scanned' });
      expect((await quota(a.ownerKey)).used).toBe('1');
    });

    it('one real OCR scan of a clean corpus PNG reads the total, and the host answers other requests meanwhile', { timeout: 120_000 }, async () => {
      const a = await account();
      const png = await readFile(join(CORPUS, 'be-en-invoice-01.png'));
      const id = await uploaded(a.ownerKey, png, { type: 'image/png', filename: 'invoice.png' });
      let scanned = false;
      const scanning = scan(a.ownerKey, id).then((answer) => {
        scanned = true;
        return answer;
      });
      // OCR takes seconds in a worker thread: requests made during it are answered before it ends.
      for (let i = 0; i < 3; i++) expect((await t.request({ path: `${BASE}/quota`, key: a.ownerKey })).status).toBe(200);
      expect(scanned).toBe(false);
      const res = await scanning;
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.expense.scan.method).toBe('ocr');
      expect(res.body.expense.fields.totalInclVat).toMatchObject({ state: 'filled', value: '10374.47' });
    });

    // Last: it moves the clock to the next month in Brussels.
    it('the 100th scan is free and the 101st costs €0.10; without credit a scan is refused and the upload kept; the quota resets at midnight in Brussels', async () => {
      const a = await account();
      const answers: Array<{ charged: boolean; amount: string }> = [];
      for (let n = 1; n <= 101; n++) {
        const res = await scan(a.ownerKey, await uploaded(a.ownerKey, variant(`quota-${n}`)));
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        answers.push({ charged: res.body.charged, amount: res.body.amount });
        if (n === 87) expect((await quota(a.ownerKey)).label).toBe('13 of 100 scans left');
        if (n === 100) expect(await quota(a.ownerKey)).toMatchObject({ used: '100', remaining: '0', label: '0 of 100 scans left', resetsAt: '2026-02-01' });
      }
      expect(answers.slice(0, 100).every((x) => x.charged && x.amount === '0.00')).toBe(true);
      expect(answers[100]).toEqual({ charged: true, amount: '0.10' });
      expect((await charges(a.ownerKey)).map((c) => c.amount)).toEqual(['-0.10']);
      expect(await wallet(a.ownerKey)).toMatchObject({ available: '1.90', pending: '0.00' });

      // Spend the rest of the credit elsewhere: the next scan has no quota and no money.
      const priced = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: 'e2e-drain', unit: 'unit', unitPrice: '1.90', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      expect(priced.status).toBe(201);
      const drained = await t.request({
        method: 'POST',
        path: '/v1/wallet/charges',
        key: a.ownerKey,
        headers: { 'idempotency-key': 'drain' },
        body: { channel: 'e2e-drain', units: '1' },
      });
      expect(drained.status).toBe(201);
      const id = await uploaded(a.ownerKey, variant('quota-102'));
      const refused = await scan(a.ownerKey, id);
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe('insufficient_funds');
      expect(refused.body.error.message).toMatch(/€0.10 needed/);
      expect(await get(a.ownerKey, id)).toMatchObject({ status: 'not_scanned', scan: null, lastError: { kind: 'refused', code: 'insufficient_funds' } });
      expect((await send(t, { method: 'GET', path: `${BASE}/expenses/${id}/file`, key: a.ownerKey })).status).toBe(200);

      // 23:30 UTC on 31 January is 00:30 on 1 February in Brussels: a new month, 100 free scans again.
      clock.set('2026-01-31T23:30:00.000Z');
      expect(await quota(a.ownerKey)).toEqual({
        period: '2026-02-01',
        freeUnits: '100',
        used: '0',
        remaining: '100',
        resetsAt: '2026-03-01',
        label: '100 of 100 scans left',
      });
      const free = await scan(a.ownerKey, id);
      expect(free.status, JSON.stringify(free.body)).toBe(200);
      expect(free.body).toMatchObject({ charged: true, amount: '0.00', expense: { lastError: null } });
      expect((await quota(a.ownerKey)).label).toBe('99 of 100 scans left');
    });
  });
}

// Two host instances with a pool each on one PostgreSQL schema (production's N hosts) and one file folder.
const postgres = testEngines().find((e) => e.name === 'postgres');
describe.runIf(postgres)('expense-scan: two hosts with their own pools scanning one upload at once charge once [postgres]', () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `t_escan_${randomBytes(5).toString('hex')}`;
  let dbs: Database[] = [];
  const hosts: TestHost[] = [];
  let root: string;

  beforeAll(async () => {
    receipt = await readFile(join(CORPUS, 'be-nl-receipt-01.pdf'));
    root = await mkdtemp(join(tmpdir(), 'expense-scan-two-hosts-'));
    dbs = [await openDatabase({ url, schema, poolSize: 8 }), await openDatabase({ url, schema, poolSize: 8 })];
    for (const db of dbs) hosts.push(await createTestHost({ db, clock, config: { files: { root } }, plugins: [{ plugin: expenseScanPlugin }] }));
  });
  afterAll(async () => {
    for (const h of hosts) await h.close();
    await dropSchemaFamily({ url, schema });
    for (const d of dbs) await d.close();
    await rm(root, { recursive: true, force: true });
  });

  it('four scans, two per host, of one upload: one hold, one charge of €0.10, the same transaction', async () => {
    const [h1, h2] = hosts as [TestHost, TestHost];
    const quota = await h1.request({ method: 'PUT', path: '/admin/catalog/quotas/expense-scan', key: h1.adminKey, body: { freeUnits: '0' } });
    expect(quota.status).toBe(200);
    const a = await h1.createAccount({ timeZone: 'Europe/Brussels' });
    const up = await h1.upload({
      path: `${BASE}/expenses`,
      key: a.ownerKey,
      file: variant('pools'),
      contentType: 'application/pdf',
      fields: { scan: 'false' },
    });
    expect(up.status).toBe(201);
    const scan = (h: TestHost) => h.request({ method: 'POST', path: `${BASE}/expenses/${up.body.id}/scan`, key: a.ownerKey });
    const answers = await Promise.all([scan(h1), scan(h2), scan(h1), scan(h2)]);
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const paid = answers.filter((answer) => answer.body.charged);
    expect(paid.length).toBeGreaterThan(0);
    expect(new Set(paid.map((answer) => answer.body.expense.scan.transactionId)).size).toBe(1);
    expect((await h2.request({ path: '/v1/wallet', key: a.ownerKey })).body).toMatchObject({ available: '1.90', pending: '0.00' });
    const holds = await h1.db.query<{ n: number }>(`select count(*)::int as n from holds where account_id = $1 and channel = 'expense-scan'`, [a.accountId]);
    expect(Number(holds.rows[0]!.n)).toBe(1);
    // Both hosts read the same expense from the shared file folder.
    const file = await fetch(`${h2.url}${BASE}/expenses/${up.body.id}/file`, { headers: { authorization: `Bearer ${a.ownerKey}` } });
    expect(Buffer.compare(Buffer.from(await file.arrayBuffer()), variant('pools'))).toBe(0);
  });
});
