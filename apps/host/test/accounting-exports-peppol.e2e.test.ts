import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretSealer } from '@tollgate/plugin-sdk';
import { startSftpSandbox, type SftpSandbox } from '@tollgate/sandbox-sftp';
import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { createUblValidator, validateUblSchema, type UblValidator } from '@tollgate/ubl-validation';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedExportDocuments, seedNoVatInvoice } from './fixtures/accounting-export-seed.js';
import { connectTeamleader, loadPlugin, teamleaderOptions } from './fixtures/bundled-plugins.js';

/**
 * Issue 18's proof for Peppol UBL, through the real pieces: 20 invoices and 3 credit notes booked in
 * the Teamleader sandbox, imported by the real source-teamleader plugin (accounting details included),
 * exported by the real export-peppol plugin (Schematron before charging), delivered to the SFTP
 * sandbox over the host's /v1/accounting-exports routes. Every file on the server is checked again
 * with both rule sets (and the UBL 2.1 XSD when UBL_XSD_DIR is set); the money is read from the
 * wallet's history, not from the run's report.
 */
const SLOW = 600_000;
const PRICE = new Decimal('0.15');

for (const engine of testEngines()) {
  describe(`accounting exports to Peppol UBL over SFTP, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    // A fixed host key, so the SFTP server restarted on its port is the server the target pinned.
    const hostKey = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    let tl: TeamleaderSandbox;
    let sftp: SftpSandbox;
    let sftpPort: number;
    let root: string;
    let t: TestHost;
    let validator: UblValidator;
    let owner: { accountId: string; ownerKey: string };
    let memberKey: string;
    let connectionId: string;
    let idem = 0;

    const api = (input: { method?: string; path: string; body?: unknown; key?: string; headers?: Record<string, string> }) =>
      t.request({ ...input, path: `/v1/accounting-exports${input.path}`, key: input.key ?? owner.ownerKey });
    const startRun = (body: unknown, key = `run-${++idem}`, as?: string) =>
      api({ method: 'POST', path: '/runs', body, headers: { 'idempotency-key': key }, ...(as ? { key: as } : {}) });
    const run = async (id: string) => (await api({ path: `/runs/${id}` })).body;
    const sftpTarget = (name: string, directory: string) =>
      api({
        method: 'POST',
        path: '/targets',
        body: { exporterId: 'peppol-ubl', name, delivery: { kind: 'sftp', host: '127.0.0.1', port: sftpPort, username: 'books', password: 'pw', directory } },
      });
    /** What the wallet's history says the Peppol channel cost this account (entries, not the run's report). */
    const peppolSpent = async () => {
      const history = await t.request({ path: '/v1/wallet/history?view=entries&channel=export-peppol-ubl&limit=100', key: owner.ownerKey });
      expect(history.status).toBe(200);
      return (history.body.data as Array<{ amount: string }>)
        .reduce((sum, e) => sum.plus(e.amount), new Decimal(0))
        .neg()
        .toFixed(2);
    };
    const wallet = async () => (await t.request({ path: '/v1/wallet', key: owner.ownerKey })).body as { available: string; pending: string };
    const filesIn = async (directory: string) => (await readdir(join(sftp.homeOf('books'), directory))).filter((f) => !f.endsWith('.part')).sort();
    const startSftp = async (port = 0) => {
      sftp = await startSftpSandbox({ root, users: [{ username: 'books', password: 'pw' }], port, hostKey });
      sftpPort = sftp.port;
    };
    const importNow = async () => {
      const started = await t.request({
        method: 'POST',
        path: `/v1/invoice-sync/connections/${connectionId}/imports`,
        key: owner.ownerKey,
        body: { days: 60 },
      });
      expect(started.status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
    };

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'exports-peppol-e2e-'));
      await startSftp();
      tl = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          { plugin: await loadPlugin('@tollgate/plugin-source-teamleader'), options: teamleaderOptions(tl.url) },
          { plugin: await loadPlugin('@tollgate/plugin-export-peppol'), options: {} },
        ],
        config: {
          logLevel: 'error',
          accountingExports: {
            sealingKey: SecretSealer.generateKey(),
            emailMaxMegabytes: 10,
            holdDays: 7,
            sftpConnectTimeoutSeconds: 5,
            sftpOperationTimeoutSeconds: 30,
            sweepSeconds: 60,
          },
        },
      });
      validator = createUblValidator({ sets: ['cen', 'peppol'] });
      owner = await t.createAccount({ name: 'Sandbox BV', locale: 'en' });
      memberKey = (await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'bookkeeper', role: 'member' } })).body.key;
      const grant = await t.request({
        method: 'POST',
        path: `/admin/accounts/${owner.accountId}/wallet/grants`,
        key: t.adminKey,
        headers: { 'idempotency-key': 'grant-exports' },
        body: { kind: 'promo', amount: '20.00', currency: 'EUR' },
      });
      expect(grant.status, JSON.stringify(grant.body)).toBe(201);

      seedExportDocuments(tl);
      connectionId = await connectTeamleader({ t, key: owner.ownerKey });
      const profile = await t.request({
        method: 'POST',
        path: '/v1/invoice-sync/profiles',
        key: owner.ownerKey,
        body: { name: 'Transfer', directDebit: false, paymentLink: false, transfer: true },
      });
      expect(profile.status).toBe(201);
      await importNow();
    }, SLOW);
    afterAll(async () => {
      await validator?.close();
      await t?.close();
      await tl?.close();
      await sftp?.close();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it('the import read 20 invoices and 3 credit notes with their accounting details', async () => {
      const page = await t.host.invoiceSync.accounting.list({ accountId: owner.accountId });
      expect(page.missing).toEqual([]);
      expect(page.documents.map((d) => d.kind).sort()).toEqual([...Array(3).fill('credit_note'), ...Array(20).fill('invoice')]);
      const categories = new Set(page.documents.flatMap((d) => d.vatBreakdown.map((v) => `${v.vatCategory}${v.vatRate}`)));
      expect([...categories].sort()).toEqual(['AE0', 'E0', 'G0', 'K0', 'S12', 'S21', 'S6', 'Z0']);
      // Stored as Teamleader gave it (direct debit, 59); listed as a credit transfer (58), as no mandate was uploaded.
      const { rows } = await t.db.query<{ n: number }>(
        `select count(*)::int as n from invoice_accounting a join sync_invoices i on i.id = a.invoice_id
          where i.account_id = $1 and a.details->'payment'->>'meansCode' = '59'`,
        [owner.accountId],
      );
      expect(rows[0]!.n).toBe(1);
      expect(page.documents.filter((d) => d.payment.meansCode === '59')).toEqual([]);
    });

    it(
      '23 documents to an SFTP target: every file on the server passes both Schematron sets, the wallet charged 23 × 0.15 = 3.45',
      async () => {
        const before = await wallet();
        const target = await sftpTarget('Accountant', 'inbox');
        expect(target.status, JSON.stringify(target.body)).toBe(201);
        const started = await startRun({ targetId: target.body.id }, 'february');
        expect(started.status).toBe(201);
        await t.host.accountingExports.jobs.runOnce();

        const done = await run(started.body.id);
        expect(done).toMatchObject({
          status: 'completed',
          reason: null,
          counts: { exported: 23, refused: 0 },
          amounts: { charged: '3.45', released: '0.00' },
          report: { exported: 23, refused: [], undelivered: [], charged: '3.45', currency: 'EUR' },
        });
        const names = await filesIn('inbox');
        expect(names).toHaveLength(23);
        expect(names.filter((n) => n.startsWith('credit-note-'))).toHaveLength(3);
        expect(done.files.map((f: { name: string }) => f.name).sort()).toEqual(names);

        for (const name of names) {
          const xml = await readFile(join(sftp.homeOf('books'), 'inbox', name), 'utf8');
          const result = await validator.validate({ xml });
          expect(result.fatal, name).toEqual([]);
          expect(result.valid).toBe(true);
          if (process.env.UBL_XSD_DIR) expect((await validateUblSchema({ xml, schemaDir: process.env.UBL_XSD_DIR })).fatal, name).toEqual([]);
        }

        // The ledger: capture entries on the channel add up to 3.45; the balance moved by exactly that; no hold left open.
        expect(await peppolSpent()).toBe(PRICE.times(23).toFixed(2));
        const after = await wallet();
        expect(new Decimal(before.available).minus(after.available).toFixed(2)).toBe('3.45');
        expect(after.pending).toBe('0.00');

        // The same Idempotency-Key: the same run, nothing more charged, nothing written again.
        const again = await startRun({ targetId: target.body.id }, 'february');
        expect([again.status, again.body.id]).toEqual([200, started.body.id]);
        await t.host.accountingExports.jobs.runOnce();
        // A new run, "not yet exported" (the default): nothing left to export, nothing charged.
        const second = await startRun({ targetId: target.body.id });
        expect(second.status).toBe(201);
        await t.host.accountingExports.jobs.runOnce();
        expect(await run(second.body.id)).toMatchObject({ counts: { exported: 0 }, amounts: { charged: '0.00' } });
        // notYetExported false: the 23 are reported skipped, already exported, and not charged.
        const third = await startRun({ targetId: target.body.id, selection: { notYetExported: false } });
        await t.host.accountingExports.jobs.runOnce();
        const skipped = await run(third.body.id);
        expect(skipped.report.skipped).toHaveLength(23);
        expect(new Set(skipped.report.skipped.map((s: { reason: string }) => s.reason))).toEqual(new Set(['already_exported']));
        expect(skipped.amounts.charged).toBe('0.00');
        expect(await peppolSpent()).toBe('3.45');
        expect(await filesIn('inbox')).toHaveLength(23);
        expect(sftp.written().filter((w) => w.path.includes('inbox'))).toHaveLength(23);
      },
      SLOW,
    );

    it(
      'a document without the buyer VAT number an intra-community supply needs: refused with BR-IC-02 in the report, not charged',
      async () => {
        const noVat = seedNoVatInvoice(tl);
        await importNow();
        const targets = (await api({ path: '/targets' })).body.data as Array<{ id: string; name: string }>;
        const target = targets.find((x) => x.name === 'Accountant')!;
        const spent = await peppolSpent();
        const started = await startRun({ targetId: target.id });
        await t.host.accountingExports.jobs.runOnce();
        const done = await run(started.body.id);
        expect(done).toMatchObject({ status: 'completed', counts: { exported: 0, refused: 1 }, amounts: { charged: '0.00' } });
        // Its delivery date and country are there (BR-IC-11/12 pass): only the buyer's VAT number is missing.
        expect(done.report.refused).toEqual([expect.objectContaining({ rule: 'BR-IC-02', message: expect.stringMatching(/^BR-IC-02: /) })]);
        const { rows } = await t.db.query<{ id: string }>('select id from sync_invoices where account_id = $1 and source_id = $2', [owner.accountId, noVat]);
        expect(done.report.refused[0].invoiceId).toBe(rows[0]!.id);
        expect(await peppolSpent()).toBe(spent);
        expect((await wallet()).pending).toBe('0.00');
        expect(await filesIn('inbox')).toHaveLength(23);
      },
      SLOW,
    );

    it(
      'the SFTP server stopped mid-run: partially delivered, the rest released; resume after it is back delivers and charges the rest only',
      async () => {
        const target = await sftpTarget('Accountant (backup)', 'backup');
        expect(target.status).toBe(201);
        const spent = new Decimal(await peppolSpent());
        // The server goes away after 5 files; the run was still writing the 6th.
        sftp.setFailures({ closeAfterFiles: sftp.written().length + 5 });
        const started = await startRun({ targetId: target.body.id });
        await t.host.accountingExports.jobs.runOnce();
        await sftp.close();
        const partial = await run(started.body.id);
        expect(partial).toMatchObject({
          status: 'partially_delivered',
          reason: 'sftp_connection_lost',
          counts: { selected: 24, exported: 5, refused: 1, undelivered: 18 },
          amounts: { held: '3.45', charged: '0.75', released: '2.70' },
        });
        expect(partial.report.undelivered).toHaveLength(18);
        expect(partial.report.refused.map((r: { rule: string }) => r.rule)).toEqual(['BR-IC-02']);
        expect(new Decimal(await peppolSpent()).minus(spent).toFixed(2)).toBe('0.75');
        expect((await wallet()).pending).toBe('0.00');
        expect(await filesIn('backup')).toHaveLength(5);

        // Resumed while the server is still down: nothing delivered, nothing charged, still resumable.
        const early = await api({ method: 'POST', path: `/runs/${started.body.id}/resume` });
        expect(early.status, JSON.stringify(early.body)).toBe(200);
        await t.host.accountingExports.jobs.runOnce();
        const stillDown = await run(started.body.id);
        expect(stillDown).toMatchObject({ status: 'partially_delivered', attempt: 2, amounts: { charged: '0.75' } });
        expect(new Decimal(await peppolSpent()).minus(spent).toFixed(2)).toBe('0.75');
        expect((await wallet()).pending).toBe('0.00');

        // The server is back on its port with its host key: resume delivers the 18 and charges 18 × 0.15.
        await startSftp(sftpPort);
        const resumed = await api({ method: 'POST', path: `/runs/${started.body.id}/resume` });
        expect(resumed.status).toBe(200);
        await t.host.accountingExports.jobs.runOnce();
        const done = await run(started.body.id);
        expect(done).toMatchObject({
          status: 'completed',
          attempt: 3,
          counts: { exported: 23, refused: 1, undelivered: 0 },
          amounts: { charged: '3.45' },
          report: { undelivered: [] },
        });
        expect(new Decimal(await peppolSpent()).minus(spent).toFixed(2)).toBe('3.45');
        expect((await wallet()).pending).toBe('0.00');
        const names = await filesIn('backup');
        expect(names).toHaveLength(23);
        // Nothing was written twice: each file once on the server after the restart, the first 5 never again.
        expect(sftp.written().filter((w) => w.path.includes('backup'))).toHaveLength(18);
        for (const name of names.slice(0, 3)) {
          const xml = await readFile(join(sftp.homeOf('books'), 'backup', name), 'utf8');
          expect((await validator.validate({ xml })).fatal, name).toEqual([]);
        }
        const again = await api({ method: 'POST', path: `/runs/${started.body.id}/resume` });
        expect([again.status, again.body.error.code]).toEqual([409, 'export_run_not_resumable']);
      },
      SLOW,
    );

    it('a member lists and reads but may not start a run; bad bodies are 400 and hold nothing', async () => {
      const targets = await api({ path: '/targets', key: memberKey });
      expect(targets.status).toBe(403);
      const exporters = await api({ path: '/exporters', key: memberKey });
      expect(exporters.status).toBe(200);
      expect(exporters.body.data.map((e: { id: string }) => e.id)).toEqual(['peppol-ubl']);
      const runs = await api({ path: '/runs', key: memberKey });
      expect(runs.status).toBe(200);
      expect(runs.body.data.length).toBeGreaterThanOrEqual(5);
      const one = await api({ path: `/runs/${runs.body.data[0].id}`, key: memberKey });
      expect(one.status).toBe(200);
      const targetId = one.body.targetId as string;

      const pendingBefore = await wallet();
      const holds = async () => (await t.request({ path: '/v1/wallet/holds', key: owner.ownerKey })).body.data.length as number;
      const holdsBefore = await holds();
      expect((await startRun({ targetId }, 'member-run', memberKey)).status).toBe(403);
      for (const body of [
        {},
        { targetId: 42 },
        { targetId, selection: { issuedFrom: '2026-13-01' } },
        { targetId, selection: { issuedTo: '2026-02-30' } },
        { targetId, selection: { issuedFrom: '2026-03-01', issuedTo: '2026-02-01' } },
        { targetId, selection: { kinds: ['receipt'] } },
        { targetId, selection: { ids: [] as string[], extra: true } },
        { targetId, reexport: 'yes' },
        { targetId, unknown: 1 },
      ]) {
        const res = await startRun(body);
        expect([res.status, res.body.error?.code], JSON.stringify(body)).toEqual([400, 'validation_failed']);
      }
      const badTarget = await api({
        method: 'POST',
        path: '/targets',
        body: { exporterId: 'peppol-ubl', name: 'x', delivery: { kind: 'sftp', host: '127.0.0.1' } },
      });
      expect([badTarget.status, badTarget.body.error.code]).toEqual([400, 'validation_failed']);
      await t.host.accountingExports.jobs.runOnce();
      expect(await holds()).toBe(holdsBefore);
      expect(await wallet()).toEqual(pendingBefore);
    });
  });
}
