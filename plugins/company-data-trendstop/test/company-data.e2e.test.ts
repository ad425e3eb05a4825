import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompanyDataPlugin } from '../src/index.js';
import { FakeTrendsTop, NUMBERS, seedFake } from './fake-trendstop.js';

/**
 * The plugin in a real host against an in-memory Trends Top (the host e2e in apps/host/test runs
 * the same routes against the sandbox over HTTP): buyers overlapping on one host, empty exports,
 * the free-refresh period and a retry after a failure.
 */
const BASE = '/v1/plugins/company-data-trendstop';

for (const engine of testEngines()) {
  describe(`company-data-trendstop plugin [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    const fake = new FakeTrendsTop(() => clock.now());
    seedFake(fake);
    let t: TestHost;

    const wallet = async (key: string) => (await t.request({ path: '/v1/wallet', key })).body as { available: string; pending: string };
    /** The money the channel took: spend lines that cost something (a released hold is a final line of 0.00). */
    const charges = async (key: string) =>
      (
        (await t.request({ path: '/v1/wallet/history?channel=company-data', key })).body.data as Array<{
          type: string;
          status: string;
          amount: string;
          description: string;
        }>
      ).filter((line) => line.type === 'spend' && line.amount !== '0.00');
    const buy = (key: string, companyId: string, idem: string, body?: unknown) =>
      t.request({ method: 'POST', path: `${BASE}/companies/${companyId}/data/purchase`, key, headers: { 'idempotency-key': idem }, ...(body ? { body } : {}) });
    /** An account whose owner has the feature switched on, and one Belgian company. */
    const enabledAccountWith = async (enterpriseNumber: string) => {
      const account = await t.createAccount();
      const on = await t.request({ method: 'PUT', path: `${BASE}/users/${account.ownerId}`, key: account.ownerKey, body: { enabled: true } });
      expect(on.status).toBe(200);
      const company = await t.request({
        method: 'POST',
        path: `${BASE}/companies`,
        key: account.ownerKey,
        body: { name: 'Some company', country: 'BE', enterpriseNumber },
      });
      expect(company.status).toBe(201);
      return { key: account.ownerKey, companyId: company.body.id as string };
    };

    beforeAll(async () => {
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          {
            plugin: createCompanyDataPlugin({ client: fake.factory }),
            options: { partnerApiKey: 'partner', unitPrice: '0.50', planPrices: { classic: '0.40' }, freeRefreshDays: 30 },
          },
        ],
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('adds the company-data channel (unit company, immediate) and its price', async () => {
      const res = await t.request({ path: '/plugins' });
      const entry = res.body.data.find((p: { id: string }) => p.id === 'company-data-trendstop');
      expect(entry.spendChannels).toEqual([{ id: 'company-data', label: 'Company data (Trends Top)', unit: 'company', settlement: 'immediate' }]);
    });

    it("the offer's price is the account's plan's catalog row (classic: its own row, and buying needs its own subscription)", async () => {
      const a = await enabledAccountWith(NUMBERS.full);
      expect((await t.request({ path: `${BASE}/companies/${a.companyId}`, key: a.key })).body.data.offer).toMatchObject({
        price: '0.50',
        paidBy: 'wallet',
        refusal: null,
      });
      const classic = await t.createAccount();
      const moved = await t.request({ method: 'PUT', path: `/admin/accounts/${classic.accountId}/plan`, key: t.adminKey, body: { plan: 'classic' } });
      expect(moved.status).toBe(200);
      const company = await t.request({
        method: 'POST',
        path: `${BASE}/companies`,
        key: classic.ownerKey,
        body: { name: 'C', country: 'BE', enterpriseNumber: NUMBERS.full },
      });
      expect(company.body.data.offer).toMatchObject({ price: '0.40', paidBy: 'wallet', refusal: 'export_rights_required' });
    });

    it('four buyers at once on one host: one export billed, one charge, the same purchase for all', async () => {
      const a = await enabledAccountWith(NUMBERS.full);
      const before = fake.billed('partner');
      const answers = await Promise.all([1, 2, 3, 4].map((i) => buy(a.key, a.companyId, `overlap-${i}`)));
      for (const answer of answers) expect([200, 201]).toContain(answer.status);
      expect(new Set(answers.map((r) => r.body.purchase.id)).size).toBe(1);
      expect(new Set(answers.map((r) => r.body.purchase.transactionId)).size).toBe(1);
      expect((await charges(a.key)).map((c) => c.amount)).toEqual(['-0.50']);
      expect(fake.billed('partner') - before).toBe(1);
      expect(await wallet(a.key)).toMatchObject({ available: '1.50', pending: '0.00' });
    });

    it('an empty export releases the hold: 422 company_data_no_data, nothing charged', async () => {
      const a = await enabledAccountWith(NUMBERS.empty);
      const res = await buy(a.key, a.companyId, 'empty-1');
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('company_data_no_data');
      expect(await charges(a.key)).toEqual([]);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
    });

    it('free within freeRefreshDays (refresh: fresh data, still free), charged again after it', async () => {
      const a = await enabledAccountWith(NUMBERS.other);
      expect((await buy(a.key, a.companyId, 'period-1')).status).toBe(201);
      clock.advance({ days: 29 });
      const again = await buy(a.key, a.companyId, 'period-2');
      expect(again.status).toBe(200);
      expect(again.body.charged).toBe(false);
      const billed = fake.billed('partner');
      const refreshed = await buy(a.key, a.companyId, 'period-3', { refresh: true });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.charged).toBe(false);
      expect(refreshed.body.company.data.fields.naceCode.retrievedAt).toBe(clock.now().toISOString());
      expect(fake.billed('partner')).toBe(billed + 1); // the platform's export, not the account's
      expect((await charges(a.key)).map((c) => c.amount)).toEqual(['-0.50']);
      clock.advance({ days: 2 });
      const later = await buy(a.key, a.companyId, 'period-4');
      expect(later.status).toBe(201);
      expect(later.body.purchase.id).not.toBe(again.body.purchase.id);
      expect((await charges(a.key)).map((c) => c.amount)).toEqual(['-0.50', '-0.50']);
    });

    it('after an outage and a rate limit (released, 503), the next try charges once', async () => {
      const a = await enabledAccountWith(NUMBERS.full);
      fake.outage = true;
      const down = await buy(a.key, a.companyId, 'retry-1');
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('company_data_unavailable');
      fake.outage = false;
      fake.rateLimitedFor = 42;
      const limited = await buy(a.key, a.companyId, 'retry-2');
      expect(limited.status).toBe(503);
      expect(limited.headers.get('retry-after')).toBe('42');
      expect(limited.body.error.code).toBe('company_data_rate_limited');
      fake.rateLimitedFor = null;
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      const ok = await buy(a.key, a.companyId, 'retry-3');
      expect(ok.status).toBe(201);
      expect((await charges(a.key)).map((c) => c.amount)).toEqual(['-0.50']);
      const { rows } = await t
        .pluginDatabase('company-data-trendstop')
        .query<{ attempt: number; status: string }>('select attempt, status from data_purchases where id = $1', [ok.body.purchase.id]);
      expect(rows).toEqual([{ attempt: 3, status: 'completed' }]);
    });
  });
}
