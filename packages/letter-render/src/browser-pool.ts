import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { LetterRenderFailedError } from './letter-render.errors.js';

/*
 * A small pool of headless Chromium browsers, each with a bounded number of tabs working at once.
 * - Work waits in one FIFO queue when every tab is busy (never more tabs than browsers × pagesPerBrowser).
 * - Tabs are kept and reused (a new tab costs more than the render itself).
 * - A browser is retired after `recycleAfter` renders: it takes no new work, finishes what it has
 *   (drained, not killed) and closes; its replacement starts at once.
 * - A browser that crashes or disconnects is replaced; the work it had is retried once on another
 *   browser. A second failure, or a render over the time limit, is a `LetterRenderFailedError`.
 */

export interface BrowserPoolOptions {
  executablePath: string;
  browsers: number;
  pagesPerBrowser: number;
  recycleAfter: number;
  renderTimeoutMs: number;
  /** Called as work starts on a tab, with that browser's process id (tests, metrics). */
  onRenderStart?: (info: { browserPid: number | undefined; label: string }) => void;
}

/**
 * Launch flags for Debian's Chromium in a container (TOOLCHAIN.md), plus no /dev/shm and steady font
 * metrics, and fewer processes: the GPU and network services inside the browser process (pages fetch
 * nothing anyway) and the renderer processes capped per browser (see launchBrowser): about half the
 * memory of a default launch. Not `--no-zygote`: it saves two processes but made every page.pdf
 * 2.6 times slower (Chromium 156).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
  '--font-render-hinting=none',
  '--disable-extensions',
  '--mute-audio',
  '--in-process-gpu',
  '--enable-features=NetworkServiceInProcess2',
  // Defence in depth under the request interception (newTab): a cross-origin frame made Chromium open a
  // TCP connection (a preconnect, no request) before any request could be intercepted. No name resolves,
  // and what is left (IP literals) goes to a proxy that is not there.
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--proxy-server=127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
];

/** Renderer processes per browser: tabs beyond this share one (a renderer's main thread is busy with one letter at a time, and there are rarely more cores). */
const RENDERER_PROCESSES = 2;

interface Slot {
  id: number;
  browser: Browser | undefined;
  pid: number | undefined;
  /** Renders handed to this browser so far (its age, for recycling). */
  renders: number;
  active: number;
  idle: Page[];
  /** Takes no new work: recycled (closes when drained) or dead. */
  retiring: boolean;
  dead: boolean;
  /** Renders over the time limit in a row. */
  timeouts: number;
}

interface Waiter {
  resolve: (lease: Lease) => void;
  reject: (error: unknown) => void;
}

interface Lease {
  slot: Slot;
  page: Page;
}

export interface BrowserPoolStats {
  browsers: Array<{ id: number; pid: number | undefined; renders: number; active: number; retiring: boolean }>;
  queued: number;
  launched: number;
  recycled: number;
  crashed: number;
  retried: number;
}

export class BrowserPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Waiter[] = [];
  private nextId = 1;
  private closed = false;
  private readonly counts = { launched: 0, recycled: 0, crashed: 0, retried: 0 };
  /** Closing browsers, awaited by close(). */
  private readonly closing = new Set<Promise<unknown>>();

  constructor(private readonly options: BrowserPoolOptions) {}

  /** Runs `work` on a tab of a live browser; retried once on another browser if this one dies under it. */
  async run<T>(label: string, work: (page: Page) => Promise<T>): Promise<T> {
    let firstFailure: unknown;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const lease = await this.acquire(attempt > 1);
      let outcome: { ok: true; value: T } | { ok: false; error: unknown; timedOut: boolean };
      let timer: NodeJS.Timeout | undefined;
      this.options.onRenderStart?.({ browserPid: lease.slot.pid, label });
      const working = work(lease.page);
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(TIMED_OUT), this.options.renderTimeoutMs);
        });
        outcome = { ok: true, value: await Promise.race([working, timeout]) };
      } catch (error) {
        working.catch(() => {}); // settles later, after the tab is closed under it
        outcome = { ok: false, error, timedOut: error === TIMED_OUT };
      } finally {
        clearTimeout(timer);
      }
      if (outcome.ok) {
        lease.slot.timeouts = 0;
        this.release(lease, true);
        return outcome.value;
      }
      // Two renders in a row over the time limit: the browser itself may be stuck; replace it (drained).
      if (outcome.timedOut && ++lease.slot.timeouts >= 2 && !lease.slot.retiring) this.retire(lease.slot, false);
      const browserDied = lease.slot.dead || !lease.slot.browser?.connected;
      this.release(lease, false);
      if (browserDied && !this.closed) {
        if (attempt === 1) {
          firstFailure = outcome.error;
          this.counts.retried++;
          continue;
        }
        throw new LetterRenderFailedError({
          reason: 'browser_failed',
          message: 'Chromium failed twice while rendering the letter.',
          cause: outcome.error ?? firstFailure,
        });
      }
      if (outcome.timedOut)
        throw new LetterRenderFailedError({ reason: 'timeout', message: `Rendering the letter took longer than ${this.options.renderTimeoutMs} ms.` });
      if (this.closed) throw new LetterRenderFailedError({ reason: 'closed', message: 'The letter renderer was closed.', cause: outcome.error });
      throw outcome.error;
    }
    /* c8 ignore next */
    throw new Error('unreachable');
  }

  stats(): BrowserPoolStats {
    return {
      browsers: this.slots.map((s) => ({ id: s.id, pid: s.pid, renders: s.renders, active: s.active, retiring: s.retiring })),
      queued: this.queue.length,
      ...this.counts,
    };
  }

  /** Closes every browser (work in flight fails with `letter_render_failed`, reason `closed`); queued work is refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter.reject(new LetterRenderFailedError({ reason: 'closed', message: 'The letter renderer was closed.' }));
    for (const slot of [...this.slots]) this.retire(slot, true);
    while (this.closing.size) await Promise.allSettled([...this.closing]);
  }

  // ---- leases ----------------------------------------------------------------------------------------

  private acquire(front: boolean): Promise<Lease> {
    if (this.closed) return Promise.reject(new LetterRenderFailedError({ reason: 'closed', message: 'The letter renderer was closed.' }));
    return new Promise<Lease>((resolve, reject) => {
      // A retry goes to the front: the letter already waited its turn once.
      if (front) this.queue.unshift({ resolve, reject });
      else this.queue.push({ resolve, reject });
      this.dispatch();
    });
  }

  private release(lease: Lease, healthy: boolean): void {
    const { slot, page } = lease;
    slot.active--;
    if (healthy && !slot.retiring && !page.isClosed()) slot.idle.push(page);
    else if (!slot.dead) page.close().catch(() => {});
    if (slot.retiring && slot.active === 0) this.shutdown(slot);
    this.dispatch();
  }

  /** Hands free tabs to waiters in order, and starts browsers while fewer than `browsers` take work. */
  private dispatch(): void {
    if (this.closed) return;
    const live = this.slots.filter((s) => !s.retiring);
    for (let n = live.length; n < this.options.browsers; n++) this.launch();
    for (const slot of live) {
      while (this.queue.length && slot.browser && !slot.retiring && slot.active < this.options.pagesPerBrowser) {
        const waiter = this.queue.shift()!;
        slot.active++;
        slot.renders++;
        if (slot.renders >= this.options.recycleAfter) this.retire(slot, false);
        this.openTab(slot).then(
          (page) => waiter.resolve({ slot, page }),
          (error: unknown) => {
            slot.active--;
            if (slot.retiring && slot.active === 0) this.shutdown(slot);
            // The browser went away between the hand-out and the tab: the letter waits for another one.
            if (slot.dead || !slot.browser?.connected) this.queue.unshift(waiter);
            else
              waiter.reject(
                new LetterRenderFailedError({ reason: 'browser_failed', message: `Chromium could not open a tab: ${String(error)}`, cause: error }),
              );
            this.dispatch();
          },
        );
      }
    }
  }

  private async openTab(slot: Slot): Promise<Page> {
    const idle = slot.idle.pop();
    if (idle && !idle.isClosed()) return idle;
    return newTab(slot.browser!);
  }

  // ---- browsers --------------------------------------------------------------------------------------

  private launch(): void {
    const slot: Slot = {
      id: this.nextId++,
      browser: undefined,
      pid: undefined,
      renders: 0,
      active: 0,
      idle: [],
      retiring: false,
      dead: false,
      timeouts: 0,
    };
    this.slots.push(slot);
    const started = launchBrowser(this.options).then(
      ({ browser, tabs }) => {
        if (this.closed || !this.slots.includes(slot)) {
          this.track(browser.close().catch(() => browser.process()?.kill('SIGKILL')));
          return;
        }
        slot.browser = browser;
        slot.idle = tabs;
        slot.pid = browser.process()?.pid;
        this.counts.launched++;
        browser.once('disconnected', () => {
          if (slot.dead) return;
          slot.dead = true;
          if (!slot.retiring) this.counts.crashed++;
          this.retire(slot, true);
        });
        this.dispatch();
      },
      (error: unknown) => {
        slot.dead = true;
        const index = this.slots.indexOf(slot);
        if (index !== -1) this.slots.splice(index, 1);
        // Nothing can start Chromium: refuse what waits rather than retry forever.
        if (!this.slots.some((s) => s.browser && !s.retiring))
          for (const waiter of this.queue.splice(0))
            waiter.reject(new LetterRenderFailedError({ reason: 'browser_failed', message: `Chromium did not start: ${String(error)}`, cause: error }));
      },
    );
    this.track(started);
  }

  /** Takes a browser out of service; it closes once its work is done (or at once when `now`, or when dead). */
  private retire(slot: Slot, now: boolean): void {
    if (!slot.retiring) {
      slot.retiring = true;
      if (!slot.dead && !now) this.counts.recycled++;
    }
    if (now || slot.dead || slot.active === 0) this.shutdown(slot);
    this.dispatch();
  }

  private shutdown(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    slot.idle = [];
    const browser = slot.browser;
    if (!browser) return; // still launching: the launch sees `closed`/`retiring` and closes it
    this.track(
      browser.close().catch(() => {
        // A dead or hung browser: make sure its process is gone.
        browser.process()?.kill('SIGKILL');
      }),
    );
  }

  private track(promise: Promise<unknown>): void {
    const p = promise.finally(() => this.closing.delete(p));
    this.closing.add(p);
  }
}

const TIMED_OUT = Symbol('timed out');

/**
 * Starts Chromium with CHROMIUM_ARGS (plus `args`), headless, over a pipe: the one place the launch
 * flags live, for this pool and for other tools that render HTML (the expense corpus generator).
 */
export async function launchChromium(options: { executablePath?: string; args?: readonly string[]; protocolTimeout?: number } = {}): Promise<Browser> {
  return puppeteer.launch({
    executablePath: options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    pipe: true, // no debugging port; Chromium exits when this process does
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    ...(options.protocolTimeout ? { protocolTimeout: options.protocolTimeout } : {}),
  });
}

/** Starts Chromium with its tabs open and ready (so work starts in the order it was handed out). */
async function launchBrowser(options: BrowserPoolOptions): Promise<{ browser: Browser; tabs: Page[] }> {
  const browser = await launchChromium({
    executablePath: options.executablePath,
    args: [`--renderer-process-limit=${Math.min(RENDERER_PROCESSES, options.pagesPerBrowser)}`],
    protocolTimeout: Math.max(30_000, options.renderTimeoutMs * 2),
  });
  try {
    const tabs = await Promise.all(Array.from({ length: options.pagesPerBrowser }, () => newTab(browser)));
    return { browser, tabs };
  } catch (error) {
    await browser.close().catch(() => browser.process()?.kill('SIGKILL'));
    throw error;
  }
}

/**
 * Every scheme that reaches beyond the page: requests for them are intercepted and failed. data: URLs
 * (the inlined font, the caller's inline images) are not even intercepted: pausing each of them for a
 * round trip to this process cost ~15 % of a letter's CPU.
 */
const BLOCKED_SCHEMES = ['http', 'https', 'ws', 'wss', 'ftp', 'file', 'blob', 'filesystem', 'chrome', 'chrome-extension', 'chrome-untrusted', 'devtools'];

/** A tab for letters: no scripts, and nothing fetched (only data: URLs load). */
async function newTab(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  const cdp = await page.createCDPSession();
  cdp.on('Fetch.requestPaused', (event: { requestId: string }) => {
    cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'BlockedByClient' }).catch(() => {});
  });
  await cdp.send('Fetch.enable', { patterns: BLOCKED_SCHEMES.map((scheme) => ({ urlPattern: `${scheme}:*` })) });
  return page;
}
