import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { definePlugin, httpRoutesExtensionPoint } from '@tollgate/plugin-sdk';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UPLOAD_DRAIN_BYTES } from '@tollgate/host';
import { RECEIPT_MAX_BYTES, uploadsControl, uploadsPlugin } from './fixtures/upload-plugin.js';

/**
 * Upload routes (plugin API 2.7) on a real host: both body forms, the type read from the bytes,
 * the size limit, the pipeline's order (key, role before the file is read, fields, idempotency with
 * the file's hash), and the files landing in coreServices.files under the plugin's prefix.
 */
const BASE = '/v1/plugins/test-uploads';
const RECEIPTS = `${BASE}/receipts`;
const ACCEPTED = ['application/pdf', 'image/jpeg', 'image/png', 'image/heic'];

const pdf = (text = 'receipt') => Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${text}\n%%EOF\n`, 'latin1');
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000IHDR-not-a-real-image')]);
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF-ish bytes')]);
const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic')]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A raw request that streams `bytes` in chunks (no Content-Length) and reads the answer. */
function streamed(input: {
  url: string;
  path: string;
  key: string;
  type: string;
  bytes: number;
}): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(input.path, input.url),
      { method: 'POST', headers: { authorization: `Bearer ${input.key}`, 'content-type': input.type, 'transfer-encoding': 'chunked' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
      },
    );
    // A host that stops reading closes the connection: the rest of the body cannot be written, the answer was read.
    req.on('error', (error: NodeJS.ErrnoException) => (['EPIPE', 'ECONNRESET'].includes(error.code ?? '') ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    req.write(pdf());
    for (let sent = 0; sent < input.bytes; sent += chunk.length) req.write(chunk);
    req.end();
  });
}

for (const engine of testEngines()) {
  describe(`plugin upload routes [${engine.name}]`, () => {
    const control = uploadsControl();
    let t: TestHost;
    let a: { accountId: string; owner: string; member: string };

    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [uploadsPlugin(control), uploadsPlugin(control, 'test-uploads-b')] });
      const acc = await t.createAccount();
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: acc.ownerKey, body: { name: 'm', role: 'member' } });
      a = { accountId: acc.accountId, owner: acc.ownerKey, member: member.body.key as string };
    });
    afterAll(async () => {
      await t?.close();
    });

    it('takes a raw body: the file as sent, its sniffed type, its name from X-Filename (percent-encoded: accents and a percent sign come back exact), its SHA-256; kept under the plugin prefix', async () => {
      const bytes = pdf('raw');
      const res = await t.upload({ path: RECEIPTS, key: a.owner, file: bytes, contentType: 'application/pdf', filename: 'facture été 100% — 2026-01.pdf' });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.file).toEqual({
        contentType: 'application/pdf',
        declaredType: 'application/pdf',
        filename: 'facture été 100% — 2026-01.pdf',
        size: bytes.length,
        sha256: sha256(bytes),
      });
      expect(res.body.fields).toEqual({});
      const key = `${a.accountId}/inbox/${sha256(bytes)}`;
      expect(res.body.stored).toEqual({ key, size: bytes.length, sha256: sha256(bytes), contentType: 'application/pdf' });
      // In the host's store under plugins/<id>/, and read back through the plugin.
      expect(await t.files.stat({ key: `plugins/test-uploads/${key}` })).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
      const back = await fetch(`${t.url}${RECEIPTS}/${sha256(bytes)}`, { headers: { authorization: `Bearer ${a.owner}` } });
      expect(back.headers.get('content-type')).toBe('application/pdf');
      expect(Buffer.from(await back.arrayBuffer()).equals(bytes)).toBe(true);
    });

    it('takes multipart/form-data: the "file" part and text fields checked by upload.fields', async () => {
      const res = await t.upload({
        path: RECEIPTS,
        key: a.owner,
        file: png,
        contentType: 'image/png',
        filename: 'scan.png',
        fields: { note: 'lunch', total: '12.50' },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.file).toMatchObject({ contentType: 'image/png', declaredType: 'image/png', filename: 'scan.png', size: png.length, sha256: sha256(png) });
      expect(res.body.fields).toEqual({ note: 'lunch', total: '12.50' });
      for (const [bytes, type] of [
        [jpeg, 'image/jpeg'],
        [heic, 'image/heic'],
      ] as const) {
        const one = await t.upload({ path: RECEIPTS, key: a.owner, file: bytes, multipart: true, contentType: type });
        expect(one.status).toBe(201);
        expect(one.body.file.contentType).toBe(type);
      }
    });

    it('types the file by its bytes: a PDF sent as octet-stream (or as a JPEG) is a PDF', async () => {
      const bytes = pdf('declared');
      const raw = await t.upload({ path: RECEIPTS, key: a.owner, file: bytes, contentType: 'application/octet-stream' });
      expect(raw.status).toBe(201);
      expect(raw.body.file).toMatchObject({ contentType: 'application/pdf', declaredType: 'application/octet-stream', filename: null });
      const lying = await t.upload({ path: RECEIPTS, key: a.owner, file: bytes, contentType: 'image/jpeg; name=x.jpg', filename: 'x.jpg', multipart: true });
      expect(lying.status).toBe(201);
      expect(lying.body.file).toMatchObject({ contentType: 'application/pdf', declaredType: 'image/jpeg', filename: 'x.jpg' });
    });

    it("415 with the route's types for bytes that are none of them, whatever they are called", async () => {
      const runs = control.runs;
      const cases = [
        { file: Buffer.from('just some text, called a PDF'), contentType: 'application/pdf' },
        { file: Buffer.from('GIF89a\x01\x00\x01\x00'), contentType: 'image/png', multipart: true },
        { file: Buffer.from('MZ\x90\x00 a program'), contentType: 'application/pdf', filename: 'invoice.pdf' },
        { file: Buffer.from('%PDF'), contentType: 'application/pdf' }, // shorter than any signature
      ];
      for (const c of cases) {
        const res = await t.upload({ path: RECEIPTS, key: a.owner, ...c });
        expect(res.status, JSON.stringify(res.body)).toBe(415);
        expect(res.body.error).toMatchObject({ code: 'unsupported_media_type', details: { accepted: ACCEPTED, declared: c.contentType } });
      }
      // A PDF on the PNG-only route.
      const avatar = await t.upload({ method: 'PUT', path: `${BASE}/avatar`, key: a.member, file: pdf(), contentType: 'image/png' });
      expect(avatar.status).toBe(415);
      expect(avatar.body.error.details.accepted).toEqual(['image/png']);
      expect(control.runs).toBe(runs);
    });

    it('413 with details.maxBytes above the limit (raw, multipart, chunked); a file of exactly maxBytes passes', async () => {
      const runs = control.runs;
      const over = Buffer.concat([pdf(), Buffer.alloc(RECEIPT_MAX_BYTES + 1 - pdf().length, 0x20)]);
      expect(over.length).toBe(RECEIPT_MAX_BYTES + 1);
      for (const multipart of [false, true]) {
        const res = await t.upload({ path: RECEIPTS, key: a.owner, file: over, contentType: 'application/pdf', multipart });
        expect(res.status, JSON.stringify(res.body)).toBe(413);
        expect(res.body.error).toEqual({ code: 'payload_too_large', message: expect.any(String), details: { maxBytes: RECEIPT_MAX_BYTES } });
      }
      // A body far larger than the limit, streamed without a length: the client still reads the 413.
      const big = await streamed({ url: t.url, path: RECEIPTS, key: a.owner, type: 'application/pdf', bytes: 3 * 1024 * 1024 });
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body).error.details).toEqual({ maxBytes: RECEIPT_MAX_BYTES });
      // Past maxBytes + UPLOAD_DRAIN_BYTES the host stops reading: it still answers 413, then closes the connection.
      const endless = await streamed({
        url: t.url,
        path: RECEIPTS,
        key: a.owner,
        type: 'application/pdf',
        bytes: RECEIPT_MAX_BYTES + UPLOAD_DRAIN_BYTES + 4 * 1024 * 1024,
      });
      expect(endless.status).toBe(413);
      expect(endless.connection).toBe('close');
      expect(control.runs).toBe(runs);
      const exact = over.subarray(0, RECEIPT_MAX_BYTES);
      const ok = await t.upload({ path: RECEIPTS, key: a.owner, file: exact, contentType: 'application/pdf' });
      expect(ok.status).toBe(201);
      expect(ok.body.file.size).toBe(RECEIPT_MAX_BYTES);
    });

    it('400 for an empty file, a body without a file, a multipart without the "file" part or with two files', async () => {
      const runs = control.runs;
      const empty = await t.upload({ path: RECEIPTS, key: a.owner, file: Buffer.alloc(0), contentType: 'application/pdf' });
      expect(empty.status).toBe(400);
      expect(empty.body.error.code).toBe('empty_file');
      const emptyPart = await t.upload({ path: RECEIPTS, key: a.owner, file: Buffer.alloc(0), multipart: true });
      expect(emptyPart.status).toBe(400);
      expect(emptyPart.body.error.code).toBe('empty_file');
      const none = await t.request({ method: 'POST', path: RECEIPTS, key: a.owner });
      expect(none.status).toBe(400);
      expect(none.body.error.code).toBe('empty_file');

      const noFile = new FormData();
      noFile.append('note', 'where is it');
      const missing = await fetch(`${t.url}${RECEIPTS}`, { method: 'POST', headers: { authorization: `Bearer ${a.owner}` }, body: noFile });
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('file_required');

      const two = new FormData();
      two.append('file', new Blob([new Uint8Array(pdf())]), 'a.pdf');
      two.append('file', new Blob([new Uint8Array(pdf())]), 'b.pdf');
      const twice = await fetch(`${t.url}${RECEIPTS}`, { method: 'POST', headers: { authorization: `Bearer ${a.owner}` }, body: two });
      expect(twice.status).toBe(400);
      expect(((await twice.json()) as { error: { code: string } }).error.code).toBe('unexpected_file');

      const broken = await t.request({
        method: 'POST',
        path: RECEIPTS,
        key: a.owner,
        body: 'not multipart at all',
        headers: { 'content-type': 'multipart/form-data' },
      });
      expect(broken.status).toBe(400);
      expect(broken.body.error.code).toBe('invalid_multipart');
      expect(control.runs).toBe(runs);
    });

    it('400 validation_failed for bad fields (the core shape), unknown fields, and fields on a route that takes none', async () => {
      const runs = control.runs;
      const bad = await t.upload({ path: RECEIPTS, key: a.owner, file: pdf(), fields: { total: '12,50', note: 'x'.repeat(21) } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
      expect(bad.body.error.details).toEqual([
        { path: ['note'], message: expect.any(String) },
        { path: ['total'], message: expect.any(String) },
      ]);
      const unknown = await t.upload({ path: RECEIPTS, key: a.owner, file: pdf(), fields: { colour: 'red' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.code).toBe('validation_failed');
      const noFields = await t.upload({ method: 'PUT', path: `${BASE}/avatar`, key: a.member, file: png, fields: { x: '1' } });
      expect(noFields.status).toBe(400);
      expect(noFields.body.error.details).toEqual([{ path: ['x'], message: expect.any(String) }]);
      // Text the database cannot store, in a field or the file name.
      const nul = await t.upload({ path: RECEIPTS, key: a.owner, file: pdf(), fields: { note: 'a\u0000b' } });
      expect(nul.status).toBe(400);
      expect(nul.body.error).toMatchObject({ code: 'invalid_text', details: [{ path: ['note'] }] });
      // A bad query is the pipe's 400, before the file is read.
      const query = await t.upload({ path: `${RECEIPTS}?folder=NOPE`, key: a.owner, file: pdf() });
      expect(query.status).toBe(400);
      expect(query.body.error.details).toEqual([{ path: ['folder'], message: expect.any(String) }]);
      expect(control.runs).toBe(runs);
    });

    it('checks the key and the role before reading the file: 401, 403 insufficient_role, even for a file over the limit', async () => {
      const runs = control.runs;
      const huge = Buffer.alloc(2 * 1024 * 1024, 0x41);
      const none = await t.upload({ path: RECEIPTS, file: huge, contentType: 'application/pdf' });
      expect(none.status).toBe(401);
      // A member may not upload a receipt (a write: admin by default); a 413 or 415 would mean the file was read first.
      const member = await t.upload({ path: RECEIPTS, key: a.member, file: huge, contentType: 'application/pdf' });
      expect(member.status).toBe(403);
      expect(member.body).toEqual({ error: { code: 'insufficient_role', message: 'This needs the admin role; this key has member.' } });
      const memberMultipart = await t.upload({ path: RECEIPTS, key: a.member, file: huge, fields: { total: 'bad' } });
      expect(memberMultipart.status).toBe(403);
      const admin = await t.upload({ path: RECEIPTS, key: t.adminKey, file: pdf() });
      expect(admin.status).toBe(403);
      expect(admin.body.error.code).toBe('account_key_required');
      expect(control.runs).toBe(runs);
      // The connection is still good for the next request.
      expect((await t.upload({ method: 'PUT', path: `${BASE}/avatar`, key: a.member, file: png })).status).toBe(200);
    });

    it('idempotency: the same key and file replay; the same key with another file or other fields is 409', async () => {
      const runs = control.runs;
      const send = (file: Buffer, fields?: Record<string, string>) =>
        t.upload({ path: RECEIPTS, key: a.owner, file, idempotencyKey: 'receipt-1', contentType: 'application/pdf', ...(fields ? { fields } : {}) });
      const first = await send(pdf('one'), { total: '1.00' });
      expect(first.status).toBe(201);
      const again = await send(pdf('one'), { total: '1.00' });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(control.runs).toBe(runs + 1);
      for (const other of [await send(pdf('two'), { total: '1.00' }), await send(pdf('one'), { total: '2.00' })]) {
        expect(other.status).toBe(409);
        expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', details: { key: 'receipt-1' } });
      }
      // The raw form of the same file and fields ({}) is another request too.
      expect((await send(pdf('one'))).status).toBe(409);
      expect(control.runs).toBe(runs + 1);
    });

    it('coreServices.files: each plugin has its own prefix; bad keys are refused with invalid_file_key', async () => {
      const mine = control.files.get('test-uploads')!;
      const theirs = control.files.get('test-uploads-b')!;
      const stored = await mine.put({ key: 'shared/name.txt', body: Buffer.from('from a'), contentType: 'text/plain' });
      expect(stored).toEqual({ key: 'shared/name.txt', size: 6, sha256: sha256(Buffer.from('from a')), contentType: 'text/plain' });
      expect(await theirs.read({ key: 'shared/name.txt' })).toBeNull();
      await theirs.put({ key: 'shared/name.txt', body: Buffer.from('from b'), contentType: 'text/plain' });
      expect((await mine.read({ key: 'shared/name.txt' }))!.body.toString()).toBe('from a');
      expect((await t.files.read({ key: 'plugins/test-uploads-b/shared/name.txt' }))!.body.toString()).toBe('from b');
      for (const key of ['../test-uploads-b/shared/name.txt', '/etc/passwd', 'a//b', '', 'a/./b', 'x.meta.json']) {
        await expect(mine.read({ key }), key).rejects.toMatchObject({ code: 'invalid_file_key', status: 400 });
      }
      await mine.delete({ key: 'shared/name.txt' });
      expect(await mine.stat({ key: 'shared/name.txt' })).toBeNull();
      expect(await theirs.stat({ key: 'shared/name.txt' })).not.toBeNull();
    });

    it('two hosts on one database share one file store', async () => {
      const second = await createTestHost({ engine, db: t.db, clock: t.clock, plugins: [uploadsPlugin(uploadsControl())], config: { files: t.filesConfig } });
      try {
        const bytes = pdf('second host');
        const res = await second.upload({ path: RECEIPTS, key: a.owner, file: bytes, contentType: 'application/pdf' });
        expect(res.status).toBe(201);
        const back = await t.request({ path: `${RECEIPTS}/${sha256(bytes)}`, key: a.owner });
        expect(back.status).toBe(200);
      } finally {
        await second.close();
      }
      // The second host left the first one's folder in place.
      expect(await t.files.stat({ key: `plugins/test-uploads/${a.accountId}/inbox/${sha256(pdf('raw'))}` })).not.toBeNull();
    });

    it("OpenAPI shows an upload route's body: multipart with a binary file and the fields, and each raw type", async () => {
      const doc = (await t.request({ path: '/docs/json' })).body;
      const post = doc.paths[RECEIPTS].post;
      const content = post.requestBody.content;
      expect(content['multipart/form-data'].schema).toMatchObject({
        type: 'object',
        required: ['file'],
        properties: { file: { type: 'string', format: 'binary' }, note: { type: 'string' }, total: { type: 'string' } },
      });
      for (const type of ACCEPTED) expect(content[type]).toEqual({ schema: { type: 'string', format: 'binary' } });
      expect(content['application/json']).toBeUndefined();
      expect(post['x-max-bytes']).toBe(RECEIPT_MAX_BYTES);
      expect(post.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'X-Filename', in: 'header' })]));
      for (const status of ['400', '401', '403', '409', '413', '415']) expect(post.responses[status]).toBeDefined();
      expect(Object.keys(doc.paths[`${BASE}/avatar`].put.requestBody.content).sort()).toEqual(['image/png', 'multipart/form-data']);
    });
  });
}

describe('upload routes that break the contract are refused at start-up', () => {
  const engine = testEngines()[0]!;
  const bad = (route: Record<string, unknown>) =>
    definePlugin({
      id: 'bad-uploads',
      compatibility: '^2.7.0',
      register(env) {
        env.registerInit({
          deps: { routes: httpRoutesExtensionPoint },
          init({ routes }) {
            routes.add({ method: 'POST', path: '/x', auth: 'account', summary: 'x', handler: async () => ({}), ...route } as never);
          },
        });
      },
    });
  const upload = { types: ['application/pdf'], maxBytes: 1024 };
  it.each([
    [{ upload: { ...upload, maxBytes: 32 * 1024 * 1024 + 1 } }, /upload.maxBytes must be a whole number of bytes from 1 to 33554432/],
    [{ upload: { ...upload, maxBytes: 0 } }, /upload.maxBytes/],
    [{ upload: { ...upload, maxBytes: 1.5 } }, /upload.maxBytes/],
    [{ upload, body: z.object({}) }, /upload cannot go with body or accepts/],
    [{ upload, accepts: ['text/csv'] }, /upload cannot go with body or accepts/],
    [{ upload: { ...upload, types: ['image/gif'] } }, /upload.types must list one or more of/],
    [{ upload: { ...upload, types: [] } }, /upload.types/],
    [{ upload: { ...upload, fields: { type: 'object' } } }, /upload.fields must be a schema/],
    [{ upload, method: 'GET' }, /an upload route is a POST, PUT or PATCH/],
  ])('%j', async (route, message) => {
    await expect(createTestHost({ engine, plugins: [bad(route)] })).rejects.toThrow(message);
  });
});
