import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryDocumentReader, testDocument } from '@tollgate/accounting-exports';
import { SecretSealer } from '@tollgate/plugin-sdk';
import { startSftpSandbox, type SftpSandbox } from '@tollgate/sandbox-sftp';
import { startWebhookSandbox, type WebhookSandbox } from '@tollgate/sandbox-webhooks';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { exportPlugin, runFinishedEvents } from './fixtures/export-plugin.js';

/**
 * The accounting-export routes in a real host with a test exporter (fixtures/export-plugin.ts) and an
 * in-memory document reader (until the importer reads accounting details): roles, input rules,
 * idempotency, the report, the streamed ZIP, an SFTP delivery stopped mid-run and resumed, the money.
 */
async function zipNames(body: Buffer): Promise<string[]> {
  const zip = await new Promise<yauzl.ZipFile>((ok, bad) => yauzl.fromBuffer(body, { lazyEntries: true }, (e, z) => (e ? bad(e) : ok(z!))));
  const names: string[] = [];
  await new Promise<void>((ok, bad) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      names.push(entry.fileName);
      zip.readEntry();
    });
    zip.on('end', () => ok());
    zip.on('error', bad);
    zip.readEntry();
  });
  return names.sort();
}

for (const engine of testEngines()) {
  describe(`accounting exports e2e [${engine.name}]`, () => {
    let t: TestHost;
    let dir: string;
    let sftp: SftpSandbox;
    let receiver: WebhookSandbox;
    let n = 0;
    const reader = new MemoryDocumentReader();

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'exports-e2e-'));
      sftp = await startSftpSandbox({ root: dir, users: [{ username: 'books', password: 'pw' }] });
      receiver = await startWebhookSandbox({ now: () => (t ? t.clock.now() : new Date()) });
      t = await createTestHost({
        engine,
        plugins: [exportPlugin],
        accountingDocuments: reader,
        config: {
          accountingExports: {
            sealingKey: SecretSealer.generateKey(),
            emailMaxMegabytes: 10,
            holdDays: 7,
            sftpConnectTimeoutSeconds: 5,
            sftpOperationTimeoutSeconds: 10,
            sweepSeconds: 60,
          },
        },
      });
    });
    afterAll(async () => {
      await t?.close();
      await sftp?.close();
      await receiver?.close();
      await rm(dir, { recursive: true, force: true });
    });

    const newAccount = async (documents: number, refuse: number[] = []) => {
      const account = await t.createAccount();
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: account.ownerKey, body: { name: 'reader', role: 'member' } });
      for (let i = 1; i <= documents; i++)
        reader.add(
          account.accountId,
          testDocument({
            id: `${account.accountId}-${i}`,
            number: `2026-${String(i).padStart(4, '0')}`,
            issuedOn: `2026-02-${String(i).padStart(2, '0')}`,
            buyerVat: refuse.includes(i) ? null : undefined,
          }),
        );
      return { ...account, key: account.ownerKey, memberKey: member.body.key as string };
    };
    const startRun = (key: string, body: object, idem = `run-${++n}`) =>
      t.request({ method: 'POST', path: '/v1/accounting-exports/runs', key, body, headers: { 'idempotency-key': idem } });
    const wallet = async (key: string) => (await t.request({ path: '/v1/wallet', key })).body as { available: string; pending: string };

    it('download: roles, idempotency, the report with the refused rule, charges n × price, the ZIP streamed to a member', async () => {
      const a = await newAccount(6, [2]);
      const exporters = await t.request({ path: '/v1/accounting-exports/exporters', key: a.memberKey });
      expect(exporters.status).toBe(200);
      expect(exporters.body.data).toEqual([
        { id: 'test-ubl', label: 'Test UBL', format: 'Test XML', channel: 'export-test', layout: 'document', pluginId: 'test-export' },
      ]);

      const body = { exporterId: 'test-ubl', name: 'Books', options: { journal: 'VK' }, delivery: { kind: 'download' } };
      expect((await t.request({ method: 'POST', path: '/v1/accounting-exports/targets', key: a.memberKey, body })).status).toBe(403);
      const bad = await t.request({ method: 'POST', path: '/v1/accounting-exports/targets', key: a.key, body: { ...body, delivery: { kind: 'ftp' } } });
      expect([bad.status, bad.body.error.code]).toEqual([400, 'validation_failed']);
      const badOptions = await t.request({
        method: 'POST',
        path: '/v1/accounting-exports/targets',
        key: a.key,
        body: { ...body, options: { journal: 'lower' } },
      });
      expect([badOptions.status, badOptions.body.error.code]).toEqual([400, 'invalid_export_target']);
      const created = await t.request({ method: 'POST', path: '/v1/accounting-exports/targets', key: a.key, body });
      expect(created.status).toBe(201);
      const target = created.body as { id: string };

      const noKey = await t.request({ method: 'POST', path: '/v1/accounting-exports/runs', key: a.key, body: { targetId: target.id } });
      expect([noKey.status, noKey.body.error.code]).toEqual([400, 'idempotency_key_required']);
      expect((await startRun(a.memberKey, { targetId: target.id })).status).toBe(403);
      const endpoint = await t.request({
        method: 'POST',
        path: '/v1/webhook-endpoints',
        key: a.key,
        body: { url: `${receiver.url}/exports-${a.accountId}`, eventTypes: ['accounting_export.run_finished'] },
      });
      expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
      receiver.setSecrets([endpoint.body.secret as string]);
      const run = await startRun(a.key, { targetId: target.id, selection: { issuedFrom: '2026-02-01' } }, 'first-run');
      expect(run.status).toBe(201);
      expect(run.body).toMatchObject({ status: 'queued', deliveryKind: 'download', selection: { issuedFrom: '2026-02-01', notYetExported: true } });
      const again = await startRun(a.key, { targetId: target.id, selection: { issuedFrom: '2026-02-01' } }, 'first-run');
      expect([again.status, again.body.id]).toEqual([200, run.body.id]);
      const other = await startRun(a.key, { targetId: target.id }, 'first-run');
      expect([other.status, other.body.error.code]).toEqual([409, 'idempotency_key_reused']);

      await t.host.accountingExports.jobs.runOnce();
      const done = await t.request({ path: `/v1/accounting-exports/runs/${run.body.id}`, key: a.memberKey });
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ status: 'completed', counts: { exported: 5, refused: 1 }, amounts: { charged: '0.50', released: '0.00' } });
      expect(done.body.report.refused).toEqual([
        { invoiceId: `${a.accountId}-2`, number: '2026-0002', rule: 'TEST-BUYER-VAT', message: 'The buyer has no VAT number.' },
      ]);
      expect(await wallet(a.key)).toMatchObject({ available: '1.50', pending: '0.00' });

      const download = await fetch(`${t.url}/v1/accounting-exports/runs/${run.body.id}/download`, { headers: { authorization: `Bearer ${a.memberKey}` } });
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('application/zip');
      expect(await zipNames(Buffer.from(await download.arrayBuffer()))).toEqual(['1', '3', '4', '5', '6'].map((i) => `invoice-2026-000${i}.xml`));

      // The run's end is the event accounting_export.run_finished: in the log, to the plugin's subscription, to a signed webhook.
      await t.runJobs();
      const finished = {
        type: 'accounting_export.run_finished',
        version: 1,
        accountId: a.accountId,
        data: {
          runId: run.body.id,
          accountId: a.accountId,
          targetId: target.id,
          exporterId: 'test-ubl',
          status: 'completed',
          reason: null,
          exported: 5,
          refused: 1,
          skipped: 0,
          undelivered: 0,
          charged: '0.50',
          released: '0.00',
        },
      };
      const log = await t.request({ path: '/v1/events?type=accounting_export.run_finished', key: a.memberKey });
      expect(log.status).toBe(200);
      expect(log.body.data).toEqual([expect.objectContaining(finished)]);
      expect(runFinishedEvents.filter((e) => e.accountId === a.accountId)).toEqual([expect.objectContaining({ ...finished, id: log.body.data[0].id })]);
      const received = receiver.received({ path: `/exports-${a.accountId}` }).map((r) => ({ signature: r.signature, json: r.json }));
      expect(received).toEqual([{ signature: 'valid', json: expect.objectContaining({ ...finished, id: log.body.data[0].id }) }]);

      const resume = await t.request({ method: 'POST', path: `/v1/accounting-exports/runs/${run.body.id}/resume`, key: a.key });
      expect([resume.status, resume.body.error.code]).toEqual([409, 'export_run_not_resumable']);
      const list = await t.request({ path: '/v1/accounting-exports/runs?status=completed', key: a.memberKey });
      expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([run.body.id]);
      const foreign = await newAccount(0);
      expect((await t.request({ path: `/v1/accounting-exports/runs/${run.body.id}`, key: foreign.key })).body.error.code).toBe('export_run_not_found');
    });

    it('SFTP stopped mid-run: partially delivered, the rest released; resume delivers and charges the rest only', async () => {
      const a = await newAccount(4);
      const created = await t.request({
        method: 'POST',
        path: '/v1/accounting-exports/targets',
        key: a.key,
        body: {
          exporterId: 'test-ubl',
          name: 'Accountant',
          delivery: { kind: 'sftp', host: sftp.host, port: sftp.port, username: 'books', password: 'pw', directory: a.accountId },
        },
      });
      expect(created.status).toBe(201);
      expect(created.body.delivery).toMatchObject({ kind: 'sftp', hasPassword: true, hostKeyFingerprint: null });
      expect(JSON.stringify(created.body)).not.toContain('"pw"');
      sftp.setFailures({ closeAfterFiles: sftp.written().length + 1 });
      const run = await startRun(a.key, { targetId: created.body.id });
      await t.host.accountingExports.jobs.runOnce();
      const partial = await t.request({ path: `/v1/accounting-exports/runs/${run.body.id}`, key: a.key });
      expect(partial.body).toMatchObject({ status: 'partially_delivered', reason: 'sftp_connection_lost', amounts: { charged: '0.10', released: '0.30' } });
      expect(partial.body.report.undelivered).toHaveLength(3);
      expect(await wallet(a.key)).toMatchObject({ available: '1.90', pending: '0.00' });
      const pinned = await t.request({ path: `/v1/accounting-exports/targets/${created.body.id}`, key: a.key });
      expect(pinned.body.delivery.hostKeyFingerprint).toBe(sftp.hostKeyFingerprint);

      sftp.setFailures({});
      const resumed = await t.request({ method: 'POST', path: `/v1/accounting-exports/runs/${run.body.id}/resume`, key: a.key });
      expect(resumed.status).toBe(200);
      await t.host.accountingExports.jobs.runOnce();
      const done = await t.request({ path: `/v1/accounting-exports/runs/${run.body.id}`, key: a.key });
      expect(done.body).toMatchObject({ status: 'completed', attempt: 2, amounts: { charged: '0.40', released: '0.30' } });
      expect(await wallet(a.key)).toMatchObject({ available: '1.60', pending: '0.00' });
      expect((await readdir(join(sftp.homeOf('books'), a.accountId))).sort()).toHaveLength(4);
      const download = await t.request({ path: `/v1/accounting-exports/runs/${run.body.id}/download`, key: a.key });
      expect([download.status, download.body.error.code]).toEqual([409, 'export_run_not_downloadable']);

      const patched = await t.request({
        method: 'PATCH',
        path: `/v1/accounting-exports/targets/${created.body.id}`,
        key: a.key,
        body: { name: 'Accountant 2026' },
      });
      expect(patched.body).toMatchObject({ name: 'Accountant 2026', delivery: { hasPassword: true } });
      const removed = await t.request({ method: 'DELETE', path: `/v1/accounting-exports/targets/${created.body.id}`, key: a.key });
      expect(removed.body).toEqual({ id: created.body.id, deleted: true });
      expect((await t.request({ path: '/v1/accounting-exports/targets', key: a.key })).body.data).toEqual([]);
      expect((await t.request({ path: `/v1/accounting-exports/runs/${run.body.id}`, key: a.key })).status).toBe(200);
    });
  });
}
