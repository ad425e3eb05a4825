// Expense scanning benchmark (not a test): every document of the expense corpus
// (plugins/expense-scan/test/fixtures/corpus, truth.json) read by @tollgate/document-reader and its
// fields found by @tollgate/expense-fields, as the expense-scan plugin does, with a reader pool of 2 OCR
// workers (our 2 cores) and of 1. Field accuracy per field and per kind of document against issue 16's
// targets (a field under the 0.7 threshold counts as not filled), scans per second per kind and peak
// memory. The baseline in the same run is text extraction alone: the same reader without the field
// finder (for text PDFs: the text layer), and poppler's `pdftotext` as an outside reference for text
// PDFs. See docs/performance.md, "Expense scanning (issue 16)".
//
//   pnpm bench:scan                                  the whole corpus; text PDFs 10 passes, the rest 2 (~12 min)
//   pnpm bench:scan --text-passes=3 --passes=1 --kinds=text-pdf,clean-image --workers=2 --misses=1
//
// Each reader configuration runs in its own child process (forked from this file), so its peak RSS is
// its own: the main thread, the OCR worker threads and the decode threads all count in one process's
// RSS (threads share it), sampled every 100 ms and checked against the kernel's maxRSS. The scenarios
// take turns kind by kind and pass by pass, so a busy moment of the shared machine hits them all. CPU a
// scan (the child's, all its threads) depends little on what else runs: min(workers, 2 cores) over it
// says what an idle machine would do, and the CPU ratio to the baseline is the steadiest figure. Exits non-zero only on a crash; a missed target or a failed read is reported.
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDocumentReader, type PooledDocumentReader, type ReadableType, type ReadResult } from '@tollgate/document-reader';
import { EXPENSE_FIELD_NAMES, extractExpenseFields } from '@tollgate/expense-fields';
import { arg, drive, fmt, intArg, listArg, loadAverage, markdownTable, pct, revision, summarize, type Run, type Stats } from './bench-kit.js';
import {
  accuracy,
  addScores,
  DOCUMENT_KINDS,
  emptyAccuracy,
  fieldsUnderTarget,
  KIND_TARGETS,
  parseTruth,
  SCAN_THRESHOLD,
  scoreDocument,
  verdict,
  type AccuracyTable,
  type DocumentKind,
  type FieldScore,
  type TruthDocument,
} from './scan-scoring.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');

const CONFIG = {
  corpus: resolve(repo, arg('corpus') ?? 'plugins/expense-scan/test/fixtures/corpus'),
  /** OCR workers of the scanning pools measured. */
  workers: (listArg('workers') ?? ['2', '1']).map((w) => {
    const n = Number(w);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--workers: positive integers, got ${w}`);
    return n;
  }),
  kinds: (listArg('kinds') ?? [...DOCUMENT_KINDS]) as DocumentKind[],
  /** Passes over the text PDFs (each a fraction of a second: more passes steady the rate). */
  textPasses: intArg('text-passes', 10),
  /** Passes over the other kinds (OCR, seconds a document); the first is scored, later ones must fill the same fields. */
  passes: intArg('passes', 2),
  /** The reader's per-read timeout (its default). */
  timeoutMs: intArg('timeout-ms', 60_000),
  misses: arg('misses') === '1',
  pdftotext: arg('pdftotext') ?? '/usr/bin/pdftotext',
};

// ---- the child: one reader pool, scanning or reading alone --------------------------------------------

type Mode = 'scan' | 'read';

interface RunRequest {
  type: 'run';
  kind: DocumentKind;
  documents: TruthDocument[];
}

interface DocumentOutcome {
  file: string;
  /** Null for a read-only scenario. */
  scores: FieldScore[] | null;
  error: string | null;
  method: ReadResult['method'] | null;
  characters: number;
}

interface RunReply {
  type: 'done';
  run: Run;
  outcomes: DocumentOutcome[];
  /** Peak RSS sampled during this run, MB. */
  peakRssMb: number;
}

interface ChildSummary {
  type: 'summary';
  /** Peak RSS sampled over every run, and the kernel's high-water mark for the whole process, MB. */
  peakRssMb: number;
  maxRssMb: number;
  idleRssMb: number;
  stats: ReturnType<PooledDocumentReader['stats']>;
}

const mb = (bytes: number) => bytes / 2 ** 20;

async function child(mode: Mode, workers: number): Promise<void> {
  const reader = createDocumentReader({ workers, timeoutMs: CONFIG.timeoutMs });
  const idleRssMb = mb(process.memoryUsage().rss);
  const files = new Map<string, Buffer>();
  const bytes = (file: string) => {
    let b = files.get(file);
    if (!b) files.set(file, (b = readFileSync(join(CONFIG.corpus, file))));
    return b;
  };
  let peakAll = 0;
  const send = (message: RunReply | ChildSummary | { type: 'ready' }) => process.send!(message);

  // Warm-up (not timed): start every OCR worker and the decode threads, as a host does on its first scans.
  const truth = parseTruth({ json: JSON.parse(readFileSync(join(CONFIG.corpus, 'truth.json'), 'utf8')) });
  const firstOf = (kind: DocumentKind) => truth.find((d) => d.kind === kind);
  // Every text PDF once too: a text PDF takes ~20 ms, so the first pass would otherwise time the JIT.
  const warm = [firstOf('scanned-pdf'), ...Array.from({ length: workers }, () => firstOf('clean-image'))].filter((d) => d !== undefined);
  await Promise.all(warm.map((d) => reader.read({ bytes: bytes(d.file), contentType: d.contentType as ReadableType })));
  for (const d of truth.filter((x) => x.kind === 'text-pdf')) {
    const read = await reader.read({ bytes: bytes(d.file), contentType: d.contentType as ReadableType });
    if (mode === 'scan') extractExpenseFields({ read });
  }
  send({ type: 'ready' });

  process.on('message', (message: RunRequest | { type: 'close' }) => {
    void (async () => {
      if (message.type === 'close') {
        send({ type: 'summary', peakRssMb: peakAll, maxRssMb: process.resourceUsage().maxRSS / 1024, idleRssMb, stats: reader.stats() });
        await reader.close();
        process.disconnect();
        return;
      }
      const { documents } = message;
      for (const d of documents) bytes(d.file);
      const outcomes: DocumentOutcome[] = new Array(documents.length);
      let peak = mb(process.memoryUsage().rss);
      const timer = setInterval(() => (peak = Math.max(peak, mb(process.memoryUsage().rss))), 100);
      const run = await drive(documents.length, workers, async (i) => {
        const d = documents[i]!;
        try {
          const read = await reader.read({ bytes: bytes(d.file), contentType: d.contentType as ReadableType });
          const fields = mode === 'scan' ? extractExpenseFields({ read }).fields : null;
          outcomes[i] = {
            file: d.file,
            scores: fields ? scoreDocument({ truth: d, fields, threshold: SCAN_THRESHOLD }) : null,
            error: null,
            method: read.method,
            characters: read.text.length,
          };
        } catch (error) {
          // A failed read is a result (the plugin releases the hold), not a crash of the bench.
          outcomes[i] = {
            file: d.file,
            scores: mode === 'scan' ? scoreDocument({ truth: d, fields: null }) : null,
            error: String((error as Error).message ?? error),
            method: null,
            characters: 0,
          };
        }
      });
      clearInterval(timer);
      peak = Math.max(peak, mb(process.memoryUsage().rss));
      peakAll = Math.max(peakAll, peak);
      send({ type: 'done', run, outcomes, peakRssMb: peak });
    })().catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
}

// ---- the parent: the scenarios, in turns -------------------------------------------------------------

interface Scenario {
  id: string;
  title: string;
  mode: Mode | 'pdftotext';
  workers: number;
  kinds: DocumentKind[];
  runs: Map<DocumentKind, Run[]>;
  peakRssMb: Map<DocumentKind, number>;
  outcomes: Map<DocumentKind, DocumentOutcome[]>;
  request?: (r: RunRequest) => Promise<RunReply>;
  close?: () => Promise<ChildSummary>;
  summary?: ChildSummary;
}

function startChild(mode: Mode, workers: number): Promise<{ request: Scenario['request']; close: () => Promise<ChildSummary> }> {
  const proc: ChildProcess = fork(fileURLToPath(import.meta.url), [`--child=${mode}:${workers}`], { serialization: 'advanced', stdio: 'inherit' });
  let waiting: { resolve: (m: unknown) => void; reject: (e: Error) => void } | null = null;
  const next = () => new Promise<unknown>((resolve, reject) => (waiting = { resolve, reject }));
  proc.on('message', (m) => {
    const w = waiting;
    waiting = null;
    w?.resolve(m);
  });
  proc.on('exit', (code) => {
    if (code !== 0) waiting?.reject(new Error(`child ${mode}:${workers} exited with ${code}`));
  });
  const ready = next();
  return ready.then(() => ({
    request: async (r: RunRequest) => {
      const reply = next();
      proc.send(r);
      return (await reply) as RunReply;
    },
    close: async () => {
      const reply = next();
      proc.send({ type: 'close' });
      return (await reply) as ChildSummary;
    },
  }));
}

/** CPU seconds of this process's waited-for children (pdftotext), from /proc/self/stat. */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

const run = promisify(execFile);

async function pdftotextRun(documents: TruthDocument[]): Promise<{ run: Run; outcomes: DocumentOutcome[] }> {
  const outcomes: DocumentOutcome[] = new Array(documents.length);
  const cpu0 = childrenCpuSeconds();
  const result = await drive(documents.length, 2, async (i) => {
    const { stdout } = await run(CONFIG.pdftotext, ['-q', '-enc', 'UTF-8', join(CONFIG.corpus, documents[i]!.file), '-'], { maxBuffer: 16 * 2 ** 20 });
    if (stdout.trim().length < 20) throw new Error(`${documents[i]!.file}: pdftotext read no text`);
    outcomes[i] = { file: documents[i]!.file, scores: null, error: null, method: 'pdf-text', characters: stdout.length };
  });
  // Its CPU is in the pdftotext processes, not this one.
  result.cpuMicros = (childrenCpuSeconds() - cpu0) * 1e6;
  return { run: result, outcomes };
}

interface KindResult {
  scenario: string;
  kind: DocumentKind;
  stats: Stats;
  cpuMsPerScan: number;
  peakRssMb: number;
  /** Scans/s over the baseline's (same pool size), overall and per pass; CPU a read over CPU a scan. */
  ratio: number | null;
  passRatios: number[];
  cpuRatio: number | null;
  /** Scans/s an idle machine would do: the cores the scenario can use over its CPU a scan. */
  idleRate: number;
  baseline: string | null;
  errors: number;
}

async function main(): Promise<void> {
  const commit = revision(here, ['../../../packages/document-reader/src', '../../../packages/expense-fields/src', '.']);
  const cores = availableParallelism();
  const loadBefore = loadAverage();
  const truth = parseTruth({ json: JSON.parse(readFileSync(join(CONFIG.corpus, 'truth.json'), 'utf8')) });
  const byKind = new Map(CONFIG.kinds.map((k) => [k, truth.filter((d) => d.kind === k)]));
  console.log(`scan bench at ${commit}: node ${process.version}, ${cores} cores, ${fmt(totalmem() / 2 ** 30, 1)} GiB, load average ${loadBefore}`);
  console.log(
    `${truth.length} documents (${CONFIG.kinds.map((k) => `${byKind.get(k)!.length} ${k}`).join(', ')}); text PDFs ${CONFIG.textPasses} passes, the rest ${CONFIG.passes}; pools of ${CONFIG.workers.join(' and ')} OCR workers, as many in flight; threshold ${SCAN_THRESHOLD}`,
  );

  const scenarios: Scenario[] = [];
  const blank = () => ({ runs: new Map(), peakRssMb: new Map(), outcomes: new Map() });
  for (const workers of CONFIG.workers)
    scenarios.push({
      id: `scan ${workers}w`,
      title: `read + extractExpenseFields, ${workers} OCR worker(s)`,
      mode: 'scan',
      workers,
      kinds: CONFIG.kinds,
      ...blank(),
    });
  const baseWorkers = CONFIG.workers[0]!;
  scenarios.push({
    id: `read alone ${baseWorkers}w`,
    title: `baseline: the same reader without the field finder (text PDFs: the text layer), ${baseWorkers} OCR worker(s)`,
    mode: 'read',
    workers: baseWorkers,
    kinds: CONFIG.kinds,
    ...blank(),
  });
  if (CONFIG.kinds.includes('text-pdf'))
    scenarios.push({
      id: 'pdftotext',
      title: 'outside reference: poppler pdftotext, 2 processes at a time',
      mode: 'pdftotext',
      workers: 2,
      kinds: ['text-pdf'],
      ...blank(),
    });

  const started = performance.now();
  if (scenarios.some((s) => s.mode === 'pdftotext')) await pdftotextRun(byKind.get('text-pdf')!); // warm-up: the files in the page cache
  // Children start one after the other (their warm-ups OCR in parallel otherwise).
  for (const s of scenarios) {
    if (s.mode === 'pdftotext') continue;
    const c = await startChild(s.mode, s.workers);
    s.request = c.request;
    s.close = c.close;
  }
  try {
    for (const kind of CONFIG.kinds) {
      const documents = byKind.get(kind)!;
      if (documents.length === 0) continue;
      const passes = kind === 'text-pdf' ? CONFIG.textPasses : CONFIG.passes;
      const taking = scenarios.filter((x) => x.kinds.includes(kind));
      for (let pass = 0; pass < passes; pass++) {
        const line: string[] = [];
        // Each pass starts with the next scenario, so none always runs first (or right after another's burst).
        const order = taking.map((_, i) => taking[(i + pass) % taking.length]!);
        for (const s of order) {
          const reply = s.mode === 'pdftotext' ? { ...(await pdftotextRun(documents)), peakRssMb: 0 } : await s.request!({ type: 'run', kind, documents });
          s.runs.set(kind, [...(s.runs.get(kind) ?? []), reply.run]);
          s.peakRssMb.set(kind, Math.max(s.peakRssMb.get(kind) ?? 0, reply.peakRssMb));
          if (pass === 0) s.outcomes.set(kind, reply.outcomes);
          else checkSteady(s, kind, reply.outcomes);
          line.push(`${s.id} ${fmt(documents.length / reply.run.seconds, 2)}/s`);
        }
        process.stdout.write(`  ${kind} pass ${pass + 1}/${passes}: ${line.join(', ')}\n`);
      }
    }
  } finally {
    for (const s of scenarios) if (s.close) s.summary = await s.close();
  }
  const loadAfter = loadAverage();

  // ---- accuracy --------------------------------------------------------------------------------------
  const tables = new Map<string, AccuracyTable>();
  for (const s of scenarios.filter((x) => x.mode === 'scan')) {
    const table = emptyAccuracy();
    for (const [kind, outcomes] of s.outcomes) for (const o of outcomes) addScores({ table, kind, scores: o.scores! });
    tables.set(s.id, table);
  }
  const primary = scenarios[0]!;
  const table = tables.get(primary.id)!;
  const kinds = CONFIG.kinds.filter((k) => byKind.get(k)!.length > 0);
  const cell = (key: string, map: AccuracyTable['all'] = table.all) => {
    const a = accuracy(map.get(key));
    return a === null ? '—' : `${fmt(a * 100, 1)} %`;
  };
  console.log(`\nField accuracy, ${primary.id} (a field under ${SCAN_THRESHOLD} counts as not filled; a field the truth has not, left empty, is right):\n`);
  console.log(
    markdownTable(
      ['field', ...kinds, 'all'],
      [
        ...EXPENSE_FIELD_NAMES.map((name) => [name, ...kinds.map((k) => cell(`${k}|${name}`)), cell(`*|${name}`)]),
        ['**all fields**', ...kinds.map((k) => cell(`${k}|*`)), cell('*|*')],
        ['fields on the document only', ...kinds.map((k) => cell(`${k}|*`, table.present)), cell('*|*', table.present)],
        [
          'target',
          ...kinds.map((k) => {
            const t = KIND_TARGETS[k];
            return t === null ? '—' : `≥ ${pct(t)}`;
          }),
          '',
        ],
        ['verdict', ...kinds.map((k) => verdict({ accuracy: accuracy(table.all.get(`${k}|*`)), target: KIND_TARGETS[k] })), ''],
        ['documents', ...kinds.map((k) => String(byKind.get(k)!.length)), String(kinds.reduce((n, k) => n + byKind.get(k)!.length, 0))],
      ],
      1,
    ),
  );
  console.log(
    `\nfilled fields (≥ ${SCAN_THRESHOLD}): ${cell('x', new Map([['x', table.filled]]))} right of ${table.filled.total}; suggestions (found under ${SCAN_THRESHOLD}): ${cell('x', new Map([['x', table.suggested]]))} right of ${table.suggested.total}`,
  );
  for (const k of kinds) {
    const under = fieldsUnderTarget({ table, kind: k });
    if (verdict({ accuracy: accuracy(table.all.get(`${k}|*`)), target: KIND_TARGETS[k] }) === 'FAIL' || under.length)
      console.log(`${k}: fields under ${pct(KIND_TARGETS[k]!)}: ${under.map((u) => `${u.name} ${fmt(u.accuracy * 100, 0)} %`).join(', ') || 'none'}`);
  }
  for (const s of scenarios.slice(1).filter((x) => x.mode === 'scan')) {
    const other = tables.get(s.id)!;
    const differ = [...table.all.keys()].filter((key) => table.all.get(key)!.right !== other.all.get(key)?.right);
    console.log(
      differ.length === 0
        ? `${s.id}: the same fields right as ${primary.id}`
        : `${s.id}: differs from ${primary.id} in ${differ
            .filter((k) => k.endsWith('|*'))
            .map((k) => `${k.split('|')[0]} ${cell(k, other.all)}`)
            .join(', ')}`,
    );
  }
  const failedReads = scenarios.flatMap((s) =>
    [...s.outcomes.values()]
      .flat()
      .filter((o) => o.error)
      .map((o) => `${s.id} ${o.file}: ${o.error}`),
  );
  if (failedReads.length) console.log(`failed reads (scored as nothing filled):\n  ${failedReads.join('\n  ')}`);
  if (CONFIG.misses)
    for (const [kind, outcomes] of primary.outcomes)
      for (const o of outcomes)
        for (const sc of o.scores!.filter((x) => !x.right))
          console.log(
            `  miss ${kind} ${o.file} ${sc.name}: expected ${sc.expected}, filled ${sc.filled}${sc.found !== sc.filled ? ` (found ${sc.found} at ${fmt(sc.confidence!, 2)})` : ''}`,
          );

  // ---- speed and memory ------------------------------------------------------------------------------
  const results: KindResult[] = [];
  for (const kind of kinds) {
    const base = scenarios.find((s) => s.mode === 'read')!;
    const baseRuns = base.runs.get(kind);
    const baseStats = baseRuns ? summarize(baseRuns) : null;
    const cpuMs = (runs: Run[]) => runs.reduce((n, r) => n + r.cpuMicros, 0) / 1000 / runs.reduce((n, r) => n + r.latencies.length, 0);
    for (const s of scenarios.filter((x) => x.runs.has(kind))) {
      const runs = s.runs.get(kind)!;
      const stats = summarize(runs);
      // Only a pool of the baseline's size is compared with it: a 1-worker pool against a 2-worker read says nothing.
      const compared = s.mode === 'scan' && s.workers === base.workers && baseStats !== null;
      results.push({
        scenario: s.id,
        kind,
        stats,
        cpuMsPerScan: cpuMs(runs),
        peakRssMb: s.peakRssMb.get(kind) ?? 0,
        ratio: compared ? stats.perSecond / baseStats.perSecond : null,
        passRatios: compared ? stats.rounds.map((x, i) => x / baseStats.rounds[i]!) : [],
        cpuRatio: compared ? cpuMs(baseRuns!) / cpuMs(runs) : null,
        idleRate: (Math.min(s.workers, cores) * 1000) / cpuMs(runs),
        baseline: s.mode === 'scan' ? null : s.mode === 'read' ? 'baseline' : 'reference',
        errors: (s.outcomes.get(kind) ?? []).filter((o) => o.error).length,
      });
    }
  }
  console.log(
    "\nSpeed and memory (RSS of each scenario's own process: main thread + OCR workers + decode threads; pdftotext: its own processes, not sampled):\n",
  );
  console.log(
    markdownTable(
      [
        'kind',
        'scenario',
        'scans',
        'scans/s',
        'p50 s',
        'p90 s',
        'max s',
        'vs read alone (passes)',
        'CPU s/scan',
        'CPU vs read alone',
        'idle machine: scans/s',
        'peak RSS MB (process so far)',
        'failed',
      ],
      results.map((r) => [
        r.kind,
        r.scenario,
        String(r.stats.operations),
        fmt(r.stats.perSecond, 2),
        fmt(r.stats.p50 / 1000, 2),
        fmt(r.stats.p90 / 1000, 2),
        fmt(r.stats.max / 1000, 2),
        r.ratio !== null ? `${pct(r.ratio)} (${pct(Math.min(...r.passRatios))}–${pct(Math.max(...r.passRatios))})` : (r.baseline ?? '—'),
        fmt(r.cpuMsPerScan / 1000, 3),
        r.cpuRatio !== null ? pct(r.cpuRatio) : r.baseline ? '' : '—',
        fmt(r.idleRate, 2),
        r.peakRssMb ? fmt(r.peakRssMb, 0) : '—',
        String(r.errors),
      ]),
      2,
    ),
  );
  const pdfText = results.find((r) => r.kind === 'text-pdf' && r.scenario === 'pdftotext');
  const pdfScan = results.find((r) => r.kind === 'text-pdf' && r.scenario === primary.id);
  if (pdfText && pdfScan)
    console.log(
      `\ntext PDFs: ${primary.id} ${fmt(pdfScan.stats.perSecond, 1)}/s against pdftotext ${fmt(pdfText.stats.perSecond, 1)}/s: ${pct(pdfScan.stats.perSecond / pdfText.stats.perSecond)}`,
    );
  for (const s of scenarios.filter((x) => x.summary))
    console.log(
      `${s.id}: peak RSS ${fmt(s.summary!.peakRssMb, 0)} MB sampled, ${fmt(s.summary!.maxRssMb, 0)} MB kernel maxRSS (${fmt(s.summary!.idleRssMb, 0)} MB before the reader started); ${s.summary!.stats.ocrWorkersStarted} OCR workers and ${s.summary!.stats.decodeWorkersStarted} decode threads started`,
    );
  const targets = kinds.map((k) => {
    const a = accuracy(table.all.get(`${k}|*`));
    const t = KIND_TARGETS[k];
    return `${k}: ${a === null ? '—' : `${fmt(a * 100, 1)} %`}${t === null ? ' (no target)' : ` (target ≥ ${pct(t)}) ${verdict({ accuracy: a, target: t })}`}`;
  });
  console.log(`\ntargets (${primary.id}):\n  ${targets.join('\n  ')}`);
  console.log(`load average before ${loadBefore}, after ${loadAfter}`);

  const out = join(here, '..', 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, 'scan.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        commit,
        node: process.version,
        cores,
        seconds: (performance.now() - started) / 1000,
        config: CONFIG,
        loadBefore,
        loadAfter,
        accuracy: Object.fromEntries(
          [...tables].map(([id, t]) => [
            id,
            { all: Object.fromEntries(t.all), present: Object.fromEntries(t.present), filled: t.filled, suggested: t.suggested },
          ]),
        ),
        results: results.map((r) => ({ ...r, stats: { ...r.stats } })),
        children: scenarios.filter((s) => s.summary).map((s) => ({ id: s.id, ...s.summary })),
        outcomes: Object.fromEntries(scenarios.map((s) => [s.id, Object.fromEntries(s.outcomes)])),
        targets,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\n${fmt((performance.now() - started) / 1000, 0)} s; results: ${file}`);
}

/** A later pass must fill the same fields as the first (OCR is deterministic for the same bytes); a difference is reported. */
function checkSteady(s: Scenario, kind: DocumentKind, outcomes: DocumentOutcome[]): void {
  const first = s.outcomes.get(kind)!;
  outcomes.forEach((o, i) => {
    const a = first[i]!;
    const same =
      a.error === o.error && a.characters === o.characters && JSON.stringify(a.scores?.map((x) => x.filled)) === JSON.stringify(o.scores?.map((x) => x.filled));
    if (!same) console.log(`  note: ${s.id} ${o.file} read differently in a later pass`);
  });
}

const childArg = arg('child');
if (childArg) {
  const [mode, workers] = childArg.split(':') as [Mode, string];
  await child(mode, Number(workers));
} else {
  await main();
}
