// SDK import benchmark (not a test): how long a fresh Node process takes to import
// @tollgate/plugin-sdk, and how many modules it loads, next to a baseline measured in the same run:
// the same import of @tollgate/wallet, the domain package that implements the contract (with the
// reflect-metadata polyfill tsyringe needs). Each import runs in its own process, alternating, so
// both see the same machine. See docs/performance.md.
//
//   pnpm bench:sdk               10 runs each
//   pnpm bench:sdk --runs=30
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runsArg = process.argv.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? process.env.BENCH_RUNS;
const RUNS = runsArg ? Number(runsArg) : 10;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs must be a positive integer, got ${runsArg}`);

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Target {
  id: string;
  pkg: string;
  /** Run from the package's own folder: it imports itself by name, through its "exports" (dist). */
  dir: string;
  polyfill: boolean;
}

const TARGETS: Target[] = [
  { id: 'plugin-sdk', pkg: '@tollgate/plugin-sdk', dir: `${ROOT}packages/plugin-sdk`, polyfill: false },
  { id: 'wallet (baseline)', pkg: '@tollgate/wallet', dir: `${ROOT}packages/wallet`, polyfill: true },
];

function probe(target: Target): { ms: number; modules: number } {
  const script = `
import { registerHooks } from 'node:module';
let modules = 0;
registerHooks({ resolve(specifier, context, next) { modules++; return next(specifier, context); } });
${target.polyfill ? "await import('reflect-metadata');" : ''}
const start = performance.now();
await import('${target.pkg}');
console.log(JSON.stringify({ ms: performance.now() - start, modules }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: target.dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${target.pkg}: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = new Map(TARGETS.map((t) => [t.id, [] as Array<{ ms: number; modules: number }>]));
for (let i = 0; i < RUNS; i++) for (const t of TARGETS) samples.get(t.id)!.push(probe(t));

const base = median(samples.get('wallet (baseline)')!.map((s) => s.ms));
console.log(`Node ${process.version}, ${RUNS} fresh processes per package, alternating\n`);
console.log('| import | median ms | min ms | max ms | modules | vs baseline |');
console.log('|---|--:|--:|--:|--:|--:|');
for (const t of TARGETS) {
  const ms = samples.get(t.id)!.map((s) => s.ms);
  const m = median(ms);
  console.log(
    `| ${t.pkg}${t.polyfill ? ' (+ reflect-metadata)' : ''} | ${m.toFixed(1)} | ${Math.min(...ms).toFixed(1)} | ${Math.max(...ms).toFixed(1)} | ${samples.get(t.id)![0]!.modules} | ${((m / base) * 100).toFixed(0)} % |`,
  );
}
