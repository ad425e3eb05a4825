// Dashboard first-screen benchmark (not a test): how long a cold load of the web dashboard takes until
// a person can use it, on Debian's Chromium against a real host (the dashboard-e2e stack: PGlite, the
// card/SEPA/Teamleader plugins and sandboxes), next to baselines measured in the same run. See
// docs/performance.md, "Dashboard: first screen interactive".
//
//   pnpm bench:dashboard                 20 cold loads of each page, taking turns
//   pnpm bench:dashboard --runs=50       any knob as --name=value or BENCH_NAME=value
//
// "Interactive" = the screen's heading is there and has the focus (the Page component focuses it once
// React has rendered and run its effects), nothing in <main> shows Busy, and the first form control in
// <main> (if any) is enabled. A script put in before the page's own (evaluateOnNewDocument) records
// performance.now() — ms since navigation start — the first time that holds, checked on every DOM
// mutation and focus change, so the figure does not depend on how often the test polls.
//
// Pages, each a cold load in a fresh browser context (empty cache, no service worker):
//   sign-in   /app/ signed out: the sign-in form
//   wallet    /app/ with a session cookie: the wallet screen after its API calls
//   static    baseline: the sign-in screen's rendered HTML with its CSS inline and no JS, from a plain
//             node:http server (what the same DOM costs without the app)
//   health    baseline: the host's /health JSON page (the host's fastest answer, no app)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DASHBOARD_DIST, launchBrowser, startDashboardStack, type TestBrowser } from '@tollgate/dashboard-e2e';
import type { Page } from 'puppeteer-core';
import { fmt, intArg, loadAverage, markdownTable, percentile } from './bench-kit.js';

const CONFIG = {
  runs: intArg('runs', 20),
  warmup: intArg('warmup', 3),
};

/** Installed before the page's scripts: records when the screen first became usable. */
const PROBE = `(() => {
  const check = () => {
    if (window.__interactiveAt !== undefined) return;
    const h1 = document.querySelector('h1');
    if (!h1) return;
    const scripted = document.scripts.length > 0;
    if (scripted && document.activeElement !== h1) return;
    const main = document.querySelector('main');
    if (!main || main.querySelector('.busy')) return;
    const control = main.querySelector('input, select, textarea, button');
    if (control && control.disabled) return;
    window.__interactiveAt = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  document.addEventListener('focusin', check, true);
  document.addEventListener('DOMContentLoaded', check);
})();`;

interface Sample {
  /** ms from navigation start to interactive (or to DOMContentLoaded for the JSON baseline). */
  interactive: number;
  /** ms from navigation start to the end of the HTML response. */
  responseEnd: number;
}

async function coldLoad(
  browser: TestBrowser,
  url: string,
  input: { cookie?: { name: string; value: string; domain: string }; json?: boolean },
): Promise<Sample> {
  const page: Page = await browser.newPage({ locale: 'en' });
  try {
    if (input.cookie) await page.browserContext().setCookie({ ...input.cookie, path: '/', httpOnly: true, sameSite: 'Strict' });
    await page.evaluateOnNewDocument(PROBE);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    if (input.json) {
      return (await page.evaluate(
        `(() => { const n = performance.getEntriesByType('navigation')[0]; return { interactive: n.domContentLoadedEventEnd, responseEnd: n.responseEnd }; })()`,
      )) as Sample;
    }
    await page.waitForFunction('window.__interactiveAt !== undefined', { timeout: 30_000 });
    return (await page.evaluate(`({ interactive: window.__interactiveAt, responseEnd: performance.getEntriesByType('navigation')[0].responseEnd })`)) as Sample;
  } finally {
    await page.browserContext().close();
  }
}

/** The sign-in screen as rendered, scripts out, the built CSS inline: the same DOM with no app behind it. */
async function staticCopy(browser: TestBrowser, url: string): Promise<string> {
  const page = await browser.newPage({ locale: 'en' });
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('h1');
    const html = (await page.evaluate('document.documentElement.outerHTML')) as string;
    const assets = join(DASHBOARD_DIST, 'assets');
    const css = (await Promise.all((await readdir(assets)).filter((f) => f.endsWith('.css')).map((f) => readFile(join(assets, f), 'utf8')))).join('\n');
    return `<!doctype html>${html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '').replace(/<link rel="stylesheet"[^>]*>/g, `<style>${css}</style>`)}`;
  } finally {
    await page.browserContext().close();
  }
}

function stats(samples: Sample[]) {
  const sorted = (pick: (s: Sample) => number) => Float64Array.from(samples.map(pick)).sort();
  const interactive = sorted((s) => s.interactive);
  const response = sorted((s) => s.responseEnd);
  return {
    p50: percentile(interactive, 0.5),
    p90: percentile(interactive, 0.9),
    max: interactive[interactive.length - 1]!,
    response: percentile(response, 0.5),
  };
}

async function main(): Promise<void> {
  const [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
  let server: Server | undefined;
  try {
    const person = await stack.newPerson({ locale: 'en', name: 'Bench BV' });
    const signedIn = await fetch(`${stack.url}/auth/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: person.email, password: person.password }),
    });
    const token = /tg_session=([^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')?.[1];
    if (signedIn.status !== 201 || !token) throw new Error(`sign-in: ${signedIn.status}`);
    const cookie = { name: 'tg_session', value: token, domain: '127.0.0.1' };

    const html = await staticCopy(browser, `${stack.url}/app/`);
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(html);
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    const staticUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/app/`;

    const pages = {
      'sign-in': () => coldLoad(browser, `${stack.url}/app/`, {}),
      wallet: () => coldLoad(browser, `${stack.url}/app/`, { cookie }),
      static: () => coldLoad(browser, staticUrl, {}),
      health: () => coldLoad(browser, `${stack.url}/health`, { json: true }),
    } as const;
    const samples: Record<keyof typeof pages, Sample[]> = { 'sign-in': [], wallet: [], static: [], health: [] };
    const names = Object.keys(pages) as Array<keyof typeof pages>;
    for (let i = 0; i < CONFIG.warmup; i++) for (const name of names) await pages[name]();
    // Round by round, so a busy moment of the shared machine hits every page.
    for (let i = 0; i < CONFIG.runs; i++) for (const name of names) samples[name].push(await pages[name]());

    const staticP50 = stats(samples.static).p50;
    const healthP50 = stats(samples.health).p50;
    const rows = names.map((name) => {
      const s = stats(samples[name]);
      return [name, fmt(s.p50, 0), fmt(s.p90, 0), fmt(s.max, 0), fmt(s.response, 1), `${fmt(s.p50 / staticP50, 1)}×`, `${fmt(s.p50 / healthP50, 1)}×`];
    });
    console.log(
      `dashboard first screen: ${CONFIG.runs} cold loads each (after ${CONFIG.warmup} warm-up rounds), Chromium ${await browser.browser.version()}, load ${loadAverage()}`,
    );
    console.log(markdownTable(['page', 'interactive p50 ms', 'p90 ms', 'max ms', 'HTML response ms (p50)', 'p50 / static', 'p50 / health'], rows, 1));
    const worst = Math.max(stats(samples['sign-in']).p90, stats(samples.wallet).p90);
    console.log(`budget: first screen interactive under 2000 ms — p90 of the two app screens ${fmt(worst, 0)} ms: ${worst < 2000 ? 'within' : 'OVER'}`);
  } finally {
    await browser.close();
    if (server) await new Promise((done) => server!.close(done));
    await stack.close();
  }
}

await main();
