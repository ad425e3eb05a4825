import { coreServices, definePlugin, defineRoute, httpRoutesExtensionPoint, type TollgateEvent } from '@tollgate/plugin-sdk';
import { SETTLING_IBANS, startBankSandbox, type BankSandbox } from '@tollgate/sandbox-bank';
import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { startWebhookSandbox, type WebhookSandbox } from '@tollgate/sandbox-webhooks';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin } from './fixtures/bundled-plugins.js';

/** The plan moves the plugin below was handed (coreServices.events), every delivery. */
const planMoves: Array<TollgateEvent<'account.plan_changed'>> = [];

/** A plugin that shows what coreServices.plans tells it, and hears of plan moves (since plugin API 2.4). */
const planReader = definePlugin({
  id: 'test-plan-reader',
  compatibility: '^2.4.0',
  register(env) {
    env.registerInit({
      deps: { plans: coreServices.plans, routes: httpRoutesExtensionPoint, events: coreServices.events },
      async init({ plans, routes, events }) {
        events.subscribe({
          name: 'plan-moves',
          types: ['account.plan_changed'],
          async handler(event) {
            planMoves.push(event);
          },
        });
        routes.add(
          defineRoute({
            method: 'GET',
            path: '/plan',
            auth: 'account',
            summary: "The caller's plan as a plugin reads it",
            async handler({ caller }) {
              const plan = await plans.forAccount({ accountId: caller.accountId });
              const none = await plans.forAccount({ accountId: 'acc_00000000000000000000000000' });
              return { status: 200, body: { id: plan?.id, since: plan?.since.toISOString(), countries: plan?.rules.countries, none } };
            },
          }),
        );
      },
    });
  },
});

const SECRET = 'whsec_plans_e2e';

/**
 * Plans (W-11) end to end: the plan routes, the CLI's operator commands, coreServices.plans, and the
 * payment methods each plan takes per purpose, through HTTP with the card and bank sandboxes.
 */
for (const engine of testEngines()) {
  describe(`plans e2e [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let t: TestHost;
    let cards: CardSandbox;
    let bank: BankSandbox;
    let receiver: WebhookSandbox;
    let n = 0;

    const keyed = (key: string) => ({ 'idempotency-key': key });
    const newAccount = async (plan?: string) => {
      n += 1;
      const res = await t.request<{ account: { id: string }; apiKey: { key: string }; plan: string }>({
        method: 'POST',
        path: '/admin/accounts',
        key: t.adminKey,
        body: { name: `Plans ${n}`, owner: { email: `plans${n}@example.test`, name: 'Owner' }, ...(plan ? { plan } : {}) },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const member = await t.request<{ key: string }>({
        method: 'POST',
        path: '/v1/api-keys',
        key: res.body.apiKey.key,
        body: { name: 'reader', role: 'member' },
      });
      return { id: res.body.account.id, key: res.body.apiKey.key, memberKey: member.body.key, plan: res.body.plan };
    };
    const move = (accountId: string, plan: string, headers: Record<string, string> = {}) =>
      t.request({ method: 'PUT', path: `/admin/accounts/${accountId}/plan`, key: t.adminKey, body: { plan }, headers });
    const addCard = async (key: string, card: string) => {
      const res = await t.request<{ id: string }>({
        method: 'POST',
        path: '/v1/funding/payment-methods',
        key,
        headers: keyed(`card-${card}`),
        body: { provider: 'payments-card', kind: 'card', details: { paymentMethod: card } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id;
    };
    const addMandate = (key: string) =>
      t.request<{ id: string }>({
        method: 'POST',
        path: '/v1/funding/payment-methods',
        key,
        headers: keyed('mandate'),
        body: { provider: 'payments-sepa', kind: 'sepa_direct_debit', details: { iban: SETTLING_IBANS[0], holder: 'Ann Peeters' } },
      });
    const buy = (key: string, paymentMethodId: string, idem: string) =>
      t.request({ method: 'POST', path: '/v1/funding/purchases', key, headers: keyed(idem), body: { amount: '25', paymentMethodId } });
    const autoRefill = (key: string, paymentMethodId: string) =>
      t.request({ method: 'PUT', path: '/v1/funding/auto-refill', key, body: { enabled: true, minimum: '1.00', pack: '10', paymentMethodId } });
    const purchases = async (accountId: string) =>
      (await t.db.query<{ n: number }>('select count(*)::int as n from funding_purchases where account_id = $1', [accountId])).rows[0]!.n;
    const available = async (key: string) => (await t.request<{ available: string }>({ path: '/v1/wallet', key })).body.available;

    beforeAll(async () => {
      cards = await startCardSandbox({ now: () => clock.now() });
      receiver = await startWebhookSandbox({ now: () => clock.now() });
      bank = await startBankSandbox({ now: () => clock.now(), reversalDays: 5 });
      const [cardPlugin, sepaPlugin] = await Promise.all(['@tollgate/plugin-payments-card', '@tollgate/plugin-payments-sepa'].map(loadPlugin));
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          { plugin: cardPlugin!, options: { baseUrl: cards.url, webhookSecret: SECRET, maxNetworkRetries: 0 } },
          {
            plugin: sepaPlugin!,
            options: {
              creditor: { name: 'Tollgate SRL', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
              bank: { baseUrl: bank.url, token: bank.token },
              settleAfterDays: 2,
              tickIntervalMinutes: 0,
            },
          },
          planReader,
        ],
        config: {
          plans: {
            default: 'focus',
            definitions: [{ id: 'focus-plus', label: 'Focus Plus', extends: 'focus', rules: { countries: { post: ['BE', 'NL', 'LU'] } } }],
          },
        },
      });
      cards.control.setWebhook({ url: `${t.url}/v1/payments/webhooks/payments-card`, secret: SECRET });
    });
    afterAll(async () => {
      await t?.close();
      await cards?.close();
      await bank?.close();
      await receiver?.close();
    });

    it('lists the plans offered with their rules; a member reads them', async () => {
      const a = await newAccount();
      const res = await t.request<{ data: Array<{ id: string; label: string; default: boolean; rules: Record<string, unknown> }> }>({
        path: '/v1/plans',
        key: a.memberKey,
      });
      expect(res.status).toBe(200);
      expect(res.body.data.map((p) => [p.id, p.label, p.default])).toEqual([
        ['classic', 'Classic', false],
        ['focus', 'Focus', true],
        ['focus-plus', 'Focus Plus', false],
      ]);
      expect(res.body.data[0]!.rules).toEqual({
        paymentMethods: { top_up: [{ kind: 'card', cardFunding: ['debit'] }], auto_refill: [{ kind: 'card', cardFunding: ['credit'] }] },
        countries: { post: ['BE', 'NL', 'DE'] },
        featureSettings: { 'company-data': 'hr' },
        features: { 'company-data': { exportRightsFormulas: ['plus', 'xl'], requiresOwnSubscription: true } },
      });
      expect(res.body.data[2]!.rules.countries).toEqual({ post: ['BE', 'NL', 'LU'] });
    });

    it('the platform admin lists the same plans at GET /admin/plans (the dashboard’s plan choice); account keys are refused', async () => {
      const a = await newAccount();
      const member = await t.request({ path: '/v1/plans', key: a.memberKey });
      const admin = await t.request({ path: '/admin/plans', key: t.adminKey });
      expect(admin.status).toBe(200);
      expect(admin.body).toEqual(member.body);
      expect((await t.request({ path: '/admin/plans', key: a.key })).body).toMatchObject({ error: { code: 'admin_only' } });
    });

    it('a new account is on the default plan; GET /v1/plan shows it, since when, and its history; a plugin reads the same', async () => {
      const a = await newAccount();
      expect(a.plan).toBe('focus');
      const res = await t.request<Record<string, unknown>>({ path: '/v1/plan', key: a.memberKey });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        accountId: a.id,
        id: 'focus',
        label: 'Focus',
        since: clock.now().toISOString(),
        rules: { countries: { post: ['BE', 'NL'] }, featureSettings: { 'company-data': 'users' } },
        history: [{ plan: 'focus', label: 'Focus', from: clock.now().toISOString(), to: null, changedBy: null }],
      });
      const plugin = await t.request({ path: '/v1/plugins/test-plan-reader/plan', key: a.memberKey });
      expect(plugin.body).toEqual({ id: 'focus', since: clock.now().toISOString(), countries: { post: ['BE', 'NL'] }, none: null });
    });

    it('an account made on classic starts there; an unknown plan is refused naming the plans, and nothing is made', async () => {
      const a = await newAccount('classic');
      expect(a.plan).toBe('classic');
      expect((await t.request<{ id: string }>({ path: '/v1/plan', key: a.key })).body.id).toBe('classic');
      const before = (await t.db.query<{ n: number }>('select count(*)::int as n from accounts')).rows[0]!.n;
      const refused = await t.request({
        method: 'POST',
        path: '/admin/accounts',
        key: t.adminKey,
        body: { name: 'Gold', owner: { email: 'gold@example.test', name: 'Owner' }, plan: 'gold' },
      });
      expect(refused.status).toBe(404);
      expect(refused.body).toEqual({
        error: {
          code: 'unknown_plan',
          message: 'There is no plan "gold". Plans offered: classic, focus, focus-plus.',
          details: { plan: 'gold', offered: ['classic', 'focus', 'focus-plus'] },
        },
      });
      expect((await t.db.query<{ n: number }>('select count(*)::int as n from accounts')).rows[0]!.n).toBe(before);
    });

    it('the platform admin moves an account: from then on, history kept; the same plan again changes nothing; unknown plans and accounts are refused', async () => {
      const a = await newAccount();
      const from = clock.now().toISOString();
      clock.advance({ days: 3 });
      const moved = await move(a.id, 'classic', keyed('move-1'));
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body).toMatchObject({ accountId: a.id, id: 'classic', label: 'Classic', since: clock.now().toISOString(), changed: true });
      const again = await move(a.id, 'classic');
      expect(again.body).toMatchObject({ id: 'classic', since: clock.now().toISOString(), changed: false });
      const read = await t.request<{ history: unknown[] }>({ path: `/admin/accounts/${a.id}/plan`, key: t.adminKey });
      expect(read.body.history).toEqual([
        { plan: 'focus', label: 'Focus', from, to: clock.now().toISOString(), changedBy: null },
        { plan: 'classic', label: 'Classic', from: clock.now().toISOString(), to: null, changedBy: expect.stringMatching(/^admin:/) },
      ]);
      const unknown = await move(a.id, 'platinum');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({
        error: { code: 'unknown_plan', message: 'There is no plan "platinum". Plans offered: classic, focus, focus-plus.' },
      });
      expect((await t.request<{ id: string }>({ path: '/v1/plan', key: a.key })).body.id).toBe('classic');
      expect((await move('acc_00000000000000000000000000', 'focus')).status).toBe(404);
      expect((await move(a.id, 'Not A Plan')).status).toBe(400);
      // Members and account owners read their plan; only the platform moves it.
      expect((await t.request({ method: 'PUT', path: `/admin/accounts/${a.id}/plan`, key: a.key, body: { plan: 'focus' } })).status).toBe(403);
    });

    it('a move is the event account.plan_changed: one signed webhook and one plugin delivery per real move, none for the same plan or a retry', async () => {
      const a = await newAccount();
      const path = `/plan-moves-${engine.name}`;
      const endpoint = await t.request<{ id: string; secret: string }>({
        method: 'POST',
        path: '/v1/webhook-endpoints',
        key: a.key,
        body: { url: `${receiver.url}${path}`, eventTypes: ['account.plan_changed'] },
      });
      expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
      receiver.setSecrets([endpoint.body.secret]);
      await t.runJobs();
      // Opening the account (its trial credit, its first plan) is not a move: nothing for this endpoint.
      expect(receiver.received({ path })).toEqual([]);
      const mine = () => planMoves.filter((e) => e.accountId === a.id);

      clock.advance({ hours: 1 });
      const moved = await move(a.id, 'classic', keyed('event-move-1'));
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      const movedAt = clock.now().toISOString();
      await t.runJobs();
      const got = receiver.received({ path });
      expect(got).toHaveLength(1);
      expect(got[0]!.signature).toBe('valid');
      const event = got[0]!.json as TollgateEvent<'account.plan_changed'>;
      expect(event).toMatchObject({
        type: 'account.plan_changed',
        version: 1,
        accountId: a.id,
        occurredAt: movedAt,
        data: { accountId: a.id, plan: 'classic', previousPlan: 'focus', changedAt: movedAt, changedBy: expect.stringMatching(/^admin:/) },
      });
      expect(got[0]!.headers['tollgate-event-id']).toBe(event.id);
      // The plugin's subscription got the same event (id, sequence), once.
      expect(mine().map((e) => [e.id, e.sequence, e.data.plan])).toEqual([[event.id, event.sequence, 'classic']]);

      // The same plan again, and a retry of the move: no event, to either.
      clock.advance({ minutes: 5 });
      expect((await move(a.id, 'classic')).body).toMatchObject({ id: 'classic', changed: false });
      expect((await move(a.id, 'classic', keyed('event-move-1'))).body).toMatchObject({ id: 'classic', changed: true });
      await t.runJobs();
      expect(receiver.received({ path })).toHaveLength(1);
      expect(mine()).toHaveLength(1);

      // A move back is the next event of the account's log, after the first.
      expect((await move(a.id, 'focus')).body).toMatchObject({ changed: true });
      await t.runJobs();
      const back = receiver.received({ path }).map((r) => r.json as TollgateEvent<'account.plan_changed'>);
      expect(back.map((e) => [e.data.previousPlan, e.data.plan])).toEqual([
        ['focus', 'classic'],
        ['classic', 'focus'],
      ]);
      expect(back[1]!.sequence).toBeGreaterThan(event.sequence);
      expect(mine().map((e) => e.id)).toEqual(back.map((e) => e.id));
      const log = await t.request<{ data: TollgateEvent[] }>({ path: '/v1/events?type=account.plan_changed', key: a.memberKey });
      expect(log.status).toBe(200);
      expect(log.body.data.map((e) => e.id)).toEqual(back.map((e) => e.id));
    });

    it('the CLI lists plans and moves an account (operator commands, as `tollgate plans list` / `accounts set-plan` run them)', async () => {
      const { runOperatorCommand, hostOperatorContext } = await import('../src/operator/operator-commands.js');
      const ctx = hostOperatorContext(t.host);
      const list = await runOperatorCommand({ ctx, name: 'plans.list', input: {} });
      expect((list.output as Array<{ id: string }>).map((p) => p.id)).toEqual(['classic', 'focus', 'focus-plus']);
      const a = await newAccount();
      const moved = await runOperatorCommand({ ctx, name: 'accounts.set-plan', input: { accountId: a.id, plan: 'focus-plus' } });
      expect(moved.output).toMatchObject({ id: 'focus-plus', changed: true, history: [{ plan: 'focus' }, { plan: 'focus-plus', changedBy: 'cli' }] });
      await expect(runOperatorCommand({ ctx, name: 'accounts.set-plan', input: { accountId: a.id, plan: 'gold' } })).rejects.toMatchObject({
        code: 'unknown_plan',
      });
      const shown = await runOperatorCommand({ ctx, name: 'accounts.plan', input: { accountId: a.id } });
      expect(shown.output).toMatchObject({ id: 'focus-plus', label: 'Focus Plus' });
      const created = await runOperatorCommand({
        ctx,
        name: 'accounts.create',
        input: { name: 'CLI', ownerEmail: 'cli-plan@example.test', ownerName: 'O', locale: 'en', timeZone: 'UTC', plan: 'classic' },
      });
      expect(created.output).toMatchObject({ plan: 'classic' });
    });

    it('classic: top-up by debit card is taken; by credit card or SEPA refused and nothing bought; auto-refill by credit card, not debit', async () => {
      const a = await newAccount('classic');
      const debit = await addCard(a.key, 'pm_card_visa_debit');
      const credit = await addCard(a.key, 'pm_card_visa');
      expect((await buy(a.key, debit, 'debit-1')).body).toMatchObject({ status: 'succeeded', amount: '25.00' });
      expect(await available(a.key)).toBe('27.00');
      const intents = cards.control.paymentIntents().length;
      const refused = await buy(a.key, credit, 'credit-1');
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        error: { code: 'payment_method_not_in_plan', message: 'The classic plan takes top-ups by debit card only; this payment method is a credit card.' },
      });
      expect(cards.control.paymentIntents()).toHaveLength(intents);
      expect(await purchases(a.id)).toBe(1);
      expect(await available(a.key)).toBe('27.00');
      // SEPA: the plan takes it for nothing, so the mandate itself is refused before the bank is asked.
      const mandate = await addMandate(a.key);
      expect(mandate.status).toBe(422);
      expect(mandate.body).toMatchObject({ error: { code: 'payment_method_not_in_plan' } });
      const refill = await autoRefill(a.key, debit);
      expect(refill.status).toBe(422);
      expect(refill.body).toMatchObject({
        error: { message: 'The classic plan takes auto-refills by credit card only; this payment method is a debit card.' },
      });
      expect((await t.request({ path: '/v1/funding/auto-refill', key: a.key })).body).toMatchObject({ enabled: false });
      expect((await autoRefill(a.key, credit)).body).toMatchObject({ enabled: true, paymentMethodId: credit });
    });

    it('classic: a SEPA mandate saved on focus cannot top up after the move; focus takes SEPA or any card', async () => {
      const a = await newAccount();
      const mandate = await addMandate(a.key);
      expect(mandate.status, JSON.stringify(mandate.body)).toBe(201);
      const prepaid = await addCard(a.key, 'pm_card_mastercard_prepaid');
      const debit = await addCard(a.key, 'pm_card_mastercard_debit');
      const credit = await addCard(a.key, 'pm_card_mastercard');
      expect((await buy(a.key, mandate.body.id, 'sepa-1')).body).toMatchObject({ status: 'pending' });
      for (const [i, method] of [prepaid, debit, credit].entries()) expect((await buy(a.key, method, `card-${i}`)).body).toMatchObject({ status: 'succeeded' });
      for (const method of [mandate.body.id, prepaid, debit, credit]) expect((await autoRefill(a.key, method)).status).toBe(200);
      expect((await move(a.id, 'classic')).status).toBe(200);
      const count = await purchases(a.id);
      const refused = await buy(a.key, mandate.body.id, 'sepa-2');
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ error: { code: 'payment_method_not_in_plan', message: expect.stringContaining('a SEPA direct debit') } });
      expect(await purchases(a.id)).toBe(count);
    });

    it('moving a focus account with a SEPA auto-refill to classic pauses the refill at its next attempt, and tells the account once', async () => {
      const a = await newAccount();
      const mandate = await addMandate(a.key);
      expect((await autoRefill(a.key, mandate.body.id)).body).toMatchObject({ enabled: true, paused: false });
      expect((await move(a.id, 'classic')).status).toBe(200);
      const count = await purchases(a.id);
      // A charge refused for lack of credit asks for a refill this way.
      expect(await t.host.funding.maybeRefill({ accountId: a.id, force: true })).toBeNull();
      expect(await t.host.funding.maybeRefill({ accountId: a.id, force: true })).toBeNull();
      expect(await purchases(a.id)).toBe(count);
      const settings = await t.request({ path: '/v1/funding/auto-refill', key: a.memberKey });
      expect(settings.body).toMatchObject({ enabled: true, paused: true, pausedReason: 'payment_method_not_in_plan' });
      const mails = await t.db.query<{ template: string }>(`select template from notifications where account_id = $1 and template = 'refill_failed'`, [a.id]);
      expect(mails.rows).toHaveLength(1);
    });

    it('a host whose config no longer defines a plan some account is on refuses to start, naming it', async () => {
      const a = await newAccount('focus-plus');
      expect(a.plan).toBe('focus-plus');
      await expect(createTestHost({ engine, clock, db: t.db })).rejects.toThrow(
        'config: accounts are on plans the config does not define: focus-plus (plans: classic, focus)',
      );
    });
  });
}
