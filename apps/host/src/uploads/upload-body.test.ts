import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DeferredUpload, readUpload, UPLOAD_DRAIN_BYTES } from './upload-body.js';

const PDF = Buffer.from('%PDF-1.7\n% test file\n%%EOF\n');
const upload = { types: ['application/pdf', 'image/png'], maxBytes: 1024 };

/** The request and reply readUpload uses: headers in, a header set on the reply out. */
function fake(input: { chunks: Buffer[]; contentType: string | undefined; headers?: Record<string, string> }) {
  const replyHeaders: Record<string, string> = {};
  let pulled = 0;
  const stream = new Readable({
    read() {
      const next = input.chunks[pulled++];
      this.push(next ?? null);
    },
  });
  const request = { headers: { ...(input.contentType ? { 'content-type': input.contentType } : {}), ...input.headers } } as unknown as FastifyRequest;
  const reply = { header: (name: string, value: string) => ((replyHeaders[name] = value), reply) } as unknown as FastifyReply;
  return { body: new DeferredUpload(stream, input.contentType), request, reply, replyHeaders, pulled: () => pulled };
}

function multipart(parts: Array<{ name: string; filename?: string; type?: string; data: Buffer | string }>, boundary = 'XyZ') {
  const pieces: Buffer[] = [];
  for (const p of parts) {
    const head = [`--${boundary}`, `Content-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`];
    if (p.type) head.push(`Content-Type: ${p.type}`);
    pieces.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`), Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data), Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(pieces), type: `multipart/form-data; boundary=${boundary}` };
}

/** Splits bytes into chunks of `size`, as a slow network delivers them. */
const chunked = (bytes: Buffer, size: number) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

describe('readUpload', () => {
  it('reads a raw body in small chunks: bytes, sniffed type, declared type without parameters, X-Filename, SHA-256', async () => {
    const f = fake({ chunks: chunked(PDF, 3), contentType: 'application/octet-stream; x=y', headers: { 'x-filename': 'r.pdf' } });
    const { file, fields } = await readUpload({ ...f, upload });
    expect(fields).toEqual({});
    expect(file).toMatchObject({ contentType: 'application/pdf', declaredType: 'application/octet-stream', filename: 'r.pdf', size: PDF.length });
    expect(file.bytes.equals(PDF)).toBe(true);
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads a non-ASCII name: X-Filename percent-encoded or as UTF-8 bytes, and a multipart filename in UTF-8', async () => {
    const name = 'reçu café €5.pdf';
    const encoded = fake({ chunks: [PDF], contentType: 'application/pdf', headers: { 'x-filename': encodeURIComponent(name) } });
    expect((await readUpload({ ...encoded, upload })).file.filename).toBe(name);
    // Node hands header bytes over as latin1: the UTF-8 bytes of a name sent as is arrive as mojibake.
    const utf8 = fake({ chunks: [PDF], contentType: 'application/pdf', headers: { 'x-filename': Buffer.from(name, 'utf8').toString('latin1') } });
    expect((await readUpload({ ...utf8, upload })).file.filename).toBe(name);
    // A '%' that starts no escape, and a latin1 name that is no UTF-8, are kept as sent.
    const percent = fake({ chunks: [PDF], contentType: 'application/pdf', headers: { 'x-filename': '100% done.pdf' } });
    expect((await readUpload({ ...percent, upload })).file.filename).toBe('100% done.pdf');
    const latin1 = fake({ chunks: [PDF], contentType: 'application/pdf', headers: { 'x-filename': 'reçu.pdf' } });
    expect((await readUpload({ ...latin1, upload })).file.filename).toBe('reçu.pdf');
    // The part header carries the name's UTF-8 bytes, as browsers and curl send it.
    const { body, type } = multipart([{ name: 'file', filename: name, type: 'application/pdf', data: PDF }]);
    expect((await readUpload({ ...fake({ chunks: [body], contentType: type }), upload })).file.filename).toBe(name);
  });

  it('reads a multipart body split anywhere: the file part and the text fields', async () => {
    const { body, type } = multipart([
      { name: 'note', data: 'taxi' },
      { name: 'file', filename: 'scan.pdf', type: 'application/pdf', data: PDF },
      { name: 'total', data: '12.50' },
    ]);
    for (const size of [1, 7, 64, body.length]) {
      const { file, fields } = await readUpload({ ...fake({ chunks: chunked(body, size), contentType: type }), upload });
      expect(fields).toEqual({ note: 'taxi', total: '12.50' });
      expect(file).toMatchObject({ contentType: 'application/pdf', declaredType: 'application/pdf', filename: 'scan.pdf', size: PDF.length });
      expect(file.bytes.equals(PDF)).toBe(true);
    }
  });

  it('refuses a multipart body cut off before its closing boundary', async () => {
    const { body, type } = multipart([{ name: 'file', filename: 'a.pdf', data: PDF }]);
    await expect(readUpload({ ...fake({ chunks: [body.subarray(0, body.length - 12)], contentType: type }), upload })).rejects.toMatchObject({
      code: 'invalid_multipart',
      status: 400,
    });
  });

  it('keeps at most maxBytes of a file that is too large, and reads the rest of the body before answering 413', async () => {
    const big = Buffer.concat([PDF, Buffer.alloc(10_000, 0x20)]);
    const f = fake({ chunks: chunked(big, 100), contentType: 'application/pdf' });
    await expect(readUpload({ ...f, upload })).rejects.toMatchObject({ code: 'payload_too_large', status: 413, details: { maxBytes: 1024 } });
    expect(f.pulled()).toBe(Math.ceil(big.length / 100) + 1); // drained to the end
    expect(f.replyHeaders.connection).toBeUndefined();
  });

  it('stops reading past maxBytes + UPLOAD_DRAIN_BYTES and closes the connection after answering', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const chunks = [PDF, ...Array.from({ length: UPLOAD_DRAIN_BYTES / chunk.length + 8 }, () => chunk)];
    const f = fake({ chunks, contentType: 'application/pdf' });
    await expect(readUpload({ ...f, upload })).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(f.replyHeaders.connection).toBe('close');
    expect(f.pulled()).toBeLessThan(chunks.length);
  });

  it('decides the type from the first bytes: a 415 does not wait for the file to grow past maxBytes', async () => {
    const gif = Buffer.concat([Buffer.from('GIF89a\x01\x00\x01\x00'), Buffer.alloc(5000)]);
    await expect(readUpload({ ...fake({ chunks: chunked(gif, 64), contentType: 'application/pdf' }), upload })).rejects.toMatchObject({
      code: 'unsupported_media_type',
      status: 415,
      details: { accepted: ['application/pdf', 'image/png'], declared: 'application/pdf' },
    });
  });

  it('refuses a file name over 255 characters, and text the database cannot store in it', async () => {
    const long = fake({ chunks: [PDF], contentType: 'application/pdf', headers: { 'x-filename': `${'a'.repeat(256)}.pdf` } });
    await expect(readUpload({ ...long, upload })).rejects.toMatchObject({ code: 'invalid_filename' });
    const { body, type } = multipart([{ name: 'file', filename: 'a\u0000b.pdf', data: PDF }]);
    await expect(readUpload({ ...fake({ chunks: [body], contentType: type }), upload })).rejects.toMatchObject({ code: 'invalid_text' });
  });

  it('refuses a field sent twice, a file under another name, and a body that is not multipart at all', async () => {
    const twice = multipart([
      { name: 'note', data: 'a' },
      { name: 'note', data: 'b' },
      { name: 'file', filename: 'a.pdf', data: PDF },
    ]);
    await expect(readUpload({ ...fake({ chunks: [twice.body], contentType: twice.type }), upload })).rejects.toMatchObject({ code: 'invalid_multipart' });
    const other = multipart([{ name: 'document', filename: 'a.pdf', data: PDF }]);
    await expect(readUpload({ ...fake({ chunks: [other.body], contentType: other.type }), upload })).rejects.toMatchObject({ code: 'unexpected_file' });
    const noBoundary = fake({ chunks: [PDF], contentType: 'multipart/form-data' });
    await expect(readUpload({ ...noBoundary, upload })).rejects.toMatchObject({ code: 'invalid_multipart' });
    expect(noBoundary.pulled()).toBe(2); // drained all the same
  });

  it('without a body at all: 400 empty_file', async () => {
    const request = { headers: {} } as FastifyRequest;
    await expect(readUpload({ body: undefined, request, reply: {} as FastifyReply, upload })).rejects.toMatchObject({ code: 'empty_file' });
  });
});
