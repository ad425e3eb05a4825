import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ReaderLanguage } from './document-reader.types.js';

/**
 * Which trained data: `4.0.0_best_int` (LSTM only, eng 2.9 MB) over `4.0.0` (legacy + LSTM, eng 10.9 MB):
 * the same words on our fixtures with ~150 MB less memory per worker (README, "Figures").
 */
export const TESSDATA_VARIANT = '4.0.0_best_int';

const require = createRequire(import.meta.url);

/** The gzipped trained data of one language, inside its `@tesseract.js-data/<lang>` package. */
export function languageDataFile({ language }: { language: ReaderLanguage }): string {
  return join(dirname(require.resolve(`@tesseract.js-data/${language}/package.json`)), TESSDATA_VARIANT, `${language}.traineddata.gz`);
}

/**
 * tesseract.js reads every language from one folder (`langPath`), and 7.0.0 fails on languages given
 * as bytes; each language lives in its own package, so the reader makes a folder of links to them.
 */
export function createLanguageFolder({ languages }: { languages: readonly ReaderLanguage[] }): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'tollgate-tessdata-'));
  for (const language of languages) symlinkSync(languageDataFile({ language }), join(path, `${language}.traineddata.gz`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
