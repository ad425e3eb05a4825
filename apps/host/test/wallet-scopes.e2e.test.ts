import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walletPlugin } from './fixtures/wallet-plugin.js';

/*
 * Issue 22 over HTTP: credit scoped to channels or tags, monthly spending caps set by the owner,
 * and the affordability quote (POST /v1/wallet/quote) that runs the hold's own code.
 */
for (const engine of testEngines()) {
  describe(`wallet scopes, caps and quote e2e [${engine.name}]`, () => {
    let t: TestHost;
    let n = 0;
    const uniq = (base: string) => `${base}-${engine.name}-${++n}`;

    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [walletPlugin] });
    });
    afterAll(async () => {
      await t?.close();
    });

    const setPrice = async (channel: string, unit: string, unitPrice: string) => {
      const res = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel, unit, unitPrice, effectiveFrom: '2026-01-01T00:00:00Z' },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    const newAccount = async () => {
      const account = await t.createAccount();
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: account.ownerKey, body: { name: 'reader', role: 'member' } });
      return { ...account, memberKey: member.body.key as string };
    };
    const grant = (accountId: string, body: object) =>
      t.request({
        method: 'POST',
        path: `/admin/accounts/${accountId}/wallet/grants`,
        key: t.adminKey,
        body: { kind: 'purchased', idempotencyKey: uniq('g'), ...body },
      });
    const charge = (key: string, body: object) => t.request({ method: 'POST', path: '/v1/wallet/charges', key, body: { idempotencyKey: uniq('c'), ...body } });
    /** What a refusal must leave untouched. */
    const ledger = async (accountId: string) =>
      (
        await t.db.query(
          `select (select count(*)::int from ledger_transactions where account_id = $1) as transactions,
                  (select coalesce(sum(remaining), 0)::text from credit_lots where account_id = $1) as remaining,
                  (select coalesce(sum(amount), 0)::text from spend_usage where account_id = $1) as counted,
                  (select available::text || '/' || pending::text from wallets where account_id = $1) as wallet`,
          [accountId],
        )
      ).rows[0];

    it('a letter-only (postal) pack never pays for an SMS: letters spend it first, lots and balance show the scope', async () => {
      const sms = uniq('sms');
      const letter = uniq('letter');
      await setPrice(sms, 'message', '1.00');
      await setPrice(letter, 'letter', '1.20');
      const tagged = await t.request({ method: 'PUT', path: `/admin/catalog/channels/${letter}/tags`, key: t.adminKey, body: { tags: ['postal'] } });
      expect(tagged.status, JSON.stringify(tagged.body)).toBe(200);
      expect(tagged.body).toEqual({ channel: letter, tags: ['postal'] });

      const a = await newAccount();
      // The €2.00 trial credit is general: spend it on SMS first.
      expect((await charge(a.ownerKey, { channel: sms, units: '2' })).status).toBe(201);
      const unknown = await grant(a.accountId, { amount: '3.00', scope: ['postal', 'no-such-channel'] });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.code).toBe('invalid_scope');
      const pack = await grant(a.accountId, { amount: '3.00', scope: ['postal'], description: 'Letter pack' });
      expect(pack.status, JSON.stringify(pack.body)).toBe(201);
      expect(pack.body.scope).toEqual(['postal']);

      const before = await ledger(a.accountId);
      const refused = await charge(a.ownerKey, { channel: sms, units: '1' });
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe('insufficient_funds');
      expect(refused.body.error.details).toMatchObject({ required: '1.00', available: '0.00', scopedToOtherChannels: '3.00' });
      expect(refused.body.error.message).toMatch(/scoped to other channels/);
      expect(await ledger(a.accountId)).toEqual(before);

      const sent = await charge(a.ownerKey, { channel: letter, units: '2' });
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      expect(sent.body.lots).toEqual([{ lotId: pack.body.lotId, kind: 'purchased', amount: '2.40' }]);

      const lots = await t.request({ path: '/v1/wallet/lots', key: a.memberKey });
      expect(lots.body.data).toEqual([expect.objectContaining({ id: pack.body.lotId, remaining: '0.60', scope: ['postal'] })]);
      const balance = await t.request({ path: '/v1/wallet', key: a.memberKey });
      expect(balance.body).toMatchObject({ available: '0.60', refundable: '0.60', scoped: [{ scope: ['postal'], available: '0.60', pending: '0.00' }] });
      const line = await t.request({ path: `/v1/wallet/history/${sent.body.transactionId}`, key: a.memberKey });
      expect(line.body.entries[0].lots).toEqual([{ lotId: pack.body.lotId, kind: 'purchased', amount: '-2.40' }]);

      const check = await t.request({ path: '/admin/wallet/check', key: t.adminKey });
      expect(check.body.ok).toBe(true);
    });

    it("a plugin's declared tags are stored at start-up; credit scoped to them pays for its spends", async () => {
      const tags = await t.request({ path: '/admin/catalog/channels/tags', key: t.adminKey });
      expect(tags.body.data).toContainEqual({ channel: 'test-scan', tags: ['scans'] });
      const a = await newAccount();
      const pack = await grant(a.accountId, { amount: '1.00', scope: ['scans'] });
      expect(pack.status).toBe(201);
      // Two free scans, then the third is paid from the scoped lot before the general trial credit.
      for (const key of ['s1', 's2', 's3'])
        expect((await t.request({ method: 'POST', path: '/v1/plugins/test-wallet/scans', key: a.ownerKey, body: { file: 'x.pdf', key } })).status).toBe(201);
      const lots = await t.request({ path: '/v1/wallet/lots', key: a.ownerKey });
      expect(lots.body.data.map((l: { scope: string[] | null; remaining: string }) => [l.scope, l.remaining])).toEqual([
        [null, '2.00'],
        [['scans'], '0.90'],
      ]);
    });

    it('a cap refuses the first use over it (channel and user), nothing moves, and it resets the next month', async () => {
      const sms = uniq('sms');
      await setPrice(sms, 'message', '0.15');
      const a = await newAccount();
      await grant(a.accountId, { amount: '20.00' });

      const forbidden = await t.request({ method: 'PUT', path: `/v1/wallet/caps/channels/${sms}`, key: a.memberKey, body: { limit: '0.50' } });
      expect(forbidden.status).toBe(403);
      const set = await t.request({ method: 'PUT', path: `/v1/wallet/caps/channels/${sms}`, key: a.ownerKey, body: { limit: '0.50' } });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      expect(set.body).toEqual({
        kind: 'channel',
        target: sms,
        currency: 'EUR',
        limit: '0.50',
        used: '0.00',
        remaining: '0.50',
        period: '2026-01-01',
        resetsAt: '2026-02-01',
      });
      expect((await t.request({ method: 'PUT', path: '/v1/wallet/caps/channels/Bad_Channel', key: a.ownerKey, body: { limit: '1' } })).status).toBe(400);
      expect((await t.request({ method: 'PUT', path: `/v1/wallet/caps/channels/${sms}`, key: a.ownerKey, body: { limit: 1 } })).status).toBe(400);

      expect((await charge(a.ownerKey, { channel: sms, units: '3' })).status).toBe(201); // 0.45
      let before = await ledger(a.accountId);
      const over = await charge(a.ownerKey, { channel: sms, units: '1' });
      expect(over.status).toBe(422);
      expect(over.body.error).toMatchObject({
        code: 'spending_cap_exceeded',
        details: { kind: 'channel', target: sms, limit: '0.50', used: '0.45', requested: '0.15', period: '2026-01-01', resetsAt: '2026-02-01' },
      });
      expect(await ledger(a.accountId)).toEqual(before);

      // A per-user cap on the owner (the owner key's user); another account's user or an unknown one is a 404.
      const other = await newAccount();
      expect(
        (await t.request({ method: 'PUT', path: `/v1/wallet/caps/users/${other.ownerId}`, key: a.ownerKey, body: { limit: '1.00' } })).body.error.code,
      ).toBe('user_not_found');
      const userCap = await t.request({ method: 'PUT', path: `/v1/wallet/caps/users/${a.ownerId}`, key: a.ownerKey, body: { limit: '0.40' } });
      expect(userCap.status, JSON.stringify(userCap.body)).toBe(200);
      expect(userCap.body.used).toBe('0.45'); // this month's spend by the owner key counts
      const bigger = uniq('post');
      await setPrice(bigger, 'letter', '0.10');
      before = await ledger(a.accountId);
      const overUser = await charge(a.ownerKey, { channel: bigger, units: '1' });
      expect(overUser.body.error).toMatchObject({ code: 'spending_cap_exceeded', details: { kind: 'user', target: a.ownerId } });
      expect(await ledger(a.accountId)).toEqual(before);
      // A hold over the cap is refused the same way.
      const hold = await t.request({
        method: 'POST',
        path: '/v1/wallet/holds',
        key: a.ownerKey,
        body: { channel: bigger, units: '1', idempotencyKey: uniq('h') },
      });
      expect(hold.body.error.code).toBe('spending_cap_exceeded');

      const caps = await t.request({ path: '/v1/wallet/caps', key: a.memberKey });
      expect(caps.body.data.map((c: { kind: string; used: string; remaining: string }) => [c.kind, c.used, c.remaining])).toEqual([
        ['channel', '0.45', '0.05'],
        ['user', '0.45', '0.00'],
      ]);

      // February (Brussels): both counters start again.
      const saved = t.clock.now();
      t.clock.set('2026-01-31T23:30:00.000Z');
      expect((await charge(a.ownerKey, { channel: sms, units: '2' })).status).toBe(201);
      const feb = await t.request({ path: '/v1/wallet/caps', key: a.memberKey });
      expect(feb.body.data.map((c: { used: string; period: string }) => [c.used, c.period])).toEqual([
        ['0.30', '2026-02-01'],
        ['0.30', '2026-02-01'],
      ]);
      t.clock.set(saved);

      expect((await t.request({ method: 'DELETE', path: `/v1/wallet/caps/users/${a.ownerId}`, key: a.ownerKey })).status).toBe(204);
      expect((await t.request({ method: 'DELETE', path: `/v1/wallet/caps/users/${a.ownerId}`, key: a.ownerKey })).body.error.code).toBe('cap_not_found');
      expect((await t.request({ method: 'DELETE', path: `/v1/wallet/caps/channels/${sms}`, key: a.memberKey })).status).toBe(403);
    });

    it('the quote matches what a hold then takes; a member may ask; maxUnits is exact at 0.0125 per unit', async () => {
      const voice = uniq('voice');
      await setPrice(voice, 'minute', '0.0125');
      const a = await newAccount();
      const scoped = await grant(a.accountId, { amount: '0.04', scope: [voice] });
      // Trial €2.00 + €0.04 scoped. 170 minutes = 2.125 → 2.13: 0.04 scoped, 2.00 general would not do; 165 = 2.0625 → 2.06 does.
      const quote = await t.request({ method: 'POST', path: '/v1/wallet/quote', key: a.memberKey, body: { channel: voice, units: '165' } });
      expect(quote.status, JSON.stringify(quote.body)).toBe(200);
      expect(quote.body).toMatchObject({
        currency: 'EUR',
        amount: '2.06',
        available: '2.04',
        affordable: false,
        reason: 'insufficient_funds',
        // (2.04 + 0.005) / 0.0125 = 163.6: 163 minutes cost 2.0375 → 2.04.
        maxUnits: '163',
        // Short of credit: funding says whether an auto-refill would pay (this account has none set).
        autoRefill: { covers: false, amount: null, reason: 'auto_refill_off' },
      });
      const fits = await t.request({ method: 'POST', path: '/v1/wallet/quote', key: a.memberKey, body: { channel: voice, units: '163' } });
      expect(fits.body).toMatchObject({
        amount: '2.04',
        affordable: true,
        reason: null,
        breakdown: { freeUnits: '0', allowanceUnits: '0', paidUnits: '163', fromScoped: '0.04', fromGeneral: '2.00' },
        caps: [],
        autoRefill: null,
      });
      const hold = await t.request({
        method: 'POST',
        path: '/v1/wallet/holds',
        key: a.ownerKey,
        body: { channel: voice, units: '163', idempotencyKey: uniq('h') },
      });
      expect(hold.status, JSON.stringify(hold.body)).toBe(201);
      expect(hold.body.amount).toBe(fits.body.amount);
      expect(hold.body.freeUnits).toBe(fits.body.freeUnits);
      expect(hold.body.lots).toEqual(fits.body.lots);
      expect(hold.body.lots[0]).toEqual({ lotId: scoped.body.lotId, kind: 'purchased', amount: '0.04' });

      const unknown = await t.request({ method: 'POST', path: '/v1/wallet/quote', key: a.memberKey, body: { channel: uniq('nothing'), units: '1' } });
      // As for a hold: an unknown channel is 400 unknown_channel.
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.code).toBe('unknown_channel');
      const invalid = await t.request({ method: 'POST', path: '/v1/wallet/quote', key: a.memberKey, body: { channel: voice, units: 1 } });
      expect(invalid.status).toBe(400);
    });
  });
}
