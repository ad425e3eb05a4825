// Letters benchmark (not a test): @tollgate/letter-render printing 1,000 letters of 1–3 pages (a cover,
// then 0, 1 or 2 invoice pages in turn) on the system Chromium, next to a baseline measured in the same
// run: the same cover HTML printed by a bare puppeteer loop on one tab (setContent + pdf). See
// docs/performance.md, "Letters: rendering".
//
//   pnpm bench:letters                               1,000 letters, the renderer's default pool
//   pnpm bench:letters --pools=1x4,2x2,1x2 --letters=400   pools as <browsers>x<pagesPerBrowser>; any knob as --name=value or BENCH_NAME=value
//
// Scenarios take turns round by round (baseline, then each pool), so a busy moment of the shared
// machine hits them all. Memory: the peak, sampled every 100 ms, of this process's RSS plus the RSS of
// every process in the measured browsers' trees (/proc), and the same as PSS (shared pages counted once).
// CPU per letter (this process + the browsers) does not depend on what else runs on the machine: it
// gives what 2 idle cores would do, 2 s of CPU per second over the CPU a letter takes.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLetterRenderer, letterCoverHtml, type LetterRendererPool, type RenderLetterInput } from '@tollgate/letter-render';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { arg, drive, fmt, intArg, listArg, loadAverage, markdownTable, pct, revision, summarize, type Run, type Stats } from './bench-kit.js';

const CONFIG = {
  /** Measured letters per scenario. */
  letters: intArg('letters', 1000),
  warmup: intArg('warmup', 30),
  rounds: intArg('rounds', 4),
  /** Pools to measure, <browsers>x<pagesPerBrowser>; default: the renderer's defaults. */
  pools: (listArg('pools') ?? ['default']).map((p) => {
    if (p === 'default') return { name: 'default', browsers: undefined, pagesPerBrowser: undefined };
    const m = /^(\d+)x(\d+)$/.exec(p);
    if (!m) throw new Error(`--pools: expected <browsers>x<pagesPerBrowser>, got ${p}`);
    return { name: p, browsers: Number(m[1]), pagesPerBrowser: Number(m[2]) };
  }),
  /** Letters in flight beyond the pool's tabs (they wait in its queue while others are assembled). */
  extra: arg('extra') === '0' ? 0 : intArg('extra', 2),
  executablePath: arg('executable-path') ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
};

// ---- the letters ----------------------------------------------------------------------------------

const BASE: Omit<RenderLetterInput, 'reference'> = {
  recipient: { name: 'Brouwerij De Klok BV', attention: 'T.a.v. Boekhouding', street: 'Kerkstraat 12 bus 3', postalCode: '9000', city: 'Gent', country: 'BE' },
  sender: { name: 'Tollgate Demo NV', street: 'Stationsplein 1', postalCode: '1012 AB', city: 'Amsterdam', country: 'NL' },
  locale: 'nl',
  date: new Date('2026-12-07T10:00:00Z'),
  barcode: true,
  subject: 'Factuur 2026/0042',
  bodyText: 'Beste klant,\n\nIn bijlage vindt u factuur 2026/0042.\n\nMet vriendelijke groet',
};

async function invoice(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let p = 1; p <= pages; p++) {
    const page = doc.addPage([595.28, 841.89]);
    page.drawText(`INVOICE 2026/0042 - page ${p}`, { x: 60, y: 760, size: 16, font });
    for (let line = 0; line < 30; line++)
      page.drawText(`Line ${line + 1}   service   1 x EUR ${(10 + line).toFixed(2)}`, { x: 60, y: 720 - line * 20, size: 10, font });
  }
  return doc.save();
}

// ---- memory: this process plus the browsers' process trees ----------------------------------------

const PAGE_KB = 4;

function children(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(ppid, [...(map.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

function tree(roots: number[]): number[] {
  const kids = children();
  const out: number[] = [];
  const todo = [...roots];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(kids.get(pid) ?? []));
  }
  return out;
}

/** Resident memory of a process (kB), from /proc/<pid>/statm: cheap enough to read every 100 ms. */
function rssKb(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_KB;
  } catch {
    return 0;
  }
}

/** Proportional memory of a process (kB), from /proc/<pid>/smaps_rollup: the kernel walks its page tables, so read it once a second. */
function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks, 100/s); null when gone. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * Watches this process plus the trees of `browserPids()` while a scenario runs (every 100 ms): the peak
 * memory (MB) and the CPU the browsers used (seconds; this process's own CPU is in each Run).
 */
class ProcessWatch {
  rss = 0;
  pss = 0;
  processes = 0;
  browserCpu = 0;
  private timer: NodeJS.Timeout | undefined;
  private pids: number[] = [];
  private samples = 0;
  /** Per browser process: its CPU when first seen in this run (0 when it started during the run) and last seen. */
  private cpu = new Map<number, { first: number; last: number }>();

  constructor(private readonly browserPids: () => number[]) {}

  start(): void {
    this.samples = 0;
    this.cpu.clear();
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), 100);
  }

  stop(): void {
    clearInterval(this.timer);
    this.samples = 0;
    this.sample(false);
    for (const { first, last } of this.cpu.values()) this.browserCpu += last - first;
  }

  private sample(starting: boolean): void {
    // The process tree (all of /proc) and PSS every 10th sample: the tree changes only when a browser is
    // replaced, and this process's own CPU counts in the figures.
    const tenth = this.samples++ % 10 === 0;
    if (tenth) this.pids = [process.pid, ...tree(this.browserPids())];
    const pids = this.pids;
    this.rss = Math.max(this.rss, pids.reduce((n, pid) => n + rssKb(pid), 0) / 1024);
    if (tenth) this.pss = Math.max(this.pss, pids.reduce((n, pid) => n + pssKb(pid), 0) / 1024);
    this.processes = Math.max(this.processes, pids.length);
    for (const pid of pids.slice(1)) {
      const now = cpuSeconds(pid);
      if (now === null) continue;
      const seen = this.cpu.get(pid);
      if (seen) seen.last = now;
      else this.cpu.set(pid, { first: starting ? now : 0, last: now });
    }
  }
}

// ---- scenarios ------------------------------------------------------------------------------------

interface Scenario {
  id: string;
  title: string;
  /** Letters in flight. */
  inFlight: number;
  op: (i: number) => Promise<void>;
  prepare?: (from: number, count: number) => Promise<void>;
  memory: ProcessWatch;
  runs: Run[];
  close: () => Promise<void>;
}

interface Result {
  id: string;
  title: string;
  stats: Stats;
  peakRssMb: number;
  peakPssMb: number;
  processes: number;
  pages: number;
  /** CPU a letter took, this process plus the browsers (ms). */
  cpuMsPerLetter: number;
  ratio?: number;
  roundRatios?: number[];
  pool?: ReturnType<LetterRendererPool['stats']>;
}

const letter = (i: number, invoices: Uint8Array[]): RenderLetterInput => ({
  ...BASE,
  reference: `LTR-BENCH-${String(i).padStart(6, '0')}`,
  attachments: i % 3 === 0 ? [] : [invoices[i % 3]!],
});

/** The launch flags of TOOLCHAIN.md (and no /dev/shm): Chromium as anyone would start it. */
const BARE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

async function baselineScenario(): Promise<Scenario> {
  const browser: Browser = await puppeteer.launch({ executablePath: CONFIG.executablePath, headless: true, pipe: true, args: BARE_ARGS });
  const page: Page = await browser.newPage();
  const pid = browser.process()!.pid!;
  let html: string[] = [];
  let offset = 0;
  return {
    id: 'baseline',
    title: 'bare puppeteer: one tab, setContent + pdf of the cover HTML',
    inFlight: 1,
    // The cover HTML is built before the round (not timed): the baseline is Chromium's part alone.
    prepare: async (from, count) => {
      offset = from;
      html = await Promise.all(Array.from({ length: count }, (_, k) => letterCoverHtml(letter(from + k, []))));
    },
    op: async (i) => {
      await page.setContent(html[i - offset]!);
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      if (pdf.length < 1000) throw new Error('empty PDF');
    },
    memory: new ProcessWatch(() => [pid]),
    runs: [],
    close: () => browser.close(),
  };
}

function rendererScenario(pool: (typeof CONFIG.pools)[number], invoices: Uint8Array[], pages: { total: number }): Scenario & { renderer: LetterRendererPool } {
  const renderer = createLetterRenderer({
    executablePath: CONFIG.executablePath,
    ...(pool.browsers ? { browsers: pool.browsers } : {}),
    ...(pool.pagesPerBrowser ? { pagesPerBrowser: pool.pagesPerBrowser } : {}),
  });
  // The renderer's defaults, read back from what it runs once warmed up.
  const capacity = (pool.browsers ?? 1) * (pool.pagesPerBrowser ?? 4);
  return {
    id: `letters ${pool.name}`,
    title: `@tollgate/letter-render, pool ${pool.name === 'default' ? 'default (1 browser × 4 tabs)' : `${pool.browsers} browser(s) × ${pool.pagesPerBrowser} tabs`}: cover + 0–2 invoice pages`,
    inFlight: capacity + CONFIG.extra,
    renderer,
    op: async (i) => {
      const out = await renderer.render(letter(i, invoices));
      const expected = 1 + (i % 3);
      if (out.pages !== expected) throw new Error(`letter ${i}: ${out.pages} pages, expected ${expected}`);
      pages.total += out.pages;
    },
    memory: new ProcessWatch(() => renderer.stats().browsers.flatMap((b) => (b.pid ? [b.pid] : []))),
    runs: [],
    close: () => renderer.close(),
  };
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const commit = revision(here, ['../../../packages/letter-render/src', '.']);
  const cores = availableParallelism();
  const loadBefore = loadAverage();
  console.log(`letters bench at ${commit}: node ${process.version}, ${cores} cores, ${fmt(totalmem() / 2 ** 30, 1)} GiB, load average ${loadBefore}`);
  console.log(
    `${CONFIG.letters} measured letters per scenario in ${CONFIG.rounds} rounds after ${CONFIG.warmup} warm-up; letter i: cover + (i mod 3) invoice pages; pools ${CONFIG.pools.map((p) => p.name).join(', ')}; ${CONFIG.extra} letters in flight beyond the tabs`,
  );
  const invoices = [new Uint8Array(), await invoice(1), await invoice(2)];
  const pageCounts = new Map<string, { total: number }>();
  const scenarios: Scenario[] = [await baselineScenario()];
  for (const pool of CONFIG.pools) {
    const pages = { total: 0 };
    const s = rendererScenario(pool, invoices, pages);
    pageCounts.set(s.id, pages);
    scenarios.push(s);
  }
  const started = performance.now();
  try {
    for (const s of scenarios) {
      await s.prepare?.(0, CONFIG.warmup);
      await drive(CONFIG.warmup, s.inFlight, s.op);
    }
    for (const p of pageCounts.values()) p.total = 0;
    const size = Math.ceil(CONFIG.letters / CONFIG.rounds);
    for (let from = 0; from < CONFIG.letters; from += size) {
      const count = Math.min(size, CONFIG.letters - from);
      for (const s of scenarios) {
        const first = CONFIG.warmup + from;
        await s.prepare?.(first, count);
        s.memory.start();
        s.runs.push(await drive(count, s.inFlight, (k) => s.op(first + k)));
        s.memory.stop();
      }
      process.stdout.write(
        `  round ${from / size + 1}/${CONFIG.rounds}: ${scenarios.map((s) => `${s.id} ${fmt(s.runs.at(-1)!.latencies.length / s.runs.at(-1)!.seconds, 1)}/s`).join(', ')}\n`,
      );
    }
  } finally {
    for (const s of scenarios) await s.close();
  }

  const base = summarize(scenarios[0]!.runs);
  const results: Result[] = scenarios.map((s) => {
    const stats = summarize(s.runs);
    const r: Result = {
      id: s.id,
      title: s.title,
      stats,
      peakRssMb: s.memory.rss,
      peakPssMb: s.memory.pss,
      processes: s.memory.processes,
      pages: pageCounts.get(s.id)?.total ?? stats.operations,
      cpuMsPerLetter: ((s.runs.reduce((n, run) => n + run.cpuMicros, 0) / 1e6 + s.memory.browserCpu) * 1000) / stats.operations,
    };
    if (s.id !== 'baseline') {
      r.ratio = stats.perSecond / base.perSecond;
      r.roundRatios = stats.rounds.map((x, i) => x / base.rounds[i]!);
      r.pool = (s as Scenario & { renderer: LetterRendererPool }).renderer.stats();
    }
    return r;
  });
  const loadAfter = loadAverage();
  console.log('');
  console.log(
    markdownTable(
      [
        'scenario',
        'in flight',
        'letters/s',
        'pages/s',
        'p50 ms',
        'p99 ms',
        'vs baseline (rounds)',
        'peak RSS MB',
        'peak PSS MB',
        'cpu ms/letter',
        '2 idle cores: letters/s',
        'machine cpu',
      ],
      results.map((r) => [
        r.id,
        String(scenarios.find((s) => s.id === r.id)!.inFlight),
        fmt(r.stats.perSecond, 1),
        fmt(r.pages / r.stats.seconds, 1),
        fmt(r.stats.p50, 0),
        fmt(r.stats.p99, 0),
        r.ratio === undefined ? 'baseline' : `${pct(r.ratio)} (${pct(Math.min(...r.roundRatios!))}–${pct(Math.max(...r.roundRatios!))})`,
        fmt(r.peakRssMb, 0),
        fmt(r.peakPssMb, 0),
        fmt(r.cpuMsPerLetter, 1),
        fmt((2 * 1000) / r.cpuMsPerLetter, 1),
        r.stats.machineCpu === null ? '—' : pct(r.stats.machineCpu),
      ]),
      1,
    ),
  );
  for (const r of results.filter((x) => x.pool))
    console.log(
      `${r.id}: ${r.pool!.launched} browser(s) launched, ${r.pool!.recycled} recycled, ${r.pool!.crashed} crashed, ${r.pool!.retried} retried; every letter had its pages`,
    );
  const targets = results
    .filter((r) => r.ratio !== undefined)
    .map(
      (r) =>
        `${r.id}: ${fmt(r.stats.perSecond, 1)} letters/s (target ≥ 20) ${r.stats.perSecond >= 20 ? 'met' : 'NOT met'} (${fmt(r.cpuMsPerLetter, 1)} ms CPU a letter: ${fmt(2000 / r.cpuMsPerLetter, 1)}/s on 2 idle cores); ${pct(r.ratio!)} of the baseline (target ≥ 80 %) ${r.ratio! >= 0.8 ? 'met' : 'NOT met'}; peak ${fmt(r.peakRssMb, 0)} MB RSS (target < 1,536) ${r.peakRssMb < 1536 ? 'met' : 'NOT met'}`,
    );
  console.log(`\ntargets (2 cores): \n  ${targets.join('\n  ')}`);
  console.log(`load average before ${loadBefore}, after ${loadAfter}`);
  const out = join(here, '..', 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, 'letters.json');
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), commit, node: process.version, cores, seconds: (performance.now() - started) / 1000, config: CONFIG, loadBefore, loadAfter, results, targets }, null, 2)}\n`,
  );
  console.log(`results: ${file}`);
}

await main();
