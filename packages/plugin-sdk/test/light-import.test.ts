import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The SDK is what every plugin imports, so it must be cheap and safe to load: a bare Node process
 * (no reflect-metadata, no host) imports the built package and records every module it resolves.
 * The import time is printed for the record (docs/performance.md), never asserted.
 */

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

const PROBE = `
import { registerHooks } from 'node:module';
const seen = [];
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
const start = performance.now();
const sdk = await import('@tollgate/plugin-sdk');
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, modules: seen, exports: Object.keys(sdk).sort(), reflect: typeof Reflect.getMetadata }));
`;

function probe(): { ms: number; modules: string[]; exports: string[]; reflect: string } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { cwd: PACKAGE_DIR, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`importing @tollgate/plugin-sdk in a bare process failed (is it built? pnpm build:all):\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

describe('@tollgate/plugin-sdk in a bare Node process', () => {
  const result = probe();
  // pnpm resolves to real paths: `…/node_modules/.pnpm/x@1/node_modules/x/…` for npm packages, `…/packages/<name>/dist/…` for ours.
  const packageOf = (url: string): string | null => {
    const npm = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1];
    if (npm) return npm;
    const own = /\/packages\/([^/]+)\/dist\//.exec(url)?.[1];
    return own ? `@tollgate/${own}` : null;
  };
  const packages = [...new Set(result.modules.map(packageOf).filter((p): p is string => p !== null))].sort();

  it('loads without reflect-metadata or any polyfill', () => {
    expect(result.reflect).toBe('undefined');
    expect(result.exports).toEqual(
      expect.arrayContaining([
        'definePlugin',
        'coreServices',
        'defineRoute',
        'Money',
        'InsufficientFundsError',
        'spendChannelsExtensionPoint',
        'postalCarriersExtensionPoint',
      ]),
    );
  });

  it('loads no database driver, job queue, DI container or web framework', () => {
    for (const heavy of [
      'pg',
      'pg-boss',
      '@electric-sql/pglite',
      'tsyringe',
      'reflect-metadata',
      'eventemitter3',
      '@nestjs/core',
      '@nestjs/common',
      'fastify',
      'zod',
    ]) {
      expect(packages, `${heavy} must not be loaded by the SDK`).not.toContain(heavy);
    }
    // What it does load: its own packages and decimal.js (Money), nothing else.
    expect(packages.filter((p) => !p.startsWith('@tollgate/'))).toEqual(['decimal.js']);
    console.log(`@tollgate/plugin-sdk: ${result.modules.length} modules (${packages.join(', ')}), imported in ${result.ms.toFixed(1)} ms`);
  });
});
