/**
 * Field accuracy of extractExpenseFields on the expense-scan corpus, per field and per kind of
 * document (text PDF, scanned PDF, clean image, degraded image). Not part of the test suite:
 *
 *   pnpm exec turbo run build --filter=@tollgate/expense-fields...
 *   pnpm exec node packages/expense-fields/test/measure-corpus.ts [--corpus DIR] [--reads DIR] [--misses]
 *
 * Reads each file with the real document reader, or takes ReadResult JSON files
 * (`<file>.json`) from --reads. --misses prints every wrong field.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDocumentReader, type ReadableType, type ReadResult } from '@tollgate/document-reader';
import { EXPENSE_FIELD_NAMES, extractExpenseFields, type ExpenseFieldName, type VatBreakdown } from '@tollgate/expense-fields';

interface TruthDocument {
  file: string;
  kind: string;
  contentType: string;
  fields: Record<ExpenseFieldName, unknown>;
}

const THRESHOLD = 0.7;
const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'plugins/expense-scan/test/fixtures/corpus' },
    reads: { type: 'string' },
    misses: { type: 'boolean', default: false },
  },
});

function normalise(name: ExpenseFieldName, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (name === 'vatAmounts') {
    const rates = [...(value as VatBreakdown[])].sort((a, b) => Number(a.rate) - Number(b.rate));
    return rates.map((line) => `${line.rate}:${line.base ?? '-'}:${line.amount}`).join(' ');
  }
  if (name === 'supplierName') return String(value).replace(/\s+/g, ' ').trim().toLowerCase();
  return String(value);
}

async function main(): Promise<void> {
  const corpus = resolve(args.corpus!);
  const truth = JSON.parse(await readFile(join(corpus, 'truth.json'), 'utf8')) as { documents: TruthDocument[] };
  const reader = args.reads ? null : createDocumentReader({ workers: 1 });
  const cachedReads = args.reads ? new Set(await readdir(args.reads)) : null;
  const tally = new Map<string, { right: number; total: number }>();
  const count = (key: string, right: boolean): void => {
    const entry = tally.get(key) ?? { right: 0, total: 0 };
    entry.right += right ? 1 : 0;
    entry.total += 1;
    tally.set(key, entry);
  };
  const started = performance.now();
  let extractMs = 0;
  try {
    for (const document of truth.documents) {
      let read: ReadResult;
      if (cachedReads) {
        if (!cachedReads.has(`${document.file}.json`)) continue;
        read = JSON.parse(await readFile(join(args.reads!, `${document.file}.json`), 'utf8')) as ReadResult;
      } else {
        const bytes = await readFile(join(corpus, document.file));
        read = await reader!.read({ bytes, contentType: document.contentType as ReadableType });
      }
      const t0 = performance.now();
      const { fields } = extractExpenseFields({ read });
      extractMs += performance.now() - t0;
      for (const name of EXPENSE_FIELD_NAMES) {
        const expected = normalise(name, document.fields[name]);
        const field = fields[name];
        const got = normalise(name, field?.value ?? null);
        const right = expected === got;
        count(`${document.kind}|${name}`, right);
        count(`${document.kind}|*`, right);
        count(`*|${name}`, right);
        // Calibration: how often a field at or above the threshold is right.
        if (field) count(field.confidence >= THRESHOLD ? 'confident' : 'suggested', right);
        if (!right && args.misses) {
          console.log(`${document.file} ${name}: expected ${expected} got ${got} (${field?.confidence ?? '-'})`);
        }
      }
    }
  } finally {
    await reader?.close();
  }
  const kinds = [...new Set(truth.documents.map((document) => document.kind))].sort();
  const percent = (key: string): string => {
    const entry = tally.get(key);
    return entry ? `${((100 * entry.right) / entry.total).toFixed(0).padStart(3)} %` : '   - ';
  };
  console.log(['field'.padEnd(18), ...kinds.map((kind) => kind.padStart(15)), 'all'.padStart(8)].join(''));
  for (const name of [...EXPENSE_FIELD_NAMES, '*']) {
    console.log(
      [(name === '*' ? 'all fields' : name).padEnd(18), ...kinds.map((kind) => percent(`${kind}|${name}`).padStart(15)), percent(`*|${name}`).padStart(8)].join(
        '',
      ),
    );
  }
  for (const kind of kinds) console.log(`${kind}: ${(tally.get(`${kind}|*`)?.total ?? 0) / EXPENSE_FIELD_NAMES.length} documents`);
  console.log(
    `fields ≥ ${THRESHOLD}: ${percent('confident')} right (${tally.get('confident')?.total ?? 0}); below: ${percent('suggested')} right (${tally.get('suggested')?.total ?? 0})`,
  );
  console.log(`extraction alone: ${extractMs.toFixed(0)} ms in all; total run ${(performance.now() - started).toFixed(0)} ms`);
}

await main();
