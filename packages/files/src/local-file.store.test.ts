import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFileStore } from './local-file.store.js';

describe('LocalFileStore', () => {
  let root: string;
  let store: LocalFileStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tg-files-'));
    store = new LocalFileStore({ root });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('stores bytes and streams with their size and SHA-256, and reads them back', async () => {
    const bytes = Buffer.from('%PDF-1.7 hello');
    const put = await store.put({ key: 'invoice-pdfs/acc_1/inv_1.pdf', body: bytes, contentType: 'application/pdf' });
    expect(put).toEqual({
      key: 'invoice-pdfs/acc_1/inv_1.pdf',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentType: 'application/pdf',
    });
    expect((await store.read({ key: put.key }))?.body.equals(bytes)).toBe(true);
    const streamed = await store.put({ key: 'a/b.bin', body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]), contentType: 'application/octet-stream' });
    expect(streamed.size).toBe(4);
    const opened = await store.open({ key: 'a/b.bin' });
    const chunks: Buffer[] = [];
    for await (const chunk of opened!.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('abcd');
  });

  it('replaces a file whole and leaves no temporary files', async () => {
    await store.put({ key: 'x/f.pdf', body: Buffer.from('one'), contentType: 'application/pdf' });
    await store.put({ key: 'x/f.pdf', body: Buffer.from('second'), contentType: 'application/pdf' });
    expect((await store.read({ key: 'x/f.pdf' }))?.body.toString()).toBe('second');
    expect((await readdir(join(root, 'x'))).sort()).toEqual(['f.pdf', 'f.pdf.meta.json']);
  });

  it('answers null for a missing file, and for bytes whose sidecar is missing or disagrees', async () => {
    expect(await store.read({ key: 'nope.pdf' })).toBeNull();
    await writeFile(join(root, 'orphan.pdf'), 'half');
    expect(await store.stat({ key: 'orphan.pdf' })).toBeNull();
    await store.put({ key: 'cut.pdf', body: Buffer.from('complete'), contentType: 'application/pdf' });
    await writeFile(join(root, 'cut.pdf'), 'cu');
    expect(await store.open({ key: 'cut.pdf' })).toBeNull();
  });

  it('deletes, and deleting a missing file is fine', async () => {
    await store.put({ key: 'd.pdf', body: Buffer.from('x'), contentType: 'application/pdf' });
    await store.delete({ key: 'd.pdf' });
    await store.delete({ key: 'd.pdf' });
    expect(await store.stat({ key: 'd.pdf' })).toBeNull();
  });

  it.each(['../escape.pdf', '/abs.pdf', 'a//b', 'a/./b', '', 'x.meta.json', 'sp ace.pdf'])('refuses the key %j', async (key) => {
    await expect(store.put({ key, body: Buffer.from('x'), contentType: 'text/plain' })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
