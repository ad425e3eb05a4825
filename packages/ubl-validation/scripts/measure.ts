// Figures for docs/accounting-exports/validation.md: rule loading, the first and the steady-state
// validation time per document and rule set, on the official examples.
//   pnpm --filter @tollgate/ubl-validation build && node packages/ubl-validation/scripts/measure.ts [rounds]
import { readdirSync, readFileSync } from 'node:fs';
import { createUblValidator } from '../dist/index.js';

const rounds = Number(process.argv[2] ?? 20);
const dir = new URL('../test/fixtures/examples/', import.meta.url);
const examples = readdirSync(dir)
  .filter((name) => name.endsWith('.xml'))
  .map((name) => ({ name, xml: readFileSync(new URL(name, dir), 'utf8') }));

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;

for (const sets of [['cen'], ['peppol'], ['cen', 'peppol']] as const) {
  const validator = createUblValidator({ sets: [...sets] });
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
