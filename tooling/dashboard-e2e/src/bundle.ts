import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleFile {
  file: string;
  bytes: number;
  /** gzip at level 9, what a server would send compressed (deterministic: same file, same size). */
  gzipBytes: number;
}

/** Every .js file under `<dist>/assets` with its raw and gzip size. */
export async function bundleSizes(input: { dist: string }): Promise<BundleFile[]> {
  const assets = join(input.dist, 'assets');
  const names = (await readdir(assets)).filter((name) => name.endsWith('.js')).sort();
  return Promise.all(
    names.map(async (file) => {
      const bytes = await readFile(join(assets, file));
      return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
    }),
  );
}
