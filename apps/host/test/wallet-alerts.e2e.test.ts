import { randomBytes } from 'node:crypto';
import { ManualClock } from '@tollgate/clock';
import { startWebhookSandbox, type WebhookSandbox } from '@tollgate/sandbox-webhooks';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const START = '2026-03-02T09:00:00.000Z';
const CHANNEL = 'alert-sms';
const DAY = 86_400_000;

for (const engine of testEngines()) {
  describe(`wallet alerts e2e (W-13) [${engine.name}]`, () => {
    const clock = new ManualClock(START);
    let t: TestHost;
    let receiver: WebhookSandbox;

    beforeAll(async () => {
      receiver = await startWebhookSandbox({ now: () => clock.now() });
      t = await createTestHost({ engine, clock });
      const price = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: CHANNEL, unit: 'message', unitPrice: '0.25', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      expect(price.status).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    const newAccount = async () => {
      const account = await t.createAccount();
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: account.ownerKey, body: { name: 'reader', role: 'member' } });
      return { ...account, memberKey: member.body.key as string };
    };
    /** Spends `amount` (0.25 a message). */
    const spend = async (key: string, amount: string) => {
      const units = String(Math.round(Number(amount) * 4));
      const res = await t.request({
        method: 'POST',
        path: '/v1/wallet/charges',
        key,
        body: { channel: CHANNEL, units },
        headers: { 'idempotency-key': randomBytes(8).toString('hex') },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { balanceAfter: string };
    };
    const topUp = async (accountId: string, amount: string) => {
      const res = await t.request({
        method: 'POST',
        path: `/admin/accounts/${accountId}/wallet/grants`,
        key: t.adminKey,
        body: { kind: 'purchased', amount },
        headers: { 'idempotency-key': randomBytes(8).toString('hex') },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    const createAlert = async (key: string, body: object, headers: Record<string, string> = {}) => {
      const res = await t.request({ method: 'POST', path: '/v1/wallet/alerts', key, body, headers });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string; state: string; createdAt: string; current: Record<string, string | null> };
    };
    /** The alert events in the wallet's outbox, oldest first. */
    const events = async (accountId: string) =>
      (
        await t.db.query<{ type: string; payload: Record<string, unknown> }>(
          `select type, payload from wallet_events where account_id = $1 and type like 'wallet.alert_%' order by id`,
          [accountId],
        )
      ).rows;
    const mails = async (accountId: string) =>
      (
        await t.db.query<{ recipient: string; event_key: string; data: Record<string, unknown> }>(
          `select recipient, event_key, data from notifications where account_id = $1 and template = 'wallet_alert' order by id`,
          [accountId],
        )
      ).rows;
    const stored = async (accountId: string) =>
      (await t.db.query<{ n: number }>('select count(*)::int as n from wallet_alerts where account_id = $1', [accountId])).rows[0]!.n;

    it('balance_below: one event, one mail and one webhook per crossing; re-armed by a top-up; a retried create makes one alert', async () => {
      const a = await newAccount();
      const endpoint = await t.request({
        method: 'POST',
        path: '/v1/webhook-endpoints',
        key: a.ownerKey,
        body: { url: `${receiver.url}/alerts-a`, eventTypes: ['wallet.alert_triggered'] },
      });
      expect(endpoint.status).toBe(201);
      receiver.setSecrets([endpoint.body.secret]);

      const body = { kind: 'balance_below', amount: '1.50', name: 'Almost empty' };
      const alert = await createAlert(a.ownerKey, body, { 'idempotency-key': 'alert-1' });
      expect(alert).toEqual({
        id: expect.stringMatching(/^\d+$/),
        kind: 'balance_below',
        name: 'Almost empty',
        currency: 'EUR',
        amount: '1.50',
        percent: null,
        days: null,
        burnWindowDays: null,
        enabled: true,
        state: 'armed',
        triggeredAt: null,
        rearmedAt: null,
        createdAt: clock.now().toISOString(),
        updatedAt: clock.now().toISOString(),
        current: { balance: '2.00', threshold: '1.50', daysLeft: null, burnPerDay: null },
      });
      expect(await createAlert(a.ownerKey, body, { 'idempotency-key': 'alert-1' })).toEqual(alert);
      const reused = await t.request({
        method: 'POST',
        path: '/v1/wallet/alerts',
        key: a.ownerKey,
        body: { ...body, amount: '1.00' },
        headers: { 'idempotency-key': 'alert-1' },
      });
      expect(reused.status).toBe(409);
      expect(reused.body.error.code).toBe('idempotency_key_reused');
      expect(await stored(a.accountId)).toBe(1);

      await spend(a.ownerKey, '0.50'); // 1.50: not below
      expect(await events(a.accountId)).toEqual([]);
      await spend(a.ownerKey, '0.25'); // 1.25: the crossing
      await spend(a.ownerKey, '0.25'); // 1.00: below still, nothing more
      expect(await events(a.accountId)).toEqual([
        {
          type: 'wallet.alert_triggered',
          payload: {
            alertId: alert.id,
            accountId: a.accountId,
            kind: 'balance_below',
            name: 'Almost empty',
            threshold: '1.50',
            available: '1.25',
            triggeredAt: clock.now().toISOString(),
          },
        },
      ]);
      expect(await mails(a.accountId)).toEqual([
        {
          recipient: expect.stringMatching(/@example\.test$/),
          event_key: `wallet_alert:${alert.id}:1`,
          data: expect.objectContaining({ alertName: 'Almost empty', kind: 'balance_below', available: '1.25', threshold: '1.50' }),
        },
      ]);
      const listed = await t.request({ path: '/v1/wallet/alerts', key: a.memberKey });
      expect(listed.status).toBe(200);
      expect(listed.body.data).toEqual([expect.objectContaining({ id: alert.id, state: 'triggered', triggeredAt: clock.now().toISOString() })]);

      await t.runJobs();
      const delivered = receiver.received({ path: '/alerts-a' });
      expect(delivered).toHaveLength(1);
      expect(delivered[0]).toMatchObject({
        signature: 'valid',
        json: { type: 'wallet.alert_triggered', data: { alertId: alert.id, accountId: a.accountId, threshold: '1.50', available: '1.25' } },
      });

      await topUp(a.accountId, '5.00'); // 6.00: re-armed
      const rearmed = await t.request({ path: `/v1/wallet/alerts/${alert.id}`, key: a.memberKey });
      expect(rearmed.body).toMatchObject({ state: 'armed', rearmedAt: clock.now().toISOString(), current: { balance: '6.00' } });
      await spend(a.ownerKey, '5.00'); // 1.00: the second crossing
      expect((await events(a.accountId)).map((e) => e.type)).toEqual(['wallet.alert_triggered', 'wallet.alert_rearmed', 'wallet.alert_triggered']);
      expect((await mails(a.accountId)).map((m) => m.event_key)).toEqual([`wallet_alert:${alert.id}:1`, `wallet_alert:${alert.id}:2`]);
      await t.runJobs();
      // The endpoint takes only wallet.alert_triggered: the re-arming is not sent to it.
      expect(receiver.received({ path: '/alerts-a' }).map((r) => (r.json as { type: string }).type)).toEqual([
        'wallet.alert_triggered',
        'wallet.alert_triggered',
      ]);
    });

    it('two hosts spending the same wallet at once: the crossing fires once', async () => {
      const a = await newAccount();
      await topUp(a.accountId, '3.00'); // 5.00
      const alert = await createAlert(a.ownerKey, { kind: 'balance_below', amount: '4.90' });
      const second = await createTestHost({ engine, clock, db: t.db, config: { files: t.filesConfig } });
      try {
        const charge = (host: TestHost, i: number) =>
          host.host.wallet.charge({ accountId: a.accountId, channel: CHANNEL, units: '1', idempotencyKey: `both-${i}` });
        await Promise.all(Array.from({ length: 12 }, (_, i) => charge(i % 2 ? second : t, i)));
      } finally {
        await second.close();
      }
      expect((await t.request({ path: '/v1/wallet', key: a.memberKey })).body.available).toBe('2.00');
      expect(await events(a.accountId)).toEqual([
        { type: 'wallet.alert_triggered', payload: expect.objectContaining({ alertId: alert.id, available: '4.75' }) },
      ]);
      expect(await mails(a.accountId)).toHaveLength(1);
    });

    it('percent_of_last_top_up: a share of the last purchase', async () => {
      const a = await newAccount();
      const alert = await createAlert(a.ownerKey, { kind: 'percent_of_last_top_up', percent: 20 });
      expect(alert.current).toEqual({ balance: '2.00', threshold: null, daysLeft: null, burnPerDay: null });
      await topUp(a.accountId, '10.00');
      await topUp(a.accountId, '20.00'); // 32.00; 20% of the last purchase is 4.00
      expect((await t.request({ path: `/v1/wallet/alerts/${alert.id}`, key: a.memberKey })).body.current).toMatchObject({ threshold: '4.00' });
      await spend(a.ownerKey, '28.00'); // 4.00: not below
      expect(await events(a.accountId)).toEqual([]);
      await spend(a.ownerKey, '0.25');
      expect(await events(a.accountId)).toEqual([
        { type: 'wallet.alert_triggered', payload: expect.objectContaining({ kind: 'percent_of_last_top_up', threshold: '4.00', available: '3.75' }) },
      ]);
    });

    it('refuses bad input with 400 validation_failed and a member’s writes with 403, storing nothing', async () => {
      const a = await newAccount();
      const bad: object[] = [
        { kind: 'balance_below', amount: 5 },
        { kind: 'balance_below', amount: '0' },
        { kind: 'balance_below', amount: '1.001' },
        { kind: 'balance_below' },
        { kind: 'percent_of_last_top_up', percent: 0 },
        { kind: 'percent_of_last_top_up', percent: 101 },
        { kind: 'percent_of_last_top_up', percent: 12.5 },
        { kind: 'percent_of_last_top_up', percent: '20' },
        { kind: 'days_left', days: 5, burnWindowDays: 91 },
        { kind: 'days_left', days: 0 },
        { kind: 'days_left', days: 5, amount: '1.00' },
        { kind: 'balance_above', amount: '1.00' },
        { amount: '1.00' },
        { kind: 'balance_below', amount: '1.00', name: '' },
      ];
      for (const body of bad) {
        const res = await t.request({ method: 'POST', path: '/v1/wallet/alerts', key: a.ownerKey, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      const member = await t.request({ method: 'POST', path: '/v1/wallet/alerts', key: a.memberKey, body: { kind: 'balance_below', amount: '1.00' } });
      expect(member.status).toBe(403);
      expect(member.body.error.code).toBe('insufficient_role');
      expect(await stored(a.accountId)).toBe(0);

      const alert = await createAlert(a.ownerKey, { kind: 'days_left', days: 5 });
      for (const body of [{}, { amount: '1.00' }, { burnWindowDays: 0 }, { enabled: 'yes' }]) {
        const res = await t.request({ method: 'PATCH', path: `/v1/wallet/alerts/${alert.id}`, key: a.ownerKey, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      expect((await t.request({ method: 'PATCH', path: `/v1/wallet/alerts/${alert.id}`, key: a.memberKey, body: { days: 3 } })).status).toBe(403);
      expect((await t.request({ method: 'DELETE', path: `/v1/wallet/alerts/${alert.id}`, key: a.memberKey })).status).toBe(403);
      const unchanged = await t.request({ path: `/v1/wallet/alerts/${alert.id}`, key: a.memberKey });
      expect(unchanged.body).toMatchObject({ days: 5, burnWindowDays: 7, enabled: true, updatedAt: alert.createdAt });

      const other = await newAccount();
      expect((await t.request({ path: `/v1/wallet/alerts/${alert.id}`, key: other.ownerKey })).body.error.code).toBe('alert_not_found');
      const changed = await t.request({ method: 'PATCH', path: `/v1/wallet/alerts/${alert.id}`, key: a.ownerKey, body: { days: 3, name: 'Three days' } });
      expect(changed.body).toMatchObject({ days: 3, name: 'Three days' });
      const removed = await t.request({ method: 'DELETE', path: `/v1/wallet/alerts/${alert.id}`, key: a.ownerKey });
      expect(removed.body).toEqual({ id: alert.id, deleted: true });
      expect(await stored(a.accountId)).toBe(0);
    });

    it('days_left: 2.00 a day over 7 days with 9.00 left fires when midnight moves the window, once across two hosts', async () => {
      const a = await newAccount();
      await topUp(a.accountId, '21.00'); // 23.00
      const alert = await createAlert(a.ownerKey, { kind: 'days_left', days: 5, burnWindowDays: 7 });
      expect(alert.current).toEqual({ balance: '23.00', threshold: null, daysLeft: null, burnPerDay: '0.00' });
      const start = clock.now().getTime();
      for (let day = 0; day < 7; day++) {
        clock.set(new Date(start + day * DAY));
        await spend(a.ownerKey, '2.00');
      }
      // 9.00 left; today's spending counts from tomorrow: 12.00 over the window is 1.71 a day, 5.2 days.
      const before = await t.request({ path: `/v1/wallet/alerts/${alert.id}`, key: a.memberKey });
      expect(before.body).toMatchObject({ state: 'armed', current: { balance: '9.00', daysLeft: '5.2', burnPerDay: '1.71' } });
      expect(await events(a.accountId)).toEqual([]);

      clock.set(new Date(start + 7 * DAY));
      const second = await createTestHost({ engine, clock, db: t.db, config: { files: t.filesConfig } });
      try {
        const [one, two] = await Promise.all([t.host.walletAlerts.jobs.runOnce(), second.host.walletAlerts.jobs.runOnce()]);
        expect(one.triggered + two.triggered).toBe(1);
      } finally {
        await second.close();
      }
      expect(await events(a.accountId)).toEqual([
        {
          type: 'wallet.alert_triggered',
          payload: {
            alertId: alert.id,
            accountId: a.accountId,
            kind: 'days_left',
            name: null,
            threshold: '10.00',
            available: '9.00',
            daysLeft: '4.5',
            burnPerDay: '2.00',
            triggeredAt: clock.now().toISOString(),
          },
        },
      ]);
      expect(await mails(a.accountId)).toEqual([expect.objectContaining({ data: expect.objectContaining({ kind: 'days_left', daysLeft: '4.5' }) })]);
      expect((await t.host.walletAlerts.jobs.runOnce()).triggered).toBe(0);
      // A top-up lifts it above: re-armed in the top-up's own transaction.
      await topUp(a.accountId, '5.00');
      expect((await t.request({ path: `/v1/wallet/alerts/${alert.id}`, key: a.memberKey })).body).toMatchObject({
        state: 'armed',
        current: { daysLeft: '7.0' },
      });
    });
  });
}
