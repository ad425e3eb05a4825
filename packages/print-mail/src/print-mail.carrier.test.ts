import { ManualClock } from '@tollgate/clock';
import { makeTestPdf, SANDBOX_KEYS, startCallbackReceiver, startPrintMailSandbox, type PrintMailSandbox } from '@tollgate/sandbox-print-mail';
import type { LetterSpec, PostalAddress, PostalCarrier } from '@tollgate/plugin-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPrintMailCarrier } from './print-mail.carrier.js';
import { PrintMailClient } from './print-mail.client.js';
import { PrintMailUnavailableError } from './print-mail.errors.js';

/** The shared carrier (as postal-be) against the real sandbox: local quote, submit, status, cancel, signed callbacks. */
describe('createPrintMailCarrier against the print-mail sandbox', () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  let sandbox: PrintMailSandbox;
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
  let carrier: PostalCarrier;
  let pdf: Uint8Array;

  const recipient: PostalAddress = { name: 'Bakkerij Peeters BV', street: 'Kerkstraat 12 bus 3', postalCode: '2000', city: 'Antwerpen', country: 'BE' };
  const sender: PostalAddress = { name: 'Tollgate Demo BV', street: 'Markt 1', postalCode: '9000', city: 'Gent', country: 'BE' };
  const spec = (over: Partial<LetterSpec> = {}): LetterSpec => ({ recipient, sender, pages: 3, color: false, duplex: true, product: 'standard', ...over });
  let n = 0;
  const submit = (over: Partial<LetterSpec> = {}, key?: string) => {
    const reference = key ?? `let_${++n}`;
    return carrier.submit({ accountId: 'acc_1', letter: spec(over), pdf, idempotencyKey: key ?? `letter-${n}`, reference, callbackUrl: receiver.url });
  };

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    sandbox = await startPrintMailSandbox({ clock });
    pdf = await makeTestPdf({ pages: 3 });
    carrier = createPrintMailCarrier({
      id: 'postal-be',
      label: 'Letter by post (Belgium)',
      country: 'BE',
      client: new PrintMailClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEYS.test, retries: 0 }),
      webhookSecret: sandbox.webhookSecret,
      clock: { now: () => sandbox.control.now() },
    });
  });
  afterEach(() => {
    sandbox.control.reset();
    receiver.received.length = 0;
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });

  it('describes itself: wallet billing, barcode, BE only, three products', () => {
    expect(carrier).toMatchObject({ id: 'postal-be', countries: ['BE'], billing: 'wallet', barcode: true, products: ['standard', 'priority', 'registered'] });
  });

  it('quotes locally: one postage charge and one print charge of ceil(pages/2) sheets when duplex', async () => {
    expect(await carrier.quote({ accountId: 'acc_1', letter: spec() })).toEqual({
      units: '2',
      country: 'BE',
      sheets: 2,
      description: 'Letter to BE, standard, 2 sheets black and white',
      charges: [
        { channel: 'postal-be-postage-standard', units: '1', description: 'Postage BE, standard' },
        { channel: 'postal-be-print-bw', units: '2', description: 'Printing, 2 sheets, black and white, duplex' },
      ],
    });
    const colour = await carrier.quote({ accountId: 'acc_1', letter: spec({ pages: 3, duplex: false, color: true, product: 'registered' }) });
    expect(colour.charges).toEqual([
      { channel: 'postal-be-postage-registered', units: '1', description: 'Postage BE, registered' },
      { channel: 'postal-be-print-color', units: '3', description: 'Printing, 3 sheets, colour' },
    ]);
    expect(sandbox.control.requests()).toEqual([]);
  });

  it('refuses another country (422 naming the one it serves), a bad address (400 invalid_address), too many sheets', async () => {
    const nl = await carrier
      .quote({ accountId: 'a', letter: spec({ recipient: { ...recipient, postalCode: '1011 AB', city: 'Amsterdam', country: 'NL' } }) })
      .catch((e: unknown) => e);
    expect(nl).toMatchObject({ status: 422, code: 'country_not_served', details: { countries: ['BE'], country: 'NL' } });
    expect((nl as Error).message).toContain('Belgium (BE) only');
    await expect(carrier.quote({ accountId: 'a', letter: spec({ recipient: { ...recipient, postalCode: '20000' } }) })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_address',
    });
    await expect(carrier.quote({ accountId: 'a', letter: spec({ pages: 21, duplex: true }) })).rejects.toMatchObject({ status: 400, code: 'letter_too_long' });
    await expect(carrier.quote({ accountId: 'a', letter: spec({ pages: 10, duplex: false }) })).resolves.toMatchObject({ sheets: 10 });
  });

  it('submits with the reference, the callback URL and the key; a retry is the same letter', async () => {
    const first = await submit({}, 'same-key');
    expect(first).toEqual({ carrierLetterId: expect.stringMatching(/^ltr_/), status: 'submitted' });
    expect(await submit({}, 'same-key')).toEqual(first);
    const stored = sandbox.control.letter(first.carrierLetterId)!;
    expect(stored).toMatchObject({
      reference: 'same-key',
      callbackUrl: receiver.url,
      idempotencyKey: 'same-key',
      metadata: { accountId: 'acc_1', reference: 'same-key' },
    });
    expect(sandbox.control.letters()).toHaveLength(1);
  });

  it('a letter the service refuses (its postcode rules) is rejected with a reason, not thrown', async () => {
    // 0999 passes the SDK's BE pattern; the service knows no Belgian postcode starting with 0.
    const refused = await submit({ recipient: { ...recipient, postalCode: '0999' } });
    expect(refused).toEqual({ carrierLetterId: expect.stringMatching(/^refused:/), status: 'rejected', reason: 'address_rejected' });
    expect(await carrier.getStatus!({ accountId: 'acc_1', carrierLetterId: refused.carrierLetterId })).toBeNull();
    expect(await carrier.cancel!({ accountId: 'acc_1', carrierLetterId: refused.carrierLetterId })).toEqual({ cancelled: false });
  });

  it('throws on an outage so the caller retries with the same key', async () => {
    sandbox.control.setOutage({ on: true });
    await expect(submit({}, 'outage-key')).rejects.toBeInstanceOf(PrintMailUnavailableError);
    sandbox.control.setOutage({ on: false });
    expect((await submit({}, 'outage-key')).status).toBe('submitted');
  });

  it('getStatus reads the last event (for letters whose callbacks never come)', async () => {
    sandbox.control.addFailure({ kind: 'drop_callbacks' });
    const due = new Date(sandbox.control.now().getTime() + 300_000);
    const { carrierLetterId } = await submit();
    await sandbox.control.advance({ seconds: 300 });
    expect(receiver.received).toHaveLength(0);
    expect(await carrier.getStatus!({ accountId: 'acc_1', carrierLetterId })).toEqual({
      eventId: expect.stringMatching(/^evt_/),
      carrierLetterId,
      status: 'accepted',
      occurredAt: due,
    });
  });

  it('cancels before printing; false once printed', async () => {
    const a = await submit();
    expect(await carrier.cancel!({ accountId: 'acc_1', carrierLetterId: a.carrierLetterId })).toEqual({ cancelled: true });
    const b = await submit();
    await sandbox.control.advance({ seconds: 5 * 3600 });
    expect(await carrier.cancel!({ accountId: 'acc_1', carrierLetterId: b.carrierLetterId })).toEqual({ cancelled: false });
  });

  it('parseWebhook verifies the signed callbacks on the injected clock and maps them to LetterEvents', async () => {
    sandbox.control.addFailure({ kind: 'address_rejected' });
    const due = new Date(sandbox.control.now().getTime() + 300_000);
    const { carrierLetterId } = await submit();
    await sandbox.control.advance({ seconds: 300 });
    const callback = receiver.received[0]!;
    const headers = Object.fromEntries(Object.entries(callback.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
    const rawBody = Buffer.from(callback.rawBody);
    expect(await carrier.parseWebhook!({ headers, rawBody })).toEqual([
      {
        eventId: expect.stringMatching(/^evt_/),
        carrierLetterId,
        status: 'rejected',
        reason: 'address_rejected',
        occurredAt: due,
      },
    ]);
    await expect(carrier.parseWebhook!({ headers, rawBody: Buffer.from(callback.rawBody.replace('rejected', 'accepted')) })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_signature',
    });
    // Replayed an hour later: outside ±5 minutes of the carrier's clock.
    await sandbox.control.advance({ seconds: 3600 });
    await expect(carrier.parseWebhook!({ headers, rawBody })).rejects.toMatchObject({ code: 'invalid_signature' });
  });
});
