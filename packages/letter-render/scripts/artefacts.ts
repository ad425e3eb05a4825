// Writes the reference artefacts of test/artefacts/: a few letters as PNGs (pdftoppm -r 40) to look at,
// and cover-layout.json, the boxes of the cover's text that layout-reference.e2e.test.ts compares with.
//   pnpm --filter @tollgate/letter-render artefacts     (builds first; runs on Node's type stripping)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLetterRenderer } from '../dist/index.js';
import { ARTEFACT_LETTERS, invoicePdf } from '../test/fixtures.ts';
import { coverLayout } from '../test/pdf-inspect.ts';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'artefacts');
for (const file of readdirSync(out)) if (file.endsWith('.png') || file.endsWith('.json')) rmSync(join(out, file));

const renderer = createLetterRenderer();
const scratch = mkdtempSync(join(tmpdir(), 'letter-artefacts-'));
try {
  for (const [name, letter] of Object.entries(ARTEFACT_LETTERS)) {
    const { invoicePages, ...input } = letter;
    const rendered = await renderer.render({ ...input, attachments: invoicePages ? [await invoicePdf(invoicePages)] : [] });
    const pdf = join(scratch, `${name}.pdf`);
    writeFileSync(pdf, rendered.pdf);
    execFileSync('pdftoppm', ['-r', '40', '-png', pdf, join(out, name)]);
    if (name === 'cover-nl') writeFileSync(join(out, 'cover-layout.json'), `${JSON.stringify(coverLayout(rendered.pdf), null, 2)}\n`);
    console.log(`${name}: ${rendered.pages} page(s)`);
  }
} finally {
  await renderer.close();
  rmSync(scratch, { recursive: true, force: true });
}
