// Figures for docs/accounting-exports/validation.md: Schematron → XSLT time, rule loading, the first
// and the steady-state validation time per document and rule set (calling thread), on the official
// examples; then the worker pool's throughput with 1, 2 and 4 threads.
//   pnpm --filter @tollgate/ubl-validation build && node packages/ubl-validation/scripts/measure.ts [rounds]
import { readdirSync, readFileSync } from 'node:fs';
import { compileSchematron, createUblValidator, RULE_FILES } from '../dist/index.js';

const rounds = Number(process.argv[2] ?? 20);
const dir = new URL('../test/fixtures/examples/', import.meta.url);
const examples = readdirSync(dir)
  .filter((name) => name.endsWith('.xml'))
  .map((name) => ({ name, xml: readFileSync(new URL(name, dir), 'utf8') }));

for (const [set, file] of Object.entries(RULE_FILES)) {
  const schematron = readFileSync(file, 'utf8');
  const t = performance.now();
  const compiled = compileSchematron({ schematron });
  console.log(
    `${set}: Schematron → XSLT ${(performance.now() - t).toFixed(1)} ms (${compiled.patterns} patterns, ${compiled.rules} rules, ${compiled.asserts} asserts, ${(compiled.xslt.length / 1024).toFixed(0)} KB XSLT)`,
  );
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;

for (const sets of [['cen'], ['peppol'], ['cen', 'peppol']] as const) {
  const validator = createUblValidator({ sets: [...sets], threads: 0 });
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
  console.log(`sets ${sets.join('+')}: load ${ms(loadMs)} (${loaded.map((l) => `${l.set} from ${l.from}`).join(', ')}), first validation ${ms(firstMs)}`);
  console.log(rows.join('\n'));
  console.log(`  all: median ${ms(quantile(all, 0.5))}  p95 ${ms(quantile(all, 0.95))}  (${all.length} validations)`);
  await validator.close();
}

// Throughput of the worker pool, both sets, every example many times at once.
const batch = Array.from({ length: rounds * 2 }, () => examples.map((e) => e.xml)).flat();
for (const threads of [1, 2, 4]) {
  const validator = createUblValidator({ threads });
  let t = performance.now();
  await validator.ready();
  const readyMs = performance.now() - t;
  t = performance.now();
  await Promise.all(batch.map((xml) => validator.validate({ xml })));
  const seconds = (performance.now() - t) / 1000;
  console.log(
    `threads ${threads}: ready ${ms(readyMs)}, ${batch.length} documents in ${seconds.toFixed(1)} s = ${(batch.length / seconds).toFixed(1)} documents/s`,
  );
  await validator.close();
}
