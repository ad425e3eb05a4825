import type { ConsoleMessage, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chooseLanguage,
  focused,
  launchBrowser,
  openPath,
  runAxe,
  screenshot,
  signIn,
  signInWithKey,
  startDashboardStack,
  tabUntil,
  type AxeViolation,
  type DashboardStack,
  type Person,
  type TestBrowser,
} from '../src/index.js';

/**
 * axe-core on every screen of both kinds of session — an account's owner and the platform admin —
 * in English and in another language, with no script or console error, each screen photographed (the plugin panels of sms-reminders too); and the keyboard from a screen's
 * heading to its first form control. The account has a Teamleader connection with an imported
 * invoice and a refund, so the sub-screens (invoice detail, admin account, refunds to pay) have data.
 */
const ACCOUNT_SCREENS = [
  ['/', 'wallet'],
  ['/fill', 'fill'],
  ['/history', 'history'],
  ['/refund', 'refund'],
  ['/features', 'features'],
  ['/features/letters', 'features-letters'],
  ['/features/accounting-exports', 'features-exports'],
  ['/invoices', 'invoices'],
  ['/invoices/profiles', 'invoices-profiles'],
  ['/invoices/mandates', 'invoices-mandates'],
  ['/settings', 'settings'],
] as const;
const ADMIN_SCREENS = [
  ['/', 'accounts'],
  ['/refunds', 'refunds'],
  ['/ledger-check', 'ledger-check'],
] as const;

describe('accessibility of every screen — in a real browser', { timeout: 120_000 }, () => {
  let stack: DashboardStack;
  let browser: TestBrowser;
  let person: Person;
  let invoiceId: string;
  /** The loaded plugins' panels (GET /v1/dashboard/panels), each a screen at /features/<plugin>/<panel>. */
  let panels: Array<readonly [string, string]>;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
    person = await stack.newPerson({ locale: 'en', name: 'Drukkerij Janssens' });
    const t = stack.t;
    const key = person.ownerKey;
    // Data for the sub-screens, through the API: purchased credit and a refund (the admin's list), a Teamleader invoice.
    const grant = await t.request({
      method: 'POST',
      path: `/admin/accounts/${person.accountId}/wallet/grants`,
      key: t.adminKey,
      body: { kind: 'purchased', amount: '100.00', idempotencyKey: 'a11y-grant' },
    });
    expect(grant.status).toBe(201);
    const refund = await t.request({
      method: 'POST',
      path: '/v1/funding/refunds',
      key,
      headers: { 'idempotency-key': 'a11y-refund' },
      body: { credits: '60.00' },
    });
    expect(refund.status).toBe(201);
    const company = stack.teamleader.control.seedCompany({ name: 'Garage Claes BV', email: 'info@claes.test', language: 'nl' }) as { id: string };
    stack.teamleader.control.seedInvoice({ customer: { type: 'company', id: company.id }, booked: true });
    const start = await t.request({ path: '/v1/plugins/source-teamleader/connect', key });
    const consent = await fetch(start.body.authorizeUrl as string, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    expect((await fetch(`${stack.url}${back.pathname}${back.search}`, { redirect: 'manual' })).status).toBe(302);
    const connection = (await t.request({ path: '/v1/invoice-sync/connections', key })).body.data[0] as { id: string };
    const profile = await t.request({
      method: 'POST',
      path: '/v1/invoice-sync/profiles',
      key,
      body: { name: 'Standard', directDebit: false, paymentLink: false, transfer: true },
    });
    expect(profile.status).toBe(201);
    expect((await t.request({ method: 'POST', path: `/v1/invoice-sync/connections/${connection.id}/imports`, key, body: { days: 30 } })).status).toBe(202);
    await t.host.invoiceSync.jobs.idle();
    invoiceId = (await t.request({ path: '/v1/invoice-sync/invoices', key })).body.data[0].id;
    const listed = (await t.request({ path: '/v1/dashboard/panels', key })).body.data as Array<{ pluginId: string; id: string }>;
    panels = listed.map((panel) => [`/features/${panel.pluginId}/${panel.id}`, `panel-${panel.pluginId}-${panel.id}`] as const);
    expect(panels.length).toBeGreaterThan(0);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /**
   * Every screen of the list, in the page's current language: axe, then a screenshot. Script errors
   * and console errors (a CSP refusal, a React warning, a failed request) count as findings too.
   */
  async function sweep(page: Page, input: { kind: string; locale: string; screens: ReadonlyArray<readonly [string, string]> }) {
    const found: Record<string, Array<AxeViolation | string>> = {};
    let errors: string[] = [];
    const onError = (error: unknown) => {
      errors.push(`pageerror: ${(error as Error).message}`);
    };
    const onConsole = (message: ConsoleMessage) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()} ${message.location().url ?? ''}`);
    };
    page.on('pageerror', onError);
    page.on('console', onConsole);
    try {
      for (const [path, name] of input.screens) {
        errors = [];
        const title = await openPath(page, path);
        expect(title, path).not.toBe('');
        const violations = await runAxe(page);
        if (violations.length > 0 || errors.length > 0) found[`${input.locale} ${path}`] = [...violations, ...errors];
        await screenshot(page, `${input.kind}.${input.locale}.${name}`);
      }
    } finally {
      page.off('pageerror', onError);
      page.off('console', onConsole);
    }
    return found;
  }

  it('account owner: no serious or critical violation on any screen, in English and in Dutch', async () => {
    const page = await browser.newPage({ locale: 'en' });
    await signIn(page, { baseUrl: stack.url, email: person.email, password: person.password, landing: 'Wallet' });
    const screens = [...ACCOUNT_SCREENS, [`/invoices/${invoiceId}`, 'invoice-detail'] as const, ...panels];
    const found = { ...(await sweep(page, { kind: 'account', locale: 'en', screens })) };
    await chooseLanguage(page, { label: 'Language', locale: 'nl' });
    Object.assign(found, await sweep(page, { kind: 'account', locale: 'nl', screens }));
    expect(found).toEqual({});
    await page.browserContext().close();
  });

  it('platform admin (API key): no serious or critical violation on any screen, in English and in French', async () => {
    const page = await browser.newPage({ locale: 'en' });
    await signInWithKey(page, { baseUrl: stack.url, apiKey: stack.t.adminKey, landing: 'Accounts' });
    const screens = [...ADMIN_SCREENS, [`/accounts/${person.accountId}`, 'account-detail'] as const];
    const found = { ...(await sweep(page, { kind: 'admin', locale: 'en', screens })) };
    await chooseLanguage(page, { label: 'Language', locale: 'fr' });
    Object.assign(found, await sweep(page, { kind: 'admin', locale: 'fr', screens }));
    expect(found).toEqual({});
    await page.browserContext().close();
  });

  it('keyboard: from the heading a screen opens on, Tab reaches its first form control, with a visible focus', async () => {
    const page = await browser.newPage({ locale: 'en' });
    await signIn(page, { baseUrl: stack.url, email: person.email, password: person.password, landing: 'Wallet' });
    await openPath(page, '/fill');
    expect(await focused(page)).toMatchObject({ tag: 'h1', text: 'Fill your wallet' });
    const control = await tabUntil(page, (f) => f.formControl, 10);
    expect(control).not.toBeNull();
    expect(control!.indicator).not.toBe('none');
    // Shift+Tab from the heading goes back to the main menu (it comes before <main>).
    await openPath(page, '/history');
    await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    await page.keyboard.up('Shift');
    expect(await focused(page)).toMatchObject({ inNav: true });
    await page.browserContext().close();
  });
});
