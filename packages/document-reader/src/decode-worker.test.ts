import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodeWorker } from './decode-worker.js';

// The reader's HEIC path is this decode and then the same OCR as a PNG; OCR of this photo (no text)
// takes ~40 s, so the reader-level tests use rendered receipts and this test the real HEIC.
describe('decode worker', () => {
  const worker = new DecodeWorker();
  afterAll(() => worker.terminate());

  it('decodes a real HEIC file (libheif examples/example.heic, MIT) into RGBA pixels', async () => {
    const bytes = await readFile(new URL('../test/fixtures/libheif-example.heic', import.meta.url));
    const decoded = await worker.decode({ kind: 'heic', bytes });
    if (decoded.kind !== 'heic') throw new Error('expected a HEIC result');
    expect([decoded.width, decoded.height]).toEqual([1280, 854]);
    expect(decoded.rgba.byteLength).toBe(1280 * 854 * 4);
    // A photo, not a blank buffer: its channels vary.
    const stats = await sharp(decoded.rgba, { raw: { width: decoded.width, height: decoded.height, channels: 4 } }).stats();
    expect(stats.channels[0]!.stdev).toBeGreaterThan(10);
  });
});
