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

const css = new Map<boolean, string>();
/** Characters the Latin faces cover (most of their unicode-range); anything else needs Latin Extended. */
const BEYOND_LATIN = /[^ -\u00ff\u0131\u0152\u0153\u02bb\u02bc\u02c6\u02da\u02dc\u2000-\u206f\u20ac\u2122\u2191\u2193\u2212\u2215]/;

/**
 * The @font-face rules with the font inlined (built once per process). Given the text to print, the
 * Latin Extended faces (two thirds of the bytes) are left out when no character needs them: less for
 * Chromium to read on every letter.
 */
export function fontFaceCss(text?: string): string {
  const extended = text === undefined || BEYOND_LATIN.test(text.replace(/\s/g, ' '));
  let rules = css.get(extended);
  if (rules === undefined) {
    rules = FACES.filter((f) => extended || f.subset === 'latin')
      .map((f) => {
        const data = file(`source-sans-3-${f.subset}-${f.weight}-normal.woff2`).toString('base64');
        return `@font-face{font-family:'${FONT_FAMILY}';font-style:normal;font-weight:${f.weight};src:url(data:font/woff2;base64,${data}) format('woff2');unicode-range:${f.range}}`;
      })
      .join('\n');
    css.set(extended, rules);
  }
  return rules;
}

let stamp: Uint8Array | undefined;
/** The font pdf-lib embeds (subset) for the page numbers: digits, "/" and the page labels are all Latin. */
export function stampFontBytes(): Uint8Array {
  stamp ??= new Uint8Array(file('source-sans-3-latin-400-normal.woff'));
  return stamp;
}
