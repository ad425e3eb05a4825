import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from '@tollgate/letter-render';
import { format, resolveConfig } from 'prettier';
import { CORPUS_DIR } from './corpus-files.js';
import type { CorpusTruth } from './corpus.types.js';
import { planCorpus } from './expense-plan.js';
import { renderDocument } from './render-documents.js';

/*
 * pnpm corpus:generate [--seed 16] [--out dir] [--only file]
 * Writes every document and truth.json into the expense-scan plugin's fixtures (or --out). The
 * truth depends on the seed alone; the pictures on the seed and this machine's Chromium and fonts.
 */
const { values } = parseArgs({
  options: { seed: { type: 'string', default: '16' }, out: { type: 'string' }, only: { type: 'string' } },
});
const out = values.out ?? CORPUS_DIR;
const plan = planCorpus({ seed: Number(values.seed) });

await mkdir(out, { recursive: true });
if (!values.only) {
  for (const name of await readdir(out)) if (/\.(pdf|png|jpe?g)$/.test(name)) await rm(join(out, name));
}
// Chromium as @tollgate/letter-render starts it (its flags: no sandbox, no GPU, nothing fetched).
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  // Nothing leaves the machine: the HTML is complete and images are data URLs.
  await page.setRequestInterception(true);
  page.on('request', (request) => void (request.url().startsWith('data:') ? request.continue() : request.abort()));
  for (const doc of plan) {
    if (values.only && doc.truth.file !== values.only) continue;
    const started = performance.now();
    const bytes = await renderDocument({ page, doc });
    await writeFile(join(out, doc.truth.file), bytes);
    console.log(
      `${doc.truth.file.padEnd(28)} ${doc.truth.kind.padEnd(15)} ${String(Math.round(bytes.length / 1024)).padStart(5)} KB ${Math.round(performance.now() - started)} ms`,
    );
  }
} finally {
  await browser.close();
}
const truth: CorpusTruth = { version: 1, generatedBy: 'pnpm corpus:generate', documents: plan.map((d) => d.truth) };
// Formatted as the repo's prettier would, so `pnpm format` and a new run agree.
const truthFile = join(out, 'truth.json');
const options = (await resolveConfig(join(CORPUS_DIR, 'truth.json'))) ?? {};
await writeFile(truthFile, await format(JSON.stringify(truth), { ...options, parser: 'json' }));
console.log(`${plan.length} documents and truth.json in ${out}`);
