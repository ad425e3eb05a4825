import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalFileStore } from '@tollgate/files';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidFileKeyError, pluginFilePrefix, pluginFiles } from './plugin-files.js';

describe('pluginFiles (coreServices.files)', () => {
  let root: string;
  let store: LocalFileStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'plugin-files-'));
    store = new LocalFileStore({ root });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("keeps a plugin's keys under plugins/<id>/ and gives them back as the plugin named them", async () => {
    const files = pluginFiles({ store, pluginId: 'expense-scan' });
    const put = await files.put({ key: 'acc_1/exp_2.pdf', body: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' });
    expect(put).toEqual({ key: 'acc_1/exp_2.pdf', size: 8, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), contentType: 'application/pdf' });
    expect(pluginFilePrefix('expense-scan')).toBe('plugins/expense-scan/');
    expect(await store.stat({ key: 'plugins/expense-scan/acc_1/exp_2.pdf' })).toMatchObject({ key: 'plugins/expense-scan/acc_1/exp_2.pdf', size: 8 });
    expect(await readdir(join(root, 'plugins'))).toEqual(['expense-scan']);

    expect(await files.stat({ key: 'acc_1/exp_2.pdf' })).toEqual(put);
    const read = await files.read({ key: 'acc_1/exp_2.pdf' });
    expect(read?.file).toEqual(put);
    expect(read?.body.toString()).toBe('%PDF-1.4');
    const opened = await files.open({ key: 'acc_1/exp_2.pdf' });
    const chunks: Buffer[] = [];
    for await (const chunk of opened!.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('%PDF-1.4');
    expect(opened!.file.key).toBe('acc_1/exp_2.pdf');

    // A stream body, replacing the file whole.
    const again = await files.put({ key: 'acc_1/exp_2.pdf', body: Readable.from([Buffer.from('%PDF-'), Buffer.from('2.0')]), contentType: 'application/pdf' });
    expect(again.size).toBe(8);
    expect(again.sha256).not.toBe(put.sha256);

    await files.delete({ key: 'acc_1/exp_2.pdf' });
    await files.delete({ key: 'acc_1/exp_2.pdf' }); // missing is not an error
    expect(await files.read({ key: 'acc_1/exp_2.pdf' })).toBeNull();
    expect(await files.open({ key: 'acc_1/exp_2.pdf' })).toBeNull();
  });

  it("never reaches another plugin's files, or the core's", async () => {
    const a = pluginFiles({ store, pluginId: 'plugin-a' });
    const b = pluginFiles({ store, pluginId: 'plugin-b' });
    await a.put({ key: 'same.txt', body: Buffer.from('a'), contentType: 'text/plain' });
    await store.put({ key: 'invoice-sync/core.pdf', body: Buffer.from('core'), contentType: 'application/pdf' });
    expect(await b.read({ key: 'same.txt' })).toBeNull();
    await b.put({ key: 'same.txt', body: Buffer.from('b'), contentType: 'text/plain' });
    expect((await a.read({ key: 'same.txt' }))!.body.toString()).toBe('a');
    await expect(b.read({ key: '../plugin-a/same.txt' })).rejects.toBeInstanceOf(InvalidFileKeyError);
    await expect(a.read({ key: '../../invoice-sync/core.pdf' })).rejects.toBeInstanceOf(InvalidFileKeyError);
  });

  it.each([
    ['', 'a key is a non-empty string'],
    ['/etc/passwd', 'keys are relative paths, not absolute ones'],
    ['a/../b', "'.' and '..' segments are not allowed"],
    ['./a', "'.' and '..' segments are not allowed"],
    ['a//b', "empty segments ('a//b', a trailing '/') are not allowed"],
    ['a/', "empty segments ('a//b', a trailing '/') are not allowed"],
    ['a b.pdf', "segments take letters, digits, '.', '_' and '-' only, and a key may not end in .meta.json or .tmp"],
    ['a\\b.pdf', "segments take letters, digits, '.', '_' and '-' only, and a key may not end in .meta.json or .tmp"],
    ['x.meta.json', "segments take letters, digits, '.', '_' and '-' only, and a key may not end in .meta.json or .tmp"],
  ])('refuses the key %j with a typed error: %s', async (key, reason) => {
    const files = pluginFiles({ store, pluginId: 'p' });
    for (const attempt of [
      () => files.put({ key, body: Buffer.from('x'), contentType: 'text/plain' }),
      () => files.read({ key }),
      () => files.open({ key }),
      () => files.stat({ key }),
      () => files.delete({ key }),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'invalid_file_key', status: 400, details: { key, reason } });
    }
    expect(await readdir(root)).toEqual([]);
  });
});
