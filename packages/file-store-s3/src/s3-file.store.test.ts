import { createHash } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { startS3Sandbox, type S3Sandbox } from '@tollgate/sandbox-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileStore, type S3FileStoreOptions } from './index.js';

describe('S3FileStore against the S3 sandbox', () => {
  let s3: S3Sandbox;
  const stores: S3FileStore[] = [];
  const storeWith = (options: Partial<S3FileStoreOptions> = {}) => {
    const store = new S3FileStore({
      endpoint: s3.url,
      region: 'eu-west-1',
      bucket: 'files',
      forcePathStyle: true,
      ...s3.credentials,
      prefix: 'tollgate',
      ...options,
    });
    stores.push(store);
    return store;
  };
  const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

  beforeAll(async () => {
    s3 = await startS3Sandbox({ region: 'eu-west-1', buckets: ['files'] });
  });
  afterAll(async () => {
    for (const store of stores) store.close();
    await s3?.close();
  });

  it('round-trips a buffer under the prefix with its SHA-256 in the metadata and S3 checksum', async () => {
    const store = storeWith();
    await store.check();
    const bytes = Buffer.from('%PDF-1.7 invoice');
    const put = await store.put({ key: 'invoice-pdfs/acc_1/inv_1.pdf', body: bytes, contentType: 'application/pdf' });
    expect(put).toEqual({ key: 'invoice-pdfs/acc_1/inv_1.pdf', size: bytes.length, sha256: sha(bytes), contentType: 'application/pdf' });
    const stored = s3.object('files', 'tollgate/invoice-pdfs/acc_1/inv_1.pdf');
    expect(stored).toMatchObject({
      contentType: 'application/pdf',
      metadata: { sha256: sha(bytes) },
      checksums: { sha256: createHash('sha256').update(bytes).digest('base64') },
    });
    expect(await store.stat({ key: put.key })).toEqual(put);
    const read = await store.read({ key: put.key });
    expect([read?.file, read?.body.equals(bytes)]).toEqual([put, true]);
    const opened = await store.open({ key: put.key });
    const chunks: Buffer[] = [];
    for await (const chunk of opened!.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('puts a stream of unknown length (spooled, then sent with its length and checksum) and replaces a file whole', async () => {
    const store = storeWith();
    const parts = Array.from({ length: 40 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const whole = Buffer.concat(parts);
    const put = await store.put({ key: 'exports/run_1.zip', body: Readable.from(parts), contentType: 'application/zip' });
    expect([put.size, put.sha256]).toEqual([whole.length, sha(whole)]);
    expect(s3.object('files', 'tollgate/exports/run_1.zip')?.body.equals(whole)).toBe(true);
    await store.put({ key: 'exports/run_1.zip', body: Readable.from([Buffer.from('second')]), contentType: 'application/zip' });
    expect((await store.read({ key: 'exports/run_1.zip' }))?.body.toString()).toBe('second');
  });

  it('answers null for a missing file and for an object without its SHA-256; deleting twice is fine', async () => {
    const store = storeWith();
    expect(await store.stat({ key: 'nope.pdf' })).toBeNull();
    expect(await store.read({ key: 'nope.pdf' })).toBeNull();
    expect(await store.open({ key: 'nope.pdf' })).toBeNull();
    s3.putObject({ bucket: 'files', key: 'tollgate/foreign.pdf', body: 'not ours' });
    expect(await store.stat({ key: 'foreign.pdf' })).toBeNull();
    expect(await store.open({ key: 'foreign.pdf' })).toBeNull();
    await store.put({ key: 'd.pdf', body: Buffer.from('x'), contentType: 'application/pdf' });
    await store.delete({ key: 'd.pdf' });
    await store.delete({ key: 'd.pdf' });
    expect(await store.stat({ key: 'd.pdf' })).toBeNull();
  });

  it('retries through a 503 SlowDown and a dropped connection, for buffers and streams; gives up as unavailable', async () => {
    const store = storeWith();
    s3.failNext({ status: 503, code: 'SlowDown' });
    await store.put({ key: 'retry/a.txt', body: Buffer.from('a'), contentType: 'text/plain' });
    s3.failNext({ status: 503, code: 'SlowDown' });
    s3.dropNextConnection();
    await store.put({ key: 'retry/b.txt', body: Readable.from([Buffer.from('b')]), contentType: 'text/plain' });
    const puts = s3.requests().filter((r) => r.method === 'PUT' && r.path.startsWith('/files/tollgate/retry/'));
    expect(puts.map((r) => `${r.path.slice(-5)} ${r.code ?? r.status}`)).toEqual(['a.txt SlowDown', 'a.txt 200', 'b.txt -1', 'b.txt SlowDown', 'b.txt 200']);
    expect((await store.read({ key: 'retry/b.txt' }))?.body.toString()).toBe('b');

    s3.failNext({ status: 503, code: 'SlowDown', times: 2 });
    const once = storeWith({ maxAttempts: 2 });
    await expect(once.stat({ key: 'retry/a.txt' })).rejects.toMatchObject({ code: 'file_store_unavailable', status: 503 });
    const closed = storeWith({ endpoint: 'http://127.0.0.1:1', maxAttempts: 1 });
    await expect(closed.check()).rejects.toMatchObject({ code: 'file_store_unavailable' });
  });

  it('turns a bad secret, an unknown key and a missing bucket into typed errors, at check() and on use', async () => {
    const badSecret = storeWith({ secretAccessKey: 'wrong secret' });
    await expect(badSecret.check()).rejects.toMatchObject({ code: 'file_store_auth_failed' });
    await expect(badSecret.put({ key: 'x.txt', body: Buffer.from('x'), contentType: 'text/plain' })).rejects.toMatchObject({
      code: 'file_store_auth_failed',
      details: { s3Code: 'SignatureDoesNotMatch' },
    });
    await expect(badSecret.stat({ key: 'x.txt' })).rejects.toMatchObject({ code: 'file_store_auth_failed' });
    const unknownKey = storeWith({ accessKeyId: 'AKIAUNKNOWN000000000' });
    await expect(unknownKey.read({ key: 'x.txt' })).rejects.toMatchObject({ code: 'file_store_auth_failed', details: { s3Code: 'InvalidAccessKeyId' } });
    const noBucket = storeWith({ bucket: 'missing' });
    await expect(noBucket.check()).rejects.toMatchObject({ code: 'file_store_bucket_missing' });
    await expect(noBucket.put({ key: 'x.txt', body: Buffer.from('x'), contentType: 'text/plain' })).rejects.toMatchObject({
      code: 'file_store_bucket_missing',
    });
  });

  it('is refused by S3 when the bytes change on the way (checksum mismatch), for buffers and streams, and keeps nothing', async () => {
    // A proxy on loopback that flips the last byte of every PUT body after the store signed and checksummed it.
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'PUT' && body.length) body.writeUInt8(body.readUInt8(body.length - 1) ^ 0xff, body.length - 1);
        const forward = request(`${s3.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        });
        forward.end(body);
      });
    });
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
    try {
      const store = storeWith({ endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
      await expect(store.put({ key: 'corrupt/a.bin', body: Buffer.from('exact bytes'), contentType: 'application/octet-stream' })).rejects.toMatchObject({
        code: 'file_store_checksum_mismatch',
      });
      await expect(
        store.put({ key: 'corrupt/b.bin', body: Readable.from([Buffer.from('exact bytes')]), contentType: 'application/octet-stream' }),
      ).rejects.toMatchObject({
        code: 'file_store_checksum_mismatch',
        details: { s3Code: 'BadDigest' },
      });
      expect(s3.objects('files').filter((o) => o.key.startsWith('tollgate/corrupt/'))).toEqual([]);
    } finally {
      await new Promise((ok) => proxy.close(ok));
    }
  });

  it('refuses keys a LocalFileStore refuses, before any request', async () => {
    const store = storeWith({ endpoint: 'http://127.0.0.1:1' });
    for (const key of ['../escape.pdf', '/abs.pdf', 'a//b', 'a/./b', '', 'x.meta.json', 'sp ace.pdf']) {
      await expect(store.put({ key, body: Buffer.from('x'), contentType: 'text/plain' })).rejects.toMatchObject({ code: 'validation_failed' });
    }
  });
});
