import { UnavailableError } from '@tollgate/errors';
import { launchChromium } from '@tollgate/letter-render';
import type { BillingPdfRenderer } from '@tollgate/wallet-invoices';

type Browser = Awaited<ReturnType<typeof launchChromium>>;

/**
 * HTML → PDF for invoices and credit notes with the letters' Chromium launch (letter-render's
 * launchChromium): one browser, started on the first document (a host that sells nothing never starts
 * it), a fresh tab per document with scripts off and every request but data: refused, closed with the host.
 */
export class ChromiumBillingPdfRenderer implements BillingPdfRenderer {
  #browser: Promise<Browser> | undefined;
  #closed = false;

  constructor(private readonly options: { renderTimeoutMs: number }) {}

  async render(input: { html: string }): Promise<Uint8Array> {
    if (this.#closed) throw new UnavailableError({ code: 'host_closing', message: 'The host is shutting down; try again.' });
    this.#browser ??= launchChromium({ protocolTimeout: Math.max(30_000, this.options.renderTimeoutMs * 2) });
    let browser: Browser;
    try {
      browser = await this.#browser;
    } catch (error) {
      this.#browser = undefined; // try a new launch next time
      throw error;
    }
    const page = await browser.newPage();
    try {
      page.setDefaultTimeout(this.options.renderTimeoutMs);
      await page.setJavaScriptEnabled(false);
      await page.setRequestInterception(true);
      page.on('request', (request) => void (request.url().startsWith('data:') ? request.continue() : request.abort()));
      await page.setContent(input.html, { waitUntil: 'load' });
      return await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true, outline: false });
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const browser = await this.#browser?.catch(() => undefined);
    await browser?.close().catch(() => browser.process()?.kill('SIGKILL'));
  }
}
