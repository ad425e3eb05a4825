import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  field,
  launchBrowser,
  openFromNav,
  press,
  runAxe,
  screenshot,
  signIn,
  startDashboardStack,
  tableRow,
  waitForRows,
  waitForHeading,
  type DashboardStack,
  type Person,
  type TestBrowser,
} from '../src/index.js';

/**
 * The second and third proofs, in Chromium against a real host and the Teamleader sandbox:
 * connect Teamleader (through the sandbox's consent, back to /app/invoices) → import with progress →
 * the invoice list shows the sandbox's invoices, filtered on "PDF available: no"; then a mandate CSV
 * with one bad row → the row report shows that row failed with its code.
 */
describe('Teamleader invoices and mandates — in a real browser', { timeout: 90_000 }, () => {
  let stack: DashboardStack;
  let browser: TestBrowser;
  let person: Person;
  let page: Page;
  let folder: string;
  let companyId: string;

  beforeAll(async () => {
    [stack, browser, folder] = await Promise.all([startDashboardStack(), launchBrowser(), mkdtemp(join(tmpdir(), 'tollgate-mandates-'))]);
    person = await stack.newPerson({ locale: 'en', name: 'Acme Boekhouding' });
    // Imports need a collection profile (422 no_profile_configured otherwise): made through the API, not the test's subject.
    const profile = await stack.t.request({
      method: 'POST',
      path: '/v1/invoice-sync/profiles',
      key: person.ownerKey,
      body: { name: 'Standard', directDebit: true, paymentLink: false, transfer: true },
    });
    expect(profile.status).toBe(201);
    // Three booked invoices of one company in Teamleader, inside the import's 30 days.
    const control = stack.teamleader.control;
    companyId = (
      control.seedCompany({
        name: 'Bakkerij Peeters BV',
        email: 'boekhouding@peeters.test',
        vatNumber: 'BE0899623035',
        language: 'nl',
        address: { line1: 'Kerkstraat 12', postalCode: '2000', city: 'Antwerpen', country: 'BE' },
      }) as { id: string }
    ).id;
    // The third one's PDF is not ready in Teamleader yet: after the PDF job it is the one "PDF available: no" keeps.
    for (let i = 0; i < 3; i++) {
      control.setPdfMode(i === 2 ? 'deferred' : 'immediate');
      control.seedInvoice({ customer: { type: 'company', id: companyId }, booked: true });
    }
    control.setPdfMode('immediate');
    page = await browser.newPage({ locale: 'en' });
    await signIn(page, { baseUrl: stack.url, email: person.email, password: person.password, landing: 'Wallet' });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('connects Teamleader through the consent page and comes back connected', async () => {
    await openFromNav(page, { name: 'Invoices', title: 'Invoices' });
    await page.waitForSelector('::-p-aria([name="Connect Teamleader"][role="button"])');
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.invoices.not-connected');
    await Promise.all([page.waitForNavigation(), press(page, 'Connect Teamleader')]);
    await waitForHeading(page, 'Invoices');
    await page.waitForSelector('::-p-text(Teamleader is connected.)');
    expect(new URL(page.url()).pathname).toBe('/app/invoices');
    const connections = await stack.t.request({ path: '/v1/invoice-sync/connections', key: person.ownerKey });
    expect(connections.body.data).toMatchObject([{ sourceId: 'teamleader', status: 'connected' }]);
  });

  it('imports with progress, then lists the sandbox invoices; "PDF available: no" keeps the one whose PDF is not there', async () => {
    await press(page, 'Import invoices');
    await page.waitForSelector('::-p-aria([name="Import invoices from Teamleader"][role="dialog"])');
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.invoices.import-dialog');
    await press(page, 'Start import');
    // A <progress> while it runs (the dialog polls the run), then the counts of the finished run.
    await page.waitForSelector('dialog[open] progress');
    await page.waitForSelector('::-p-text(Import completed)');
    const counts = await page.$eval('[data-testid="import-counts"]', (el) => (el as unknown as { textContent: string }).textContent);
    expect(counts).toContain('3 new');
    await screenshot(page, 'account.en.invoices.import-done');
    await press(page, 'Close');

    const listed = await stack.t.request({ path: '/v1/invoice-sync/invoices', key: person.ownerKey });
    const numbers: string[] = listed.body.data.map((invoice: { number: string }) => invoice.number);
    expect(numbers).toHaveLength(3);
    for (const number of numbers) expect((await tableRow(page, number)).cells).toContain('Not fetched yet');

    // The PDF job fetches what Teamleader has ready (two of three); the list, reloaded by the filter, shows which.
    expect(await stack.t.host.invoiceSync.pdfJobs.runOnce()).toMatchObject({ fetched: 2, notReady: 1 });
    const pending = (await stack.t.request({ path: '/v1/invoice-sync/invoices?pdfAvailable=false', key: person.ownerKey })).body.data as Array<{
      number: string;
    }>;
    expect(pending).toHaveLength(1);
    // The filter the issue names: PDF available: no.
    await (await field(page, 'PDF available')).select('false');
    const answer = page.waitForResponse((r) => r.url().includes('/v1/invoice-sync/invoices?') && r.url().includes('pdfAvailable=false'));
    await press(page, 'Filter');
    expect((await answer).status()).toBe(200);
    const rows = await waitForRows(page, 1);
    expect(rows[0]).toContain(pending[0]!.number);
    expect((await tableRow(page, pending[0]!.number)).cells).toContain('Not fetched yet');
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.invoices.list.pdf-no');
  });

  it('a mandate CSV with one bad row: the row report shows that row failed with its code', async () => {
    await press(page, 'Mandates', 'link');
    await waitForHeading(page, 'Direct debit mandates');
    const csv = [
      'customerNumber,IBAN,BIC,mandateReference,signatureDate',
      `${companyId},BE68539007547034,GKCCBEBB,MND-PEETERS-1,2026-01-05`,
      `${companyId},BE00123456789012,,MND-PEETERS-2,2026-01-06`,
    ].join('\n');
    const file = join(folder, 'mandates.csv');
    await writeFile(file, `${csv}\n`);
    // A file input's accessible name includes the browser's own "No file chosen": found by type (the one on the screen).
    const input = await page.waitForSelector('main input[type="file"]');
    expect(await input!.evaluate((el) => (el as unknown as { labels: ArrayLike<{ textContent: string }> }).labels[0]?.textContent)).toBe('CSV file');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
    await press(page, 'Upload');
    const bad = await tableRow(page, 'MND-PEETERS-2');
    expect(bad.cells).toContain('Failed');
    expect(bad.cells.join(' ')).toContain('(invalid_iban)');
    const good = await tableRow(page, 'MND-PEETERS-1');
    expect(good.cells).toContain('Linked');
    expect(await runAxe(page)).toEqual([]);
    await screenshot(page, 'account.en.invoices.mandates.report');
  });
});
