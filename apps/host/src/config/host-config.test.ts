import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './host-config.js';

function dirWith(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
  writeFileSync(join(dir, 'tollgate.config.json'), config);
  return dir;
}

describe('loadConfig', () => {
  it('defaults to port 3000 and an embedded database in ./.data', () => {
    const config = loadConfig({ env: {}, cwd: '/srv/app' });
    expect(config).toMatchObject({ port: 3000, database: { dataDir: '/srv/app/.data' }, plugins: [], sandbox: true, logLevel: 'info' });
    expect(config.database.url).toBeUndefined();
  });

  it('reads tollgate.config.json and lets the environment win', () => {
    const dir = dirWith(JSON.stringify({ port: 4000, database: { dataDir: 'db' }, plugins: [{ package: './p' }] }));
    const config = loadConfig({ env: { PORT: '5000', DATABASE_URL: 'postgres://x@127.0.0.1/y' }, cwd: dir });
    expect(config.port).toBe(5000);
    expect(config.database).toMatchObject({ url: 'postgres://x@127.0.0.1/y', dataDir: join(dir, 'db') });
    expect(config.plugins).toEqual([{ package: './p', enabled: true }]);
    expect(config.configDir).toBe(dir);
  });

  it('files: a local folder by default (relative to the config), or an S3 bucket whose key pair may come from the environment', () => {
    expect(loadConfig({ env: {}, cwd: '/srv/app' }).files).toEqual({ root: '/srv/app/.data/files' });
    const local = dirWith(JSON.stringify({ files: { driver: 'local', root: 'blobs' } }));
    expect(loadConfig({ env: {}, cwd: local }).files).toEqual({ driver: 'local', root: join(local, 'blobs') });
    const s3 = { driver: 's3', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', bucket: 'tollgate', prefix: 'prod' };
    const dir = dirWith(JSON.stringify({ files: s3 }));
    expect(loadConfig({ env: { FILES_S3_ACCESS_KEY_ID: 'AKIA1', FILES_S3_SECRET_ACCESS_KEY: 'secret' }, cwd: dir }).files).toEqual({
      ...s3,
      accessKeyId: 'AKIA1',
      secretAccessKey: 'secret',
      forcePathStyle: false,
    });
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(/files\.accessKeyId: is required \(or FILES_S3_ACCESS_KEY_ID\)/);
    expect(() => loadConfig({ env: { FILES_S3_ACCESS_KEY_ID: 'AKIA1' }, cwd: '/srv/app' })).toThrow(/set files\.driver to "s3"/);
    const badBucket = dirWith(JSON.stringify({ files: { ...s3, bucket: 'Bad_Bucket', accessKeyId: 'a', secretAccessKey: 'b' } }));
    expect(() => loadConfig({ env: {}, cwd: badBucket })).toThrow(/files\.bucket: must be an S3 bucket name/);
    const badDriver = dirWith(JSON.stringify({ files: { driver: 'ftp' } }));
    expect(() => loadConfig({ env: {}, cwd: badDriver })).toThrow(/files\.driver/);
  });

  it('uses TOLLGATE_CONFIG when set', () => {
    const dir = dirWith('{"port": 0}');
    expect(loadConfig({ env: { TOLLGATE_CONFIG: join(dir, 'tollgate.config.json') }, cwd: '/' }).port).toBe(0);
  });

  it.each([
    ['{"port": ', /not valid JSON/],
    ['[]', /must be a JSON object/],
    ['{"prot": 3000}', /\(root\): Unrecognized key: "prot"/],
    ['{"plugins": [{"pkg": "x"}]}', /plugins\.0\.package/],
    ['{"port": "3000"}', /port: /],
  ])('refuses %s in one line naming the file', (text, reason) => {
    const dir = dirWith(text);
    let message = '';
    try {
      loadConfig({ env: {}, cwd: dir });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(reason);
    expect(message).toContain(join(dir, 'tollgate.config.json'));
    expect(message).not.toContain('\n');
  });

  it('refuses a missing explicit config file and a bad PORT', () => {
    expect(() => loadConfig({ env: { TOLLGATE_CONFIG: '/does/not/exist.json' } })).toThrow(/cannot be read/);
    expect(() => loadConfig({ env: { PORT: 'eighty' }, cwd: '/' })).toThrow('environment PORT: not a port number: eighty');
  });

  it('plans: focus by default; a config plan extends a built-in; a bad plan refuses start naming the file and the entry', () => {
    expect(loadConfig({ env: {}, cwd: '/srv/app' }).plans).toEqual({ default: 'focus', definitions: [] });
    const ok = dirWith(JSON.stringify({ plans: { default: 'classic', definitions: [{ id: 'focus-plus', label: 'Focus Plus', extends: 'focus' }] } }));
    expect(loadConfig({ env: {}, cwd: ok }).plans.default).toBe('classic');
    const unknownBase = dirWith(JSON.stringify({ plans: { definitions: [{ id: 'gold', extends: 'platinum' }] } }));
    expect(() => loadConfig({ env: {}, cwd: unknownBase })).toThrow(
      `config ${join(unknownBase, 'tollgate.config.json')}: plans.definitions[0] (gold): extends "platinum", which is not a plan (plans so far: classic, focus)`,
    );
    const unknownDefault = dirWith(JSON.stringify({ plans: { default: 'gold' } }));
    expect(() => loadConfig({ env: {}, cwd: unknownDefault })).toThrow('plans.default: "gold" is not a plan (plans: classic, focus)');
    const badId = dirWith(JSON.stringify({ plans: { definitions: [{ id: 'Gold', extends: 'focus' }] } }));
    expect(() => loadConfig({ env: {}, cwd: badId })).toThrow('plans.definitions.0.id: must be a plan id');
  });
});
