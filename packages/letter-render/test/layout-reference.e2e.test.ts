// The cover as rendered now against the committed reference (test/artefacts/cover-layout.json, written
// by `pnpm --filter @tollgate/letter-render artefacts`): every line of text in the same place, within
// 0.5 mm. Boxes, not pixels: a moved address block fails, a different anti-aliasing does not.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createLetterRenderer } from '../src/index.js';
import { ARTEFACT_LETTERS } from './fixtures.js';
import { coverLayout, type TextLine } from './pdf-inspect.js';

const TOLERANCE_MM = 0.5;
const reference = JSON.parse(readFileSync(new URL('./artefacts/cover-layout.json', import.meta.url), 'utf8')) as ReturnType<typeof coverLayout>;

/** Lines missing, added or moved by more than the tolerance (empty when the layouts match). */
function differences(expected: TextLine[], actual: TextLine[]): string[] {
  const problems: string[] = [];
  for (const line of expected) {
    const found = actual.find((a) => a.text === line.text);
    if (!found) problems.push(`missing: "${line.text}"`);
    else
      for (const side of ['left', 'top', 'right', 'bottom'] as const)
        if (Math.abs(found[side] - line[side]) > TOLERANCE_MM) problems.push(`"${line.text}" ${side} ${found[side]} mm, was ${line[side]} mm`);
  }
  for (const line of actual) if (!expected.some((e) => e.text === line.text)) problems.push(`new: "${line.text}"`);
  return problems;
}

const renderer = createLetterRenderer({ pagesPerBrowser: 1 });
afterAll(() => renderer.close());

describe('the cover against its reference layout', () => {
  it('puts every line where the committed reference has it', async () => {
    const { invoicePages: _, ...input } = ARTEFACT_LETTERS['cover-nl'];
    const now = coverLayout((await renderer.render(input)).pdf);
    expect(now.pages).toBe(reference.pages);
    expect(differences(reference.lines, now.lines)).toEqual([]);
  });

  it('would notice an address block moved by a millimetre', () => {
    const moved = reference.lines.map((l) => (l.text === 'Kerkstraat 12 bus 3' ? { ...l, top: l.top + 1, bottom: l.bottom + 1 } : l));
    expect(differences(reference.lines, moved)).toEqual([
      expect.stringContaining('"Kerkstraat 12 bus 3" top'),
      expect.stringContaining('"Kerkstraat 12 bus 3" bottom'),
    ]);
  });
});
