import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateRules, keyFromManifest, loadCompiledRules, MANIFEST_FILE, manifestEntry, type ManifestEntry } from '../src/compiled-rules.js';

// No SaxonJS compile here: the SEF files are stand-ins, so the test shows which file a start picks.
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ubl-validation-manifest-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const write = (dir: string, entries: ManifestEntry[]) => writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ entries }));

describe('the build manifest', () => {
  const { key, fileName } = generateRules({ set: 'peppol', flags: 'fatal' });
  const entry = manifestEntry({ set: 'peppol', flags: 'fatal', key, fileName });

  it('names the SEF without generating the XSLT when every input is unchanged', async () => {
    const dir = tempDir();
    write(dir, [entry]);
    writeFileSync(join(dir, fileName), '{"stand-in":true}');
    expect(keyFromManifest({ set: 'peppol', flags: 'fatal', builtDir: dir })).toBe(key);
    expect(keyFromManifest({ set: 'peppol', flags: 'all', builtDir: dir })).toBeUndefined();
    const loaded = await loadCompiledRules({ set: 'peppol', flags: 'fatal', builtDir: dir, cacheDir: tempDir() });
    expect(loaded).toMatchObject({ set: 'peppol', flags: 'fatal', key, from: 'build', keyFrom: 'manifest', text: '{"stand-in":true}' });
  });

  it.each([
    ['the .sch file', { ...entry.inputs, sch: '0'.repeat(64) }],
    ['the compiler', { ...entry.inputs, compiler: Object.fromEntries(Object.keys(entry.inputs.compiler).map((file) => [file, 'changed'])) }],
    ['the XML parser', { ...entry.inputs, parser: '0.0.1' }],
    ['SaxonJS', { ...entry.inputs, saxon: '1.0' }],
  ])('is ignored when %s changed: the key comes from the generated XSLT (a stale SEF is never used)', async (_, inputs) => {
    const dir = tempDir();
    // The stale entry names another SEF; the current one is found by its XSLT key.
    write(dir, [{ ...entry, key: 'stale0000000000', fileName: 'peppol-fatal-stale0000000000.sef.json', inputs }]);
    writeFileSync(join(dir, 'peppol-fatal-stale0000000000.sef.json'), '{"stale":true}');
    writeFileSync(join(dir, fileName), '{"current":true}');
    expect(keyFromManifest({ set: 'peppol', flags: 'fatal', builtDir: dir })).toBeUndefined();
    const loaded = await loadCompiledRules({ set: 'peppol', flags: 'fatal', builtDir: dir, cacheDir: tempDir() });
    expect(loaded).toMatchObject({ key, from: 'build', keyFrom: 'xslt', text: '{"current":true}' });
  });

  it('a missing or unreadable manifest, or a file name that does not match its key, falls back too', () => {
    const dir = tempDir();
    expect(keyFromManifest({ set: 'peppol', flags: 'fatal', builtDir: dir })).toBeUndefined();
    writeFileSync(join(dir, MANIFEST_FILE), '{not json');
    expect(keyFromManifest({ set: 'peppol', flags: 'fatal', builtDir: dir })).toBeUndefined();
    write(dir, [{ ...entry, fileName: '../elsewhere.sef.json' }]);
    expect(keyFromManifest({ set: 'peppol', flags: 'fatal', builtDir: dir })).toBeUndefined();
  });

  it("keys the two variants apart: 'all' and 'fatal' never share a SEF", () => {
    const all = generateRules({ set: 'peppol', flags: 'all' });
    expect(all.key).not.toBe(key);
    expect(fileName).toMatch(/^peppol-fatal-[0-9a-f]{16}\.sef\.json$/);
    expect(all.fileName).toMatch(/^peppol-[0-9a-f]{16}\.sef\.json$/);
  });
});
