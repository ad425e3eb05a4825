import type { PostalAddress, PostalCarrier } from '@tollgate/plugin-sdk';
import { makeTestPdf, SANDBOX_KEYS, startCallbackReceiver, startPrintMailSandbox, type PrintMailSandbox } from '@tollgate/sandbox-print-mail';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postalNlPlugin } from '../src/index.js';

/**
 * postal-nl in a real host against the print-mail sandbox on loopback: the carrier it registers
 * (quote, submit, status, signed callbacks) and the catalog rows its five channels seed. The sandbox
 * runs on the host's clock; `retries: 0` so an outage reaches the test at once.
 */
for (const engine of testEngines()) {
  describe(`postal-nl plugin against the print-mail sandbox [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: PrintMailSandbox;
    let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
    let t: TestHost;
    let carrier: PostalCarrier;

    const recipient: PostalAddress = { name: 'Bakkerij de Vries BV', street: 'Prinsengracht 263', postalCode: '1016 GV', city: 'Amsterdam', country: 'NL' };
    const sender: PostalAddress = { name: 'Tollgate Demo BV', street: 'Markt 1', postalCode: '9000', city: 'Gent', country: 'BE' };

    beforeAll(async () => {
      receiver = await startCallbackReceiver();
      sandbox = await startPrintMailSandbox({ clock, webhookSecret: 'whsec_postal_nl_e2e' });
      t = await createTestHost({
        engine,
        clock,
        plugins: [{ plugin: postalNlPlugin, options: { baseUrl: sandbox.url, apiKey: SANDBOX_KEYS.test, webhookSecret: 'whsec_postal_nl_e2e', retries: 0 } }],
      });
      carrier = t.host.pluginHost.postalCarriers.get('postal-nl')!;
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
      await receiver?.close();
    });

    it('registers the carrier and its five deferred spend channels', async () => {
      const entry = (await t.request({ path: '/plugins' })).body.data.find((p: { id: string }) => p.id === 'postal-nl');
      expect(entry.compatibility).toBe('^2.5.0');
      expect(entry.postalCarriers).toEqual([
        { id: 'postal-nl', label: 'Letter by post (the Netherlands)', countries: ['NL'], products: ['standard', 'priority', 'registered'], billing: 'wallet' },
      ]);
      expect(entry.spendChannels.map((c: { id: string; unit: string; settlement: string }) => [c.id, c.unit, c.settlement])).toEqual([
        ['postal-nl-postage-standard', 'letter', 'deferred'],
        ['postal-nl-postage-priority', 'letter', 'deferred'],
        ['postal-nl-postage-registered', 'letter', 'deferred'],
        ['postal-nl-print-bw', 'sheet', 'deferred'],
        ['postal-nl-print-color', 'sheet', 'deferred'],
      ]);
      expect(carrier).toMatchObject({ billing: 'wallet', barcode: true });
    });

    it('seeds the catalog: NL rows from 2026-01-01, classic rows for printing', async () => {
      const account = await t.createAccount();
      const res = await t.request({ path: '/v1/catalog/prices', key: account.ownerKey });
      expect(res.status).toBe(200);
      const rows = (res.body.data as Array<{ channel: string; unit: string; country: string; plan: string; unitPrice: string; effectiveFrom: string }>)
        .filter((row) => row.channel.startsWith('postal-nl-'))
        .map((row) => [row.channel, row.plan, row.country, row.unit, row.unitPrice, row.effectiveFrom])
        .sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));
      const from = '2026-01-01T00:00:00.000Z';
      expect(rows).toEqual([
        ['postal-nl-postage-priority', '*', 'NL', 'letter', '2.55', from],
        ['postal-nl-postage-registered', '*', 'NL', 'letter', '9.95', from],
        ['postal-nl-postage-standard', '*', 'NL', 'letter', '1.60', from],
        ['postal-nl-print-bw', '*', 'NL', 'sheet', '0.12', from],
        ['postal-nl-print-bw', 'classic', 'NL', 'sheet', '0.10', from],
        ['postal-nl-print-color', '*', 'NL', 'sheet', '0.35', from],
        ['postal-nl-print-color', 'classic', 'NL', 'sheet', '0.30', from],
      ]);
    });

    it('a hold for a quoted charge is priced by the account’s plan', async () => {
      const quote = await carrier.quote({ accountId: 'x', letter: { recipient, sender, pages: 5, color: false, duplex: true, product: 'standard' } });
      const print = quote.charges!.find((c) => c.channel === 'postal-nl-print-bw')!;
      expect(print.units).toBe('3');
      const hold = async (key: string, idem: string) =>
        t.request({
          method: 'POST',
          path: '/v1/wallet/holds',
          key,
          headers: { 'idempotency-key': idem },
          body: { channel: print.channel, units: print.units, country: 'NL', currency: 'EUR' },
        });
      const focus = await t.createAccount();
      const focusHold = await hold(focus.ownerKey, 'h-focus');
      expect(focusHold.status).toBe(201);
      expect(focusHold.body.amount).toBe('0.36');
      const classic = await t.createAccount();
      expect((await t.request({ method: 'PUT', path: `/admin/accounts/${classic.accountId}/plan`, key: t.adminKey, body: { plan: 'classic' } })).status).toBe(
        200,
      );
      expect((await hold(classic.ownerKey, 'h-classic')).body.amount).toBe('0.30');
    });

    it('submits a letter to the sandbox, follows it by status and by a signed callback', async () => {
      const pdf = await makeTestPdf({ pages: 2 });
      const letter = { recipient, sender, pages: 2, color: true, duplex: false, product: 'priority' as const };
      const submitted = await carrier.submit({ accountId: 'acc_1', letter, pdf, idempotencyKey: 'letter-1', reference: 'let_1', callbackUrl: receiver.url });
      expect(submitted).toEqual({ carrierLetterId: expect.stringMatching(/^ltr_/), status: 'submitted' });
      expect(sandbox.control.letter(submitted.carrierLetterId)).toMatchObject({ reference: 'let_1', product: 'priority', color: true, sheets: 2 });
      clock.advance({ minutes: 5 });
      await sandbox.control.process();
      expect(await carrier.getStatus!({ accountId: 'acc_1', carrierLetterId: submitted.carrierLetterId })).toMatchObject({ status: 'accepted' });
      const callback = receiver.received.at(-1)!;
      const headers = Object.fromEntries(Object.entries(callback.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
      expect(await carrier.parseWebhook!({ headers, rawBody: Buffer.from(callback.rawBody) })).toEqual([
        expect.objectContaining({ carrierLetterId: submitted.carrierLetterId, status: 'accepted', occurredAt: new Date('2026-03-02T09:05:00.000Z') }),
      ]);
    });

    it('refuses a letter to Belgium before anything is sent, naming the Netherlands', async () => {
      const before = sandbox.control.requests().length;
      const error = await carrier
        .quote({
          accountId: 'x',
          letter: {
            recipient: { ...recipient, postalCode: '2000', city: 'Antwerpen', country: 'BE' },
            sender,
            pages: 1,
            color: false,
            duplex: false,
            product: 'standard',
          },
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 422, code: 'country_not_served' });
      expect((error as Error).message).toContain('the Netherlands (NL)');
      expect(sandbox.control.requests().length).toBe(before);
    });
  });
}
