import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin } from './fixtures/bundled-plugins.js';

const SECRET = 'whsec_scoped_packs_e2e';

/**
 * Scoped packs (issue 22) over HTTP with the card sandbox: a pack bought for ["postal"] becomes a lot
 * scoped to postal channels that a letter spends and an SMS cannot; its invoice line names the scope; an
 * unknown scope is refused before any purchase is stored or any payment is asked of the provider.
 */
for (const engine of testEngines()) {
  describe(`funding scoped packs e2e [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let t: TestHost;
    let cards: CardSandbox;
    let n = 0;
    const sms = `sms-sp-${engine.name}`;
    const letter = `letter-sp-${engine.name}`;

    const newAccount = async () => {
      const account = await t.createAccount();
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
    const buy = (key: string, idem: string, body: Record<string, unknown>) =>
      t.request({ method: 'POST', path: '/v1/funding/purchases', key, headers: { 'idempotency-key': idem }, body });
    const charge = (key: string, body: Record<string, unknown>) =>
      t.request({ method: 'POST', path: '/v1/wallet/charges', key, body: { idempotencyKey: `c-${++n}`, ...body } });
    const purchases = async (accountId: string) =>
      (await t.db.query<{ n: number }>('select count(*)::int as n from funding_purchases where account_id = $1', [accountId])).rows[0]!.n;

    beforeAll(async () => {
      cards = await startCardSandbox({ now: () => clock.now() });
      const cardPlugin = await loadPlugin('@tollgate/plugin-payments-card');
      t = await createTestHost({
        engine,
        clock,
        plugins: [{ plugin: cardPlugin, options: { baseUrl: cards.url, webhookSecret: SECRET, maxNetworkRetries: 0 } }],
      });
      cards.control.setWebhook({ url: `${t.url}/v1/payments/webhooks/payments-card`, secret: SECRET });
      for (const [channel, unit, unitPrice] of [
        [sms, 'message', '1.00'],
        [letter, 'letter', '1.20'],
      ] as const) {
        const price = await t.request({
          method: 'POST',
          path: '/admin/catalog/prices',
          key: t.adminKey,
          body: { channel, unit, unitPrice, effectiveFrom: '2026-01-01T00:00:00.000Z' },
        });
        expect(price.status, JSON.stringify(price.body)).toBe(201);
      }
      const tagged = await t.request({ method: 'PUT', path: `/admin/catalog/channels/${letter}/tags`, key: t.adminKey, body: { tags: ['postal'] } });
      expect(tagged.status, JSON.stringify(tagged.body)).toBe(200);
    });
    afterAll(async () => {
      await t?.close();
      await cards?.close();
    });

    it('a postal pack bought by card is a postal lot: a letter spends it, an SMS cannot; views and invoice show the scope', async () => {
      const a = await newAccount();
      const pm = await addCard(a.key);
      // Spend the general trial credit on SMS first, so only the pack is left.
      const start = (await t.request<{ available: string }>({ path: '/v1/wallet', key: a.key })).body.available;
      expect((await charge(a.key, { channel: sms, units: start })).status).toBe(201);

      expect((await buy(a.memberKey, 'pack-1', { amount: '25', paymentMethodId: pm, scope: ['postal'] })).status).toBe(403);
      const bought = await buy(a.key, 'pack-1', { amount: '25', paymentMethodId: pm, scope: ['postal', 'postal'] });
      expect(bought.status, JSON.stringify(bought.body)).toBe(201);
      expect(bought.body).toMatchObject({ status: 'succeeded', amount: '25.00', origin: 'manual', scope: ['postal'] });
      // Same key, same pack: the same purchase; the same key for a general pack is another purchase: refused.
      expect((await buy(a.key, 'pack-1', { amount: '25', paymentMethodId: pm, scope: ['postal'] })).body.id).toBe(bought.body.id);
      const general = await buy(a.key, 'pack-1', { amount: '25', paymentMethodId: pm });
      expect(general.status).toBe(409);
      expect(cards.control.paymentIntents()).toHaveLength(1);

      const one = await t.request({ path: `/v1/funding/purchases/${bought.body.id}`, key: a.memberKey });
      expect(one.body).toMatchObject({ id: bought.body.id, scope: ['postal'], lotId: bought.body.lotId });
      const list = await t.request({ path: '/v1/funding/purchases', key: a.memberKey });
      expect(list.body.data.map((p: { id: string; scope: string[] | null }) => [p.id, p.scope])).toEqual([[bought.body.id, ['postal']]]);
      const lots = await t.request({ path: '/v1/wallet/lots', key: a.memberKey });
      expect(lots.body.data).toEqual([expect.objectContaining({ id: bought.body.lotId, kind: 'purchased', remaining: '25.00', scope: ['postal'] })]);

      const refused = await charge(a.key, { channel: sms, units: '1' });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'insufficient_funds', details: { scopedToOtherChannels: '25.00' } });
      const sent = await charge(a.key, { channel: letter, units: '2' });
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      expect(sent.body.lots).toEqual([{ lotId: bought.body.lotId, kind: 'purchased', amount: '2.40' }]);

      const docs = await t.request({ path: '/v1/billing/documents', key: a.memberKey });
      expect(docs.body.data).toHaveLength(1);
      expect(docs.body.data[0]).toMatchObject({ type: 'invoice', purchaseId: bought.body.id, gross: '25.00' });
      expect(docs.body.data[0].lines.map((l: { description: string }) => l.description)).toEqual([
        expect.stringMatching(/^Prepaid wallet credit \(Cash pack €25\.00\) — for: postal$/),
      ]);
    });

    it('an unknown channel or tag is 400 invalid_scope: no purchase stored, no payment at the provider', async () => {
      const a = await newAccount();
      const pm = await addCard(a.key);
      const intents = cards.control.paymentIntents().length;
      const requests = cards.control.requests().length;
      const unknown = await buy(a.key, 'bad-1', { amount: '25', paymentMethodId: pm, scope: ['postal', 'no-such-channel'] });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ code: 'invalid_scope' });
      expect(unknown.body.error.message).toMatch(/no-such-channel/);
      expect((await buy(a.key, 'bad-2', { amount: '25', paymentMethodId: pm, scope: [] })).status).toBe(400);
      expect((await buy(a.key, 'bad-3', { amount: '25', paymentMethodId: pm, scope: ['Not A Tag'] })).status).toBe(400);
      expect(await purchases(a.id)).toBe(0);
      expect(cards.control.paymentIntents()).toHaveLength(intents);
      expect(cards.control.requests()).toHaveLength(requests);
      // The refused key is free: the same key with a good scope buys.
      const ok = await buy(a.key, 'bad-1', { amount: '25', paymentMethodId: pm, scope: [letter] });
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      expect(ok.body).toMatchObject({ status: 'succeeded', scope: [letter] });
    });
  });
}
