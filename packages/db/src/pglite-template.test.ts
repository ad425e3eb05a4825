import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from './pglite.engine.js';
import { builtPgliteTemplate, installedPgliteVersion, writePgliteTemplate } from './pglite-template.js';

// PGlite only: the template replaces PGlite's initdb in a new data folder (issue 20, start time).
describe('PGlite template for new data folders', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-pglite-template-'));
    mkdirSync(join(dir, 'built'));
    // One in-memory initdb for the whole file.
    await writePgliteTemplate(join(dir, 'built'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is used only when the installed PGlite made it', () => {
    expect(JSON.parse(readFileSync(join(dir, 'built', 'pglite-template.json'), 'utf8'))).toEqual({ pglite: installedPgliteVersion() });
    expect(builtPgliteTemplate(join(dir, 'built'))).toBeInstanceOf(Blob);
    expect(builtPgliteTemplate(join(dir, 'built'), { TOLLGATE_PGLITE_TEMPLATE: 'off' })).toBeUndefined();
    expect(builtPgliteTemplate(join(dir, 'nowhere'))).toBeUndefined();
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', 'pglite-template.tar.gz'), readFileSync(join(dir, 'built', 'pglite-template.tar.gz')));
    writeFileSync(join(dir, 'old', 'pglite-template.json'), JSON.stringify({ pglite: '0.0.1' }));
    expect(builtPgliteTemplate(join(dir, 'old'))).toBeUndefined();
  });

  it('loads into a new folder that already holds other files, and the cluster persists', { timeout: 120_000 }, async () => {
    const dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'sandboxes'), { recursive: true });
    writeFileSync(join(dataDir, 'tollgate.lock'), '1');
    writeFileSync(join(dataDir, 'sandboxes', 'card.json'), '{}');
    const first = await openPglite({ dataDir, template: builtPgliteTemplate(join(dir, 'built'))! });
    await first.query('create table kept (n int)');
    await first.query('insert into kept values (42)');
    await first.close();
    const again = await openPglite({ dataDir });
    try {
      expect((await again.query<{ n: number }>('select n from kept')).rows).toEqual([{ n: 42 }]);
    } finally {
      await again.close();
    }
    // The folder's other files are untouched.
    expect(readFileSync(join(dataDir, 'sandboxes', 'card.json'), 'utf8')).toBe('{}');
    expect(readFileSync(join(dataDir, 'tollgate.lock'), 'utf8')).toBe('1');
  });
});
