import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CorpusTruth } from './corpus.types.js';

/** Where the corpus lives: the expense-scan plugin's test fixtures (same path from src/ and dist/). */
export const CORPUS_DIR = fileURLToPath(new URL('../../../plugins/expense-scan/test/fixtures/corpus/', import.meta.url));

/** The committed truth.json (or another corpus folder's). */
export function readCorpusTruth(input: { dir?: string } = {}): CorpusTruth {
  return JSON.parse(readFileSync(join(input.dir ?? CORPUS_DIR, 'truth.json'), 'utf8')) as CorpusTruth;
}
