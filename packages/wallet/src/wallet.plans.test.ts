import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type MigrationSet, type TestDatabase } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { PriceCatalog } from './price-catalog.js';
import { WalletRules } from './wallet-rules.js';
import { loadSnapshots } from './wallet-snapshot.js';
import type { Command } from './wallet-state.js';
import type { ChargeResult } from './wallet.types.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';

expect.addEqualityTesters([(a: unknown, b: unknown) => (a instanceof Money && b instanceof Money ? a.equals(b) : undefined)]);
const eur = (amount: string) => Money.of(amount);
const JAN_2025 = new Date('2025-01-01T00:00:00Z');

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; status: number };
  }
  throw new Error('expected a refusal');
}

/*
 * Plans (editions, W-11) on the wallet side: the plan of each wallet, its history, and pricing by
 * plan — a plan's own rows for a channel replace the default rows ('*') for that channel.
 */
for (const engine of testEngines()) {
  describe(`wallet plans [${engine.name}]`, () => {
    let db: TestDatabase;
    let clock: ManualClock;
    let wallet: WalletService;
    let catalog: PriceCatalog;
    let n = 0;
    const account = async (plan?: string) => {
      const id = `plan_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id, ...(plan ? { plan } : {}) });
      return id;
    };

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      clock = new ManualClock('2026-03-01T10:00:00.000Z');
      wallet = new WalletService(db, clock, { trialCredit: '5.00' });
      catalog = new PriceCatalog(db, clock);
      // The sms-reminders seed: the default list, plus a row of each plan (W-11).
      await catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.15', effectiveFrom: JAN_2025 });
      await catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.18', effectiveFrom: new Date('2026-01-01T00:00:00Z') });
      await catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.15', effectiveFrom: JAN_2025, plan: 'classic' });
      await catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.18', effectiveFrom: JAN_2025, plan: 'focus' });
      // post: the default list per country; classic prices BE itself and every other country at its '*' row.
      await catalog.setPrice({ channel: 'post', unit: 'letter', unitPrice: '1.20', country: 'BE', effectiveFrom: JAN_2025 });
      await catalog.setPrice({ channel: 'post', unit: 'letter', unitPrice: '1.35', country: 'NL', effectiveFrom: JAN_2025 });
      await catalog.setPrice({ channel: 'post', unit: 'letter', unitPrice: '1.10', country: 'BE', effectiveFrom: JAN_2025, plan: 'classic' });
      await catalog.setPrice({ channel: 'post', unit: 'letter', unitPrice: '1.60', effectiveFrom: JAN_2025, plan: 'classic' });
      // voice: no plan has rows of its own.
      await catalog.setPrice({ channel: 'voice', unit: 'minute', unitPrice: '0.0125', effectiveFrom: JAN_2025 });
      // scan: a classic row that only takes effect later; until then classic pays the default price.
      await catalog.setPrice({ channel: 'scan', unit: 'scan', unitPrice: '0.10', effectiveFrom: JAN_2025 });
      await catalog.setPrice({ channel: 'scan', unit: 'scan', unitPrice: '0.08', effectiveFrom: new Date('2026-06-01T00:00:00Z'), plan: 'classic' });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('opens wallets on the default plan (focus), on the plan named, or on the configured default', async () => {
      const focus = await account();
      const classic = await account('classic');
      expect(await wallet.planOf({ accountId: focus })).toEqual({ plan: 'focus', since: clock.now() });
      expect(await wallet.planOf({ accountId: classic })).toEqual({ plan: 'classic', since: clock.now() });
      expect(await wallet.planHistory({ accountId: classic })).toEqual([{ plan: 'classic', from: clock.now(), to: null, changedBy: null }]);
      expect(await wallet.planOf({ accountId: 'nobody' })).toBeNull();
      expect(await wallet.planHistory({ accountId: 'nobody' })).toEqual([]);
      expect((await refusal(wallet.openWallet({ accountId: 'bad-plan', plan: 'Classic Plus' }))).code).toBe('invalid_plan');
      expect(await wallet.exists({ accountId: 'bad-plan' })).toBe(false);
      // The host passes its config's default; without trial credit the wallet is opened by a plain insert.
      const configured = new WalletService(db, clock, { defaultPlan: 'classic', trialCredit: '0' });
      await configured.openWallet({ accountId: `plan_${engine.name}_cfg` });
      expect((await wallet.planOf({ accountId: `plan_${engine.name}_cfg` }))?.plan).toBe('classic');
      expect(await wallet.planHistory({ accountId: `plan_${engine.name}_cfg` })).toHaveLength(1);
      expect(() => new WalletService(db, clock, { defaultPlan: '*' })).toThrow(expect.objectContaining({ code: 'invalid_plan' }));
    });

    it('moves an account between plans: idempotent by key, a no-op for the same plan, refused without a wallet or with a bad id', async () => {
      const id = await account();
      const opened = clock.now();
      clock.advance({ minutes: 1 });
      const moved = await wallet.setPlan({ accountId: id, plan: 'classic', changedBy: 'usr_admin', idempotencyKey: 'move-1' });
      expect(moved).toEqual({ plan: 'classic', since: clock.now(), changed: true });
      const movedAt = clock.now();
      clock.advance({ minutes: 1 });
      // A retry answers the first answer, even later; the key with another plan is refused and changes nothing.
      expect(await wallet.setPlan({ accountId: id, plan: 'classic', idempotencyKey: 'move-1' })).toEqual(moved);
      expect(await refusal(wallet.setPlan({ accountId: id, plan: 'focus', idempotencyKey: 'move-1' }))).toMatchObject({
        code: 'idempotency_key_reused',
        status: 409,
      });
      // The same plan again: nothing changes, no history row.
      expect(await wallet.setPlan({ accountId: id, plan: 'classic' })).toEqual({ plan: 'classic', since: movedAt, changed: false });
      // A key of a spend is not a key of a plan move.
      await wallet.charge({ accountId: id, channel: 'voice', units: '1', idempotencyKey: 'spend-1' });
      expect((await refusal(wallet.setPlan({ accountId: id, plan: 'focus', idempotencyKey: 'spend-1' }))).code).toBe('idempotency_key_reused');
      expect((await refusal(wallet.setPlan({ accountId: id, plan: 'Focus!' }))).code).toBe('invalid_plan');
      expect((await refusal(wallet.setPlan({ accountId: id, plan: '*' }))).code).toBe('invalid_plan');
      expect(await refusal(wallet.setPlan({ accountId: 'nobody', plan: 'classic' }))).toMatchObject({ code: 'not_found', status: 404 });
      expect(await wallet.exists({ accountId: 'nobody' })).toBe(false);
      clock.advance({ minutes: 1 });
      const back = await wallet.setPlan({ accountId: id, plan: 'focus', changedBy: 'usr_other' });
      expect(back.changed).toBe(true);
      expect(await wallet.planOf({ accountId: id })).toEqual({ plan: 'focus', since: clock.now() });
      expect(await wallet.planHistory({ accountId: id })).toEqual([
        { plan: 'focus', from: opened, to: movedAt, changedBy: null },
        { plan: 'classic', from: movedAt, to: clock.now(), changedBy: 'usr_admin' },
        { plan: 'focus', from: clock.now(), to: null, changedBy: 'usr_other' },
      ]);
    });

    it('answers a retried move from the history once the key record is purged', async () => {
      const id = await account();
      const moved = await wallet.setPlan({ accountId: id, plan: 'classic', idempotencyKey: 'kept' });
      await db.query('delete from idempotency_keys where account_id = $1 and key = $2', [id, 'kept']);
      expect(await wallet.setPlan({ accountId: id, plan: 'classic', idempotencyKey: 'kept' })).toEqual(moved);
      expect((await refusal(wallet.setPlan({ accountId: id, plan: 'focus', idempotencyKey: 'kept' }))).code).toBe('idempotency_key_reused');
      expect(await wallet.planHistory({ accountId: id })).toHaveLength(2);
    });

    it('records account.plan_changed in the outbox for a real move only: not on opening, the same plan, or a replayed key', async () => {
      const moves = async (accountId: string) =>
        (
          await db.query<{ payload: Record<string, unknown>; created_at: Date; published_at: Date | null }>(
            `select payload, created_at, published_at from wallet_events where account_id = $1 and type = 'account.plan_changed' order by id`,
            [accountId],
          )
        ).rows;
      const heard: unknown[] = [];
      const listener = (event: unknown) => heard.push(event);
      wallet.events.on('account.plan_changed', listener);
      try {
        const id = await account();
        // Opening the wallet writes its first history row, which is not a move.
        expect(await moves(id)).toEqual([]);
        clock.advance({ minutes: 5 });
        await wallet.setPlan({ accountId: id, plan: 'classic', changedBy: 'usr_admin', idempotencyKey: 'ev-move-1' });
        const movedAt = clock.now();
        const first = { accountId: id, plan: 'classic', previousPlan: 'focus', changedAt: movedAt.toISOString(), changedBy: 'usr_admin' };
        expect(await moves(id)).toEqual([{ payload: first, created_at: movedAt, published_at: null }]);
        expect(heard).toEqual([{ type: 'account.plan_changed', payload: first, accountId: id }]);
        clock.advance({ minutes: 1 });
        // The same plan again, a replayed key, and a replay once the key's record is purged: no event.
        expect((await wallet.setPlan({ accountId: id, plan: 'classic' })).changed).toBe(false);
        expect((await wallet.setPlan({ accountId: id, plan: 'classic', idempotencyKey: 'ev-move-1' })).changed).toBe(true);
        expect((await wallet.setPlan({ accountId: id, plan: 'classic', idempotencyKey: 'ev-same' })).changed).toBe(false);
        await db.query('delete from idempotency_keys where account_id = $1 and key = $2', [id, 'ev-move-1']);
        expect((await wallet.setPlan({ accountId: id, plan: 'classic', idempotencyKey: 'ev-move-1' })).changed).toBe(true);
        // A refused move (the key with another plan) records nothing either.
        expect((await refusal(wallet.setPlan({ accountId: id, plan: 'focus', idempotencyKey: 'ev-move-1' }))).code).toBe('idempotency_key_reused');
        expect(await moves(id)).toHaveLength(1);
        expect(heard).toHaveLength(1);
        // A move by the platform (no user) says so; the events follow the history, with the wallet's other events in order.
        clock.advance({ minutes: 1 });
        await wallet.charge({ accountId: id, channel: 'voice', units: '1', idempotencyKey: 'ev-spend' });
        await wallet.setPlan({ accountId: id, plan: 'focus' });
        expect((await moves(id)).map((r) => r.payload)).toEqual([
          first,
          { accountId: id, plan: 'focus', previousPlan: 'classic', changedAt: clock.now().toISOString(), changedBy: null },
        ]);
        const { rows } = await db.query<{ type: string }>('select type from wallet_events where account_id = $1 order by id', [id]);
        expect(rows.map((r) => r.type)).toEqual(['wallet.topped_up', 'account.plan_changed', 'wallet.charged', 'account.plan_changed']);
        expect(heard).toHaveLength(2);
      } finally {
        wallet.events.off('account.plan_changed', listener);
      }
    });

    it("charges each account at its plan's price: classic €0.15, focus €0.18 for the same SMS", async () => {
      const classic = await account('classic');
      const focus = await account('focus');
      const sms = { channel: 'sms-reminder', units: '1', idempotencyKey: 'sms' };
      expect(await wallet.charge({ accountId: classic, ...sms })).toMatchObject({ amount: eur('0.15'), unitPrice: eur('0.15') });
      expect(await wallet.charge({ accountId: focus, ...sms })).toMatchObject({ amount: eur('0.18'), unitPrice: eur('0.18') });
      // country precedence inside the plan: classic's BE row, else classic's '*' row (not the default NL row).
      expect(await wallet.charge({ accountId: classic, channel: 'post', units: '1', country: 'BE', idempotencyKey: 'be' })).toMatchObject({
        amount: eur('1.10'),
      });
      expect(await wallet.charge({ accountId: classic, channel: 'post', units: '1', country: 'NL', idempotencyKey: 'nl' })).toMatchObject({
        amount: eur('1.60'),
      });
      // focus has no post rows: the default list by country, and no price where it has none.
      expect(await wallet.charge({ accountId: focus, channel: 'post', units: '1', country: 'NL', idempotencyKey: 'nl' })).toMatchObject({
        amount: eur('1.35'),
      });
      expect((await refusal(wallet.charge({ accountId: focus, channel: 'post', units: '1', country: 'DE', idempotencyKey: 'de' }))).code).toBe('no_price');
      // A plan row from a later date takes over from that date; before it the default rows apply.
      expect(await wallet.charge({ accountId: classic, channel: 'scan', units: '10', idempotencyKey: 'scan-1' })).toMatchObject({ amount: eur('1.00') });
      clock.set('2026-06-01T00:00:00.000Z');
      expect(await wallet.quote({ accountId: classic, channel: 'scan', units: '10' })).toMatchObject({ amount: eur('0.80') });
      expect(await wallet.quote({ accountId: focus, channel: 'scan', units: '10' })).toMatchObject({ amount: eur('1.00') });
      clock.set('2026-03-01T10:00:00.000Z');
    });

    it('prices a batch with wallets on different plans each on its own plan (one transaction, one catalog slice)', async () => {
      const accounts = await Promise.all(['classic', 'focus', 'classic', 'focus'].map((plan) => account(plan)));
      const sms = (key: string): Command => ({
        op: 'charge',
        idempotencyKey: key,
        channel: 'sms-reminder',
        units: '2',
        country: null,
        description: 'sms',
        metadata: {},
      });
      // What one batch transaction does: one read for every wallet, then each wallet's rules.
      const amounts = await db.transaction(async (tx) => {
        const now = clock.now();
        const { snapshots, ids } = await loadSnapshots(tx, { now, requests: accounts.map((accountId) => ({ accountId, commands: [sms('batch')] })) });
        const slices = new Set([...snapshots.values()].map((s) => s.catalog));
        expect(slices.size).toBe(1);
        expect(new Set([...slices][0]!.prices.map((p) => p.plan))).toEqual(new Set(['*', 'classic', 'focus']));
        return accounts.map((accountId) => {
          const outcome = new WalletRules(snapshots.get(accountId)!, now, ids).apply(sms('batch'));
          return outcome.ok ? (outcome.result as ChargeResult).amount.toString() : outcome.error.code;
        });
      });
      expect(amounts).toEqual(['0.30', '0.36', '0.30', '0.36']);
      // And through the service, queued together (one worker, so they share batches).
      const one = new WalletService(db, clock, { concurrency: 1 });
      const results = await Promise.all(accounts.map((accountId) => one.charge({ accountId, channel: 'sms-reminder', units: '2', idempotencyKey: 'queued' })));
      expect(results.map((r) => r.amount.toString())).toEqual(['0.30', '0.36', '0.30', '0.36']);
    });

    it('keeps the held unit price when the plan changes between hold and capture; the quote equals the hold', async () => {
      const id = await account('focus');
      const quote = await wallet.quote({ accountId: id, channel: 'sms-reminder', units: '4' });
      const held = await wallet.hold({ accountId: id, channel: 'sms-reminder', units: '4', idempotencyKey: 'h' });
      expect(held.amount).toEqual(quote.amount);
      expect(held).toMatchObject({ amount: eur('0.72'), unitPrice: eur('0.18') });
      await wallet.setPlan({ accountId: id, plan: 'classic' });
      expect(await wallet.quote({ accountId: id, channel: 'sms-reminder', units: '4' })).toMatchObject({ amount: eur('0.60') });
      const captured = await wallet.capture({ accountId: id, holdId: held.holdId, units: '3', idempotencyKey: 'c' });
      expect(captured.captured).toEqual(eur('0.54'));
      // A new spend after the move pays the new plan's price; the history keeps what was paid.
      const after = await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'after' });
      expect(after.amount).toEqual(eur('0.15'));
      const lines = await wallet.historyLines({ accountId: id, type: 'spend' });
      expect(lines.data.map((l) => l.amount.toString())).toEqual(['-0.15', '-0.54']);
      expect((await wallet.balance({ accountId: id })).available).toEqual(eur('4.31'));
      expect((await checkInvariants({ db })).problems).toEqual([]);
    });

    it('reads and writes catalog rows per plan: priceAt by plan or account, list, seeding the same row twice', async () => {
      const classic = await account('classic');
      const focus = await account('focus');
      const at = (input: Parameters<PriceCatalog['priceAt']>[0]) =>
        catalog.priceAt(input).then((p) => p && { unitPrice: p.unitPrice.toString(), plan: p.plan });
      expect(await at({ channel: 'sms-reminder' })).toEqual({ unitPrice: '0.18', plan: '*' });
      expect(await at({ channel: 'sms-reminder', plan: 'classic' })).toEqual({ unitPrice: '0.15', plan: 'classic' });
      expect(await at({ channel: 'sms-reminder', accountId: classic })).toEqual({ unitPrice: '0.15', plan: 'classic' });
      expect(await at({ channel: 'sms-reminder', accountId: focus })).toEqual({ unitPrice: '0.18', plan: 'focus' });
      expect(await at({ channel: 'post', country: 'NL', accountId: classic })).toEqual({ unitPrice: '1.60', plan: 'classic' });
      expect(await at({ channel: 'post', country: 'NL', accountId: focus })).toEqual({ unitPrice: '1.35', plan: '*' });
      expect(await at({ channel: 'voice', plan: 'classic' })).toEqual({ unitPrice: '0.0125', plan: '*' });
      // An account without a wallet: the plan it would be opened on (focus).
      expect(await at({ channel: 'sms-reminder', accountId: 'nobody' })).toEqual({ unitPrice: '0.18', plan: 'focus' });
      expect(await at({ channel: 'sms-reminder', at: new Date('2024-12-31T00:00:00Z'), plan: 'classic' })).toBeUndefined();
      await expect(catalog.priceAt({ channel: 'sms-reminder', plan: 'No Plan' })).rejects.toMatchObject({ code: 'invalid_plan' });

      expect((await catalog.list({ channel: 'sms-reminder' })).map((p) => `${p.plan}:${p.unitPrice.toString()}`)).toEqual([
        '*:0.15',
        '*:0.18',
        'classic:0.15',
        'focus:0.18',
      ]);
      expect((await catalog.list({ plan: 'classic' })).map((p) => p.channel)).toEqual(['post', 'post', 'scan', 'sms-reminder']);
      expect((await catalog.list({ channel: 'sms-reminder', plan: '*' })).map((p) => p.plan)).toEqual(['*', '*']);
      // The same row again is fine; a different price for the same (channel, country, plan, date) is a conflict; other plans are other rows.
      const again = await catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.15', effectiveFrom: JAN_2025, plan: 'classic' });
      expect(again.plan).toBe('classic');
      await expect(
        catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.16', effectiveFrom: JAN_2025, plan: 'classic' }),
      ).rejects.toMatchObject({
        code: 'price_exists',
      });
      await expect(
        catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.2', effectiveFrom: JAN_2025, plan: 'Bad' }),
      ).rejects.toMatchObject({
        code: 'invalid_plan',
      });
      const other = await catalog.setPrice({ channel: 'voice', unit: 'minute', unitPrice: '0.02', effectiveFrom: JAN_2025, plan: 'pro-2' });
      expect(other).toMatchObject({ plan: 'pro-2', country: '*' });
    });
  });

  describe(`wallet plans: spends racing plan moves [${engine.name}]`, () => {
    let db: TestDatabase;
    afterAll(async () => {
      await db?.dispose();
    });

    it('prices every spend at the plan in force when it ran, keeps held prices, and the ledger invariants hold', async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      const clock = new ManualClock('2026-03-01T10:00:00.000Z');
      const catalog = new PriceCatalog(db, clock);
      const PRICE: Record<string, string> = { classic: '0.15', focus: '0.18', pro: '0.20' };
      for (const [plan, unitPrice] of Object.entries(PRICE))
        await catalog.setPrice({ channel: 'race-sms', unit: 'message', unitPrice, effectiveFrom: JAN_2025, plan });
      // Two services on one database: two in-process queues meeting at the wallet row lock, as two hosts do.
      const a = new WalletService(db, clock, { trialCredit: '0' });
      const b = new WalletService(db, clock, { trialCredit: '0', maxBatch: 3 });
      const ids = [`race_${engine.name}_1`, `race_${engine.name}_2`];
      for (const id of ids) {
        await a.openWallet({ accountId: id });
        await a.grant({ accountId: id, kind: 'purchased', amount: '20.00', idempotencyKey: 'fund' });
      }
      const held = await Promise.all(ids.map((accountId) => a.hold({ accountId, channel: 'race-sms', units: '10', idempotencyKey: 'held' })));
      expect(held.map((h) => h.amount.toString())).toEqual(['1.80', '1.80']);
      // Waves: in each, charges from both services race one move to the next plan of the rotation, so a charge of
      // wave w may only be priced on the plan before the move or after it — never on the third plan.
      const rotation = ['classic', 'pro', 'focus'];
      const allowed = new Map<string, string[]>();
      let before = 'focus';
      for (let w = 0; w < 6; w++) {
        const plan = rotation[w % 3]!;
        const work: Array<Promise<unknown>> = [];
        for (const [n, accountId] of ids.entries()) {
          for (let c = 0; c < 4; c++) {
            const key = `w${w}-c${c}`;
            allowed.set(`${accountId}/${key}`, [PRICE[before]!, PRICE[plan]!]);
            work.push(((c + n) % 2 ? a : b).charge({ accountId, channel: 'race-sms', units: '1', idempotencyKey: key }));
            if (c === 1) work.push((w % 2 ? a : b).setPlan({ accountId, plan, changedBy: `mover-${w}`, idempotencyKey: `move-${w}` }));
          }
          // A retried charge answers what the first did (and is not charged twice); so does a retried move.
          work.push((n ? a : b).charge({ accountId, channel: 'race-sms', units: '1', idempotencyKey: `w${w}-c0` }));
          work.push((n ? b : a).setPlan({ accountId, plan, idempotencyKey: `move-${w}` }));
          if (w === 3) work.push(b.capture({ accountId, holdId: held[n]!.holdId, units: '7', idempotencyKey: 'cap' }));
        }
        const settled = await Promise.allSettled(work);
        expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
        before = plan;
      }

      const seen = new Set<string>();
      for (const accountId of ids) {
        const { rows } = await db.query<{ key: string; unit_price: string; amount: string }>(
          `select idempotency_key as key, metadata->>'unitPrice' as unit_price, amount::text from ledger_transactions where account_id = $1 and type = 'charge'`,
          [accountId],
        );
        expect(rows).toHaveLength(24);
        for (const r of rows) {
          const unitPrice = Money.of(r.unit_price).toString();
          expect(allowed.get(`${accountId}/${r.key}`)).toContain(unitPrice);
          expect(r.amount).toBe(`-${unitPrice}`);
          seen.add(unitPrice);
        }
        // The capture took 7 units at the held 0.18 (3 x 0.18 back), whatever the plan was by then.
        const {
          rows: [capture],
        } = await db.query<{ amount: string }>(`select amount::text from ledger_transactions where account_id = $1 and type = 'capture'`, [accountId]);
        expect(capture!.amount).toBe('0.54');
        const spent = rows.reduce((sum, r) => sum.plus(Money.of(r.amount).negated()), eur('0'));
        expect((await a.balance({ accountId })).available).toEqual(eur('20.00').minus(spent).minus(eur('1.26')));
        // One history row per move (the opening row, then six real changes), the plan the last move's.
        const history = await a.planHistory({ accountId });
        expect(history.map((h) => h.plan)).toEqual(['focus', 'classic', 'pro', 'focus', 'classic', 'pro', 'focus']);
        expect((await a.planOf({ accountId }))!.plan).toBe('focus');
        // One outbox event per real move (none for the retried moves or the opening), in the history's order.
        const { rows: events } = await db.query<{ payload: { plan: string; previousPlan: string; changedBy: string | null } }>(
          `select payload from wallet_events where account_id = $1 and type = 'account.plan_changed' order by id`,
          [accountId],
        );
        expect(events.map((e) => [e.payload.previousPlan, e.payload.plan, e.payload.changedBy])).toEqual(
          history.slice(1).map((h, i) => [history[i]!.plan, h.plan, h.changedBy]),
        );
        // Each wave's move was made once, by the first call or its retry (which names no user), whichever won the lock.
        for (const [w, e] of events.entries()) expect([`mover-${w}`, null]).toContain(e.payload.changedBy);
      }
      // The waves really moved the accounts between spends (which plan won each race is up to the scheduler).
      expect(seen.size).toBeGreaterThanOrEqual(2);
      expect((await checkInvariants({ db })).problems).toEqual([]);
    });
  });

  describe(`wallet plans: migration 0005 on an existing database [${engine.name}]`, () => {
    let db: TestDatabase;
    afterAll(async () => {
      await db?.dispose();
    });

    it('puts existing wallets on focus with a first history row, and existing prices in the default list', async () => {
      db = await engine.open();
      const through0004: MigrationSet = { ...walletMigrations, migrations: walletMigrations.migrations.filter((m) => m.id < '0005') };
      await migrate({ db, sets: [through0004] });
      const clock = new ManualClock('2025-05-01T10:00:00.000Z');
      await db.query('insert into wallets (account_id, created_at, updated_at) values ($1, $2, $2)', ['old_1', clock.now()]);
      await db.query(
        `insert into prices (channel, unit, country, unit_price, effective_from, created_at) values ('sms-reminder', 'message', '*', 0.15, $1, $2)`,
        [JAN_2025, clock.now()],
      );
      expect((await migrate({ db, sets: [walletMigrations] })).applied).toContain('wallet/0005_plans');
      const wallet = new WalletService(db, clock, {});
      expect(await wallet.planOf({ accountId: 'old_1' })).toEqual({ plan: 'focus', since: clock.now() });
      expect(await wallet.planHistory({ accountId: 'old_1' })).toEqual([{ plan: 'focus', from: clock.now(), to: null, changedBy: null }]);
      const catalog = new PriceCatalog(db, clock);
      expect((await catalog.list()).map((p) => [p.plan, p.unitPrice.toString()])).toEqual([['*', '0.15']]);
      // The old unique key is gone: the same channel, country and date on another plan is another row.
      await catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.18', effectiveFrom: JAN_2025, plan: 'focus' });
      expect(await catalog.list()).toHaveLength(2);
      await expect(
        db.query(
          `insert into prices (channel, unit, country, plan, unit_price, effective_from, created_at) values ('sms-reminder', 'message', '*', 'focus', 0.2, '2025-01-01', now())`,
        ),
      ).rejects.toThrow();
    });
  });
}
