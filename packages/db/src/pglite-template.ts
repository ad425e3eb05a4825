import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/**
 * An empty, initialised PGlite cluster made at build time (dist/pglite-template.tar.gz), loaded into a
 * new data folder instead of running initdb there: initdb into a folder is most of a first start
 * (issue 20: ~7-10 s of 14 s on a busy 2-core machine; loading the template ~1-2.5 s). It is used only
 * when it was made by the PGlite version installed now (recorded beside it), so an upgrade without a
 * rebuild falls back to initdb instead of loading a cluster of another version.
 */
export const PGLITE_TEMPLATE_FILE = 'pglite-template.tar.gz';
const SIDECAR = 'pglite-template.json';

export function installedPgliteVersion(): string {
  // The package's exports hide package.json: walk up from its resolved entry point.
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Writes the template and the PGlite version that made it into `dir` (the build runs this into dist/). */
export async function writePgliteTemplate(dir: string): Promise<{ bytes: number; version: string }> {
  const pg = await PGlite.create();
  let blob: Blob;
  try {
    blob = await pg.dumpDataDir('gzip');
  } finally {
    await pg.close();
  }
  const bytes = Buffer.from(await blob.arrayBuffer());
  const version = installedPgliteVersion();
  writeFileSync(join(dir, PGLITE_TEMPLATE_FILE), bytes);
  writeFileSync(join(dir, SIDECAR), `${JSON.stringify({ pglite: version })}\n`);
  return { bytes: bytes.length, version };
}

/**
 * The built template when there is one made by the installed PGlite; otherwise undefined (initdb runs).
 * TOLLGATE_PGLITE_TEMPLATE=off skips it (an escape hatch, and how the start-up figures compare both ways).
 */
export function builtPgliteTemplate(dir = dirname(fileURLToPath(import.meta.url)), env: NodeJS.ProcessEnv = process.env): Blob | undefined {
  if (env.TOLLGATE_PGLITE_TEMPLATE === 'off') return undefined;
  try {
    const sidecar = JSON.parse(readFileSync(join(dir, SIDECAR), 'utf8')) as { pglite?: unknown };
    if (sidecar.pglite !== installedPgliteVersion()) return undefined;
    return new Blob([readFileSync(join(dir, PGLITE_TEMPLATE_FILE))]);
  } catch {
    // No template (running from src/, or a build without it): initdb, as before.
    return undefined;
  }
}
