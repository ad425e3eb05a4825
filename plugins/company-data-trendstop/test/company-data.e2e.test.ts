import { randomBytes } from 'node:crypto';
import {
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  SANDBOX_KEYS,
  startTrendsTopSandbox,
  TEST_ENTERPRISE_NUMBERS,
  type TrendsTopSandbox,
} from '@tollgate/sandbox-trendstop';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendorExportKey } from '../src/company-data.channel.js';
import { companyDataPlugin } from '../src/index.js';

/**
 * The plugin in a real host against the Trends Top sandbox on loopback, through the real client
 * (`@tollgate/trendstop`): buyers overlapping on one host, empty exports, the free-refresh period,
 * a retry after an outage and a rate limit, and exports Trends Top billed whose answer was lost
 * (the retry gets the same export: one vendor bill, one charge). `retries: 0`: the client never
 * sleeps, each failure reaches the test at once; the sandbox runs on the test's clock.
 */
const BASE = '/v1/plugins/company-data-trendstop';
const [FULL, SECOND, THIRD] = TEST_ENTERPRISE_NUMBERS.wellKnown as [string, string, string];
const EMPTY = TEST_ENTERPRISE_NUMBERS.noData[0] as string;

for (const engine of testEngines()) {
  describe(`company-data-trendstop plugin against the Trends Top sandbox [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: TrendsTopSandbox;
    let t: TestHost;
    /** Exports Trends Top billed to the platform's partner key. */
    const partnerExports = () => sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total;

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
    const purchaseRows = async (accountId: string) =>
      (
        await t
          .pluginDatabase('company-data-trendstop')
          .query<{ id: string; generation: number; attempt: number; status: string; export_id: string | null }>(
            'select id, generation, attempt, status, export_id from data_purchases where account_id = $1 order by generation',
            [accountId],
          )
      ).rows.map((row) => ({ ...row, generation: Number(row.generation), attempt: Number(row.attempt) }));
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
      expect(company.body.data.status).toBe('available');
      return { key: account.ownerKey, accountId: account.accountId, companyId: company.body.id as string };
    };

    beforeAll(async () => {
      sandbox = await startTrendsTopSandbox({ clock });
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          {
            plugin: companyDataPlugin,
            options: {
              baseUrl: sandbox.url,
              partnerApiKey: SANDBOX_KEYS.partner,
              sealingKey: randomBytes(32).toString('base64'),
              retries: 0,
              unitPrice: '0.50',
              planPrices: { classic: '0.40' },
              freeRefreshDays: 30,
            },
          },
        ],
      });
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('adds the company-data channel (unit company, immediate) and its price', async () => {
      const res = await t.request({ path: '/plugins' });
      const entry = res.body.data.find((p: { id: string }) => p.id === 'company-data-trendstop');
      expect(entry.spendChannels).toEqual([{ id: 'company-data', label: 'Company data (Trends Top)', unit: 'company', settlement: 'immediate' }]);
    });

    it("the offer's price is the account's plan's catalog row (classic: its own row, and buying needs its own subscription)", async () => {
      const a = await enabledAccountWith(FULL);
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
        body: { name: 'C', country: 'BE', enterpriseNumber: FULL },
      });
      expect(company.body.data.offer).toMatchObject({ price: '0.40', paidBy: 'wallet', refusal: 'export_rights_required' });
    });

    it('four buyers at once on one host: one export billed, one charge, the same purchase for all', async () => {
      const a = await enabledAccountWith(FULL);
      const before = partnerExports();
      const answers = await Promise.all([1, 2, 3, 4].map((i) => buy(a.key, a.companyId, `overlap-${i}`)));
      for (const answer of answers) expect([200, 201]).toContain(answer.status);
      expect(new Set(answers.map((r) => r.body.purchase.id)).size).toBe(1);
      expect(new Set(answers.map((r) => r.body.purchase.transactionId)).size).toBe(1);
      expect((await charges(a.key)).map((c) => c.amount)).toEqual(['-0.50']);
      expect(partnerExports() - before).toBe(1);
      expect(await wallet(a.key)).toMatchObject({ available: '1.50', pending: '0.00' });
    });

    it('an empty export (Trends Top: 422 no_data, not billed) releases the hold: 422 company_data_no_data, nothing charged', async () => {
      const a = await enabledAccountWith(EMPTY);
      const before = partnerExports();
      const res = await buy(a.key, a.companyId, 'empty-1');
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('company_data_no_data');
      expect(await charges(a.key)).toEqual([]);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect(partnerExports()).toBe(before);
    });

    it('free within freeRefreshDays (refresh: fresh data, still free), charged again after it', async () => {
      const a = await enabledAccountWith(SECOND);
      expect((await buy(a.key, a.companyId, 'period-1')).status).toBe(201);
      clock.advance({ days: 29 });
      const again = await buy(a.key, a.companyId, 'period-2');
      expect(again.status).toBe(200);
      expect(again.body.charged).toBe(false);
      const billed = partnerExports();
      const refreshed = await buy(a.key, a.companyId, 'period-3', { refresh: true });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.charged).toBe(false);
      expect(refreshed.body.company.data.fields.naceCode.retrievedAt).toBe(clock.now().toISOString());
      expect(partnerExports()).toBe(billed + 1); // the platform's export, not the account's
      expect((await charges(a.key)).map((c) => c.amount)).toEqual(['-0.50']);
      clock.advance({ days: 2 });
      const later = await buy(a.key, a.companyId, 'period-4');
      expect(later.status).toBe(201);
      expect(later.body.purchase.id).not.toBe(again.body.purchase.id);
      expect((await charges(a.key)).map((c) => c.amount)).toEqual(['-0.50', '-0.50']);
      expect(partnerExports()).toBe(billed + 2);
    });

    it('after an outage and a rate limit (released, 503), the next try charges once', async () => {
      const a = await enabledAccountWith(FULL);
      const before = partnerExports();
      sandbox.control.setOutage(true);
      const down = await buy(a.key, a.companyId, 'retry-1');
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('company_data_unavailable');
      sandbox.control.setOutage(false);
      // The sandbox's Retry-After is the time to its next clock minute: 18 s into one, 42 s.
      clock.advance({ ms: 60_000 - (clock.now().getTime() % 60_000) + 18_000 });
      sandbox.control.setRateLimit(0);
      const limited = await buy(a.key, a.companyId, 'retry-2');
      expect(limited.status).toBe(503);
      expect(limited.headers.get('retry-after')).toBe('42');
      expect(limited.body.error.code).toBe('company_data_rate_limited');
      sandbox.control.setRateLimit(DEFAULT_RATE_LIMIT_PER_MINUTE);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect(partnerExports()).toBe(before);
      const ok = await buy(a.key, a.companyId, 'retry-3');
      expect(ok.status).toBe(201);
      expect((await charges(a.key)).map((c) => c.amount)).toEqual(['-0.50']);
      expect(partnerExports()).toBe(before + 1);
      expect((await purchaseRows(a.accountId)).map(({ attempt, status }) => ({ attempt, status }))).toEqual([{ attempt: 3, status: 'completed' }]);
    });

    it('an export Trends Top billed but whose answer was lost: released and refused (502), the retry gets that export — one vendor bill, one charge', async () => {
      const a = await enabledAccountWith(THIRD);
      sandbox.control.reset(); // so the partner key's count below is this purchase's alone
      // The export is done and billed, then the answer is cut off (not JSON).
      sandbox.control.malformNextAnswers({ count: 1, kind: 'not_json' });
      const lost = await buy(a.key, a.companyId, 'lost-1');
      expect(lost.status).toBe(502);
      expect(lost.body.error.code).toBe('company_data_bad_response');
      expect(partnerExports()).toBe(1);
      expect(await charges(a.key)).toEqual([]);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      // The next attempt (a new wallet key) replays the same export; this answer is broken too (wrong shape).
      sandbox.control.malformNextAnswers({ count: 1, kind: 'wrong_shape' });
      const again = await buy(a.key, a.companyId, 'lost-2');
      expect(again.status).toBe(502);
      expect(again.body.error.code).toBe('company_data_bad_response');
      expect(partnerExports()).toBe(1);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });

      const ok = await buy(a.key, a.companyId, 'lost-3');
      expect(ok.status).toBe(201);
      expect((await charges(a.key)).map((c) => c.amount)).toEqual(['-0.50']);
      expect(await wallet(a.key)).toMatchObject({ available: '1.50', pending: '0.00' });
      expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner })).toMatchObject({ total: 1, thisMonth: 1 });
      const [billed] = sandbox.control.exports();
      const [row] = await purchaseRows(a.accountId);
      expect(row).toMatchObject({ id: ok.body.purchase.id, generation: 1, attempt: 3, status: 'completed', export_id: billed!.exportId });
      expect(billed).toMatchObject({
        apiKey: SANDBOX_KEYS.partner,
        enterpriseNumber: THIRD,
        idempotencyKey: vendorExportKey({ purchaseId: row!.id, generation: 1 }),
      });
      expect(ok.body.purchase.exportId).toBe(billed!.exportId);
      // Every attempt asked Trends Top under that one key.
      expect(sandbox.control.requests().filter((r) => r.path.endsWith('/export'))).toHaveLength(3);
    });

    it("through the account's own subscription: a lost answer is retried under the same key, one export billed to the account's key, nothing charged", async () => {
      const a = await enabledAccountWith(FULL);
      const apiKey = sandbox.control.createCustomerKey({ formula: 'marketing' }).apiKey;
      const linked = await t.request({ method: 'PUT', path: `${BASE}/subscription`, key: a.key, body: { apiKey } });
      expect(linked.status).toBe(200);
      const partnerBefore = partnerExports();
      sandbox.control.malformNextAnswers({ count: 1, kind: 'not_json' });
      const lost = await buy(a.key, a.companyId, 'own-1');
      expect(lost.status).toBe(502);
      expect(lost.body.error.code).toBe('company_data_bad_response');
      expect(sandbox.control.exportCount({ apiKey }).total).toBe(1);
      const ok = await buy(a.key, a.companyId, 'own-2');
      expect(ok.status).toBe(201);
      expect(ok.body.purchase).toMatchObject({ paidBy: 'subscription', amount: '0.00' });
      expect(sandbox.control.exportCount({ apiKey }).total).toBe(1);
      expect(partnerExports()).toBe(partnerBefore);
      expect(await charges(a.key)).toEqual([]);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
    });

    it("Trends Top says the purchase's key was used for another company: released, 502 company_data_key_conflict, nothing charged", async () => {
      const a = await enabledAccountWith(SECOND);
      sandbox.control.setOutage(true);
      expect((await buy(a.key, a.companyId, 'conflict-1')).status).toBe(503);
      sandbox.control.setOutage(false);
      const [row] = await purchaseRows(a.accountId);
      // Something else spent the purchase's vendor key on another company (the bug this guards against).
      const taken = await fetch(`${sandbox.url}/v1/companies/${THIRD}/export`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SANDBOX_KEYS.partner}`, 'idempotency-key': vendorExportKey({ purchaseId: row!.id, generation: row!.generation }) },
      });
      expect(taken.status).toBe(200);
      const before = partnerExports();
      const refused = await buy(a.key, a.companyId, 'conflict-2');
      expect(refused.status).toBe(502);
      expect(refused.body.error.code).toBe('company_data_key_conflict');
      expect(partnerExports()).toBe(before);
      expect(await charges(a.key)).toEqual([]);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect((await purchaseRows(a.accountId)).map(({ attempt, status }) => ({ attempt, status }))).toEqual([{ attempt: 2, status: 'failed' }]);
    });
  });
}
