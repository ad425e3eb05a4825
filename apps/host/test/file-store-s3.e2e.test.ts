import { createHash } from 'node:crypto';
import { MemoryDocumentReader, testDocument } from '@tollgate/accounting-exports';
import { SecretSealer } from '@tollgate/plugin-sdk';
import { startS3Sandbox, type S3Sandbox } from '@tollgate/sandbox-s3';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { exportPlugin } from './fixtures/export-plugin.js';
import { uploadsControl, uploadsPlugin } from './fixtures/upload-plugin.js';

/**
 * A host on the s3 file driver against the S3 sandbox: the bucket is checked at start (a missing
 * bucket or a refused key stops the host with a clear error), and a core path that writes through
 * FILE_STORE — an accounting export run's files — lands in the bucket with its SHA-256, and is read
 * back from there when the ZIP is downloaded.
 */
async function zipEntries(body: Buffer): Promise<Record<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((ok, bad) => yauzl.fromBuffer(body, { lazyEntries: true }, (e, z) => (e ? bad(e) : ok(z!))));
  const entries: Record<string, Buffer> = {};
  await new Promise<void>((ok, bad) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return bad(error);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          entries[entry.fileName] = Buffer.concat(chunks);
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => ok());
    zip.on('error', bad);
    zip.readEntry();
  });
  return entries;
}

for (const engine of testEngines()) {
  describe(`S3 file store e2e [${engine.name}]`, () => {
    let s3: S3Sandbox;
    let t: TestHost;
    const reader = new MemoryDocumentReader();
    const uploads = uploadsControl();
    const s3Files = (overrides: Record<string, unknown> = {}) => ({
      driver: 's3' as const,
      endpoint: s3.url,
      region: 'eu-west-1',
      bucket: 'tollgate-files',
      accessKeyId: s3.credentials.accessKeyId,
      secretAccessKey: s3.credentials.secretAccessKey,
      forcePathStyle: true,
      prefix: 'e2e',
      ...overrides,
    });

    beforeAll(async () => {
      s3 = await startS3Sandbox({ region: 'eu-west-1', buckets: ['tollgate-files'] });
      t = await createTestHost({
        engine,
        plugins: [exportPlugin, uploadsPlugin(uploads)],
        accountingDocuments: reader,
        config: {
          files: s3Files(),
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
      await s3?.close();
    });

    it('refuses to start on a missing bucket or a wrong secret, saying which', async () => {
      await expect(createTestHost({ engine, config: { files: s3Files({ bucket: 'no-such-bucket' }) } })).rejects.toMatchObject({
        code: 'file_store_unusable',
        message: expect.stringContaining('the bucket "no-such-bucket" does not exist'),
      });
      await expect(createTestHost({ engine, config: { files: s3Files({ secretAccessKey: 'wrong' }) } })).rejects.toMatchObject({
        code: 'file_store_unusable',
        message: expect.stringContaining('the access key was refused'),
      });
    });

    it("an export run's files land in the bucket with their SHA-256, and the download reads them back from S3", async () => {
      const account = await t.createAccount();
      for (let i = 1; i <= 3; i++) {
        reader.add(account.accountId, testDocument({ id: `${account.accountId}-${i}`, number: `2026-000${i}`, issuedOn: `2026-02-0${i}` }));
      }
      const target = await t.request({
        method: 'POST',
        path: '/v1/accounting-exports/targets',
        key: account.ownerKey,
        body: { exporterId: 'test-ubl', name: 'Books', options: { journal: 'VK' }, delivery: { kind: 'download' } },
      });
      expect(target.status, JSON.stringify(target.body)).toBe(201);
      const run = await t.request({
        method: 'POST',
        path: '/v1/accounting-exports/runs',
        key: account.ownerKey,
        body: { targetId: target.body.id },
        headers: { 'idempotency-key': `s3-run-${engine.name}` },
      });
      expect(run.status, JSON.stringify(run.body)).toBe(201);
      await t.host.accountingExports.jobs.runOnce();
      const done = await t.request({ path: `/v1/accounting-exports/runs/${run.body.id}`, key: account.ownerKey });
      expect(done.body).toMatchObject({ status: 'completed', counts: { exported: 3 } });

      const prefix = `e2e/accounting-exports/${account.accountId}/${run.body.id}/`;
      const objects = s3.objects('tollgate-files').filter((o) => o.key.startsWith(prefix));
      expect(objects.map((o) => o.key.slice(prefix.length)).sort()).toEqual(['invoice-2026-0001.xml', 'invoice-2026-0002.xml', 'invoice-2026-0003.xml']);
      for (const o of objects) {
        const hex = createHash('sha256').update(o.body).digest('hex');
        expect(o.metadata.sha256).toBe(hex);
        expect(o.checksums.sha256).toBe(Buffer.from(hex, 'hex').toString('base64'));
      }
      const stored = await t.db.query<{ sha256: string; file_key: string }>(`select sha256, file_key from export_run_files where run_id = $1 order by name`, [
        run.body.id,
      ]);
      expect(stored.rows.map((r) => r.sha256)).toEqual(objects.sort((a, b) => (a.key < b.key ? -1 : 1)).map((o) => o.metadata.sha256));

      const gets = s3.requests().filter((r) => r.method === 'GET').length;
      const download = await fetch(`${t.url}/v1/accounting-exports/runs/${run.body.id}/download`, { headers: { authorization: `Bearer ${account.ownerKey}` } });
      expect([download.status, download.headers.get('content-type')]).toEqual([200, 'application/zip']);
      const entries = await zipEntries(Buffer.from(await download.arrayBuffer()));
      expect(Object.keys(entries).sort()).toEqual(objects.map((o) => o.key.slice(prefix.length)).sort());
      for (const o of objects) expect(entries[o.key.slice(prefix.length)]?.equals(o.body)).toBe(true);
      expect(s3.requests().filter((r) => r.method === 'GET').length - gets).toBeGreaterThanOrEqual(3);
    });

    it("a plugin's files (coreServices.files) land in the bucket under plugins/<id>/ with their SHA-256, and are read back from S3", async () => {
      const account = await t.createAccount();
      const bytes = Buffer.from('%PDF-1.4\n% an uploaded receipt\n%%EOF\n', 'latin1');
      const hex = createHash('sha256').update(bytes).digest('hex');
      const res = await t.upload({
        path: '/v1/plugins/test-uploads/receipts',
        key: account.ownerKey,
        file: bytes,
        contentType: 'application/pdf',
        filename: 'r.pdf',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const key = `e2e/plugins/test-uploads/${account.accountId}/inbox/${hex}`;
      const object = s3.objects('tollgate-files').find((o) => o.key === key);
      expect(object?.body.equals(bytes)).toBe(true);
      expect(object?.metadata.sha256).toBe(hex);
      // Nothing of the plugin's outside its prefix.
      expect(
        s3
          .objects('tollgate-files')
          .filter((o) => o.key.includes(hex))
          .map((o) => o.key),
      ).toEqual([key]);

      const gets = s3.requests().filter((r) => r.method === 'GET').length;
      const back = await fetch(`${t.url}/v1/plugins/test-uploads/receipts/${hex}`, { headers: { authorization: `Bearer ${account.ownerKey}` } });
      expect(back.status).toBe(200);
      expect(Buffer.from(await back.arrayBuffer()).equals(bytes)).toBe(true);
      expect(s3.requests().filter((r) => r.method === 'GET').length).toBeGreaterThan(gets);

      const files = uploads.files.get('test-uploads')!;
      await files.delete({ key: `${account.accountId}/inbox/${hex}` });
      expect(s3.objects('tollgate-files').some((o) => o.key === key)).toBe(false);
    });
  });
}
