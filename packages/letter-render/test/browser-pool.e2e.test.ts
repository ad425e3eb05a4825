// The browser pool under trouble, with the real Chromium: a browser killed mid-render, recycling,
// the time limit, the bound on tabs, close(). Each case needs its own pool settings.
import { isTollgateError } from '@tollgate/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { LetterRenderFailedError, createLetterRenderer, type LetterRendererPool, type RenderLetterInput } from '../src/index.js';
import { BASE_LETTER, invoicePdf } from './fixtures.js';

const letter = (reference: string, more: Partial<RenderLetterInput> = {}): RenderLetterInput => ({ ...BASE_LETTER, barcode: false, reference, ...more });
const opened: LetterRendererPool[] = [];
const open = (options: Parameters<typeof createLetterRenderer>[0]) => {
  const renderer = createLetterRenderer(options);
  opened.push(renderer);
  return renderer;
};
afterAll(() => Promise.all(opened.map((r) => r.close())));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the browser pool', () => {
  it('loses no letter when Chromium is killed mid-render: the browser is replaced and the letter retried once', async () => {
    let killNext = false;
    const started: Array<number | undefined> = [];
    const renderer = open({
      browsers: 1,
      pagesPerBrowser: 2,
      onRenderStart: ({ browserPid }) => {
        started.push(browserPid);
        // Killed as the letter's work starts on its tab: whatever Chromium was doing for it is lost.
        if (killNext && browserPid) {
          killNext = false;
          process.kill(browserPid, 'SIGKILL');
        }
      },
    });
    await renderer.render(letter('warm-up'));
    const first = renderer.stats().browsers[0]!.pid!;
    killNext = true;
    const rendered = await renderer.render(letter('LTR-KILLED', { attachments: [await invoicePdf(2)] }));
    expect(rendered.pages).toBe(3);
    const stats = renderer.stats();
    expect([stats.crashed, stats.retried, stats.launched]).toEqual([1, 1, 2]);
    expect(started.slice(1)).toEqual([first, stats.browsers[0]!.pid]);
    expect(stats.browsers[0]!.pid).not.toBe(first);
    // And the pool goes on as before.
    expect((await renderer.render(letter('after'))).pages).toBe(1);
  });

  it('gives up after a second crash: 502 letter_render_failed', async () => {
    const renderer = open({ browsers: 1, pagesPerBrowser: 1, onRenderStart: ({ browserPid }) => browserPid && process.kill(browserPid, 'SIGKILL') });
    const error = await renderer.render(letter('LTR-DOOMED')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LetterRenderFailedError);
    expect(isTollgateError(error) && [error.status, error.code, error.details]).toEqual([502, 'letter_render_failed', { reason: 'browser_failed' }]);
  });

  it('recycles a browser after N renders, letting the renders it has finish', async () => {
    const pids: Array<number | undefined> = [];
    const renderer = open({ browsers: 1, pagesPerBrowser: 2, recycleAfter: 3, onRenderStart: ({ browserPid }) => pids.push(browserPid) });
    const letters = await Promise.all(Array.from({ length: 8 }, (_, i) => renderer.render(letter(`LTR-R${i}`))));
    expect(letters.map((l) => l.pages)).toEqual(Array(8).fill(1));
    const perBrowser = [...new Set(pids)].map((pid) => pids.filter((p) => p === pid).length);
    expect(perBrowser).toEqual([3, 3, 2]);
    const stats = renderer.stats();
    expect([stats.recycled, stats.crashed, stats.retried]).toEqual([2, 0, 0]);
    await renderer.close();
    expect([...new Set(pids)].map((pid) => alive(pid!))).toEqual([false, false, false]);
  });

  it('never opens more tabs than browsers × pagesPerBrowser; the rest wait their turn in order', async () => {
    const order: string[] = [];
    let most = 0;
    const renderer: LetterRendererPool = open({
      browsers: 1,
      pagesPerBrowser: 2,
      onRenderStart: ({ reference }) => {
        order.push(reference);
        most = Math.max(
          most,
          renderer.stats().browsers.reduce((n, b) => n + b.active, 0),
        );
      },
    });
    const references = Array.from({ length: 7 }, (_, i) => `LTR-Q${i}`);
    const letters = await Promise.all(references.map((reference) => renderer.render(letter(reference))));
    expect(letters).toHaveLength(7);
    expect(most).toBe(2);
    expect(order).toEqual(references);
  });

  it('stops a render over the time limit: 502 letter_render_failed, reason timeout', async () => {
    const renderer = open({ browsers: 1, pagesPerBrowser: 1, renderTimeoutMs: 1 });
    const error = await renderer.render(letter('LTR-SLOW')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LetterRenderFailedError);
    expect(isTollgateError(error) && [error.status, error.code, error.details]).toEqual([502, 'letter_render_failed', { reason: 'timeout' }]);
    // A second one in a row: the browser may be stuck, so it is replaced (drained, like a recycle).
    expect(renderer.stats().recycled).toBe(0);
    const again = await renderer.render(letter('LTR-SLOW-2')).catch((e: unknown) => e);
    expect(isTollgateError(again) && again.details).toEqual({ reason: 'timeout' });
    expect(renderer.stats().recycled).toBe(1);
  });

  it('close() shuts every browser; a later render is refused', async () => {
    const renderer = createLetterRenderer({ browsers: 2, pagesPerBrowser: 1 });
    await Promise.all([renderer.render(letter('LTR-C1')), renderer.render(letter('LTR-C2'))]);
    const pids = renderer.stats().browsers.map((b) => b.pid!);
    expect(pids).toHaveLength(2);
    await renderer.close();
    expect(pids.map(alive)).toEqual([false, false]);
    const error = await renderer.render(letter('LTR-C3')).catch((e: unknown) => e);
    expect(isTollgateError(error) && [error.code, error.details]).toEqual(['letter_render_failed', { reason: 'closed' }]);
  });
});
