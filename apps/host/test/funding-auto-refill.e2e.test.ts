import { Money } from '@tollgate/money';
import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin } from './fixtures/bundled-plugins.js';

const SECRET = 'whsec_auto_refill_e2e';

/**
 * Auto-refill to a target balance and on a monthly schedule (C-3) through HTTP, with the card sandbox and a
 * manual clock: the settings, the one purchase of the shortfall, a charge paid by a target refill, and the
 * scheduled refill bought once on the 1st in the account's time zone whatever the number of sweeps.
 */
for (const engine of testEngines()) {
  describe(`auto-refill target and schedule e2e [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let t: TestHost;
    let cards: CardSandbox;
    let n = 0;

    const newAccount = async () => {
      const account = await t.createAccount({ timeZone: 'Europe/Brussels' });
      const member = await t.request<{ key: string }>({
        method: 'POST',
        path: '/v1/api-keys',
        key: account.ownerKey,
        body: { name: 'reader', role: 'member' },
      });
      return { id: account.accountId, key: account.ownerKey, memberKey: member.body.key };
    };
    const addCard = async (key: string) => {
      const res = await t.request<{ id: string }>({
        method: 'POST',
        path: '/v1/funding/payment-methods',
        key,
        headers: { 'idempotency-key': `card-${++n}` },
        body: { provider: 'payments-card', kind: 'card', details: { paymentMethod: 'pm_card_visa' } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id;
    };
    const setAutoRefill = (key: string, body: Record<string, unknown>) => t.request({ method: 'PUT', path: '/v1/funding/auto-refill', key, body });
    const refills = async (key: string) => {
      const res = await t.request<{ data: Array<{ origin: string; amount: string; status: string }> }>({ path: '/v1/funding/purchases', key });
      return res.body.data
        .filter((p) => p.origin === 'auto_refill')
        .map((p) => `${p.amount} ${p.status}`)
        .reverse();
    };
    const available = async (key: string) => (await t.request<{ available: string }>({ path: '/v1/wallet', key })).body.available;
    const sweep = async () => expect((await t.request({ method: 'POST', path: '/admin/funding/sweep', key: t.adminKey })).status).toBe(200);

    beforeAll(async () => {
      cards = await startCardSandbox({ now: () => clock.now() });
      const cardPlugin = await loadPlugin('@tollgate/plugin-payments-card');
      t = await createTestHost({
        engine,
        clock,
        plugins: [{ plugin: cardPlugin, options: { baseUrl: cards.url, webhookSecret: SECRET, maxNetworkRetries: 0 } }],
      });
      cards.control.setWebhook({ url: `${t.url}/v1/payments/webhooks/payments-card`, secret: SECRET });
      const price = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: 'sms-refill', unit: 'message', unitPrice: '0.10', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      expect(price.status, JSON.stringify(price.body)).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
      await cards?.close();
    });

    it('target mode: one purchase of the shortfall to the target; a charge the balance cannot pay is paid by one refill', async () => {
      const a = await newAccount();
      const pm = await addCard(a.key);
      const start = await available(a.key);
      const refused = await setAutoRefill(a.key, { enabled: true, minimum: '5.00', mode: 'target', target: '5.00', paymentMethodId: pm });
      expect(refused).toMatchObject({ status: 400, body: { error: { code: 'invalid_auto_refill' } } });
      expect((await setAutoRefill(a.key, { enabled: true, minimum: '5.00', pack: '10', schedule: { dayOfMonth: 31 }, paymentMethodId: pm })).status).toBe(400);
      expect((await setAutoRefill(a.memberKey, { enabled: true, minimum: '5.00', mode: 'target', target: '50.00', paymentMethodId: pm })).status).toBe(403);
      expect(await refills(a.key)).toEqual([]);
      // The account starts with its trial credit, below the minimum: setting it on refills at once, up to the target.
      const set = await setAutoRefill(a.key, { enabled: true, minimum: '5.00', mode: 'target', target: '50.00', paymentMethodId: pm });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      expect(set.body).toMatchObject({ enabled: true, mode: 'target', target: '50.00', pack: null, schedule: null, nextScheduledAt: null });
      const shortfall = Money.of('50.00').minus(Money.of(start)).toString();
      expect(await refills(a.key)).toEqual([`${shortfall} succeeded`]);
      expect(await available(a.key)).toBe('50.00');
      // 80.00 of messages: more than the balance; the refill makes it paid and leaves the balance at the target.
      // A minute later, so the two refills have distinct createdAt: the listing orders by createdAt (ties by a random id).
      clock.advance({ minutes: 1 });
      const charge = await t.request({
        method: 'POST',
        path: '/v1/wallet/charges',
        key: a.key,
        body: { channel: 'sms-refill', units: '800', idempotencyKey: 'big' },
      });
      expect(charge.status, JSON.stringify(charge.body)).toBe(201);
      expect(await refills(a.key)).toEqual([`${shortfall} succeeded`, '80.00 succeeded']);
      expect(await available(a.key)).toBe('50.00');
      const member = await t.request({ path: '/v1/funding/auto-refill', key: a.memberKey });
      expect(member.body).toMatchObject({ mode: 'target', target: '50.00', window: { refills: 2, declined: 0 } });
    });

    it('a schedule on the 1st buys once per month in the account’s time zone, whatever the number of sweeps', async () => {
      const a = await newAccount();
      const pm = await addCard(a.key);
      const set = await setAutoRefill(a.key, { enabled: true, minimum: '1.00', pack: '10', schedule: { dayOfMonth: 1 }, paymentMethodId: pm });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      // 00:00 on 1 April in Brussels (summer time) is 22:00 UTC on 31 March.
      expect(set.body).toMatchObject({ mode: 'pack', pack: '10.00', schedule: { dayOfMonth: 1 }, nextScheduledAt: '2026-03-31T22:00:00.000Z' });
      const before = await available(a.key);
      clock.set(new Date('2026-03-31T21:30:00.000Z'));
      await sweep();
      expect(await refills(a.key)).toEqual([]);
      clock.set(new Date('2026-03-31T23:30:00.000Z')); // already 1 April in Brussels
      await Promise.all([sweep(), sweep(), sweep()]);
      await sweep();
      expect(await refills(a.key)).toEqual(['10.00 succeeded']);
      expect(await available(a.key)).toBe(Money.of(before).plus(Money.of('10.00')).toString());
      const view = await t.request({ path: '/v1/funding/auto-refill', key: a.memberKey });
      expect(view.body).toMatchObject({ nextScheduledAt: '2026-04-30T22:00:00.000Z', window: { refills: 1 } });
      clock.set(new Date('2026-04-20T10:00:00.000Z'));
      await sweep();
      expect(await refills(a.key)).toEqual(['10.00 succeeded']);
      // Turned off: the schedule buys nothing.
      expect(
        (await setAutoRefill(a.key, { enabled: false, minimum: '1.00', pack: '10', schedule: { dayOfMonth: 1 }, paymentMethodId: pm })).body,
      ).toMatchObject({
        enabled: false,
        nextScheduledAt: null,
      });
      clock.set(new Date('2026-05-01T08:00:00.000Z'));
      await sweep();
      expect(await refills(a.key)).toEqual(['10.00 succeeded']);
    });
  });
}
