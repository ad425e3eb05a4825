import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  amountsNear,
  CHARGE_CHANNEL,
  fill,
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

  it('buys €100 by card on the hosted page, through 3-D Secure, and sees it succeed back on /app/fill', async () => {
    await openFromNav(page, { name: 'Fill your wallet', title: 'Fill your wallet' });
    // €100: the refund below must be above the host's administrative fee (€50 by default).
    await (await page.waitForSelector('::-p-aria([name="€100.00"][role="radio"])'))!.click();
    await page.waitForSelector('::-p-aria([name="Buy €100.00"][role="button"])');
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.fill');
    // The card page is the default way to pay.
    await press(page, 'Buy €100.00');

    // The processor's hosted page (the card sandbox): a 3-D Secure card, then the challenge.
    await page.waitForSelector('::-p-aria([name="Pay 100.00 EUR"][role="heading"])');
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
    expect(await amountsNear(page, { selector: 'main [role="status"]', text: 'Payment received. Added to your wallet:' })).toEqual(['100.00']);
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.fill.paid');

    const purchase = await stack.t.request({ path: `/v1/funding/purchases/${purchaseId}`, key: person.ownerKey });
    expect(purchase.body).toMatchObject({ amount: '100.00', status: 'succeeded', provider: 'payments-card' });
  });

  it('the wallet shows the purchased credit', async () => {
    await openFromNav(page, { name: 'Wallet', title: 'Wallet' });
    await page.waitForSelector('main [data-amount="100.00"]');
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
    // The chart's month is the host's (a test clock in March), not the browser's: its table holds the €1.50.
    await page.waitForSelector('figure.spend-chart table');
    const chartCells = await page.$$eval('figure.spend-chart table tbody td', (cells) => cells.map((cell) => cell.textContent?.trim()));
    expect(chartCells).toContain('€1.50');
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.history');
  });

  it('asks for a refund: the fee and the payout are shown before confirming, then the refund is listed', async () => {
    const { refundFee } = (await stack.t.request({ path: '/v1/funding/packs', key: person.ownerKey })).body as { refundFee: string };
    const { refundable } = (await stack.t.request({ path: '/v1/wallet', key: person.ownerKey })).body as { refundable: string };
    expect(refundable).toBe('100.00');
    await openFromNav(page, { name: 'Refund and referral', title: 'Refund and referral' });
    await fill(page, 'Credit to refund', '80.00');
    await press(page, 'Review refund');
    await page.waitForSelector('::-p-aria([name="Confirm the refund"][role="dialog"])');
    // Nothing is sent before the person confirms: the host knows of no refund yet.
    expect((await stack.t.request({ path: '/v1/funding/refunds', key: person.ownerKey })).body.data).toEqual([]);
    expect((await tableRow(page, 'Administrative fee')).amounts).toEqual([refundFee]);
    expect((await tableRow(page, 'Paid out to you')).amounts).toEqual([centsToAmount(amountToCents('80.00') - amountToCents(refundFee))]);
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.refund.confirm');

    await press(page, 'Ask for the refund');
    await page.waitForSelector('::-p-text(Refund requested.)');
    const refunds = (await stack.t.request({ path: '/v1/funding/refunds', key: person.ownerKey })).body.data as Array<{
      credits: string;
      fee: string;
      payout: string;
    }>;
    expect(refunds).toMatchObject([{ credits: '80.00', fee: refundFee }]);
    const listed = await page.waitForFunction(
      () => (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } }).document.querySelectorAll('main tbody tr').length > 0,
    );
    await listed.dispose();
    expect((await tableRow(page, 'Requested, payout to come')).amounts).toEqual(['80.00', refundFee, refunds[0]!.payout]);
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.refund');
  });
});

/** Exact cents of a decimal string (test arithmetic on money, never floats). */
function amountToCents(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
}

function centsToAmount(cents: bigint): string {
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}
