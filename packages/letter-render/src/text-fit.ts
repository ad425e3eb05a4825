import fontkit from '@pdf-lib/fontkit';
import { stampFontBytes } from './fonts.js';

/*
 * How wide a line of the bundled font prints, measured in Node with its own metrics (the cover has no
 * scripts to measure in the page), so a long address line gets a smaller size instead of being cut
 * at the window's edge.
 */

let regular: ReturnType<typeof fontkit.create> | undefined;
/** Advance widths by code point (font units); shaping a line each time cost ~2 ms a letter. */
const advances = new Map<number, number>();

/**
 * The width (mm) of `text` in Source Sans 3 Regular at `sizePt`: the sum of the glyphs' advances.
 * Kerning and ligatures only ever make Chromium's line narrower, so this errs on the safe side.
 */
export function textWidthMm(text: string, sizePt: number): number {
  regular ??= fontkit.create(stampFontBytes());
  let units = 0;
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    let advance = advances.get(cp);
    if (advance === undefined) {
      advance = regular.glyphForCodePoint(cp).advanceWidth;
      advances.set(cp, advance);
    }
    units += advance;
  }
  return (units / regular.unitsPerEm) * sizePt * (25.4 / 72);
}

/** The largest size from `preferredPt` down to `minPt` (in 0.25 pt steps) at which every line fits `widthMm`. */
export function fittingSize(lines: readonly string[], widthMm: number, preferredPt: number, minPt: number): number {
  const widest = Math.max(0, ...lines.map((line) => textWidthMm(line, preferredPt)));
  if (widest <= widthMm) return preferredPt;
  return Math.max(minPt, Math.floor(((preferredPt * widthMm) / widest) * 4) / 4);
}
