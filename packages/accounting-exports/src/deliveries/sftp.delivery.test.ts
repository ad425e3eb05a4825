import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startSftpSandbox, type SftpSandbox } from '@tollgate/sandbox-sftp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliverableFile } from '../export-delivery.js';
import { SftpDelivery } from './sftp.delivery.js';

const file = (name: string, body: string): DeliverableFile => ({
  name,
  contentType: 'application/xml',
  size: Buffer.byteLength(body),
  sha256: 'x',
  open: async () => Readable.from([Buffer.from(body)]),
});

describe('SftpDelivery', () => {
  let dir: string;
  let sandbox: SftpSandbox;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sftp-delivery-'));
    sandbox = await startSftpSandbox({ root: dir, users: [{ username: 'u', password: 'p' }] });
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  const deliver = async (delivery: SftpDelivery, files: DeliverableFile[], directory = 'out') => {
    const delivered: string[] = [];
    const recorded: Array<Record<string, unknown>> = [];
    const settings = { host: sandbox.host, port: sandbox.port, username: 'u', password: 'p', directory };
    const run = delivery.deliver({
      runId: 'exr_1',
      accountId: 'acc',
      targetId: 'ext_1',
      targetName: 'T',
      attempt: 1,
      settings,
      files,
      delivered: async (names) => void delivered.push(...(typeof names === 'string' ? [names] : names)),
      recordSettings: async (patch) => void recorded.push(patch),
    });
    return { run, delivered, recorded };
  };

  it('uploads as .part then renames; replaces a file of another size, skips one of the same size', async () => {
    const first = await deliver(new SftpDelivery(), [file('a.xml', '<a/>'), file('b.xml', '<b/>')], 'out/deep');
    await first.run;
    expect(first.delivered).toEqual(['a.xml', 'b.xml']);
    expect(first.recorded).toEqual([{ hostKeyFingerprint: sandbox.hostKeyFingerprint }]);
    const before = sandbox.written().length;
    const again = await deliver(new SftpDelivery(), [file('a.xml', '<a/>'), file('b.xml', '<bb/>')], 'out/deep');
    await again.run;
    expect(again.delivered).toEqual(['a.xml', 'b.xml']);
    // a.xml was there with the same size: not written again; b.xml was replaced.
    expect(
      sandbox
        .written()
        .slice(before)
        .map((w) => w.path),
    ).toEqual(['/out/deep/b.xml']);
    expect(await readFile(join(sandbox.homeOf('u'), 'out/deep/b.xml'), 'utf8')).toBe('<bb/>');
  });

  it('a write slower than the operation deadline fails the delivery with sftp_timeout', async () => {
    sandbox.setFailures({ writeDelayMs: 400 });
    const slow = await deliver(new SftpDelivery({ operationTimeoutMs: 100 }), [file('slow.xml', '<s/>')]);
    await expect(slow.run).rejects.toMatchObject({ code: 'sftp_timeout' });
    expect(slow.delivered).toEqual([]);
    sandbox.setFailures({});
  });

  it('an unreachable server is sftp_unreachable', async () => {
    const delivery = new SftpDelivery({ connectTimeoutMs: 2000 });
    const run = delivery.deliver({
      runId: 'exr_2',
      accountId: 'acc',
      targetId: 'ext_2',
      targetName: 'T',
      attempt: 1,
      settings: { host: '127.0.0.1', port: 1, username: 'u', password: 'p', directory: '.' },
      files: [file('x.xml', 'x')],
      delivered: async () => undefined,
      recordSettings: async () => undefined,
    });
    await expect(run).rejects.toMatchObject({ code: 'sftp_unreachable' });
  });
});
