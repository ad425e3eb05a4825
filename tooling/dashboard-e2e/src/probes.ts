import type { JSHandle, Page } from 'puppeteer-core';

/**
 * Small reads of the page's state. The callbacks run in the browser; the repo's TypeScript has no
 * DOM library (it is a Node codebase), so they reach the page's globals through this narrow shape.
 */
interface PageElement {
  id: string;
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
  blur?(): void;
  focus?(): void;
  setAttribute?(name: string, value: string): void;
  removeAttribute?(name: string): void;
}
interface InPage {
  document: { activeElement: PageElement | null; body: PageElement; documentElement: { lang: string }; cookie: string; title: string };
  getComputedStyle(el: PageElement): { outlineStyle: string; outlineWidth: string; boxShadow: string };
}

export interface Focused {
  tag: string;
  id: string;
  text: string;
  href: string | null;
  /** Inside <nav> (the main menu). */
  inNav: boolean;
  /** Inside <main>, and a form control (input, select, textarea, button). */
  formControl: boolean;
  /** How the focus shows: the outline (or a box-shadow ring), or 'none' when it would be invisible. */
  indicator: string;
}

/** What has the keyboard focus, and whether it is visibly marked. */
export async function focused(page: Page): Promise<Focused | null> {
  return page.evaluate(() => {
    const w = globalThis as unknown as InPage;
    const el = w.document.activeElement;
    if (!el || el.tagName === 'BODY') return null;
    const style = w.getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && style.outlineWidth !== '0px' ? `outline ${style.outlineStyle} ${style.outlineWidth}` : null;
    const ring = style.boxShadow && style.boxShadow !== 'none' ? `box-shadow ${style.boxShadow}` : null;
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      text: (el.textContent ?? '').trim(),
      href: el.getAttribute('href'),
      inNav: el.closest('nav') !== null,
      formControl: el.closest('main') !== null && ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(el.tagName),
      indicator: outline ?? ring ?? 'none',
    };
  });
}

/**
 * Puts the keyboard at the top of the document, as a fresh page before any script moved the focus:
 * the body takes the focus for a moment (the browser's starting point), so the next Tab goes to the
 * first focusable element. A plain blur() would leave the starting point where the focus was.
 */
export async function focusDocumentStart(page: Page): Promise<void> {
  await page.evaluate(() => {
    const body = (globalThis as unknown as InPage).document.body;
    body.setAttribute?.('tabindex', '-1');
    body.focus?.();
    body.removeAttribute?.('tabindex');
  });
}

/** Presses Tab until `done` holds for the focused element (at most `max` times); returns it, or null. */
export async function tabUntil(page: Page, done: (f: Focused) => boolean, max = 25): Promise<Focused | null> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (now && done(now)) return now;
  }
  return null;
}

/** The document's lang attribute, its title and the cookies a script can read. */
export async function documentState(page: Page): Promise<{ lang: string; title: string; cookie: string }> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as InPage).document;
    return { lang: d.documentElement.lang, title: d.title, cookie: d.cookie };
  });
}

interface PageNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<PageNode>;
}

export interface TableRow {
  /** Each cell's text (th and td), trimmed. */
  cells: string[];
  /** The exact amounts of the row's <Money> elements (data-amount). */
  amounts: string[];
}

/** Waits for a table row in <main> whose text contains `text`, and reads it. */
export async function tableRow(page: Page, text: string): Promise<TableRow> {
  const handle: JSHandle<unknown> = await page.waitForFunction(
    (wanted: string) => {
      const d = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<PageNode> } }).document;
      return Array.from(d.querySelectorAll('main tr')).find((tr) => (tr.textContent ?? '').includes(wanted)) ?? null;
    },
    {},
    text,
  );
  return handle.evaluate((tr: unknown) => {
    const row = tr as unknown as PageNode;
    return {
      cells: Array.from(row.querySelectorAll('th, td')).map((cell) => (cell.textContent ?? '').trim()),
      amounts: Array.from(row.querySelectorAll('[data-amount]')).map((money) => money.getAttribute('data-amount') ?? ''),
    };
  });
}

/** Waits for an element matching `selector` whose text contains `text`; returns the data-amount values inside it. */
export async function amountsNear(page: Page, input: { selector: string; text: string }): Promise<string[]> {
  const handle: JSHandle<unknown> = await page.waitForFunction(
    (selector: string, wanted: string) => {
      const d = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<PageNode> } }).document;
      return Array.from(d.querySelectorAll(selector)).find((el) => (el.textContent ?? '').includes(wanted)) ?? null;
    },
    {},
    input.selector,
    input.text,
  );
  return handle.evaluate((el: unknown) =>
    Array.from((el as unknown as PageNode).querySelectorAll('[data-amount]')).map((m) => m.getAttribute('data-amount') ?? ''),
  );
}

/** Waits until the tables in <main> hold exactly `count` body rows; returns each row's text. */
export async function waitForRows(page: Page, count: number): Promise<string[]> {
  const handle: JSHandle<unknown> = await page.waitForFunction(
    (wanted: number) => {
      const d = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<PageNode> } }).document;
      const rows = Array.from(d.querySelectorAll('main tbody tr'));
      return rows.length === wanted ? rows.map((row) => (row.textContent ?? '').trim()) : null;
    },
    {},
    count,
  );
  return (await handle.jsonValue()) as string[];
}
