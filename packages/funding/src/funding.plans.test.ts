import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase, type Transaction } from '@tollgate/db';
import { eventMigrations } from '@tollgate/events';
import type { Money } from '@tollgate/money';
import { CLASSIC_PLAN, FOCUS_PLAN, type PlanDefinition } from '@tollgate/plans';
import { walletMigrations, WalletService, type PaymentMethodKind, type PaymentMethodSetup, type PaymentProvider } from '@tollgate/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundingMigrations } from './funding.migrations.js';
import { FundingService } from './funding.service.js';
import type { FundingNotice, FundingPlanRules } from './funding.types.js';

/** A provider that pays at once; a card's funding is whatever the test says (as the card processor reports it). */
class InstantProvider implements PaymentProvider {
  readonly label: string;
  readonly methods: readonly PaymentMethodKind[];
  readonly settlement = 'fast' as const;
  payments = 0;
  setups = 0;
  constructor(
    readonly id: string,
    readonly kind: PaymentMethodKind,
  ) {
    this.label = id;
    this.methods = [kind];
  }
  async createPaymentMethod(input: { accountId: string; details: Readonly<Record<string, unknown>> }): Promise<PaymentMethodSetup> {
    this.setups++;
    const funding = input.details.funding;
    return {
      providerMethodId: `${this.id}-${this.setups}`,
      kind: this.kind,
      label: `${this.kind} ${String(funding ?? '')}`,
      metadata: typeof funding === 'string' ? { funding } : {},
    };
  }
  async createPayment(_input: { amount: Money; idempotencyKey: string; providerMethodId: string }) {
    this.payments++;
    return { providerPaymentId: `pay_${this.id}_${this.payments}`, status: 'succeeded' as const };
  }
}

for (const engine of testEngines()) {
  describe(`funding under plan rules [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let wallet: WalletService;
    let funding: FundingService;
    const card = new InstantProvider('card', 'card');
    const sepa = new InstantProvider('sepa', 'sepa_direct_debit');
    const providers = { get: (id: string) => [card, sepa].find((p) => p.id === id), list: () => [card, sepa] };
    const notices: Array<{ accountId: string; eventKey: string; template: FundingNotice; data: Record<string, unknown> }> = [];
    const notifier = {
      notify: async (input: { tx: Transaction; accountId: string; eventKey: string; template: FundingNotice; data: Record<string, unknown> }) =>
        void notices.push(input),
    };
    // The account's plan, as the host would read it from the wallet; tests move accounts by changing this map.
    const planOf = new Map<string, PlanDefinition>();
    const planRules: FundingPlanRules = {
      rulesFor: async ({ accountId }) => {
        const plan = planOf.get(accountId);
        return plan ? { plan: plan.id, label: plan.label, rules: plan.rules } : null;
      },
    };
    let n = 0;
    const account = async (plan: PlanDefinition) => {
      const id = `acc_plan_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id });
      planOf.set(id, plan);
      return id;
    };
    const addCard = (accountId: string, cardFunding: string) =>
      funding.addPaymentMethod({ accountId, providerId: 'card', kind: 'card', details: { funding: cardFunding }, idempotencyKey: `card-${cardFunding}` });
    const addSepa = (accountId: string) =>
      funding.addPaymentMethod({ accountId, providerId: 'sepa', kind: 'sepa_direct_debit', details: {}, idempotencyKey: 'sepa' });
    const purchases = async (accountId: string) =>
      (await db.query<{ n: number }>('select count(*)::int as n from funding_purchases where account_id = $1', [accountId])).rows[0]!.n;
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (e: unknown) => e,
      );

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations, eventMigrations, fundingMigrations] });
      wallet = new WalletService(db, clock, {});
      funding = new FundingService(db, clock, wallet, providers, notifier, {}, planRules);
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('classic: a manual top-up by debit card is taken; by credit or prepaid card it is refused and nothing is bought', async () => {
      const id = await account(CLASSIC_PLAN);
      const debit = await addCard(id, 'debit');
      const credit = await addCard(id, 'credit');
      const prepaid = await addCard(id, 'prepaid');
      expect(await funding.buy({ accountId: id, amount: '25', paymentMethodId: debit.id, idempotencyKey: 'd' })).toMatchObject({ status: 'succeeded' });
      const before = card.payments;
      const refused = await refusal(funding.buy({ accountId: id, amount: '25', paymentMethodId: credit.id, idempotencyKey: 'c' }));
      expect(refused).toMatchObject({
        status: 422,
        code: 'payment_method_not_in_plan',
        message: 'The classic plan takes top-ups by debit card only; this payment method is a credit card.',
      });
      expect(await refusal(funding.buy({ accountId: id, amount: '25', paymentMethodId: prepaid.id, idempotencyKey: 'p' }))).toMatchObject({
        code: 'payment_method_not_in_plan',
      });
      expect(card.payments).toBe(before);
      expect(await purchases(id)).toBe(1);
      // The €2.00 trial credit and the one debit-card top-up.
      expect((await wallet.balance({ accountId: id })).available.toString()).toBe('27.00');
    });

    it('classic: a SEPA mandate is refused before the provider is asked (the plan takes it for nothing)', async () => {
      const id = await account(CLASSIC_PLAN);
      const setups = sepa.setups;
      expect(await refusal(addSepa(id))).toMatchObject({
        status: 422,
        code: 'payment_method_not_in_plan',
        message: expect.stringContaining('The classic plan takes top-ups by debit card'),
      });
      expect(sepa.setups).toBe(setups);
      expect(await funding.listPaymentMethods({ accountId: id })).toEqual([]);
    });

    it('classic: auto-refill by credit card is taken, by debit card refused and the settings unchanged', async () => {
      const id = await account(CLASSIC_PLAN);
      const debit = await addCard(id, 'debit');
      const credit = await addCard(id, 'credit');
      expect(await refusal(funding.setAutoRefill({ accountId: id, enabled: true, minimum: '5.00', pack: '10', paymentMethodId: debit.id }))).toMatchObject({
        code: 'payment_method_not_in_plan',
        message: 'The classic plan takes auto-refills by credit card only; this payment method is a debit card.',
      });
      expect(await funding.getAutoRefill({ accountId: id })).toBeNull();
      const on = await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '5.00', pack: '10', paymentMethodId: credit.id });
      expect(on).toMatchObject({ enabled: true, paymentMethodId: credit.id });
      // Turning it off with a method the plan does not take is allowed: it stops refills.
      expect(await funding.setAutoRefill({ accountId: id, enabled: false, minimum: '5.00', pack: '10', paymentMethodId: debit.id })).toMatchObject({
        enabled: false,
      });
    });

    it('focus: SEPA or any card, for top-ups and auto-refill', async () => {
      const id = await account(FOCUS_PLAN);
      const methods = [await addSepa(id), await addCard(id, 'credit'), await addCard(id, 'debit'), await addCard(id, 'prepaid')];
      for (const [i, method] of methods.entries()) {
        expect(await funding.buy({ accountId: id, amount: '10', paymentMethodId: method.id, idempotencyKey: `b${i}` })).toMatchObject({ status: 'succeeded' });
        expect(await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '5.00', pack: '10', paymentMethodId: method.id })).toMatchObject({
          enabled: true,
        });
      }
    });

    it('a move to a plan that does not take the refill method pauses auto-refill at the next attempt and tells the account once', async () => {
      const id = await account(FOCUS_PLAN);
      const mandate = await addSepa(id);
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '50.00', pack: '100', paymentMethodId: mandate.id });
      planOf.set(id, CLASSIC_PLAN);
      const payments = sepa.payments;
      notices.length = 0;
      expect(await funding.maybeRefill({ accountId: id, force: true })).toBeNull();
      expect(await funding.maybeRefill({ accountId: id, force: true })).toBeNull();
      expect(sepa.payments).toBe(payments);
      expect(await funding.getAutoRefill({ accountId: id })).toMatchObject({
        enabled: true,
        pausedReason: 'payment_method_not_in_plan',
        pausedAt: clock.now(),
      });
      expect(notices).toEqual([
        expect.objectContaining({
          accountId: id,
          template: 'refill_failed',
          data: {
            amount: '100.00',
            reason: 'The classic plan takes auto-refills by credit card only; this payment method is a SEPA direct debit',
            autoRefillPaused: true,
          },
        }),
      ]);
      expect((await funding.sweep()).refills).toBe(0);
      // With a credit card, turning it on again resumes it.
      const credit = await addCard(id, 'credit');
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '50.00', pack: '100', paymentMethodId: credit.id });
      expect(await funding.maybeRefill({ accountId: id, force: true })).toMatchObject({ status: 'succeeded', origin: 'auto_refill' });
    });

    it('a card whose funding is not known is refused where the plan names a funding', async () => {
      const id = await account(CLASSIC_PLAN);
      const unknown = await funding.addPaymentMethod({ accountId: id, providerId: 'card', kind: 'card', details: {}, idempotencyKey: 'unknown' });
      expect(await refusal(funding.buy({ accountId: id, amount: '10', paymentMethodId: unknown.id, idempotencyKey: 'u' }))).toMatchObject({
        message: 'The classic plan takes top-ups by debit card only; this payment method is a card whose funding (credit or debit) is not known.',
      });
    });
  });
}
