import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's Chromium (no browser download); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags of the common brief: headless, no sandbox, and nothing that phones home. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--mute-audio',
];

/** Screenshots land here (gitignored); CI keeps the folder as the browser tests' artefacts. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/', import.meta.url));

export interface TestBrowser {
  browser: Browser;
  /** A fresh tab, 1280×800, in `locale` (the browser's Accept-Language: the dashboard's default before sign-in). */
  newPage(input?: { locale?: string }): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium with a fresh profile per run, so no cookie or stored language leaks between runs. */
export async function launchBrowser(input: { args?: readonly string[] } = {}): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'tollgate-chromium-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      pipe: true, // no debugging port; Chromium exits with this process
      args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...(input.args ?? [])],
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    browser,
    async newPage({ locale = 'en' } = {}) {
      // Each page gets its own context: its own cookie jar and localStorage, like another person's browser.
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      await page.setExtraHTTPHeaders({ 'accept-language': locale });
      await page.evaluateOnNewDocument((lang: string) => {
        Object.defineProperty(navigator, 'language', { get: () => lang });
        Object.defineProperty(navigator, 'languages', { get: () => [lang] });
      }, locale);
      return page;
    },
    async close() {
      await browser.close().catch(() => browser.process()?.kill('SIGKILL'));
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  /** The CSS targets of the offending nodes (enough to find them). */
  targets: string[];
}

/**
 * Runs axe-core in the page and returns the serious and critical violations. The script goes in
 * through the DevTools protocol, which the dashboard's CSP (script-src 'self') does not govern.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(axe.source);
  const violations = (await page.evaluate(async () => {
    const w = globalThis as unknown as { document: unknown; axe: { run(context: unknown, options: object): Promise<{ violations: unknown[] }> } };
    const result = await w.axe.run(w.document, { resultTypes: ['violations'] });
    return result.violations;
  })) as Array<{ id: string; impact?: string | null; help: string; nodes: Array<{ target: unknown[] }> }>;
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact!, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
}

/** A full-page PNG named `<name>.png` in ARTIFACTS_DIR; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await writeFile(path, await page.screenshot({ fullPage: true, type: 'png' }));
  return path;
}
