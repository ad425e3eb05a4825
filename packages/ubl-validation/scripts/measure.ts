// Figures for docs/accounting-exports/validation.md: Schematron → XSLT time, rule loading, the first
// and the steady-state validation time per document and rule set (calling thread), on the official
// examples, for every assert ('all') and fatal asserts only ('fatal'); what a start spends finding
// the SEF (manifest against generating the XSLT); then the worker pool's throughput with 1, 2 and 4
// threads.
//   pnpm --filter @tollgate/ubl-validation build && node packages/ubl-validation/scripts/measure.ts [rounds]
import { readdirSync, readFileSync } from 'node:fs';
import { generateRules, keyFromManifest } from '../dist/compiled-rules.js';
import { compileSchematron, createUblValidator, RULE_FILES } from '../dist/index.js';

const rounds = Number(process.argv[2] ?? 20);
const dir = new URL('../test/fixtures/examples/', import.meta.url);
const examples = readdirSync(dir)
  .filter((name) => name.endsWith('.xml'))
  .map((name) => ({ name, xml: readFileSync(new URL(name, dir), 'utf8') }));

for (const [set, file] of Object.entries(RULE_FILES)) {
  const schematron = readFileSync(file, 'utf8');
  for (const flags of ['all', 'fatal'] as const) {
    const t = performance.now();
    const compiled = compileSchematron({ schematron, flags });
    console.log(
      `${set} ${flags}: Schematron → XSLT ${(performance.now() - t).toFixed(1)} ms (${compiled.patterns} patterns, ${compiled.rules} rules, ${compiled.asserts} asserts, ${compiled.dropped} dropped, ${(compiled.xslt.length / 1024).toFixed(0)} KB XSLT)`,
    );
  }
}
// Finding the SEF at start: the build's manifest (hash the .sch and the compiler) against the XSLT key.
for (const set of ['cen', 'peppol'] as const) {
  const times = (f: () => unknown) => {
    const all: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const t = performance.now();
      f();
      all.push(performance.now() - t);
    }
    return all.map((v) => v.toFixed(1)).join(' / ');
  };
  const manifest = keyFromManifest({ set, flags: 'fatal' });
  console.log(
    `${set}: SEF key from manifest ${times(() => keyFromManifest({ set, flags: 'fatal' }))} ms (${manifest ? 'current' : 'NOT current'}); from generated XSLT ${times(() => generateRules({ set, flags: 'fatal' }))} ms`,
  );
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;

// Headline: both sets, 'all' against 'fatal', interleaved document by document in the calling
// thread, so a busy moment of the shared machine hits both alike; CPU time as well as wall time.
{
  const variants = (['all', 'fatal'] as const).map((flags) => ({
    flags,
    validator: createUblValidator({ threads: 0, flags }),
    wall: [] as number[],
    cpu: [] as number[],
  }));
  await Promise.all(variants.map((v) => v.validator.ready()));
  for (let i = 0; i < rounds; i += 1) {
    for (const { xml } of examples) {
      for (const v of i % 2 === 0 ? variants : [...variants].reverse()) {
        const cpu = process.cpuUsage();
        const t = performance.now();
        await v.validator.validate({ xml });
        v.wall.push(performance.now() - t);
        const used = process.cpuUsage(cpu);
        v.cpu.push((used.user + used.system) / 1000);
      }
    }
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  for (const v of variants) {
    console.log(
      `A/B cen+peppol ${v.flags.padEnd(5)}: wall median ${ms(quantile(v.wall, 0.5))} mean ${ms(mean(v.wall))} p95 ${ms(quantile(v.wall, 0.95))}; CPU median ${ms(quantile(v.cpu, 0.5))} mean ${ms(mean(v.cpu))} (${v.wall.length} validations)`,
    );
    await v.validator.close();
  }
}

for (const sets of [['cen'], ['peppol'], ['cen', 'peppol']] as const)
  for (const flags of ['all', 'fatal'] as const) {
    const validator = createUblValidator({ sets: [...sets], threads: 0, flags });
    let t = performance.now();
    const loaded = await validator.ready();
    const loadMs = performance.now() - t;
    t = performance.now();
    await validator.validate({ xml: examples[0]!.xml });
    const firstMs = performance.now() - t;
    const all: number[] = [];
    const rows: string[] = [];
    for (const { name, xml } of examples) {
      const times: number[] = [];
      for (let i = 0; i < rounds; i += 1) {
        const start = performance.now();
        const result = await validator.validate({ xml });
        times.push(performance.now() - start);
        if (!result.valid) throw new Error(`${name} is not valid: ${JSON.stringify(result.fatal)}`);
      }
      all.push(...times);
      rows.push(`  ${name.padEnd(34)} ${(xml.length / 1024).toFixed(1).padStart(5)} KB  median ${ms(quantile(times, 0.5))}  p95 ${ms(quantile(times, 0.95))}`);
    }
    console.log(
      `sets ${sets.join('+')} ${flags}: load ${ms(loadMs)} (${loaded.map((l) => `${l.set} from ${l.from}`).join(', ')}), first validation ${ms(firstMs)}`,
    );
    console.log(rows.join('\n'));
    console.log(`  all: median ${ms(quantile(all, 0.5))}  p95 ${ms(quantile(all, 0.95))}  (${all.length} validations)`);
    await validator.close();
  }

// Throughput of the worker pool, both sets, every example many times at once.
const batch = Array.from({ length: rounds * 2 }, () => examples.map((e) => e.xml)).flat();
for (const threads of [1, 2, 4])
  for (const flags of ['all', 'fatal'] as const) {
    const validator = createUblValidator({ threads, flags });
    let t = performance.now();
    await validator.ready();
    const readyMs = performance.now() - t;
    t = performance.now();
    await Promise.all(batch.map((xml) => validator.validate({ xml })));
    const seconds = (performance.now() - t) / 1000;
    console.log(
      `threads ${threads} ${flags}: ready ${ms(readyMs)}, ${batch.length} documents in ${seconds.toFixed(1)} s = ${(batch.length / seconds).toFixed(1)} documents/s`,
    );
    await validator.close();
  }
