// Accounting exports benchmark (not a test): @tollgate/ubl writing 10,000 generated documents (1–20
// lines each, the sample mix of rates, reverse charge, discounts and credit notes) as Peppol UBL, next
// to two baselines measured in the same run on the same documents:
//   - "bare builder": fast-xml-parser's builder serialising the prebuilt trees of the very same XML
//     (`ublTree`, built before the clock starts: no checks, no mapping, no decimals: what the XML
//     library alone costs, the floor for writeUbl);
//   - "JSON.stringify": the documents serialised as JSON (what any serialisation costs).
// Each scenario runs in a child process of its own so its peak RSS (getrusage maxrss) is its own;
// scenarios take turns round by round, so a busy moment of the shared machine hits them all.
// Schematron validation (@tollgate/ubl-validation, EN 16931 + Peppol) is timed apart, per worker-thread
// count (--threads=1,2) and rule variant (--flags=all,fatal: every assert, or the fatal-only SEFs the
// exporter uses by default; taking turns, so load hits both): loading the rule sets, then each document
// of a sample (default 500) with as many in flight as threads, and the 10,000 extrapolated from the
// sample's wall time.
//
//   pnpm bench:exports                            10,000 documents, 3 rounds, 500 validated
//   pnpm bench:exports --documents=2000 --rounds=1 --validate=100 --threads=1,2,4 --flags=fatal
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleDocuments, serialiseUblTree, ublTree, writeUbl } from '@tollgate/ubl';
import { createUblValidator } from '@tollgate/ubl-validation';
import { arg, fmt, intArg, listArg, loadAverage, markdownTable, revision } from './bench-kit.js';

const CONFIG = {
  documents: intArg('documents', 10_000),
  rounds: intArg('rounds', 3),
  validate: intArg('validate', 500),
  maxLines: intArg('max-lines', 20),
  seed: intArg('seed', 18),
  /** Validator worker threads to measure, each with the same sample; documents in flight = threads. */
  threads: (listArg('threads') ?? ['1', '2']).map(Number),
  /** Rule variants to measure: 'all' asserts, or 'fatal' only. */
  flags: (listArg('flags') ?? ['all', 'fatal']) as Array<'all' | 'fatal'>,
};

type Scenario = 'ubl' | 'bare-builder' | 'json';
const SCENARIOS: Scenario[] = ['json', 'bare-builder', 'ubl'];

interface ScenarioResult {
  scenario: Scenario;
  documents: number;
  lines: number;
  seconds: number;
  perSecond: number;
  bytes: number;
  /** Peak RSS of the child, MiB (getrusage maxrss), and RSS before the timed part. */
  peakRssMiB: number;
  rssBeforeMiB: number;
}

/** One scenario, in this (child) process: generate, prepare what the baseline needs, then time. */
function runScenario(scenario: Scenario): ScenarioResult {
  const documents = sampleDocuments({ count: CONFIG.documents, seed: CONFIG.seed, maxLines: CONFIG.maxLines });
  const lines = documents.reduce((n, d) => n + d.lines.length, 0);
  // The baseline's input is built before the clock starts: the object trees writeUbl would serialise.
  const trees = scenario === 'bare-builder' ? documents.map((document) => ublTree({ document })) : [];
  const rssBefore = process.memoryUsage.rss();
  let bytes = 0;
  const started = performance.now();
  if (scenario === 'ubl') for (const document of documents) bytes += writeUbl({ document }).xml.length;
  else if (scenario === 'bare-builder') for (const tree of trees) bytes += serialiseUblTree({ tree }).length;
  else for (const document of documents) bytes += JSON.stringify(document).length;
  const seconds = (performance.now() - started) / 1000;
  return {
    scenario,
    documents: documents.length,
    lines,
    seconds,
    perSecond: documents.length / seconds,
    bytes,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    rssBeforeMiB: rssBefore / 1024 / 1024,
  };
}

interface ValidationFigures {
  threads: number;
  flags: 'all' | 'fatal';
  readyMs: number;
  perDocMs: number[];
  wallSeconds: number;
  fatal: number;
  sample: number;
}

/** Validates the sample with `threads` worker threads, `threads` documents in flight (as the exporter does). */
async function validation(threads: number, flags: 'all' | 'fatal'): Promise<ValidationFigures> {
  const documents = sampleDocuments({ count: CONFIG.validate, seed: CONFIG.seed + 1, maxLines: CONFIG.maxLines });
  const xmls = documents.map((document) => writeUbl({ document }).xml);
  const validator = createUblValidator({ sets: ['cen', 'peppol'], threads, flags });
  try {
    const t = performance.now();
    await validator.ready();
    const readyMs = performance.now() - t;
    const perDocMs: number[] = [];
    let fatal = 0;
    let next = 0;
    const started = performance.now();
    const lane = async (): Promise<void> => {
      for (let i = next++; i < xmls.length; i = next++) {
        const began = performance.now();
        fatal += (await validator.validate({ xml: xmls[i]! })).fatal.length;
        perDocMs.push(performance.now() - began);
      }
    };
    await Promise.all(Array.from({ length: threads }, lane));
    return { threads, flags, readyMs, perDocMs, wallSeconds: (performance.now() - started) / 1000, fatal, sample: xmls.length };
  } finally {
    await validator.close();
  }
}

async function main(): Promise<void> {
  const child = arg('scenario') as Scenario | undefined;
  if (child !== undefined) {
    process.stdout.write(JSON.stringify(runScenario(child)));
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const root = join(dirname(self), '..', '..', '..');
  console.log(
    `exports bench: ${fmt(CONFIG.documents, 0)} documents (1–${CONFIG.maxLines} lines), ${CONFIG.rounds} rounds, node ${process.version}, ${availableParallelism()} cores, load ${loadAverage()}, ${revision(root, ['packages/ubl', 'packages/ubl-validation', 'tooling/bench'])}`,
  );
  const results = new Map<Scenario, ScenarioResult[]>(SCENARIOS.map((s) => [s, []]));
  for (let round = 1; round <= CONFIG.rounds; round += 1) {
    for (const scenario of SCENARIOS) {
      const out = execFileSync(process.execPath, [self, `--scenario=${scenario}`, ...process.argv.slice(2).filter((a) => !a.startsWith('--scenario='))], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      const result = JSON.parse(out) as ScenarioResult;
      results.get(scenario)!.push(result);
      console.log(`  round ${round} ${scenario.padEnd(12)} ${fmt(result.perSecond, 0)} documents/s, peak RSS ${fmt(result.peakRssMiB, 0)} MiB`);
    }
  }
  const best = (scenario: Scenario): ScenarioResult => results.get(scenario)!.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const ubl = best('ubl');
  const rows = SCENARIOS.map((scenario) => {
    const r = results.get(scenario)!;
    const perSecond = median(r.map((x) => x.perSecond));
    return [
      scenario === 'ubl' ? 'writeUbl (@tollgate/ubl)' : scenario === 'bare-builder' ? 'bare builder (fast-xml-parser), prebuilt trees' : 'JSON.stringify',
      `${fmt(r[0]!.documents, 0)} docs / ${fmt(r[0]!.lines, 0)} lines`,
      fmt(perSecond, 0),
      fmt(median(r.map((x) => x.seconds)), 2),
      fmt(median(r.map((x) => x.bytes)) / r[0]!.documents / 1024, 1),
      fmt(Math.max(...r.map((x) => x.peakRssMiB)), 0),
      scenario === 'ubl' ? '1.00' : fmt(perSecond / median(results.get('ubl')!.map((x) => x.perSecond)), 2),
    ];
  });
  console.log(`\n${markdownTable(['scenario', 'input', 'documents/s (median)', 's', 'KiB/doc', 'peak RSS MiB', '× writeUbl'], rows, 2)}`);
  console.log(`best writeUbl round: ${fmt(ubl.perSecond, 0)} documents/s`);

  const rowsV: string[][] = [];
  for (const threads of CONFIG.threads)
    for (const flags of CONFIG.flags) {
      const v = await validation(threads, flags);
      const sorted = [...v.perDocMs].sort((a, b) => a - b);
      const mean = v.perDocMs.reduce((a, b) => a + b, 0) / v.perDocMs.length;
      const p = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
      rowsV.push([
        String(v.threads),
        v.flags,
        fmt(v.readyMs, 0),
        `${fmt(mean, 0)} / ${fmt(p(0.5), 0)} / ${fmt(p(0.99), 0)}`,
        `${fmt(v.wallSeconds, 1)} (${v.sample} docs)`,
        fmt(v.sample / v.wallSeconds, 2),
        fmt((10_000 * v.wallSeconds) / v.sample / 60, 0),
        String(v.fatal),
      ]);
      console.log(`  validation, ${threads} thread(s), ${flags} asserts: ${fmt(v.sample / v.wallSeconds, 2)} documents/s`);
    }
  console.log(
    `\n${markdownTable(
      ['threads', 'asserts', 'ready ms (load rules)', 'per document ms: mean / p50 / p99', 'sample wall s', 'documents/s', '10,000 extrapolated, min', 'fatal'],
      rowsV,
      1,
    )}`,
  );
}

await main();
