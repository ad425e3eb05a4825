import 'reflect-metadata';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CLOCK, ManualClock } from '@tollgate/clock';
import { migrate, registerDatabase, testEngines, type JobQueue, type TestDatabase } from '@tollgate/db';
import { eventMigrations } from '@tollgate/events';
import { FILE_STORE, LocalFileStore } from '@tollgate/files';
import { ACCOUNTING_DOCUMENTS, invoiceSyncMigrations, registerInvoiceSync } from '@tollgate/invoice-sync';
import type { MailTransport, OutgoingMail } from '@tollgate/notifications';
import { SecretSealer } from '@tollgate/plugin-sdk';
import { generateSshKeyPair, startSftpSandbox, type SftpSandbox } from '@tollgate/sandbox-sftp';
import { PriceCatalog, registerWallet, walletMigrations, WalletService } from '@tollgate/wallet';
import { container as root, type DependencyContainer } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { accountingExportMigrations } from './accounting-exports.migrations.js';
import type { ExportDelivery } from './export-delivery.js';
import { DownloadDelivery } from './deliveries/download.delivery.js';
import { EmailDelivery } from './deliveries/email.delivery.js';
import { SftpDelivery } from './deliveries/sftp.delivery.js';
import { ExportRunService } from './export-run.service.js';
import { ExportTargetService } from './export-target.service.js';
import { writeExportZip } from './export-zip.js';
import { registerAccountingExports } from './registration.js';
import { MemoryDocumentReader, TestExporter, testDocument } from './testing/test-exporter.js';

const PRICE = '0.15';

class CapturingMail implements MailTransport {
  sent: OutgoingMail[] = [];
  async send(mail: OutgoingMail): Promise<void> {
    this.sent.push(mail);
  }
}

async function zipEntries(body: Buffer): Promise<Map<string, string>> {
  const zip = await new Promise<yauzl.ZipFile>((ok, bad) => yauzl.fromBuffer(body, { lazyEntries: true }, (e, z) => (e ? bad(e) : ok(z!))));
  const out = new Map<string, string>();
  await new Promise<void>((ok, bad) => {
    zip.on('entry', (entry: yauzl.Entry) =>
      zip.openReadStream(entry, (e, s) => {
        if (e) return bad(e);
        const chunks: Buffer[] = [];
        s!.on('data', (c: Buffer) => chunks.push(c));
        s!.on('end', () => {
          out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
          zip.readEntry();
        });
      }),
    );
    zip.on('end', () => ok());
    zip.on('error', bad);
    zip.readEntry();
  });
  return out;
}

for (const engine of testEngines()) {
  describe(`export runs [${engine.name}]`, () => {
    let db: TestDatabase;
    let dir: string;
    let sandbox: SftpSandbox;
    let runs: ExportRunService;
    let targets: ExportTargetService;
    let wallet: WalletService;
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    const reader = new MemoryDocumentReader();
    const exporter = new TestExporter();
    const batch = new TestExporter('test-batch', 'export-test', 'batch');
    /** An exporter whose render always throws (a bug, a missing resource): retried, then given up. */
    const broken = Object.assign(new TestExporter('test-broken', 'export-test'), {
      render: async () => {
        throw new Error('template missing');
      },
    });
    const mail = new CapturingMail();
    const queued: string[] = [];
    const sealer = new SecretSealer({ keys: { k1: SecretSealer.generateKey() }, currentKeyId: 'k1', format: 'tgx1' });
    let n = 0;

    function container(deliveries?: ExportDelivery[]): DependencyContainer {
      const c = root.createChildContainer();
      c.register(CLOCK, { useValue: clock });
      c.register(FILE_STORE, { useValue: new LocalFileStore({ root: join(dir, 'files') }) });
      const jobs = { send: async (input: { data: { runId: string } }) => (queued.push(input.data.runId), 'job') } as unknown as JobQueue;
      registerDatabase({ container: c, db, jobQueue: jobs });
      registerWallet({ container: c, options: { trialCredit: '0' } });
      registerInvoiceSync({ container: c, sources: { get: () => undefined } });
      c.register(ACCOUNTING_DOCUMENTS, { useValue: reader });
      registerAccountingExports({
        container: c,
        exporters: { get: (id) => [exporter, batch, broken].find((e) => e.id === id), list: () => [exporter, batch, broken] },
        deliveries: deliveries ?? [
          new DownloadDelivery(),
          new EmailDelivery({ transport: () => mail, from: 'Tollgate <exports@tollgate.test>', maxBytes: 2000 }),
          new SftpDelivery({ connectTimeoutMs: 5000, operationTimeoutMs: 5000 }),
        ],
        options: { sealer, pageSize: 3 },
      });
      return c;
    }

    beforeAll(async () => {
      db = await engine.open();
      dir = await mkdtemp(join(tmpdir(), 'exports-test-'));
      sandbox = await startSftpSandbox({ root: join(dir, 'sftp'), users: [{ username: 'accountant', password: 's3cret' }] });
      await migrate({ db, sets: [walletMigrations, eventMigrations, invoiceSyncMigrations, accountingExportMigrations] });
      const c = container();
      runs = c.resolve(ExportRunService);
      targets = c.resolve(ExportTargetService);
      wallet = c.resolve(WalletService);
      await c
        .resolve(PriceCatalog)
        .setPrice({ channel: 'export-test', unit: 'document', unitPrice: PRICE, country: '*', effectiveFrom: new Date('2026-01-01T00:00:00Z') });
    });
    afterAll(async () => {
      await sandbox?.close();
      await db?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    /** An account with `credit` and `count` documents (the ones listed in `refuse` lack a buyer VAT number). */
    async function account(input: { credit?: string; count: number; refuse?: number[]; missing?: number }) {
      const accountId = `acc_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId });
      if (input.credit !== '0') await wallet.grant({ accountId, kind: 'promo', amount: input.credit ?? '10.00', idempotencyKey: `grant-${accountId}` });
      const ids: string[] = [];
      for (let i = 1; i <= input.count; i++) {
        const id = `${accountId}_inv_${String(i).padStart(3, '0')}`;
        ids.push(id);
        reader.add(
          accountId,
          testDocument({
            id,
            number: `2026-${String(i).padStart(5, '0')}`,
            issuedOn: `2026-02-${String(i).padStart(2, '0')}`,
            buyerVat: input.refuse?.includes(i) ? null : undefined,
          }),
        );
      }
      for (let i = 1; i <= (input.missing ?? 0); i++)
        reader.missing.push({ accountId, invoiceId: `${accountId}_old_${i}`, number: `2025-9${i}`, reason: 'no_accounting_details', issuedOn: '2026-01-15' });
      return { accountId, ids };
    }
    const available = async (accountId: string) => (await wallet.balance({ accountId })).available.toString();
    const pending = async (accountId: string) => (await wallet.balance({ accountId })).pending.toString();
    const key = () => `k-${++n}`;
    /** The run's `accounting_export.run_finished` events in the events outbox, in order. */
    const finished = async (runId: string) => {
      const { rows } = await db.query<{ account_id: string; data: object | string }>(
        `select account_id, data from event_outbox where type = 'accounting_export.run_finished' order by id`,
      );
      return rows
        .map((r): Record<string, unknown> => ({
          accountId: r.account_id,
          ...((typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>),
        }))
        .filter((e) => e.runId === runId);
    };
    const executeAll = async () => {
      let done = 0;
      while (queued.length) {
        await runs.execute({ runId: queued.shift()! });
        done++;
      }
      return done;
    };

    it('download: exports, refuses with the rule (not charged), skips documents without details; charges n × price; the ZIP streams back', async () => {
      const { accountId } = await account({ count: 7, refuse: [3], missing: 1 });
      const target = await targets.create({ accountId, exporterId: 'test-ubl', name: 'Books', options: { journal: 'VK' }, delivery: { kind: 'download' } });
      const { run, created } = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: 'first', actor: 'usr_1' });
      expect(created).toBe(true);
      expect(run.status).toBe('queued');
      expect(await executeAll()).toBe(1);
      const done = await runs.get({ accountId, id: run.id });
      expect(done.status).toBe('completed');
      expect(done.counts).toEqual({ selected: 8, exported: 6, refused: 1, skipped: 1, undelivered: 0 });
      expect(done.amounts).toMatchObject({ held: '0.90', charged: '0.90', released: '0.00' });
      expect(await available(accountId)).toBe('9.10');
      expect(await pending(accountId)).toBe('0.00');
      const report = await runs.report({ accountId, id: run.id });
      expect(report).toMatchObject({ exported: 6, charged: '0.90', released: '0.00', undelivered: [] });
      expect(report.refused).toEqual([
        { invoiceId: `${accountId}_inv_003`, number: '2026-00003', rule: 'TEST-BUYER-VAT', message: 'The buyer has no VAT number.' },
      ]);
      expect(report.skipped).toEqual([{ invoiceId: `${accountId}_old_1`, number: '2025-91', reason: 'no_accounting_details' }]);
      // The run's end is an event, in the transaction that ended it.
      expect(await finished(run.id)).toEqual([
        {
          accountId,
          runId: run.id,
          targetId: target.id,
          exporterId: 'test-ubl',
          status: 'completed',
          reason: null,
          exported: 6,
          refused: 1,
          skipped: 1,
          undelivered: 0,
          charged: '0.90',
          released: '0.00',
        },
      ]);

      const { files } = await runs.downloadFiles({ accountId, id: run.id });
      const chunks: Buffer[] = [];
      const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
      await writeExportZip({ files, out, mtime: new Date('2026-03-02T09:00:00Z') });
      const entries = await zipEntries(Buffer.concat(chunks));
      expect([...entries.keys()].sort()).toEqual(['1', '2', '4', '5', '6', '7'].map((i) => `invoice-2026-0000${i}.xml`));
      expect(entries.get('invoice-2026-00001.xml')).toContain('journal="VK"');

      // The same key and body: the same run, nothing more charged; another body: refused.
      const again = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: 'first', actor: 'usr_1' });
      expect(again).toMatchObject({ created: false, run: { id: run.id, status: 'completed' } });
      expect(queued).toEqual([]);
      await expect(runs.startRun({ accountId, targetId: target.id, idempotencyKey: 'first', reexport: true })).rejects.toMatchObject({
        code: 'idempotency_key_reused',
        status: 409,
      });
      expect(await runs.execute({ runId: run.id })).toBe('skipped');
      expect(await available(accountId)).toBe('9.10');

      // Not yet exported (the default): nothing left but the refused one (still refused) and the one without details.
      const second = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: 'second' });
      await executeAll();
      const secondReport = await runs.report({ accountId, id: second.run.id });
      expect(secondReport.exported).toBe(0);
      expect(secondReport.skipped).toEqual([{ invoiceId: `${accountId}_old_1`, number: '2025-91', reason: 'no_accounting_details' }]);
      expect(secondReport.refused).toHaveLength(1);
      expect(await runs.get({ accountId, id: second.run.id })).toMatchObject({ status: 'completed', counts: { selected: 2 }, amounts: { held: '0.00' } });
      // Everything in the period: the exported ones are reported, and still not exported twice.
      const all = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: 'all', selection: { notYetExported: false } });
      await executeAll();
      const allReport = await runs.report({ accountId, id: all.run.id });
      expect(allReport.skipped.filter((s) => s.reason === 'already_exported')).toHaveLength(6);
      expect(allReport.exported).toBe(0);
      expect(await available(accountId)).toBe('9.10');

      // Re-export: exported (and charged) again.
      const third = await runs.startRun({
        accountId,
        targetId: target.id,
        idempotencyKey: 'third',
        reexport: true,
        selection: { issuedFrom: '2026-02-01', issuedTo: '2026-02-02' },
      });
      await executeAll();
      expect(await runs.report({ accountId, id: third.run.id })).toMatchObject({ exported: 2, charged: '0.30' });
      expect(await available(accountId)).toBe('8.80');
      const { rows } = await db.query<{ n: number }>('select count(*)::int as n from exported_documents where target_id = $1', [target.id]);
      expect(rows[0]!.n).toBe(6);
    });

    it('a batch exporter: one file per page (names kept unique), the documents charged one by one', async () => {
      const { accountId } = await account({ count: 5 });
      const target = await targets.create({ accountId, exporterId: 'test-batch', name: 'Batch', delivery: { kind: 'download' } });
      const { run } = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: key() });
      await executeAll();
      const done = await runs.get({ accountId, id: run.id });
      expect(done.files.map((f) => [f.name, f.documents])).toEqual([
        ['batch-2.txt', 2],
        ['batch.txt', 3],
      ]);
      expect(done.amounts.charged).toBe('0.75');
    });

    it('insufficient funds: the run fails before any delivery, nothing charged, the documents stay exportable', async () => {
      const { accountId } = await account({ count: 4, credit: '0.20' });
      const target = await targets.create({ accountId, exporterId: 'test-ubl', name: 'Books', delivery: { kind: 'download' } });
      const { run } = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: key() });
      await executeAll();
      const failed = await runs.get({ accountId, id: run.id });
      expect(failed).toMatchObject({ status: 'failed', reason: 'insufficient_funds', amounts: { charged: '0.00', held: '0.00' } });
      expect(failed.message).toMatch(/Not enough credit/);
      expect(await finished(run.id)).toEqual([
        expect.objectContaining({ accountId, status: 'failed', reason: 'insufficient_funds', exported: 0, undelivered: 0, charged: '0.00', released: '0.00' }),
      ]);
      expect(await available(accountId)).toBe('0.20');
      await expect(runs.downloadFiles({ accountId, id: run.id })).rejects.toMatchObject({ code: 'export_run_not_downloadable' });
      await expect(runs.resumeRun({ accountId, runId: run.id })).rejects.toMatchObject({ code: 'export_run_not_resumable' });
      await wallet.grant({ accountId, kind: 'promo', amount: '1.00', idempotencyKey: `top-${accountId}` });
      const retry = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: key() });
      await executeAll();
      expect(await runs.report({ accountId, id: retry.run.id })).toMatchObject({ exported: 4, charged: '0.60' });
    });

    it('SFTP stopped mid-run: what was delivered is charged, the rest released and resumable; the resume delivers and charges only the rest', async () => {
      const { accountId } = await account({ count: 5 });
      const target = await targets.create({
        accountId,
        exporterId: 'test-ubl',
        name: 'Accountant SFTP',
        delivery: { kind: 'sftp', host: sandbox.host, port: sandbox.port, username: 'accountant', password: 's3cret', directory: `in/${accountId}` },
      });
      expect(target.delivery).toMatchObject({ kind: 'sftp', hasPassword: true, hostKeyFingerprint: null });
      expect(JSON.stringify(target)).not.toContain('s3cret');
      const stored = await db.query<{ s: string }>('select delivery_settings::text as s from export_targets where id = $1', [target.id]);
      expect(stored.rows[0]!.s).not.toContain('s3cret');

      sandbox.setFailures({ closeAfterFiles: sandbox.written().length + 2 });
      const { run } = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: key() });
      await executeAll();
      const partial = await runs.get({ accountId, id: run.id });
      expect(partial).toMatchObject({ status: 'partially_delivered', reason: 'sftp_connection_lost', counts: { exported: 2, undelivered: 3 } });
      expect(partial.amounts).toMatchObject({ held: '0.75', charged: '0.30', released: '0.45' });
      expect(await available(accountId)).toBe('9.70');
      expect(await pending(accountId)).toBe('0.00');
      const report = await runs.report({ accountId, id: run.id });
      expect(report.undelivered.map((u) => u.number)).toEqual(['2026-00003', '2026-00004', '2026-00005']);
      // Trust on first use: the host key seen is now pinned.
      expect((await targets.get({ accountId, id: target.id })).delivery).toMatchObject({ hostKeyFingerprint: sandbox.hostKeyFingerprint });

      sandbox.setFailures({});
      const resumed = await runs.resumeRun({ accountId, runId: run.id });
      expect(resumed).toMatchObject({ status: 'running', attempt: 2 });
      await executeAll();
      const done = await runs.get({ accountId, id: run.id });
      expect(done).toMatchObject({ status: 'completed', reason: null, counts: { exported: 5, undelivered: 0 } });
      expect(done.amounts).toMatchObject({ charged: '0.75', released: '0.45' });
      expect(await available(accountId)).toBe('9.25');
      const files = (await readdir(join(sandbox.homeOf('accountant'), 'in', accountId))).sort();
      expect(files).toEqual(['1', '2', '3', '4', '5'].map((i) => `invoice-2026-0000${i}.xml`));
      expect(sandbox.written().filter((w) => w.path.includes(accountId))).toHaveLength(5);
      await expect(runs.resumeRun({ accountId, runId: run.id })).rejects.toMatchObject({ code: 'export_run_not_resumable' });
      // Each end is an event: partially delivered, then completed after the resume.
      expect((await finished(run.id)).map((e) => [e.status, e.reason, e.exported, e.undelivered, e.charged, e.released])).toEqual([
        ['partially_delivered', 'sftp_connection_lost', 2, 3, '0.30', '0.45'],
        ['completed', null, 5, 0, '0.75', '0.45'],
      ]);
    });

    it('SFTP: a pinned host key that does not match, permission denied, disk full: nothing charged, all released', async () => {
      const { accountId } = await account({ count: 2 });
      const base = { kind: 'sftp' as const, host: sandbox.host, port: sandbox.port, username: 'accountant', password: 's3cret', directory: `x/${accountId}` };
      const wrongKey = await targets.create({
        accountId,
        exporterId: 'test-ubl',
        name: 'Pinned',
        delivery: { ...base, hostKeyFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      });
      const a = await runs.startRun({ accountId, targetId: wrongKey.id, idempotencyKey: key() });
      await executeAll();
      expect(await runs.get({ accountId, id: a.run.id })).toMatchObject({
        status: 'failed',
        reason: 'sftp_host_key_mismatch',
        amounts: { charged: '0.00', released: '0.30' },
      });

      sandbox.setFailures({ deniedPaths: ['x'] });
      const denied = await targets.create({ accountId, exporterId: 'test-ubl', name: 'Denied', delivery: base });
      const b = await runs.startRun({ accountId, targetId: denied.id, idempotencyKey: key() });
      await executeAll();
      expect(await runs.get({ accountId, id: b.run.id })).toMatchObject({ status: 'failed', reason: 'sftp_permission_denied' });

      sandbox.setFailures({ diskFullAfterBytes: 10 });
      const full = await targets.create({ accountId, exporterId: 'test-ubl', name: 'Full', delivery: { ...base, directory: `full/${accountId}` } });
      const c = await runs.startRun({ accountId, targetId: full.id, idempotencyKey: key() });
      await executeAll();
      expect(await runs.get({ accountId, id: c.run.id })).toMatchObject({ status: 'failed', reason: 'sftp_failure' });
      sandbox.setFailures({});
      expect(await available(accountId)).toBe('10.00');
      expect(await pending(accountId)).toBe('0.00');
    });

    it('SFTP with a private key (sealed) and the pinned host key given up front', async () => {
      const keys = generateSshKeyPair();
      const username = `keyed${++n}`;
      sandbox.addUser({ username, publicKey: keys.public });
      const { accountId } = await account({ count: 2 });
      const target = await targets.create({
        accountId,
        exporterId: 'test-ubl',
        name: 'Keyed',
        delivery: {
          kind: 'sftp',
          host: sandbox.host,
          port: sandbox.port,
          username,
          privateKey: keys.private,
          directory: 'in',
          hostKeyFingerprint: sandbox.hostKeyFingerprint,
        },
      });
      expect(target.delivery).toMatchObject({ hasPrivateKey: true, hasPassword: false, hostKeyFingerprint: sandbox.hostKeyFingerprint });
      const stored = await db.query<{ s: string }>('select delivery_settings::text as s from export_targets where id = $1', [target.id]);
      expect(stored.rows[0]!.s).not.toContain('PRIVATE KEY');
      const { run } = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: key() });
      await executeAll();
      expect(await runs.get({ accountId, id: run.id })).toMatchObject({ status: 'completed', reason: null, message: null, amounts: { charged: '0.30' } });
      expect((await readdir(join(sandbox.homeOf(username), 'in'))).sort()).toEqual(['invoice-2026-00001.xml', 'invoice-2026-00002.xml']);
      // The key is sealed to this target: the same settings under another target's id do not open.
      const row = await targets.row({ accountId, id: target.id });
      expect(targets.openSettings(row)).toMatchObject({ privateKey: keys.private });
      expect(() => targets.openSettings({ ...row, id: `${row.id}x` })).toThrow(expect.objectContaining({ code: 'secret_unseal_failed' }));
    });

    it('e-mail: the ZIP attached to the accountant; past the size cap nothing is sent and nothing charged', async () => {
      const { accountId } = await account({ count: 2 });
      const target = await targets.create({ accountId, exporterId: 'test-ubl', name: 'Mail', delivery: { kind: 'email', to: ['books@accountant.test'] } });
      const { run } = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: key() });
      await executeAll();
      expect(await runs.get({ accountId, id: run.id })).toMatchObject({ status: 'completed', amounts: { charged: '0.30' } });
      const sent = mail.sent.at(-1)!;
      expect(sent).toMatchObject({ to: 'books@accountant.test', subject: 'Accounting export Mail' });
      expect([...(await zipEntries(sent.attachments![0]!.content)).keys()].sort()).toEqual(['invoice-2026-00001.xml', 'invoice-2026-00002.xml']);

      const big = await account({ count: 40 });
      const bigTarget = await targets.create({
        accountId: big.accountId,
        exporterId: 'test-ubl',
        name: 'Mail',
        delivery: { kind: 'email', to: ['books@accountant.test'] },
      });
      const before = mail.sent.length;
      const r = await runs.startRun({ accountId: big.accountId, targetId: bigTarget.id, idempotencyKey: key() });
      await executeAll();
      expect(await runs.get({ accountId: big.accountId, id: r.run.id })).toMatchObject({
        status: 'failed',
        reason: 'email_too_large',
        amounts: { charged: '0.00' },
      });
      expect(mail.sent.length).toBe(before);
      expect(await available(big.accountId)).toBe('10.00');
    });

    it('a host killed after the capture: the run picked up again does not charge twice', async () => {
      const { accountId } = await account({ count: 3 });
      const target = await targets.create({ accountId, exporterId: 'test-ubl', name: 'Books', delivery: { kind: 'download' } });
      const { run } = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: key() });
      await executeAll();
      expect(await available(accountId)).toBe('9.55');
      // The state a kill -9 between the wallet's capture and our bookkeeping leaves behind (the files were delivered).
      await db.query(`update export_runs set status = 'delivering', lease_until = null, finished_at = null where id = $1`, [run.id]);
      await db.query(`update export_run_holds set status = 'held', captured = null, released = null where run_id = $1`, [run.id]);
      await db.query(`update export_run_documents set outcome = 'undelivered' where run_id = $1`, [run.id]);
      await db.query(`update exported_documents set exported_at = null where run_id = $1`, [run.id]);
      clock.advance({ minutes: 5 });
      expect(await runs.runDue()).toBe(1);
      expect(await available(accountId)).toBe('9.55');
      expect(await runs.get({ accountId, id: run.id })).toMatchObject({
        status: 'completed',
        amounts: { charged: '0.45', released: '0.00' },
        counts: { exported: 3 },
      });
      const exported = await db.query<{ n: number }>('select count(*)::int as n from exported_documents where run_id = $1 and exported_at is not null', [
        run.id,
      ]);
      expect(exported.rows[0]!.n).toBe(3);

      // Killed mid-delivery, before the capture: a host that hangs after one file (as dead); the next host delivers the rest and captures once.
      let reached!: () => void;
      const hung = new Promise<void>((ok) => (reached = ok));
      const dying: ExportDelivery = {
        kind: 'download',
        deliver: async (input) => {
          await input.delivered(input.files[0]!.name);
          reached();
          await new Promise(() => {});
        },
      };
      const deadHost = container([dying]).resolve(ExportRunService);
      const second = await account({ count: 3 });
      const t2 = await targets.create({ accountId: second.accountId, exporterId: 'test-ubl', name: 'Books', delivery: { kind: 'download' } });
      const r2 = await runs.startRun({ accountId: second.accountId, targetId: t2.id, idempotencyKey: key() });
      queued.length = 0;
      void deadHost.execute({ runId: r2.run.id });
      await hung;
      expect(await pending(second.accountId)).toBe('0.45');
      expect(await runs.runDue()).toBe(0);
      clock.advance({ minutes: 16 });
      expect(await runs.runDue()).toBe(1);
      expect(await available(second.accountId)).toBe('9.55');
      expect(await pending(second.accountId)).toBe('0.00');
      expect(await runs.get({ accountId: second.accountId, id: r2.run.id })).toMatchObject({
        status: 'completed',
        amounts: { charged: '0.45' },
        counts: { exported: 3 },
      });
    });

    it('an exporter that keeps throwing: retried by the round, then failed; nothing held, the documents freed', async () => {
      const { accountId } = await account({ count: 2 });
      const target = await targets.create({ accountId, exporterId: 'test-broken', name: 'Broken', delivery: { kind: 'download' } });
      const { run } = await runs.startRun({ accountId, targetId: target.id, idempotencyKey: key() });
      expect(await executeAll()).toBe(1);
      expect(await runs.get({ accountId, id: run.id })).toMatchObject({ status: 'running', message: 'template missing' });
      for (let i = 0; i < 4; i++) {
        clock.advance({ minutes: 2 });
        await runs.runDue();
      }
      expect(await runs.get({ accountId, id: run.id })).toMatchObject({
        status: 'failed',
        reason: 'export_failed',
        message: 'template missing',
        amounts: { held: '0.00' },
      });
      const reserved = await db.query<{ n: number }>('select count(*)::int as n from exported_documents where target_id = $1', [target.id]);
      expect(reserved.rows[0]!.n).toBe(0);
      expect(await available(accountId)).toBe('10.00');
    });

    it('targets: options checked by the exporter, unknown exporters refused, soft delete', async () => {
      const { accountId } = await account({ count: 0 });
      await expect(
        targets.create({ accountId, exporterId: 'test-ubl', name: 'X', options: { journal: 'toolong' }, delivery: { kind: 'download' } }),
      ).rejects.toMatchObject({
        code: 'invalid_export_target',
        details: [{ field: 'options.journal', message: '1 to 4 capital letters' }],
      });
      await expect(targets.create({ accountId, exporterId: 'nope', name: 'X', delivery: { kind: 'download' } })).rejects.toMatchObject({
        code: 'exporter_not_found',
      });
      await expect(targets.create({ accountId, exporterId: 'test-ubl', name: 'X', delivery: { kind: 'email', to: ['not-an-address'] } })).rejects.toMatchObject(
        {
          code: 'invalid_export_target',
        },
      );
      const t = await targets.create({ accountId, exporterId: 'test-ubl', name: ' Books ', delivery: { kind: 'download' } });
      expect(t).toMatchObject({ name: 'Books', options: { journal: 'VKP' } });
      const u = await targets.update({ accountId, id: t.id, name: 'Books 2026', delivery: { kind: 'email', to: ['a@b.be'] } });
      expect(u).toMatchObject({ name: 'Books 2026', delivery: { kind: 'email', to: ['a@b.be'] } });
      await targets.delete({ accountId, id: t.id });
      expect(await targets.list({ accountId })).toEqual([]);
      await expect(runs.startRun({ accountId, targetId: t.id, idempotencyKey: key() })).rejects.toMatchObject({ code: 'export_target_not_found' });
      await expect(targets.get({ accountId: 'someone_else', id: t.id })).rejects.toMatchObject({ code: 'export_target_not_found' });
    });

    if (engine.name === 'postgres')
      it('two hosts starting the same key: one run, one charge', async () => {
        const { accountId } = await account({ count: 4 });
        const other = container().resolve(ExportRunService);
        const target = await targets.create({ accountId, exporterId: 'test-ubl', name: 'Books', delivery: { kind: 'download' } });
        const input = { accountId, targetId: target.id, idempotencyKey: 'race', selection: { kinds: ['invoice' as const] } };
        const [a, b] = await Promise.all([runs.startRun(input), other.startRun(input)]);
        expect(a.run.id).toBe(b.run.id);
        expect([a.created, b.created].sort()).toEqual([false, true]);
        const id = a.run.id;
        queued.length = 0;
        const outcomes = await Promise.all([runs.execute({ runId: id }), other.execute({ runId: id })]);
        expect(outcomes.sort()).toEqual(['completed', 'skipped']);
        expect(await available(accountId)).toBe('9.40');
      });
    it('two runs of one target racing for the same documents (other keys): each document exported and paid once', async () => {
      const { accountId } = await account({ count: 12 });
      const other = container().resolve(ExportRunService);
      const target = await targets.create({ accountId, exporterId: 'test-ubl', name: 'Books', delivery: { kind: 'download' } });
      const [a, b] = await Promise.all([
        runs.startRun({ accountId, targetId: target.id, idempotencyKey: 'race-a' }),
        other.startRun({ accountId, targetId: target.id, idempotencyKey: 'race-b' }),
      ]);
      queued.length = 0;
      await Promise.all([runs.execute({ runId: a.run.id }), other.execute({ runId: b.run.id })]);
      const [ra, rb] = await Promise.all([runs.report({ accountId, id: a.run.id }), runs.report({ accountId, id: b.run.id })]);
      expect(ra.exported + rb.exported).toBe(12);
      expect(await available(accountId)).toBe('8.20');
      const rows = await db.query<{ n: number }>('select count(*)::int as n from exported_documents where target_id = $1 and exported_at is not null', [
        target.id,
      ]);
      expect(rows.rows[0]!.n).toBe(12);
    });
  });
}
