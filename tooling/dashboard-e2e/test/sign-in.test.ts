import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  documentState,
  fill,
  focusDocumentStart,
  focused,
  launchBrowser,
  openSignIn,
  press,
  readError,
  runAxe,
  screenshot,
  signIn,
  startDashboardStack,
  tabUntil,
  type DashboardStack,
  type Person,
  type TestBrowser,
} from '../src/index.js';

/**
 * Signing in to the dashboard in Chromium against a real host: the sign-in screen passes axe, a
 * wrong password answers in the person's language with the API's code, the right one opens the
 * wallet, and the keyboard reaches the skip link, the main menu and the first form control.
 */
describe('dashboard sign-in in a real browser', { timeout: 60_000 }, () => {
  let stack: DashboardStack;
  let browser: TestBrowser;
  let person: Person;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
    person = await stack.newPerson({ locale: 'en', name: 'Bakkerij Peeters' });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('the sign-in screen has no serious or critical axe violation, in English and in Dutch', async () => {
    for (const [locale, title] of [
      ['en', 'Sign in'],
      ['nl', 'Aanmelden'],
    ] as const) {
      const page = await browser.newPage({ locale });
      await openSignIn(page, { baseUrl: stack.url, title });
      expect((await documentState(page)).lang).toBe(locale);
      expect(await runAxe(page)).toEqual([]);
      await screenshot(page, `sign-in.${locale}`);
      await page.browserContext().close();
    }
  });

  it('a wrong password in Dutch shows the Dutch text and the code invalid_credentials', async () => {
    const page = await browser.newPage({ locale: 'nl' });
    await openSignIn(page, { baseUrl: stack.url, title: 'Aanmelden' });
    await fill(page, 'E-mailadres', person.email);
    await fill(page, 'Wachtwoord', 'not the password at all');
    const answer = page.waitForResponse((r) => r.url().endsWith('/auth/sessions'));
    await press(page, 'Aanmelden');
    expect((await answer).status()).toBe(401);
    const error = await readError(page);
    expect(error.code).toBe('invalid_credentials');
    expect(error.text).toContain('Het e-mailadres of wachtwoord is onjuist.');
    expect(error.text).toContain('invalid_credentials');
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'sign-in.nl.wrong-password');
    await page.browserContext().close();
  });

  describe('signed in', () => {
    let page: Page;
    beforeAll(async () => {
      page = await browser.newPage({ locale: 'en' });
      await signIn(page, { baseUrl: stack.url, email: person.email, password: person.password, landing: 'Wallet' });
    });
    afterAll(async () => {
      await page?.browserContext().close();
    });

    it('the session cookie is HttpOnly and SameSite=Strict; no script reads it', async () => {
      const cookies = await page.browserContext().cookies();
      const session = cookies.find((c) => c.name === 'tg_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
      expect((await documentState(page)).cookie).not.toContain('tg_session');
    });

    it('keyboard: a screen opens with the focus on its heading; from the top, the skip link comes first and moves the focus to main; Tab reaches the main menu; focus is visible', async () => {
      expect(await focused(page)).toMatchObject({ tag: 'h1', text: 'Wallet' });
      await focusDocumentStart(page);
      await page.keyboard.press('Tab');
      const first = await focused(page);
      expect(first).toMatchObject({ text: 'Skip to content', href: '#main' });
      expect(first!.indicator).not.toBe('none');
      await page.keyboard.press('Enter');
      expect((await focused(page))?.id).toBe('main');

      await focusDocumentStart(page);
      const inNav = await tabUntil(page, (f) => f.inNav);
      expect(inNav).toMatchObject({ tag: 'a', text: 'Wallet' });
      expect(inNav!.indicator).not.toBe('none');
    });
  });
});
