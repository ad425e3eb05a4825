import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase, type Transaction } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { PriceCatalog, walletMigrations, WalletService } from '@tollgate/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertJson } from './alert-json.js';
import { walletAlertMigrations } from './alert.migrations.js';
import type { AlertNotifier } from './alert.types.js';
import { WalletAlertService } from './wallet-alert.service.js';

const DAY = 86_400_000;

for (const engine of testEngines()) {
  describe(`wallet alerts [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let wallet: WalletService;
    let alerts: WalletAlertService;
    const mails: Array<{ accountId: string; eventKey: string; data: Record<string, unknown> }> = [];
    const errors: unknown[] = [];
    let failMail = 0;
    const notifier: AlertNotifier = {
      notify: async (input: { tx: Transaction; accountId: string; eventKey: string; data: Record<string, unknown> }) => {
        if (failMail > 0) {
          failMail--;
          throw new Error('outbox down');
        }
        mails.push({ accountId: input.accountId, eventKey: input.eventKey, data: input.data });
      },
    };
    let n = 0;
    const account = async () => {
      const id = `acc_alerts_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id });
      return id;
    };
    let keys = 0;
    /** Spends `amount` (the sms price is 0.25 a unit). */
    const spend = (accountId: string, amount: string) =>
      wallet.charge({ accountId, channel: 'sms', units: Money.of(amount).toCents() / 25n + '', idempotencyKey: `c${++keys}` });
    const topUp = (accountId: string, amount: string) => wallet.grant({ accountId, kind: 'purchased', amount, idempotencyKey: `g${++keys}` });
    const fired = async (accountId: string) =>
      (
        await db.query<{ type: string; payload: Record<string, unknown> }>(
          `select type, payload from wallet_events where account_id = $1 and type like 'wallet.alert_%' order by id`,
          [accountId],
        )
      ).rows;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations, walletAlertMigrations] });
      wallet = new WalletService(db, clock, {});
      alerts = new WalletAlertService(db, clock, notifier, { onError: (error) => errors.push(error) });
      wallet.addTransactionHook(alerts.hook);
      await new PriceCatalog(db, clock).setPrice({ channel: 'sms', unit: 'message', unitPrice: '0.25', effectiveFrom: new Date('2026-01-01T00:00:00Z') });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('balance_below fires once per crossing, in the transaction that crossed, and re-arms on a top-up', async () => {
      const id = await account();
      const { alert } = await alerts.create({ accountId: id, alert: { kind: 'balance_below', amount: Money.of('1.50'), name: 'Almost empty' } });
      expect(alert).toMatchObject({ state: 'armed', amount: '1.50', current: { balance: '2.00', threshold: '1.50', daysLeft: null } });
      await spend(id, '0.50'); // 1.50: not below
      expect(await fired(id)).toEqual([]);
      await spend(id, '0.25'); // 1.25: crosses
      await spend(id, '0.25'); // 1.00: still below, no second firing
      expect(await fired(id)).toEqual([
        {
          type: 'wallet.alert_triggered',
          payload: {
            alertId: alert.id,
            accountId: id,
            kind: 'balance_below',
            name: 'Almost empty',
            threshold: '1.50',
            available: '1.25',
            triggeredAt: clock.now().toISOString(),
          },
        },
      ]);
      expect(mails.filter((m) => m.accountId === id)).toEqual([
        {
          accountId: id,
          eventKey: `wallet_alert:${alert.id}:1`,
          data: { alertName: 'Almost empty', kind: 'balance_below', available: '1.25', threshold: '1.50', daysLeft: '' },
        },
      ]);
      expect((await alerts.get({ accountId: id, alertId: alert.id })).state).toBe('triggered');

      await topUp(id, '5.00'); // 6.00: re-armed
      expect((await fired(id)).map((e) => e.type)).toEqual(['wallet.alert_triggered', 'wallet.alert_rearmed']);
      expect((await alerts.get({ accountId: id, alertId: alert.id })).state).toBe('armed');
      await spend(id, '5.00'); // 1.00: the second crossing
      expect((await fired(id)).map((e) => e.type)).toEqual(['wallet.alert_triggered', 'wallet.alert_rearmed', 'wallet.alert_triggered']);
      expect(mails.filter((m) => m.accountId === id).map((m) => m.eventKey)).toEqual([`wallet_alert:${alert.id}:1`, `wallet_alert:${alert.id}:2`]);
    });

    it('an alert made when its condition already holds fires at once; a disabled one never fires', async () => {
      const id = await account();
      const { alert } = await alerts.create({ accountId: id, alert: { kind: 'balance_below', amount: Money.of('5.00') } });
      expect(alert.state).toBe('triggered');
      const off = await alerts.create({ accountId: id, alert: { kind: 'balance_below', amount: Money.of('1.00'), enabled: false } });
      await spend(id, '1.50');
      expect((await fired(id)).map((e) => e.payload.alertId)).toEqual([alert.id]);
      // Switching it on checks it at once.
      const on = await alerts.update({ accountId: id, alertId: off.alert.id, patch: { enabled: true } });
      expect(on.state).toBe('triggered');
      expect((await fired(id)).map((e) => e.payload.alertId)).toEqual([alert.id, off.alert.id]);
    });

    it('percent_of_last_top_up measures against the last purchase, not the trial or a promotion', async () => {
      const id = await account();
      const { alert } = await alerts.create({ accountId: id, alert: { kind: 'percent_of_last_top_up', percent: 20 } });
      expect(alert.current).toEqual({ balance: '2.00', threshold: null, daysLeft: null, burnPerDay: null });
      await topUp(id, '10.00');
      await topUp(id, '20.00');
      await wallet.grant({ accountId: id, kind: 'promo', amount: '50.00', idempotencyKey: 'promo' });
      expect((await alerts.get({ accountId: id, alertId: alert.id })).current.threshold?.toString()).toBe('4.00');
      await spend(id, '78.00'); // 82.00 → 4.00: not below 4.00
      expect(await fired(id)).toEqual([]);
      await spend(id, '0.25');
      expect(await fired(id)).toEqual([expect.objectContaining({ payload: expect.objectContaining({ threshold: '4.00', available: '3.75' }) })]);
    });

    it('days_left: the burn over the last complete days; the sweep fires it when midnight moves the window, once across two hosts', async () => {
      const id = await account();
      await topUp(id, '21.00'); // 23.00
      const { alert } = await alerts.create({ accountId: id, alert: { kind: 'days_left', days: 5, burnWindowDays: 7 } });
      expect(alert.current).toEqual({ balance: '23.00', threshold: null, daysLeft: null, burnPerDay: '0.00' });
      const start = clock.now().getTime();
      for (let day = 0; day < 7; day++) {
        clock.set(new Date(start + day * DAY));
        await spend(id, '2.00');
      }
      // 9.00 left; today's 2.00 counts from tomorrow: 12.00 over the last 7 days is 1.71 a day, 5.2 days.
      const today = await alerts.get({ accountId: id, alertId: alert.id });
      expect(today).toMatchObject({ state: 'armed' });
      expect(today.current.daysLeft).toBe('5.2');
      expect(await fired(id)).toEqual([]);

      // Time alone: after midnight the window holds the seven days of 2.00.
      clock.set(new Date(start + 7 * DAY));
      const twin = new WalletAlertService(db, clock, notifier, {});
      const [a, b] = await Promise.all([alerts.sweep(), twin.sweep()]);
      expect(a.triggered + b.triggered).toBe(1);
      const events = await fired(id);
      expect(events).toEqual([
        {
          type: 'wallet.alert_triggered',
          payload: {
            alertId: alert.id,
            accountId: id,
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
      expect(await alerts.sweep()).toMatchObject({ triggered: 0 });

      // Spending stops: two days on, 10.00 over the window is 1.43 a day, 6.3 days: re-armed.
      clock.set(new Date(start + 9 * DAY));
      expect(await alerts.sweep()).toMatchObject({ rearmed: 1 });
      expect(alertJson(await alerts.get({ accountId: id, alertId: alert.id })).current).toEqual({
        balance: '9.00',
        threshold: '7.15',
        daysLeft: '6.3',
        burnPerDay: '1.43',
      });
      clock.set(new Date(start));
    });

    it('refuses a 21st alert, a reused key and another kind’s parameter, and changes nothing', async () => {
      const id = await account();
      const first = await alerts.create({ accountId: id, alert: { kind: 'balance_below', amount: Money.of('1.00') }, idempotencyKey: 'api:k' });
      const again = await alerts.create({ accountId: id, alert: { kind: 'balance_below', amount: Money.of('1.00') }, idempotencyKey: 'api:k' });
      expect(again).toEqual({ alert: first.alert, replayed: true });
      await expect(alerts.create({ accountId: id, alert: { kind: 'balance_below', amount: Money.of('2.00') }, idempotencyKey: 'api:k' })).rejects.toMatchObject(
        { code: 'idempotency_key_reused', status: 409 },
      );
      for (let i = 1; i < 20; i++) await alerts.create({ accountId: id, alert: { kind: 'percent_of_last_top_up', percent: i } });
      await expect(alerts.create({ accountId: id, alert: { kind: 'percent_of_last_top_up', percent: 50 } })).rejects.toMatchObject({
        code: 'too_many_alerts',
        status: 422,
      });
      expect(await alerts.list({ accountId: id })).toHaveLength(20);
      await expect(alerts.update({ accountId: id, alertId: first.alert.id, patch: { percent: 5 } })).rejects.toMatchObject({
        code: 'validation_failed',
        status: 400,
      });
      const other = await account();
      await expect(alerts.get({ accountId: other, alertId: first.alert.id })).rejects.toMatchObject({ code: 'alert_not_found', status: 404 });
      await expect(alerts.delete({ accountId: other, alertId: first.alert.id })).rejects.toMatchObject({ code: 'alert_not_found' });
      await alerts.delete({ accountId: id, alertId: first.alert.id });
      expect(await alerts.list({ accountId: id })).toHaveLength(19);
    });

    it('a fault in alerts never stops the money: the charge commits, the alert stays armed for the next change', async () => {
      const id = await account();
      const { alert } = await alerts.create({ accountId: id, alert: { kind: 'balance_below', amount: Money.of('1.50') } });
      failMail = 1;
      const charged = await spend(id, '1.00');
      expect(charged.balanceAfter.toString()).toBe('1.00');
      expect(errors).toHaveLength(1);
      expect(await fired(id)).toEqual([]);
      expect((await alerts.get({ accountId: id, alertId: alert.id })).state).toBe('armed');
      await spend(id, '0.25');
      expect((await fired(id)).map((e) => e.payload.available)).toEqual(['0.75']);
    });
  });
}
