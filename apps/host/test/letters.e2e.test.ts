import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postalControl, postalPlugin } from './fixtures/postal-plugin.js';

/**
 * The letter routes in a real host with a small test carrier (fixtures/postal-plugin.ts) and the
 * host's real renderer: roles, input rules, idempotency, prices from the carrier's catalog rows,
 * holds → capture/release, signed callbacks, polls, settings, paging.
 */
const BE = { name: 'Acme NV', street: 'Kerkstraat 12 bus 3', postalCode: '1000', city: 'Brussel', country: 'BE' };
const SENDER = { name: 'Tollgate BV', street: 'Stationsplein 1', postalCode: '3511ed', city: 'Utrecht', country: 'NL' };

for (const engine of testEngines()) {
  describe(`letters e2e [${engine.name}]`, () => {
    let t: TestHost;
    let n = 0;

    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [postalPlugin] });
    });
    afterAll(async () => {
      await t?.close();
    });

    const newAccount = async () => {
      const account = await t.createAccount();
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: account.ownerKey, body: { name: 'reader', role: 'member' } });
      return { ...account, key: account.ownerKey, memberKey: member.body.key as string };
    };
    const send = (key: string, body: object, idem = `letter-${++n}`) =>
      t.request({ method: 'POST', path: '/v1/letters', key, body, headers: { 'idempotency-key': idem } });
    const wallet = async (key: string) => (await t.request({ path: '/v1/wallet', key })).body as { available: string; pending: string };
    const holds = async (key: string) => (await t.request({ path: '/v1/wallet/holds', key })).body.data as Array<{ status: string; amount: string }>;
    const callback = (body: object, signature?: string) => {
      const raw = JSON.stringify(body);
      return t.request({
        method: 'POST',
        path: '/webhooks/postal/test-post',
        body: raw,
        headers: { 'x-test-signature': signature ?? postalControl.sign(raw) },
      });
    };

    it('a member cannot send (403); a bad body is 400 in the standard shape; neither holds anything', async () => {
      const a = await newAccount();
      const member = await send(a.memberKey, { recipient: BE, sender: SENDER, bodyText: 'Hi' });
      expect(member.status).toBe(403);
      expect(member.body.error.code).toBe('insufficient_role');
      const bad = await send(a.key, { recipient: { ...BE, postalCode: '10000' }, sender: SENDER, bodyText: 'Hi' });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'invalid_address', message: expect.stringContaining('postalCode') });
      const unknown = await send(a.key, { recipient: BE, sender: SENDER, bodyText: 'Hi', colour: true });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.code).toBe('validation_failed');
      const noKey = await t.request({ method: 'POST', path: '/v1/letters', key: a.key, body: { recipient: BE, sender: SENDER, bodyText: 'Hi' } });
      expect([noKey.status, noKey.body.error.code]).toEqual([400, 'idempotency_key_required']);
      expect(await holds(a.key)).toEqual([]);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
    });

    it('sends a BE letter: the catalog price held per charge, captured once when the carrier accepts', async () => {
      const a = await newAccount();
      const quote = await t.request({ method: 'POST', path: '/v1/letters/quote', key: a.memberKey, body: { recipient: BE, sender: SENDER, bodyText: 'Hi' } });
      expect(quote.status).toBe(200);
      expect(quote.body).toMatchObject({
        carrier: { id: 'test-post', billing: 'wallet' },
        country: 'BE',
        pages: 1,
        sheets: 1,
        amount: '1.35',
        affordable: true,
      });
      const sent = await send(a.key, { recipient: BE, sender: SENDER, bodyText: 'Hi', subject: 'Invoice 2026/0042' }, 'be-1');
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      expect(sent.body).toMatchObject({
        status: 'held',
        country: 'BE',
        carrier: { id: 'test-post', billing: 'wallet' },
        pages: 1,
        sheets: 1,
        amount: '1.35',
        charges: [
          { channel: 'test-post-postage-standard', units: '1', amount: '1.25' },
          { channel: 'test-post-print-bw', units: '1', amount: '0.10' },
        ],
        sender: { postalCode: '3511 ED' },
      });
      expect(await wallet(a.key)).toMatchObject({ available: '0.65', pending: '1.35' });
      const replay = await send(a.key, { recipient: BE, sender: SENDER, bodyText: 'Hi', subject: 'Invoice 2026/0042' }, 'be-1');
      expect([replay.status, replay.body.id]).toEqual([200, sent.body.id]);
      const reused = await send(a.key, { recipient: BE, sender: SENDER, bodyText: 'Other' }, 'be-1');
      expect([reused.status, reused.body.error.code]).toEqual([409, 'idempotency_key_reused']);
      expect(reused.body.error.details).toEqual({ key: 'be-1', operation: 'letter', letterId: sent.body.id });

      await t.host.letters.jobs.runOnce();
      const after = await t.request({ path: `/v1/letters/${sent.body.id}`, key: a.memberKey });
      expect(after.body).toMatchObject({ status: 'accepted', carrierLetterId: `tp-${sent.body.id}` });
      expect(after.body.holds.map((h: { status: string }) => h.status)).toEqual(['captured', 'captured']);
      expect(postalControl.submitted.get(`tp-${sent.body.id}`)).toMatchObject({ reference: sent.body.id, callbackUrl: `${t.url}/webhooks/postal/test-post` });
      expect(await wallet(a.key)).toMatchObject({ available: '0.65', pending: '0.00' });

      const pdf = await fetch(`${t.url}/v1/letters/${sent.body.id}/pdf`, { headers: { authorization: `Bearer ${a.memberKey}` } });
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      expect(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-');
    });

    it('a rejection releases every hold; signed callbacks move letters forward only, once per event', async () => {
      const a = await newAccount();
      postalControl.next.push('rejected');
      const rejected = await send(a.key, { recipient: BE, sender: SENDER, bodyText: 'Hi' });
      await t.host.letters.jobs.runOnce();
      expect((await t.request({ path: `/v1/letters/${rejected.body.id}`, key: a.key })).body).toMatchObject({
        status: 'rejected',
        reason: 'address_undeliverable',
        holds: [{ status: 'released' }, { status: 'released' }],
      });
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });

      postalControl.next.push('submitted');
      const letter = await send(a.key, { recipient: BE, sender: SENDER, bodyText: 'Hi' });
      await t.host.letters.jobs.runOnce();
      const carrierId = `tp-${letter.body.id}`;
      const at = t.clock.now().toISOString();
      expect((await callback({ events: [{ id: 'e1', letter: carrierId, status: 'accepted', at }] }, '00'.repeat(32))).status).toBe(400);
      expect((await t.request({ method: 'POST', path: '/webhooks/postal/nobody', body: '{}' })).status).toBe(404);
      const posted = await callback({
        events: [
          { id: 'e1', letter: carrierId, status: 'posted', at },
          { id: 'e2', letter: carrierId, status: 'accepted', at },
          { id: 'e1', letter: carrierId, status: 'posted', at },
          { id: 'e3', letter: 'tp-unknown', status: 'posted', at },
        ],
      });
      expect(posted.status).toBe(200);
      expect(posted.body).toEqual({ received: 4, applied: 2, duplicates: 1, unmatched: 1 });
      const view = (await t.request({ path: `/v1/letters/${letter.body.id}`, key: a.key })).body;
      expect(view).toMatchObject({ status: 'posted', holds: [{ status: 'captured' }, { status: 'captured' }] });
      expect(view.events.map((e: { eventId: string; applied: boolean }) => [e.eventId, e.applied])).toEqual([
        ['e1', true],
        ['e2', false],
      ]);
      expect(await wallet(a.key)).toMatchObject({ available: '0.65', pending: '0.00' });
    });

    it('callbacks that never come: the poll asks the carrier', async () => {
      const a = await newAccount();
      postalControl.next.push('submitted');
      const letter = await send(a.key, { recipient: BE, sender: SENDER, bodyText: 'Hi' });
      await t.host.letters.jobs.runOnce();
      postalControl.statuses.set(`tp-${letter.body.id}`, {
        eventId: `poll-${letter.body.id}`,
        carrierLetterId: `tp-${letter.body.id}`,
        status: 'printed',
        occurredAt: t.clock.now(),
      });
      await t.host.letters.jobs.runOnce();
      expect((await t.request({ path: `/v1/letters/${letter.body.id}`, key: a.key })).body.status).toBe('submitted');
      t.clock.advance({ minutes: 15 });
      await t.host.letters.jobs.runOnce();
      expect((await t.request({ path: `/v1/letters/${letter.body.id}`, key: a.key })).body).toMatchObject({ status: 'printed', amount: '1.35' });
    });

    it('settings give the return address; carriers and offered countries; FR refused naming them; paging and filters', async () => {
      const a = await newAccount();
      expect((await t.request({ path: '/v1/letters/settings', key: a.memberKey })).body).toEqual({ sender: null, updatedAt: null });
      const noSender = await send(a.key, { recipient: BE, bodyText: 'Hi' });
      expect([noSender.status, noSender.body.error.code]).toEqual([422, 'sender_required']);
      expect((await t.request({ method: 'PUT', path: '/v1/letters/settings', key: a.memberKey, body: { sender: SENDER } })).status).toBe(403);
      const put = await t.request({ method: 'PUT', path: '/v1/letters/settings', key: a.key, body: { sender: SENDER } });
      expect(put.body.sender).toMatchObject({ postalCode: '3511 ED' });
      const carriers = await t.request({ path: '/v1/letters/carriers', key: a.memberKey });
      expect(carriers.body).toMatchObject({ data: [{ id: 'test-post', countries: ['BE'], billing: 'wallet', pluginId: 'test-post' }], offered: ['BE'] });
      const fr = await send(a.key, { recipient: { ...BE, postalCode: '75001', city: 'Paris', country: 'FR' }, bodyText: 'Hi' });
      expect(fr.status).toBe(422);
      expect(fr.body.error).toMatchObject({
        code: 'postal_country_not_offered',
        message: expect.stringContaining('BE'),
        details: { country: 'FR', offered: ['BE'] },
      });
      expect(await holds(a.key)).toEqual([]);

      const first = await send(a.key, { recipient: BE, bodyText: 'One' });
      expect(first.body.sender).toMatchObject({ name: 'Tollgate BV' });
      // The trial credit (2.00) covers one letter: the second is refused with nothing held, and the key stays free.
      t.clock.advance({ seconds: 1 });
      const poor = await send(a.key, { recipient: BE, bodyText: 'Two' }, `two-${a.accountId}`);
      expect(poor.status).toBe(422);
      expect(poor.body.error).toMatchObject({ code: 'insufficient_funds', message: expect.stringContaining('available') });
      expect(await holds(a.key)).toHaveLength(2);
      expect(await wallet(a.key)).toMatchObject({ available: '0.65', pending: '1.35' });
      const grant = await t.request({
        method: 'POST',
        path: `/admin/accounts/${a.accountId}/wallet/grants`,
        key: t.adminKey,
        body: { kind: 'promo', amount: '5.00', idempotencyKey: `promo-${a.accountId}` },
      });
      expect(grant.status).toBe(201);
      const second = await send(a.key, { recipient: BE, bodyText: 'Two' }, `two-${a.accountId}`);
      expect(second.status).toBe(201);
      const page = await t.request({ path: '/v1/letters?limit=1', key: a.memberKey });
      expect(page.body.data.map((l: { id: string }) => l.id)).toEqual([second.body.id]);
      const next = await t.request({ path: `/v1/letters?limit=1&before=${page.body.nextCursor}`, key: a.memberKey });
      expect(next.body.data.map((l: { id: string }) => l.id)).toEqual([first.body.id]);
      const cancelled = await t.request({ method: 'POST', path: `/v1/letters/${first.body.id}/cancel`, key: a.key });
      expect(cancelled.body).toMatchObject({ status: 'cancelled', holds: [{ status: 'released' }, { status: 'released' }] });
      expect((await t.request({ path: '/v1/letters?status=cancelled', key: a.key })).body.data).toHaveLength(1);
      expect((await t.request({ path: '/v1/letters/ltr_nope', key: a.key })).status).toBe(404);
    });

    it('the OpenAPI document lists the letter routes with their answers', async () => {
      const doc = (await t.request({ path: '/docs/json' })).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
      for (const [path, method, status] of [
        ['/v1/letters', 'post', '201'],
        ['/v1/letters', 'get', '200'],
        ['/v1/letters/quote', 'post', '200'],
        ['/v1/letters/{id}', 'get', '200'],
        ['/v1/letters/{id}/pdf', 'get', '200'],
        ['/v1/letters/{id}/cancel', 'post', '200'],
        ['/v1/letters/settings', 'put', '200'],
        ['/v1/letters/carriers', 'get', '200'],
        ['/webhooks/postal/{carrierId}', 'post', '200'],
      ] as const)
        expect(doc.paths[path]?.[method]?.responses[status], `${method} ${path}`).toBeDefined();
      expect(Object.keys(doc.paths['/v1/letters']!.post!.responses).sort()).toEqual(expect.arrayContaining(['400', '403', '409', '422']));
    });

    it('an invoice without a stored PDF is refused: invoice_pdf_unavailable', async () => {
      const a = await newAccount();
      const res = await send(a.key, { invoiceId: 'inv_nope', recipient: BE, sender: SENDER });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('invoice_pdf_unavailable');
    });
  });
}
