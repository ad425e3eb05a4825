import type { Page } from 'puppeteer-core';

/**
 * Steps a person takes in the dashboard, found by what they see (accessible names and roles), in
 * whichever language the page is in: callers pass the localized texts.
 */

/** Waits for the screen's heading (the Page component's h1) to read `title`. */
export async function waitForHeading(page: Page, title: string) {
  const heading = await page.waitForSelector(`::-p-aria([name=${JSON.stringify(title)}][role="heading"])`);
  return heading!;
}

/** The control labelled `label` (an input, select or textarea via its <label>). */
export async function field(page: Page, label: string) {
  return (await page.waitForSelector(`::-p-aria(${JSON.stringify(label)})`))!;
}

/** Types into the field labelled `label`, replacing what it held. */
export async function fill(page: Page, label: string, value: string): Promise<void> {
  const input = await field(page, label);
  await input.click({ count: 3 });
  await input.type(value);
}

/** Clicks the button (or link) named `name`. */
export async function press(page: Page, name: string, role: 'button' | 'link' = 'button'): Promise<void> {
  const target = await page.waitForSelector(`::-p-aria([name=${JSON.stringify(name)}][role="${role}"])`);
  await target!.click();
}

/** Opens /app/ on `baseUrl` and waits for the sign-in heading. */
export async function openSignIn(page: Page, input: { baseUrl: string; title: string }): Promise<void> {
  await page.goto(`${input.baseUrl}/app/`, { waitUntil: 'domcontentloaded' });
  await waitForHeading(page, input.title);
}

/** The sign-in form with e-mail + password, in English (the texts of messages/common.ts). */
export async function signIn(page: Page, input: { baseUrl: string; email: string; password: string; landing: string }): Promise<void> {
  await openSignIn(page, { baseUrl: input.baseUrl, title: 'Sign in' });
  await fill(page, 'E-mail', input.email);
  await fill(page, 'Password', input.password);
  await press(page, 'Sign in');
  await waitForHeading(page, input.landing);
}

/** Follows the main menu link named `name` and waits for the screen's heading `title`. */
export async function openFromNav(page: Page, input: { name: string; title: string }): Promise<void> {
  const nav = await page.waitForSelector('nav ::-p-aria([role="link"][name=' + JSON.stringify(input.name) + '])');
  await nav!.click();
  await waitForHeading(page, input.title);
}

/** The text of the element with role="alert" (ErrorMessage) and its data-error-code. */
export async function readError(page: Page): Promise<{ text: string; code: string | null }> {
  const alert = await page.waitForSelector('[role="alert"][data-error-code]');
  return alert!.evaluate((el) => {
    const e = el as unknown as { textContent: string | null; getAttribute(name: string): string | null };
    return { text: e.textContent ?? '', code: e.getAttribute('data-error-code') };
  });
}

/**
 * Waits until the screen is settled: its heading is there and nothing in <main> shows Busy or is
 * aria-busy (every section's first load answered). Screens poll nothing on their own while idle.
 */
export async function waitForScreen(page: Page): Promise<string> {
  const handle = await page.waitForFunction(() => {
    const d = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
    const heading = d.querySelector('main h1');
    if (!heading || !(heading.textContent ?? '').trim()) return null;
    if (d.querySelector('main .busy, main [aria-busy="true"]')) return null;
    return (heading.textContent ?? '').trim();
  });
  return (await handle.jsonValue()) as string;
}

/** Moves the app to `/app<path>` the way its own links do (history + popstate), without reloading. */
export async function openPath(page: Page, path: string): Promise<string> {
  await page.evaluate((to: string) => {
    const w = globalThis as unknown as {
      history: { pushState(a: null, b: string, c: string): void };
      dispatchEvent(e: unknown): void;
      PopStateEvent: new (type: string) => unknown;
    };
    w.history.pushState(null, '', `/app${to}`);
    w.dispatchEvent(new w.PopStateEvent('popstate'));
  }, path);
  return waitForScreen(page);
}

/** Switches the language with the top bar's select (labelled `label` in the current language). */
export async function chooseLanguage(page: Page, input: { label: string; locale: string }): Promise<void> {
  const select = await field(page, input.label);
  await select.select(input.locale);
  await page.waitForFunction(
    (locale: string) => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang === locale,
    {},
    input.locale,
  );
}

/** The sign-in form with an API key (operators: the platform admin key), in English. */
export async function signInWithKey(page: Page, input: { baseUrl: string; apiKey: string; landing: string }): Promise<void> {
  await openSignIn(page, { baseUrl: input.baseUrl, title: 'Sign in' });
  await press(page, 'Sign in with an API key instead');
  await fill(page, 'API key', input.apiKey);
  await press(page, 'Sign in');
  await waitForHeading(page, input.landing);
}
