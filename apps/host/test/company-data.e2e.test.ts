import { randomBytes } from 'node:crypto';
import { SANDBOX_KEYS, startTrendsTopSandbox, TEST_ENTERPRISE_NUMBERS, type TrendsTopSandbox } from '@tollgate/sandbox-trendstop';
import { createTestHost, dropSchemaFamily, ManualClock, openDatabase, testEngines, type Database, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin } from './fixtures/bundled-plugins.js';

/**
 * Company data (P-4, issue 15) through the host's HTTP API against the Trends Top sandbox on
 * loopback: availability and price, buy once, ignore, Belgium only, export rights through the
 * account's own subscription, the per-user switch, an outage and a rate limit — and concurrent
 * buyers on two hosts sharing one PostgreSQL, who pay once.
 */
const BASE = '/v1/plugins/company-data-trendstop';
const PLUGIN = '@tollgate/plugin-company-data-trendstop';
const [FULL, SECOND, THIRD] = TEST_ENTERPRISE_NUMBERS.wellKnown as [string, string, string];
const dotted = (n: string) => `${n.slice(0, 4)}.${n.slice(4, 7)}.${n.slice(7)}`;
const options = (sandbox: TrendsTopSandbox) => ({
  baseUrl: sandbox.url,
  partnerApiKey: SANDBOX_KEYS.partner,
  sealingKey: randomBytes(32).toString('base64'),
  retries: 0,
});

/** What the tests read of a host. */
function client(t: TestHost) {
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
  const addCompany = (key: string, body: Record<string, unknown>) => t.request({ method: 'POST', path: `${BASE}/companies`, key, body });
  const buy = (key: string, companyId: string, idem: string) =>
    t.request({ method: 'POST', path: `${BASE}/companies/${companyId}/data/purchase`, key, headers: { 'idempotency-key': idem } });
  const enable = (key: string, userId: string, enabled = true) => t.request({ method: 'PUT', path: `${BASE}/users/${userId}`, key, body: { enabled } });
  const setPlan = async (accountId: string, plan: string) => {
    const moved = await t.request({ method: 'PUT', path: `/admin/accounts/${accountId}/plan`, key: t.adminKey, body: { plan } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  };
  return { wallet, charges, addCompany, buy, enable, setPlan };
}

for (const engine of testEngines()) {
  describe(`company data from Trends Top, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: TrendsTopSandbox;
    let t: TestHost;
    let c: ReturnType<typeof client>;
    const partnerExports = () => sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total;

    /** A focus account whose owner has company data switched on. */
    const enabledAccount = async () => {
      const account = await t.createAccount();
      expect((await c.enable(account.ownerKey, account.ownerId)).status).toBe(200);
      return { ...account, key: account.ownerKey };
    };

    beforeAll(async () => {
      sandbox = await startTrendsTopSandbox({ now: () => clock.now() });
      t = await createTestHost({ engine, clock, plugins: [{ plugin: await loadPlugin(PLUGIN), options: options(sandbox) }] });
      c = client(t);
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('a Belgian company shows what Trends Top has, the price on the plan, and the actions (free: no export)', async () => {
      const a = await enabledAccount();
      const before = partnerExports();
      const added = await c.addCompany(a.key, { name: 'Acme', country: 'BE', enterpriseNumber: `BE${dotted(FULL)}` });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({
        enterpriseNumber: FULL,
        vatNumber: `BE${FULL}`,
        data: {
          status: 'available',
          available: { phone: true, contactPerson: true, naceCode: true, legalForm: true, address: true, foundedOn: true, employeesClass: true },
          fields: null,
          offer: { price: '1.50', currency: 'EUR', paidBy: 'wallet', affordable: true, actions: ['buy', 'ignore'], refusal: null },
        },
      });
      expect(partnerExports()).toBe(before);
      const listed = await t.request({ path: `${BASE}/companies?status=available`, key: a.key });
      expect(listed.body.data.map((x: { id: string }) => x.id)).toEqual([added.body.id]);
    });

    it('buy → charged once at the plan price, fields filled with source and time → buy again → not charged', async () => {
      const a = await enabledAccount();
      const company = (await c.addCompany(a.key, { name: 'Acme', country: 'BE', enterpriseNumber: FULL })).body;
      const bought = await c.buy(a.key, company.id, 'buy-1');
      expect(bought.status).toBe(201);
      expect(bought.body).toMatchObject({ charged: true, purchase: { paidBy: 'wallet', amount: '1.50', enterpriseNumber: FULL } });
      expect(bought.body.company.data.status).toBe('bought');
      expect(bought.body.company.data.fields.phone).toEqual({ value: expect.any(String), source: 'trendstop', retrievedAt: clock.now().toISOString() });
      expect(bought.body.company.data.fields.naceCode.value).toMatchObject({ version: '2025' });
      expect(await c.charges(a.key)).toEqual([expect.objectContaining({ type: 'spend', amount: '-1.50', description: 'Company data: Acme' })]);
      expect(await c.wallet(a.key)).toMatchObject({ available: '0.50', pending: '0.00' });

      const again = await c.buy(a.key, company.id, 'buy-2');
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ charged: false, purchase: { id: bought.body.purchase.id } });
      // Another company row with the same number (another contact's company): the same data, free.
      const twin = (await c.addCompany(a.key, { name: 'Acme (Gent)', country: 'BE', vatNumber: `BE ${dotted(FULL)}` })).body;
      expect(twin.data.offer).toMatchObject({ price: '0.00', paidBy: 'already_bought' });
      expect((await c.buy(a.key, twin.id, 'buy-3')).body.charged).toBe(false);
      expect(await c.charges(a.key)).toHaveLength(1);
      const got = await t.request({ path: `${BASE}/companies/${company.id}`, key: a.key });
      expect(got.body.data.fields.phone.source).toBe('trendstop');
    });

    it('ignore is remembered (who, when); buying an ignored company is refused until it is undone', async () => {
      const a = await enabledAccount();
      const company = (await c.addCompany(a.key, { name: 'Second', country: 'BE', enterpriseNumber: SECOND })).body;
      const ignored = await t.request({ method: 'POST', path: `${BASE}/companies/${company.id}/data/ignore`, key: a.key });
      expect(ignored.status).toBe(200);
      expect(ignored.body.data).toMatchObject({
        status: 'ignored',
        ignored: { at: clock.now().toISOString(), by: a.ownerId },
        offer: { actions: ['unignore'] },
      });
      expect((await t.request({ path: `${BASE}/companies?status=ignored`, key: a.key })).body.data).toHaveLength(1);
      const refused = await c.buy(a.key, company.id, 'ign-1');
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('company_data_ignored');
      const undone = await t.request({ method: 'DELETE', path: `${BASE}/companies/${company.id}/data/ignore`, key: a.key });
      expect(undone.body.data).toMatchObject({ status: 'available', ignored: null });
      expect(await c.charges(a.key)).toEqual([]);
    });

    it('a company outside Belgium is stored without data; buying is refused with no charge', async () => {
      const a = await enabledAccount();
      const before = partnerExports();
      const dutch = await c.addCompany(a.key, { name: 'Bol BV', country: 'NL', vatNumber: 'NL123456789B01' });
      expect(dutch.status).toBe(201);
      expect(dutch.body.data).toMatchObject({ status: 'not_available', offer: null });
      const refused = await c.buy(a.key, dutch.body.id, 'nl-1');
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe('company_data_belgium_only');
      expect(await c.wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect(partnerExports()).toBe(before);
    });

    it('a number that fails the check is refused (400 invalid_enterprise_number) and nothing is stored', async () => {
      const a = await enabledAccount();
      for (const bad of ['0123.456.748', 'BE2123456749', '12345']) {
        const res = await c.addCompany(a.key, { name: 'Bad', country: 'BE', enterpriseNumber: bad });
        expect(res.status, bad).toBe(400);
        expect(res.body.error.code).toBe('invalid_enterprise_number');
      }
      expect((await t.request({ path: `${BASE}/companies`, key: a.key })).body.data).toEqual([]);
    });

    it('a user without the switch is refused (403, naming where it is switched on); a key of no user too', async () => {
      const account = await t.createAccount();
      const company = (await c.addCompany(account.ownerKey, { name: 'Acme', country: 'BE', enterpriseNumber: FULL })).body;
      const refused = await c.buy(account.ownerKey, company.id, 'off-1');
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'company_data_not_enabled', message: expect.stringContaining('Settings > Users') });
      // A key the platform issued belongs to no user.
      const issued = await t.request({
        method: 'POST',
        path: `/admin/accounts/${account.accountId}/api-keys`,
        key: t.adminKey,
        body: { name: 'ops', role: 'admin' },
      });
      expect(issued.status).toBe(201);
      const noUser = await c.buy(issued.body.key, company.id, 'off-2');
      expect(noUser.status).toBe(403);
      expect(noUser.body.error.message).toContain('belongs to no user');
      // Who has it: nobody yet; switching on a user that does not exist is 404.
      expect((await t.request({ path: `${BASE}/users`, key: account.ownerKey })).body).toMatchObject({ data: [], settingsPage: 'Settings > Users' });
      expect((await c.enable(account.ownerKey, 'usr_nobody')).status).toBe(404);
      expect((await c.enable(account.ownerKey, account.ownerId)).status).toBe(200);
      // A key the owner made through the API acts for the owner: switched on with them.
      const made = await t.request({ method: 'POST', path: '/v1/api-keys', key: account.ownerKey, body: { name: 'crm', role: 'admin' } });
      expect((await c.buy(made.body.key, company.id, 'off-3')).status).toBe(201);
      expect((await t.request({ path: `${BASE}/users`, key: account.ownerKey })).body.data).toEqual([
        expect.objectContaining({ userId: account.ownerId, enabled: true }),
      ]);
      expect(await c.wallet(account.ownerKey)).toMatchObject({ available: '0.50' });
    });

    it('an own subscription with export rights: fetched through it, nothing charged; one without is told why', async () => {
      const a = await enabledAccount();
      const start = sandbox.control.createCustomerKey({ formula: 'start' }).apiKey;
      const refused = await t.request({ method: 'PUT', path: `${BASE}/subscription`, key: a.key, body: { apiKey: start } });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'export_rights_required', details: { formulas: ['marketing', 'business'], formula: 'start' } });
      expect((await t.request({ path: `${BASE}/subscription`, key: a.key })).body).toMatchObject({ linked: false });

      const business = sandbox.control.createCustomerKey({ formula: 'business' }).apiKey;
      const linked = await t.request({ method: 'PUT', path: `${BASE}/subscription`, key: a.key, body: { apiKey: business } });
      expect(linked.status).toBe(200);
      expect(linked.body).toMatchObject({ linked: true, formula: 'business', exportRights: true });
      expect(JSON.stringify(linked.body)).not.toContain(business);
      const { rows } = await t.pluginDatabase('company-data-trendstop').query<{ sealed_api_key: string }>('select sealed_api_key from subscriptions');
      expect(rows.some((r) => r.sealed_api_key.includes(business))).toBe(false);

      const company = (await c.addCompany(a.key, { name: 'Third', country: 'BE', enterpriseNumber: THIRD })).body;
      expect(company.data.offer).toMatchObject({ price: '0.00', paidBy: 'subscription' });
      const partnerBefore = partnerExports();
      const bought = await c.buy(a.key, company.id, 'sub-1');
      expect(bought.status).toBe(201);
      expect(bought.body.purchase).toMatchObject({ paidBy: 'subscription', amount: '0.00', transactionId: null });
      expect(sandbox.control.exportCount({ apiKey: business }).total).toBe(1);
      expect(partnerExports()).toBe(partnerBefore);
      expect(await c.wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect((await t.request({ method: 'DELETE', path: `${BASE}/subscription`, key: a.key })).body).toMatchObject({ linked: false });
    });

    it('classic: Settings > HR, no buying without an own subscription; plus links and buys for nothing', async () => {
      const a = await enabledAccount();
      await c.setPlan(a.accountId, 'classic');
      const company = (await c.addCompany(a.key, { name: 'Classic', country: 'BE', enterpriseNumber: SECOND })).body;
      expect(company.data.offer).toMatchObject({ paidBy: 'wallet', refusal: 'export_rights_required' });
      const refused = await c.buy(a.key, company.id, 'classic-1');
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'export_rights_required', details: { formulas: ['plus', 'xl'] } });
      const marketing = sandbox.control.createCustomerKey({ formula: 'marketing' }).apiKey;
      const wrongEra = await t.request({ method: 'PUT', path: `${BASE}/subscription`, key: a.key, body: { apiKey: marketing } });
      expect(wrongEra.body.error).toMatchObject({ code: 'export_rights_required', details: { formula: 'marketing', formulas: ['plus', 'xl'] } });
      const plus = sandbox.control.createCustomerKey({ formula: 'plus' }).apiKey;
      expect((await t.request({ method: 'PUT', path: `${BASE}/subscription`, key: a.key, body: { apiKey: plus } })).status).toBe(200);
      const bought = await c.buy(a.key, company.id, 'classic-2');
      expect(bought.status).toBe(201);
      expect(bought.body.purchase.paidBy).toBe('subscription');
      expect(await c.charges(a.key)).toEqual([]);
      const other = await t.createAccount();
      await c.setPlan(other.accountId, 'classic');
      const otherCompany = (await c.addCompany(other.ownerKey, { name: 'X', country: 'BE', enterpriseNumber: SECOND })).body;
      const off = await c.buy(other.ownerKey, otherCompany.id, 'classic-3');
      expect(off.body.error.message).toContain('Settings > HR');
    });

    it('a company Trends Top knows without any data: the export is empty, the hold released, nothing charged', async () => {
      const a = await enabledAccount();
      const empty = TEST_ENTERPRISE_NUMBERS.noData[0]!;
      const company = (await c.addCompany(a.key, { name: 'Empty', country: 'BE', enterpriseNumber: empty })).body;
      expect(Object.values(company.data.available).every((v) => v === false)).toBe(true);
      const res = await c.buy(a.key, company.id, 'empty-1');
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('company_data_no_data');
      expect(await c.charges(a.key)).toEqual([]);
      expect(await c.wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      // Unknown to Trends Top: no data to offer, and buying is refused before any hold.
      const unknown = (await c.addCompany(a.key, { name: 'Ghost', country: 'BE', enterpriseNumber: '0123.456.749' })).body;
      expect(unknown.data).toMatchObject({ status: 'not_found', offer: null });
      expect((await c.buy(a.key, unknown.id, 'ghost-1')).body.error.code).toBe('company_data_not_found');
    });

    it('an outage releases the hold and charges nothing; a retry later succeeds and charges once', async () => {
      const a = await enabledAccount();
      const company = (await c.addCompany(a.key, { name: 'Outage', country: 'BE', enterpriseNumber: FULL })).body;
      sandbox.control.setOutage(true);
      const down = await c.buy(a.key, company.id, 'out-1');
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('company_data_unavailable');
      expect(await c.wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect(await c.charges(a.key)).toEqual([]);
      sandbox.control.setOutage(false);
      const retried = await c.buy(a.key, company.id, 'out-1'); // the same key: a 5xx was not kept
      expect(retried.status).toBe(201);
      expect((await c.charges(a.key)).map((x) => x.amount)).toEqual(['-1.50']);
    });

    it('a rate limit answers 503 company_data_rate_limited with Retry-After, released', async () => {
      const a = await enabledAccount();
      const company = (await c.addCompany(a.key, { name: 'Busy', country: 'BE', enterpriseNumber: SECOND })).body;
      sandbox.control.setRateLimit(0);
      try {
        const limited = await c.buy(a.key, company.id, 'rl-1');
        expect(limited.status).toBe(503);
        expect(limited.body.error.code).toBe('company_data_rate_limited');
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        sandbox.control.setRateLimit(60);
      }
      expect(await c.wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
    });
  });
}

// Two host instances on one PostgreSQL schema: two users of one account buy the same company at once.
const postgres = testEngines().find((e) => e.name === 'postgres');
describe.runIf(postgres)('company data: concurrent buyers on two hosts pay once [postgres]', () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `t_cdata_${randomBytes(5).toString('hex')}`;
  let dbs: Database[] = [];
  const hosts: TestHost[] = [];
  let sandbox: TrendsTopSandbox;

  beforeAll(async () => {
    sandbox = await startTrendsTopSandbox({ now: () => clock.now() });
    dbs = [await openDatabase({ url, schema, poolSize: 8 }), await openDatabase({ url, schema, poolSize: 8 })];
    const plugin = await loadPlugin(PLUGIN);
    const shared = options(sandbox);
    hosts.push(await createTestHost({ db: dbs[0]!, clock, plugins: [{ plugin, options: shared }] }));
    hosts.push(await createTestHost({ db: dbs[1]!, clock, plugins: [{ plugin, options: shared }] }));
  });
  afterAll(async () => {
    for (const h of hosts) await h.close();
    await dropSchemaFamily({ url, schema });
    for (const d of dbs) await d.close();
    await sandbox?.close();
  });

  it('twenty purchases of one company through both hosts by two users: one charge, one export, the same purchase', async () => {
    const [h1, h2] = hosts as [TestHost, TestHost];
    const c1 = client(h1);
    const account = await h1.createAccount();
    // A second admin with a key that acts for him.
    const bob = await h1.request({ method: 'POST', path: '/v1/users', key: account.ownerKey, body: { email: 'bob@example.test', name: 'Bob', role: 'admin' } });
    const bobKey = await h1.request({ method: 'POST', path: '/v1/api-keys', key: account.ownerKey, body: { name: 'bob', role: 'admin', userId: bob.body.id } });
    expect(bobKey.status).toBe(201);
    expect((await c1.enable(account.ownerKey, account.ownerId)).status).toBe(200);
    expect((await c1.enable(account.ownerKey, bob.body.id)).status).toBe(200);
    const company = (await c1.addCompany(account.ownerKey, { name: 'Contested', country: 'BE', enterpriseNumber: FULL })).body;

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client(i % 2 ? h2 : h1).buy(i % 4 < 2 ? account.ownerKey : bobKey.body.key, company.id, `race-${i}`)),
    );
    for (const answer of answers) expect([200, 201], JSON.stringify(answer.body)).toContain(answer.status);
    expect(new Set(answers.map((a) => a.body.purchase.id)).size).toBe(1);
    expect(new Set(answers.map((a) => a.body.purchase.transactionId)).size).toBe(1);
    expect((await c1.charges(account.ownerKey)).map((x) => x.amount)).toEqual(['-1.50']);
    expect(await client(h2).wallet(account.ownerKey)).toMatchObject({ available: '0.50', pending: '0.00' });
    expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total).toBe(1);
  });
});
