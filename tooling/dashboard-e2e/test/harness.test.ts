import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, runAxe, type TestBrowser } from '../src/index.js';

/**
 * The harness itself: axe is injected under a CSP like the dashboard's (default-src 'self', inline styles allowed) and does report
 * what it should, so an empty list from a dashboard screen means something.
 */
const BAD_PAGE = `<!doctype html><html lang="en"><head><title>bad</title></head><body><main>
<h1>Form</h1><input type="text"><p style="color:#bbb;background:#fff">low contrast text</p></main></body></html>`;

describe('browser harness', { timeout: 30_000 }, () => {
  let server: Server;
  let url: string;
  let browser: TestBrowser;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'" });
      res.end(BAD_PAGE);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => server?.close(done));
  });

  it('runAxe reports an unlabelled input (critical) and low contrast (serious) under a strict CSP', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    const violations = await runAxe(page);
    expect(violations.map((v) => [v.id, v.impact]).sort()).toEqual([
      ['color-contrast', 'serious'],
      ['label', 'critical'],
    ]);
    await page.browserContext().close();
  });
});
