import { ManualClock } from '@tollgate/clock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signCallback } from './callback-signature.js';
import { SANDBOX_KEYS, startPrintMailSandbox, type PrintMailSandbox } from './print-mail-sandbox.server.js';
import { makeTestPdf, startCallbackReceiver } from './test-fixtures.js';

/** Plain fetch against the real server on loopback; the lifecycle runs on a ManualClock plus advance(). */
describe('print-mail sandbox', () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  let sandbox: PrintMailSandbox;
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
  let a4: string;
  let idem = 0;

  const to = { name: 'Bakkerij Peeters BV', address_line1: 'Kerkstraat 12 bus 3', address_zip: '2000', address_city: 'Antwerpen', address_country: 'BE' };
  const from = { name: 'Tollgate Demo BV', address_line1: 'Markt 1', address_zip: '9000', address_city: 'Gent', address_country: 'BE' };
  const letterBody = (over: Record<string, unknown> = {}) => ({
    file: a4,
    to,
    from,
    color: false,
    duplex: false,
    product: 'standard',
    reference: 'let_1',
    callback_url: receiver.url,
    ...over,
  });
  const api = async (input: { method?: string; path: string; body?: unknown; key?: string | null; idempotencyKey?: string }) => {
    const res = await fetch(`${sandbox.url}${input.path}`, {
      method: input.method ?? 'GET',
      headers: {
        ...(input.key === null ? {} : { authorization: `Bearer ${input.key ?? SANDBOX_KEYS.test}` }),
        ...(input.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(input.idempotencyKey ? { 'idempotency-key': input.idempotencyKey } : {}),
      },
      ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };
  const create = (over: Record<string, unknown> = {}, key = `k-${++idem}`) =>
    api({ method: 'POST', path: '/v1/letters', body: letterBody(over), idempotencyKey: key });

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    sandbox = await startPrintMailSandbox({ clock });
    a4 = Buffer.from(await makeTestPdf({ pages: 2 })).toString('base64');
  });
  afterEach(() => {
    sandbox.control.reset();
    receiver.received.length = 0;
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });

  it('refuses a request without a key (401) and a letter without an Idempotency-Key (400)', async () => {
    expect((await api({ path: '/v1/letters/ltr_1', key: null })).status).toBe(401);
    expect((await api({ path: '/v1/letters/ltr_1', key: 'pm_live_nope' })).status).toBe(401);
    const res = await api({ method: 'POST', path: '/v1/letters', body: letterBody() });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('idempotency_key_required');
  });

  it('takes an A4 letter (201 submitted) and replays it for the same key and body; another body → 422', async () => {
    const first = await create({}, 'same');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'submitted', pages: 2, sheets: 2, reference: 'let_1', price: { currency: 'EUR', amount: '1.52' } });
    expect(first.body.id).toMatch(/^ltr_/);
    const again = await create({}, 'same');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await create({ color: true }, 'same');
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect(sandbox.control.letters()).toHaveLength(1);
  });

  it('remembers a key for 24 hours of sandbox time, keeps the PDF as sent, and takes JSON only', async () => {
    const first = await create({}, 'ttl');
    expect(Buffer.from(sandbox.control.pdf(first.body.id)!).toString('base64')).toBe(a4);
    await sandbox.control.advance({ seconds: 24 * 3600 - 1 });
    expect((await create({}, 'ttl')).body.id).toBe(first.body.id);
    await sandbox.control.advance({ seconds: 1 });
    expect((await create({}, 'ttl')).body.id).not.toBe(first.body.id);
    const res = await fetch(`${sandbox.url}/v1/letters`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_KEYS.test}`, 'idempotency-key': 'form', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'file=abc',
    });
    expect(res.status).toBe(415);
  });

  it('two concurrent requests with one key make one letter', async () => {
    const [a, b] = await Promise.all([create({}, 'race'), create({}, 'race')]);
    expect(a.body.id).toBe(b.body.id);
    expect(sandbox.control.letters()).toHaveLength(1);
  });

  it('checks postcodes per country, the destination, the PDF, the sheets and metadata: 422 with a field list', async () => {
    const badNl = await create({ to: { ...to, address_zip: '1234ab', address_country: 'NL' } });
    expect(badNl.status).toBe(422);
    expect(badNl.body.error).toMatchObject({ code: 'address_invalid', fields: [{ field: 'to.address_zip' }] });
    expect(badNl.body.error.message).toContain('1234ab');
    expect((await create({ to: { ...to, address_zip: '1011 SS', address_country: 'NL' } })).body.error.code).toBe('address_invalid');
    expect((await create({ to: { ...to, address_zip: '0999' } })).body.error.code).toBe('address_invalid');
    expect((await create({ from: { ...from, address_zip: '101', address_country: 'DE' } })).body.error.fields).toEqual([
      { field: 'from.address_zip', message: expect.stringContaining('DE') },
    ]);
    const de = await create({ to: { ...to, address_zip: '10115', address_country: 'DE' } });
    expect(de.body.error).toMatchObject({ code: 'country_not_served', fields: [{ field: 'to.address_country' }] });
    expect((await create({ file: Buffer.from('hello world, not a pdf').toString('base64') })).body.error.code).toBe('pdf_invalid');
    expect((await create({ file: Buffer.from('%PDF-1.7 garbage').toString('base64') })).body.error.code).toBe('pdf_invalid');
    const landscape = Buffer.from(
      await makeTestPdf({
        sizes: [
          [595.28, 841.89],
          [841.89, 595.28],
        ],
      }),
    ).toString('base64');
    const notA4 = await create({ file: landscape });
    expect(notA4.body.error).toMatchObject({ code: 'pdf_not_a4', fields: [{ field: 'file' }] });
    expect(notA4.body.error.message).toContain('page 2');
    const usLetter = Buffer.from(await makeTestPdf({ size: [612, 792] })).toString('base64');
    expect((await create({ file: usLetter })).body.error.code).toBe('pdf_not_a4');
    const eleven = Buffer.from(await makeTestPdf({ pages: 11 })).toString('base64');
    expect((await create({ file: eleven })).body.error.code).toBe('pdf_too_many_sheets');
    expect((await create({ file: eleven, duplex: true })).status).toBe(201);
    const metadata = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    const tooMuch = await create({ metadata, product: 'express' });
    expect(tooMuch.body.error.code).toBe('validation_failed');
    expect(tooMuch.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['metadata', 'product']);
    expect((await create({ extra: 1 })).status).toBe(422);
  });

  it('lives on the sandbox clock: accepted → printed → posted → delivered, each a signed callback with a stable event id', async () => {
    const t0 = sandbox.control.now().getTime();
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    const created = await create({ product: 'priority' });
    const id = created.body.id as string;
    expect((await sandbox.control.advance({ seconds: 299 })).transitions).toBe(0);
    const accepted = await sandbox.control.advance({ seconds: 1 });
    expect(accepted).toMatchObject({ transitions: 1, delivered: 1 });
    expect(receiver.received).toHaveLength(1);
    const { headers, rawBody } = receiver.received[0]!;
    const timestamp = headers['printmail-signature-timestamp'] as string;
    expect(Number(timestamp)).toBe(Math.floor(sandbox.control.now().getTime() / 1000));
    expect(headers['printmail-signature']).toBe(signCallback({ secret: sandbox.webhookSecret, timestamp, rawBody }));
    expect(JSON.parse(rawBody)).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: 'letter.accepted',
      letter_id: id,
      reference: 'let_1',
      status: 'accepted',
      occurred_at: at(5),
    });
    await sandbox.control.advance({ seconds: 10 * 24 * 3600 });
    const got = await api({ path: `/v1/letters/${id}` });
    expect(got.body.status).toBe('delivered');
    expect(got.body.events.map((e: { status: string }) => e.status)).toEqual(['submitted', 'accepted', 'printed', 'posted', 'delivered']);
    // Each change at the moment it was due, not when the clock was moved.
    expect(got.body.events.map((e: { occurred_at: string }) => e.occurred_at)).toEqual([at(0), at(5), at(4 * 60 + 5), at(12 * 60 + 5), at(36 * 60 + 5)]);
    expect(receiver.received.map((r) => JSON.parse(r.rawBody).type)).toEqual(['letter.accepted', 'letter.printed', 'letter.posted', 'letter.delivered']);
  });

  it('reads move with the clock even without process(): a GET applies what is due', async () => {
    const created = await create();
    clock.advance({ minutes: 6 });
    expect((await api({ path: `/v1/letters/${created.body.id}` })).body.status).toBe('accepted');
  });

  it('retries a failing receiver with backoff, the same event id and body, a fresh signature each time', async () => {
    await create();
    receiver.failNext(2);
    await sandbox.control.advance({ seconds: 300 });
    expect(sandbox.control.deliveries()[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500 });
    await sandbox.control.advance({ seconds: 29 });
    expect(receiver.received).toHaveLength(1);
    await sandbox.control.advance({ seconds: 1 });
    expect(receiver.received).toHaveLength(2);
    await sandbox.control.advance({ seconds: 120 });
    expect(receiver.received).toHaveLength(3);
    expect(sandbox.control.deliveries()[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    const bodies = receiver.received.map((r) => r.rawBody);
    expect(new Set(bodies).size).toBe(1);
    const stamps = receiver.received.map((r) => r.headers['printmail-signature-timestamp']);
    expect(new Set(stamps).size).toBe(3);
    for (const r of receiver.received)
      expect(r.headers['printmail-signature']).toBe(
        signCallback({ secret: sandbox.webhookSecret, timestamp: r.headers['printmail-signature-timestamp'] as string, rawBody: r.rawBody }),
      );
  });

  it('failure switches: rejected address by postcode, unreadable PDF for the next letter, slow acceptance, returned mail', async () => {
    sandbox.control.addFailure({ kind: 'address_rejected', postalCode: '3000' });
    sandbox.control.addFailure({ kind: 'pdf_unreadable', count: 1 });
    const pdf = await create();
    const address = await create({ to: { ...to, address_zip: '3000', address_city: 'Leuven' } });
    const address2 = await create({ to: { ...to, address_zip: '3000', address_city: 'Leuven' } });
    const fine = await create();
    await sandbox.control.advance({ seconds: 300 });
    const status = async (id: string) => (await api({ path: `/v1/letters/${id}` })).body;
    expect(await status(pdf.body.id)).toMatchObject({ status: 'rejected', reason: 'pdf_unreadable' });
    expect(await status(address.body.id)).toMatchObject({ status: 'rejected', reason: 'address_rejected' });
    expect(await status(address2.body.id)).toMatchObject({ status: 'rejected', reason: 'address_rejected' });
    expect(await status(fine.body.id)).toMatchObject({ status: 'accepted', reason: null });
    const rejected = receiver.received.map((r) => JSON.parse(r.rawBody)).find((e) => e.letter_id === pdf.body.id);
    expect(rejected).toMatchObject({ type: 'letter.rejected', reason: 'pdf_unreadable' });

    sandbox.control.addFailure({ kind: 'slow_acceptance', seconds: 3600 });
    sandbox.control.addFailure({ kind: 'returned' });
    const slow = await create();
    await sandbox.control.advance({ seconds: 3599 });
    expect((await status(slow.body.id)).status).toBe('submitted');
    await sandbox.control.advance({ seconds: 1 });
    expect((await status(slow.body.id)).status).toBe('accepted');
    await sandbox.control.advance({ seconds: 30 * 86400 });
    expect(await status(slow.body.id)).toMatchObject({ status: 'returned', reason: 'returned_to_sender' });
  });

  it('drop callbacks: never sent, the client must poll; duplicate callbacks: each event twice with one id', async () => {
    sandbox.control.addFailure({ kind: 'drop_callbacks' });
    const dropped = await create();
    await sandbox.control.advance({ seconds: 300 });
    expect(receiver.received).toHaveLength(0);
    expect((await api({ path: `/v1/letters/${dropped.body.id}` })).body.status).toBe('accepted');
    sandbox.control.addFailure({ kind: 'duplicate_callbacks', count: 1 });
    await create();
    await sandbox.control.advance({ seconds: 300 });
    const ids = receiver.received.map((r) => JSON.parse(r.rawBody).id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('outage: 503 with Retry-After until switched off; failNextRequests for the next N', async () => {
    sandbox.control.setOutage({ on: true, retryAfterSeconds: 7 });
    const down = await create();
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('7');
    expect(down.body.error.code).toBe('service_unavailable');
    sandbox.control.setOutage({ on: false });
    sandbox.control.failNextRequests({ count: 1 });
    expect((await create({}, 'after-outage')).status).toBe(503);
    expect((await create({}, 'after-outage')).status).toBe(201);
    expect(sandbox.control.letters()).toHaveLength(1);
  });

  it('cancels before printing only; another key sees no letter', async () => {
    const a = await create();
    const cancelled = await api({ method: 'POST', path: `/v1/letters/${a.body.id}/cancel` });
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
    expect((await api({ method: 'POST', path: `/v1/letters/${a.body.id}/cancel` })).status).toBe(200);
    const b = await create();
    await sandbox.control.advance({ seconds: 5 * 3600 });
    const late = await api({ method: 'POST', path: `/v1/letters/${b.body.id}/cancel` });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'letter_not_cancellable', status: 'printed' });
    expect((await api({ path: `/v1/letters/${b.body.id}`, key: SANDBOX_KEYS.other })).status).toBe(404);
  });

  it('quotes a draft in the vendor’s own prices', async () => {
    const res = await api({ method: 'POST', path: '/v1/quotes', body: { country: 'NL', pages: 3, color: true, duplex: true, product: 'registered' } });
    expect(res.status).toBe(200);
    // 8.65 postage + 2 × 0.19 colour sheets + 0.28 handling
    expect(res.body).toMatchObject({ sheets: 2, amount: '9.31', currency: 'EUR' });
    expect(
      (await api({ method: 'POST', path: '/v1/quotes', body: { country: 'FR', pages: 1, color: false, duplex: false, product: 'standard' } })).status,
    ).toBe(422);
  });

  it('control over HTTP, and exportState/importState: a restarted sandbox goes on where it was', async () => {
    const created = await create({}, 'persist');
    const res = await fetch(`${sandbox.url}/_sandbox/advance`, { method: 'POST', body: JSON.stringify({ seconds: 300 }) });
    expect(await res.json()).toMatchObject({ transitions: 1 });
    const state = JSON.parse(JSON.stringify(sandbox.control.exportState()));
    const second = await startPrintMailSandbox({ clock, state });
    try {
      const got = await fetch(`${second.url}/v1/letters/${created.body.id}`, { headers: { authorization: `Bearer ${SANDBOX_KEYS.test}` } });
      expect(((await got.json()) as { status: string }).status).toBe('accepted');
      const replay = await fetch(`${second.url}/v1/letters`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SANDBOX_KEYS.test}`, 'idempotency-key': 'persist', 'content-type': 'application/json' },
        body: JSON.stringify(letterBody()),
      });
      expect(((await replay.json()) as { id: string }).id).toBe(created.body.id);
      expect(second.control.now().toISOString()).toBe(sandbox.control.now().toISOString());
    } finally {
      await second.close();
    }
  });

  it('a clock that cannot be moved gets an offset, kept in the state', async () => {
    const fixed = new Date('2026-05-01T12:00:00.000Z');
    const own = await startPrintMailSandbox({ clock: { now: () => fixed } });
    try {
      await own.control.advance({ seconds: 90 });
      expect(own.control.now().toISOString()).toBe('2026-05-01T12:01:30.000Z');
      expect(own.control.exportState().offsetSeconds).toBe(90);
    } finally {
      await own.close();
    }
  });
});
