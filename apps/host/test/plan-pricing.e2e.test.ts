import { migrate, type TestDatabase } from '@tollgate/db';
import { definePlugin, spendChannelsExtensionPoint, type ChannelPrice, type SpendChannel } from '@tollgate/plugin-sdk';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { PriceCatalog, walletMigrations } from '@tollgate/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Plans (editions, W-11) price the same use differently: through HTTP, an SMS costs €0.15 on
 * classic and €0.18 on focus. The channel declares its prices per plan the way sms-reminders
 * does (the default list it always seeded, plus a row per plan), and the host starts on a catalog
 * an earlier version seeded (the old rows, now the default list) without refusing.
 */
const CHANNEL = 'plan-sms';
const PRICES: ChannelPrice[] = [
  { unitPrice: '0.15', effectiveFrom: '2025-01-01T00:00:00.000Z' },
  { unitPrice: '0.18', effectiveFrom: '2026-01-01T00:00:00.000Z' },
  { unitPrice: '0.15', effectiveFrom: '2025-01-01T00:00:00.000Z', plan: 'classic' },
  { unitPrice: '0.18', effectiveFrom: '2025-01-01T00:00:00.000Z', plan: 'focus' },
];

const planSmsPlugin = (prices: ChannelPrice[]) =>
  definePlugin({
    id: 'test-plan-sms',
    compatibility: '^2.4.0',
    description: 'Test fixture: an SMS channel priced per plan',
    register(env) {
      env.registerInit({
        deps: { channels: spendChannelsExtensionPoint },
        async init({ channels }) {
          const sms: SpendChannel<{ to: string }, { sent: boolean }> = {
            id: CHANNEL,
            label: 'Plan SMS',
            unit: 'message',
            prices,
            settlement: 'immediate',
            quote: async ({ request }) => ({ units: '1', description: `SMS to ${request.to}` }),
            execute: async () => ({ status: 'done', result: { sent: true } }),
          };
          channels.add(sms);
        },
      });
    },
  });

for (const engine of testEngines()) {
  describe(`plan pricing e2e [${engine.name}]`, () => {
    let db: TestDatabase;
    let t: TestHost;
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');

    beforeAll(async () => {
      // A data dir from before plans: the wallet's tables with the rows an earlier version seeded.
      db = await engine.open();
      await migrate({ db, sets: [{ ...walletMigrations, migrations: walletMigrations.migrations.filter((m) => m.id < '0005') }] });
      for (const [unitPrice, from] of [
        ['0.15', '2025-01-01'],
        ['0.18', '2026-01-01'],
      ] as const)
        await db.query(
          `insert into prices (channel, unit, country, unit_price, effective_from, created_at) values ($1, 'message', '*', $2, $3, '2025-01-01')`,
          [CHANNEL, unitPrice, new Date(`${from}T00:00:00.000Z`)],
        );
      t = await createTestHost({ engine, db, clock, plugins: [planSmsPlugin(PRICES)] });
    });
    afterAll(async () => {
      await t?.close();
      await db?.dispose();
    });

    const account = async (plan: 'classic' | 'focus') => {
      const a = await t.createAccount();
      // The plans-host lane's admin route moves accounts; the wallet call is what it makes.
      if (plan === 'classic') await t.host.wallet.setPlan({ accountId: a.accountId, plan, changedBy: 'test' });
      return { ...a, key: a.ownerKey };
    };
    const charge = (key: string, idempotencyKey: string) =>
      t.request({ method: 'POST', path: '/v1/wallet/charges', key, body: { channel: CHANNEL, units: '1', description: 'Reminder to Ann', idempotencyKey } });

    it('starts on the old catalog: the old rows are the default list, the plan rows are added beside them', async () => {
      const { key } = await account('focus');
      const res = await t.request({ path: `/v1/catalog/prices?channel=${CHANNEL}`, key });
      expect(res.status).toBe(200);
      expect(res.body.data.map((p: { plan: string; unitPrice: string; effectiveFrom: string }) => [p.plan, p.unitPrice, p.effectiveFrom.slice(0, 10)])).toEqual(
        [
          ['*', '0.15', '2025-01-01'],
          ['*', '0.18', '2026-01-01'],
          ['classic', '0.15', '2025-01-01'],
          ['focus', '0.18', '2025-01-01'],
        ],
      );
      const classic = await t.request({ path: `/v1/catalog/prices?channel=${CHANNEL}&plan=classic`, key });
      expect(classic.body.data).toEqual([expect.objectContaining({ plan: 'classic', unitPrice: '0.15', country: '*', currency: 'EUR' })]);
      expect((await t.request({ path: '/v1/catalog/prices?plan=Classic', key })).status).toBe(400);
    });

    it('the same SMS costs €0.15 on classic and €0.18 on focus; the history keeps what was paid after a move', async () => {
      const classic = await account('classic');
      const focus = await account('focus');
      const a = await charge(classic.key, 'sms-1');
      const b = await charge(focus.key, 'sms-1');
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.body).toMatchObject({ amount: '0.15', unitPrice: '0.15', balanceAfter: '1.85' });
      expect(b.body).toMatchObject({ amount: '0.18', unitPrice: '0.18', balanceAfter: '1.82' });

      // Moved to focus: later texts cost 0.18, the one before stays at what it cost.
      await t.host.wallet.setPlan({ accountId: classic.accountId, plan: 'focus', changedBy: 'test' });
      expect((await charge(classic.key, 'sms-2')).body).toMatchObject({ amount: '0.18', balanceAfter: '1.67' });
      // A retry of the first charge answers what it answered.
      expect((await charge(classic.key, 'sms-1')).body).toMatchObject({ amount: '0.15', balanceAfter: '1.85' });
      const lines = await t.request({ path: '/v1/wallet/history?type=spend', key: classic.key });
      expect(lines.body.data.map((l: { amount: string }) => l.amount)).toEqual(['-0.18', '-0.15']);
    });

    it('a hold keeps its unit price when the plan changes before the capture', async () => {
      const focus = await account('focus');
      const held = await t.request({
        method: 'POST',
        path: '/v1/wallet/holds',
        key: focus.key,
        body: { channel: CHANNEL, units: '3', idempotencyKey: 'hold-1' },
      });
      expect(held.status).toBe(201);
      expect(held.body).toMatchObject({ amount: '0.54', unitPrice: '0.18' });
      await t.host.wallet.setPlan({ accountId: focus.accountId, plan: 'classic' });
      const captured = await t.request({
        method: 'POST',
        path: `/v1/wallet/holds/${held.body.id}/capture`,
        key: focus.key,
        body: { units: '2', idempotencyKey: 'cap-1' },
      });
      expect(captured.status, JSON.stringify(captured.body)).toBe(200);
      expect(captured.body).toMatchObject({ captured: '0.36' });
      expect((await charge(focus.key, 'after')).body).toMatchObject({ amount: '0.15' });
      expect((await t.request({ path: '/v1/wallet', key: focus.key })).body).toMatchObject({ available: '1.49', pending: '0.00' });
    });

    it('an operator adds a price row for a plan through the admin route; members may not', async () => {
      const body = { channel: CHANNEL, unit: 'message', unitPrice: '0.16', plan: 'classic', effectiveFrom: '2026-04-01T00:00:00.000Z' };
      const member = await account('focus');
      expect((await t.request({ method: 'POST', path: '/admin/catalog/prices', key: member.key, body })).status).toBe(403);
      const added = await t.request({ method: 'POST', path: '/admin/catalog/prices', key: t.adminKey, body });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ channel: CHANNEL, plan: 'classic', unitPrice: '0.16', country: '*' });
      const conflict = await t.request({ method: 'POST', path: '/admin/catalog/prices', key: t.adminKey, body: { ...body, unitPrice: '0.17' } });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.code).toBe('price_exists');
      const bad = await t.request({ method: 'POST', path: '/admin/catalog/prices', key: t.adminKey, body: { ...body, plan: 'Not A Plan' } });
      expect(bad.status).toBe(400);
      // From April, classic pays the new row.
      const classic = await account('classic');
      clock.set('2026-04-02T09:00:00.000Z');
      expect((await charge(classic.key, 'april')).body).toMatchObject({ amount: '0.16' });
      expect((await new PriceCatalog(t.db, clock).priceAt({ channel: CHANNEL, accountId: classic.accountId }))?.unitPrice.toString()).toBe('0.16');
      clock.set('2026-03-02T09:00:00.000Z');
    });
  });

  describe(`plan pricing e2e: start refusals [${engine.name}]`, () => {
    it('refuses a start whose plan row differs from the catalog, and a bad plan id, naming the channel', async () => {
      const db = await engine.open();
      try {
        const clock = new ManualClock('2026-03-02T09:00:00.000Z');
        const first = await createTestHost({ engine, db, clock, plugins: [planSmsPlugin(PRICES)] });
        await first.close();
        const changed = PRICES.map((p) => (p.plan === 'classic' ? { ...p, unitPrice: '0.14' } : p));
        await expect(createTestHost({ engine, db, clock, plugins: [planSmsPlugin(changed)] })).rejects.toThrow(
          /plan-sms.*0\.14.*plan classic.*already has 0\.15/,
        );
        await expect(
          createTestHost({ engine, db, clock, plugins: [planSmsPlugin([{ unitPrice: '0.15', effectiveFrom: '2025-01-01', plan: 'Classic' }])] }),
        ).rejects.toThrow(/plan must be a plan id/);
        // Another plan's row for the same date is another row: it starts.
        const more = await createTestHost({
          engine,
          db,
          clock,
          plugins: [planSmsPlugin([...PRICES, { unitPrice: '0.12', effectiveFrom: '2025-01-01', plan: 'pro' }])],
        });
        await more.close();
      } finally {
        await db.dispose();
      }
    });
  });
}
