import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Plan allowances with rollover (issue 22), through HTTP: the "letters" plan includes 20 letters a
 * month, unused ones roll over up to 10 and can be used until two months after the month they were
 * granted in. An account in Brussels crosses four month boundaries on a manual clock; each month
 * starts at midnight there (23:30 UTC on the last day of a winter month is already the next month).
 */
const CHANNEL = 'post-letter';
const PLANS = {
  default: 'letters',
  definitions: [
    {
      id: 'letters',
      label: 'Letters',
      extends: 'focus',
      rules: { allowances: { [CHANNEL]: { units: '20', rollover: { max: '10', expiresAfterMonths: 2 } } } },
    },
  ],
};

for (const engine of testEngines()) {
  describe(`plan allowances e2e [${engine.name}]`, () => {
    let t: TestHost;
    const clock = new ManualClock('2027-01-15T10:00:00.000Z');
    let account: { accountId: string; key: string; memberKey: string };

    beforeAll(async () => {
      t = await createTestHost({ engine, clock, config: { plans: PLANS } });
      const price = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: CHANNEL, unit: 'letter', unitPrice: '0.50', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      expect(price.status, JSON.stringify(price.body)).toBe(201);
      const a = await t.createAccount({ timeZone: 'Europe/Brussels' });
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: a.ownerKey, body: { name: 'reader', role: 'member' } });
      // New accounts open on the letters plan (the config's default).
      account = { accountId: a.accountId, key: a.ownerKey, memberKey: member.body.key as string };
    });
    afterAll(async () => {
      await t?.close();
    });

    let keys = 0;
    const charge = (units: string, key = account.key) =>
      t.request({ method: 'POST', path: '/v1/wallet/charges', key, body: { channel: CHANNEL, units, idempotencyKey: `c-${++keys}` } });
    const hold = (units: string) =>
      t.request({ method: 'POST', path: '/v1/wallet/holds', key: account.key, body: { channel: CHANNEL, units, idempotencyKey: `h-${++keys}` } });
    const allowance = async (key = account.memberKey) => {
      const res = await t.request({ path: '/v1/wallet/allowances', key });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data as Array<Record<string, unknown>>;
    };
    const available = async () => (await t.request({ path: '/v1/wallet', key: account.key })).body.available as string;

    it('lists the allowance with the plan', async () => {
      const plans = await t.request({ path: '/v1/plans', key: account.memberKey });
      expect(plans.body.data.find((p: { id: string }) => p.id === 'letters').rules.allowances).toEqual({
        [CHANNEL]: { units: '20', rollover: { max: '10', expiresAfterMonths: 2 } },
      });
      const plan = await t.request({ path: '/v1/plan', key: account.memberKey });
      expect(plan.body.rules.allowances[CHANNEL].units).toBe('20');
    });

    it('January: letters come out of the allowance; a released hold gives its units back', async () => {
      expect(await allowance()).toEqual([
        {
          channel: CHANNEL,
          period: '2027-01-01',
          granted: '20',
          carried: [],
          used: '0',
          remaining: '20',
          resetsAt: '2027-02-01',
          label: '20 of 20 letters left',
        },
      ]);
      const first = await charge('12');
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.body).toMatchObject({ units: '12', freeUnits: '0', allowanceUnits: '12', amount: '0.00' });
      const {
        rows: [tx],
      } = await t.db.query<{ allowance_units: string }>(`select metadata->>'allowanceUnits' as allowance_units from ledger_transactions where id = $1`, [
        first.body.transactionId,
      ]);
      expect(tx!.allowance_units).toBe('12');

      const held = await hold('5');
      expect(held.status, JSON.stringify(held.body)).toBe(201);
      expect(held.body).toMatchObject({ allowanceUnits: '5', amount: '0.00', status: 'pending' });
      expect((await allowance())[0]).toMatchObject({ used: '17', remaining: '3' });
      const released = await t.request({
        method: 'POST',
        path: `/v1/wallet/holds/${held.body.id}/release`,
        key: account.key,
        body: { idempotencyKey: `r-${++keys}` },
      });
      expect(released.status, JSON.stringify(released.body)).toBe(200);
      expect((await allowance())[0]).toMatchObject({ used: '12', remaining: '8', label: '8 of 20 letters left' });
      // Still January in Brussels at 23:30 there (22:30 UTC).
      clock.set(new Date('2027-01-31T22:30:00.000Z'));
      expect((await allowance())[0]).toMatchObject({ period: '2027-01-01', remaining: '8' });
    });

    it('February (from 00:30 in Brussels, 23:30 UTC): 8 letters rolled over and are spent first; a smaller capture gives units back', async () => {
      clock.set(new Date('2027-01-31T23:30:00.000Z'));
      expect(await allowance()).toEqual([
        {
          channel: CHANNEL,
          period: '2027-02-01',
          granted: '20',
          carried: [{ from: '2027-01-01', units: '8', left: '8', expiresAfter: '2027-03-01' }],
          used: '0',
          remaining: '28',
          resetsAt: '2027-03-01',
          label: '28 of 28 letters left',
        },
      ]);
      expect((await charge('3')).body).toMatchObject({ allowanceUnits: '3', amount: '0.00' });
      const held = await hold('4');
      expect(held.body).toMatchObject({ allowanceUnits: '4', amount: '0.00' });
      const captured = await t.request({
        method: 'POST',
        path: `/v1/wallet/holds/${held.body.id}/capture`,
        key: account.key,
        body: { units: '1', idempotencyKey: `k-${++keys}` },
      });
      expect(captured.status, JSON.stringify(captured.body)).toBe(200);
      expect(captured.body).toMatchObject({ captured: '0.00', status: 'captured' });
      // 4 used, all from January's 8: 4 of them left, February's 20 untouched.
      expect((await allowance())[0]).toMatchObject({
        used: '4',
        remaining: '24',
        carried: [{ from: '2027-01-01', units: '8', left: '4', expiresAfter: '2027-03-01' }],
      });
    });

    it('March: January’s 4 and 6 of February’s fill the cap of 10', async () => {
      clock.set(new Date('2027-02-28T23:30:00.000Z'));
      expect((await allowance())[0]).toMatchObject({
        period: '2027-03-01',
        granted: '20',
        carried: [
          { from: '2027-01-01', units: '4', left: '4', expiresAfter: '2027-03-01' },
          { from: '2027-02-01', units: '6', left: '6', expiresAfter: '2027-04-01' },
        ],
        remaining: '30',
        label: '30 of 30 letters left',
      });
      expect((await charge('2')).body).toMatchObject({ allowanceUnits: '2', amount: '0.00' });
      expect((await allowance())[0]).toMatchObject({ used: '2', remaining: '28' });
    });

    it('April: January’s 2 unused letters expired; a use beyond the allowance is charged money', async () => {
      // Summer time: midnight in Brussels is 22:00 UTC.
      clock.set(new Date('2027-03-31T22:30:00.000Z'));
      expect((await allowance())[0]).toMatchObject({
        period: '2027-04-01',
        carried: [
          { from: '2027-02-01', units: '6', left: '6', expiresAfter: '2027-04-01' },
          { from: '2027-03-01', units: '4', left: '4', expiresAfter: '2027-05-01' },
        ],
        remaining: '30',
        resetsAt: '2027-05-01',
      });
      const quote = await t.host.wallet.quote({ accountId: account.accountId, channel: CHANNEL, units: '32' });
      expect(quote).toMatchObject({ allowanceUnits: '30', freeUnits: '0' });
      expect(quote.amount.toString()).toBe('1.00');
      const before = await available();
      const over = await charge('32');
      expect(over.status, JSON.stringify(over.body)).toBe(201);
      expect(over.body).toMatchObject({ allowanceUnits: '30', amount: '1.00', unitPrice: '0.50' });
      expect(Number(before) - Number(await available())).toBeCloseTo(1, 6);
      expect((await allowance())[0]).toMatchObject({ used: '30', remaining: '0', label: '0 of 30 letters left' });
      expect((await charge('1')).body).toMatchObject({ allowanceUnits: '0', amount: '0.50' });
    });

    it('a plan move mid-month keeps the month’s units; the new plan (no allowance) applies from the next month', async () => {
      const moved = await t.request({ method: 'PUT', path: `/admin/accounts/${account.accountId}/plan`, key: t.adminKey, body: { plan: 'focus' } });
      expect(moved.status).toBe(200);
      expect(await allowance()).toHaveLength(1);
      clock.set(new Date('2027-04-30T22:30:00.000Z'));
      expect(await allowance()).toEqual([]);
      expect((await charge('1')).body).toMatchObject({ allowanceUnits: '0' });
    });

    it('an account moved onto the plan mid-month gets its allowance from the next month', async () => {
      const created = await t.request({
        method: 'POST',
        path: '/admin/accounts',
        key: t.adminKey,
        body: { name: 'Late', timeZone: 'Europe/Brussels', owner: { email: 'late@example.test', name: 'Owner' }, plan: 'focus' },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const key = created.body.apiKey.key as string;
      clock.set(new Date('2027-05-10T09:00:00.000Z'));
      expect(await allowance(key)).toEqual([]);
      const moved = await t.request({ method: 'PUT', path: `/admin/accounts/${created.body.account.id}/plan`, key: t.adminKey, body: { plan: 'letters' } });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(await allowance(key)).toMatchObject([{ period: '2027-05-01', granted: '0', remaining: '0', label: '0 of 0 letters left' }]);
      expect((await charge('1', key)).body).toMatchObject({ allowanceUnits: '0', amount: '0.50' });
      clock.set(new Date('2027-05-31T22:00:00.000Z'));
      expect(await allowance(key)).toMatchObject([{ period: '2027-06-01', granted: '20', carried: [], remaining: '20' }]);
      expect((await charge('1', key)).body).toMatchObject({ allowanceUnits: '1', amount: '0.00' });
    });
  });
}
