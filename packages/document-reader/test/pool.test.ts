import { describe, expect, it } from 'vitest';
import { createDocumentReader, type ReadResult } from '@tollgate/document-reader';
import { receiptPng, tokenRecall } from './receipt-documents.js';

describe('document reader: worker pool', () => {
  it('starts no worker until the first OCR, runs OCR on `workers` threads, queues beyond, and never blocks the event loop', async () => {
    const reader = createDocumentReader({ workers: 2, languages: ['eng'] });
    try {
      expect(reader.stats()).toEqual({ ocrWorkersStarted: 0, ocrBusy: 0, ocrQueued: 0, decodeWorkersStarted: 0 });
      const png = await receiptPng();
      let pending = 3;
      const reads = Array.from({ length: 3 }, () =>
        reader.read({ bytes: png, contentType: 'image/png' }).finally(() => {
          pending -= 1;
        }),
      );
      // The event loop keeps turning while the OCR runs in worker threads.
      let turns = 0;
      let maxBusy = 0;
      let maxQueued = 0;
      while (pending > 0) {
        await new Promise((resolve) => setImmediate(resolve));
        turns += 1;
        const stats = reader.stats();
        maxBusy = Math.max(maxBusy, stats.ocrBusy);
        maxQueued = Math.max(maxQueued, stats.ocrQueued);
      }
      const results: ReadResult[] = await Promise.all(reads);
      expect(maxBusy).toBe(2);
      expect(maxQueued).toBe(1);
      expect(turns).toBeGreaterThan(100);
      expect(reader.stats().ocrWorkersStarted).toBe(2);
      for (const result of results) expect(tokenRecall(result)).toBeGreaterThanOrEqual(0.9);
    } finally {
      await reader.close();
    }
  });

  it('abandons a read past timeoutMs (read_timeout) and replaces its worker', async () => {
    const reader = createDocumentReader({ workers: 1, languages: ['eng'], timeoutMs: 20 });
    try {
      const png = await receiptPng();
      await expect(reader.read({ bytes: png, contentType: 'image/png' })).rejects.toMatchObject({ code: 'read_timeout', status: 422 });
      await expect(reader.read({ bytes: png, contentType: 'image/png' })).rejects.toMatchObject({ code: 'read_timeout' });
      // The stuck worker was ended: the second read had a new one.
      expect(reader.stats()).toMatchObject({ ocrWorkersStarted: 2, ocrBusy: 0, ocrQueued: 0 });
    } finally {
      await reader.close();
    }
  });

  it('close fails a read in progress and refuses reads after it (reader_closed)', async () => {
    const reader = createDocumentReader({ workers: 1, languages: ['eng'] });
    const png = await receiptPng();
    const inProgress = reader.read({ bytes: png, contentType: 'image/png' }).catch((error: unknown) => error);
    while (reader.stats().ocrBusy === 0) await new Promise((resolve) => setImmediate(resolve));
    await reader.close();
    expect(await inProgress).toMatchObject({ code: 'reader_closed' });
    await expect(reader.read({ bytes: png, contentType: 'image/png' })).rejects.toMatchObject({ code: 'reader_closed' });
  });
});
