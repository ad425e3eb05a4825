import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ocrWorkerOptions } from './ocr-engine.js';
import { createLanguageFolder, TESSDATA_VARIANT } from './tessdata.js';

// tesseract.js downloads language data when `langPath` is a URL or missing, and caches it in the working
// directory by default: the reader gives it a local folder and no cache, so no read ever needs a network.
describe('OCR language data', () => {
  it('comes from the @tesseract.js-data packages in node_modules, through a folder of links', () => {
    const folder = createLanguageFolder({ languages: ['eng', 'fra', 'nld', 'deu'] });
    try {
      expect(readdirSync(folder.path).sort()).toEqual(['deu.traineddata.gz', 'eng.traineddata.gz', 'fra.traineddata.gz', 'nld.traineddata.gz']);
      for (const language of ['eng', 'fra', 'nld', 'deu']) {
        const target = readlinkSync(join(folder.path, `${language}.traineddata.gz`));
        expect(target).toContain(`${sep}node_modules${sep}`);
        expect(target).toContain(`@tesseract.js-data${sep}${language}${sep}${TESSDATA_VARIANT}${sep}`);
        expect(statSync(target).size).toBeGreaterThan(500_000);
      }
    } finally {
      folder.remove();
    }
  });

  it('is given to tesseract.js as a local path with caching off', () => {
    const options = ocrWorkerOptions({ langPath: '/tmp/some-folder' });
    expect(options).toMatchObject({ langPath: '/tmp/some-folder', cacheMethod: 'none', gzip: true });
    expect(options.langPath).not.toMatch(/^[a-z]+:/);
  });
});
