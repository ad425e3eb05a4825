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
