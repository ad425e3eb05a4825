import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/*
 * The bundled font (Source Sans 3, from @fontsource): the same glyphs on every machine, embedded in
 * every PDF. Chromium gets WOFF2 data URLs (nothing fetched); pdf-lib stamps page numbers with the
 * WOFF of the same font (@pdf-lib/fontkit cannot subset WOFF2).
 */
const require = createRequire(import.meta.url);
const file = (name: string) => readFileSync(require.resolve(`@fontsource/source-sans-3/files/${name}`));

/** Latin and Latin Extended (ë, ç, ß, ł…), regular and semibold. */
const FACES = [
  {
    weight: 400,
    subset: 'latin',
    range: 'U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+2000-206F, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, U+FEFF, U+FFFD',
  },
  {
    weight: 400,
    subset: 'latin-ext',
    range: 'U+0100-02AF, U+0304, U+0308, U+0329, U+1E00-1E9F, U+1EF2-1EFF, U+2020, U+20A0-20AB, U+20AD-20C0, U+2113, U+2C60-2C7F, U+A720-A7FF',
  },
  {
    weight: 600,
    subset: 'latin',
    range: 'U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+2000-206F, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, U+FEFF, U+FFFD',
  },
  {
    weight: 600,
    subset: 'latin-ext',
    range: 'U+0100-02AF, U+0304, U+0308, U+0329, U+1E00-1E9F, U+1EF2-1EFF, U+2020, U+20A0-20AB, U+20AD-20C0, U+2113, U+2C60-2C7F, U+A720-A7FF',
  },
] as const;

export const FONT_FAMILY = 'Tollgate Letter Sans';

let css: string | undefined;
/** The @font-face rules with the font inlined (built once per process). */
export function fontFaceCss(): string {
  css ??= FACES.map((f) => {
    const data = file(`source-sans-3-${f.subset}-${f.weight}-normal.woff2`).toString('base64');
    return `@font-face{font-family:'${FONT_FAMILY}';font-style:normal;font-weight:${f.weight};src:url(data:font/woff2;base64,${data}) format('woff2');unicode-range:${f.range}}`;
  }).join('\n');
  return css;
}

let stamp: Uint8Array | undefined;
/** The font pdf-lib embeds (subset) for the page numbers: digits, "/" and the page labels are all Latin. */
export function stampFontBytes(): Uint8Array {
  stamp ??= new Uint8Array(file('source-sans-3-latin-400-normal.woff'));
  return stamp;
}
