import type { Database } from '@tollgate/db';
import { NotFoundError } from '@tollgate/errors';
import type { FundingPlanRules } from '@tollgate/funding';
import type { PlanDirectory, PlanDefinition } from '@tollgate/plans';
import type { AccountPlan, PluginPlans } from '@tollgate/plugin-sdk';

/** What the host needs of the wallet's plan storage (contract 1 of issue 15; WalletService has it). */
export interface WalletPlanStore {
  planOf(input: { accountId: string }): Promise<{ plan: string; since: Date } | null>;
  planHistory(input: { accountId: string }): Promise<Array<{ plan: string; from: Date; to: Date | null; changedBy: string | null }>>;
  setPlan(input: {
    accountId: string;
    plan: string;
    changedBy?: string | null;
    idempotencyKey?: string;
  }): Promise<{ plan: string; since: Date; changed: boolean }>;
  openWallet(input: { accountId: string; timeZone: string }): Promise<unknown>;
  /** Replaces a plan's monthly allowances (issue 22); the same again changes nothing. */
  setPlanAllowances(input: { plan: string; allowances: NonNullable<PlanDefinition['rules']['allowances']> }): Promise<void>;
}

export interface PlanPeriod {
  plan: string;
  label: string;
  from: Date;
  to: Date | null;
  changedBy: string | null;
}

/**
 * Accounts and their plans: the wallet stores which plan an account is on (and since when), the
 * directory says what each plan is. One instance per host: `coreServices.plans`, the plan routes,
 * the CLI and funding's plan rules all read through it.
 */
export class AccountPlans implements PluginPlans, FundingPlanRules {
  constructor(private readonly deps: { db: Database; wallet: WalletPlanStore; directory: PlanDirectory }) {}

  get directory(): PlanDirectory {
    return this.deps.directory;
  }

  /** coreServices.plans.forAccount: null when no such account exists. */
  async forAccount(input: { accountId: string }): Promise<AccountPlan | null> {
    const current = await this.#planOf(input.accountId);
    if (!current) return null;
    const plan = this.#definition(current.plan);
    return { id: plan.id, label: plan.label, since: current.since, rules: structuredClone(plan.rules) };
  }

  /** funding's FUNDING_PLAN_RULES: the rules a purchase or an auto-refill is checked against. */
  async rulesFor(input: { accountId: string }): Promise<{ plan: string; label: string; rules: PlanDefinition['rules'] } | null> {
    const plan = await this.forAccount(input);
    return plan ? { plan: plan.id, label: plan.label, rules: plan.rules } : null;
  }

  /** The account's plan now, or 404 not_found for an account that does not exist. */
  async require(input: { accountId: string }): Promise<AccountPlan> {
    const plan = await this.forAccount(input);
    if (!plan) throw new NotFoundError({ message: 'No such account.' });
    return plan;
  }

  /** The plans the account has been on, oldest first (what it paid stays in the wallet's history). */
  async history(input: { accountId: string }): Promise<PlanPeriod[]> {
    const rows = await this.deps.wallet.planHistory({ accountId: input.accountId });
    return rows.map((r) => ({ plan: r.plan, label: this.deps.directory.get({ id: r.plan })?.label ?? r.plan, from: r.from, to: r.to, changedBy: r.changedBy }));
  }

  /**
   * Moves the account to another plan: prices from now on are the new plan's, what was paid stays.
   * An unknown plan is refused (unknown_plan, naming the plans offered) before anything changes;
   * the same plan again changes nothing (`changed: false`).
   */
  async move(input: { accountId: string; plan: string; changedBy?: string | null; idempotencyKey?: string }): Promise<{ plan: AccountPlan; changed: boolean }> {
    const target = this.deps.directory.require({ id: input.plan });
    await this.require({ accountId: input.accountId });
    const moved = await this.deps.wallet.setPlan({
      accountId: input.accountId,
      plan: target.id,
      changedBy: input.changedBy ?? null,
      ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
    });
    const plan = this.#definition(moved.plan);
    return { plan: { id: plan.id, label: plan.label, since: moved.since, rules: structuredClone(plan.rules) }, changed: moved.changed };
  }

  /** Plans accounts are on that the config no longer defines (start-up refuses them: nobody could price them). */
  /**
   * Writes every plan's allowances into the wallet (which does not know plans), at start-up. A
   * changed allowance applies from each account's next month; a month already started keeps its units.
   */
  async syncAllowances(): Promise<void> {
    for (const plan of this.deps.directory.list()) await this.deps.wallet.setPlanAllowances({ plan: plan.id, allowances: plan.rules.allowances ?? {} });
  }

  async undefinedPlansInUse(): Promise<string[]> {
    const { rows } = await this.deps.db.query<{ plan: string }>('select distinct plan from wallets order by plan');
    return rows.map((r) => r.plan).filter((id) => !this.deps.directory.get({ id }));
  }

  async #planOf(accountId: string): Promise<{ plan: string; since: Date } | null> {
    const current = await this.deps.wallet.planOf({ accountId });
    if (current) return current;
    // An account whose wallet was never opened (a crash between the two): open it, as withWallet does.
    const {
      rows: [account],
    } = await this.deps.db.query<{ time_zone: string }>('select time_zone from accounts where id = $1', [accountId]);
    if (!account) return null;
    await this.deps.wallet.openWallet({ accountId, timeZone: account.time_zone });
    return this.deps.wallet.planOf({ accountId });
  }

  #definition(id: string): PlanDefinition {
    // Start-up refuses plans in use that the config lost, so this only fails if one is removed by hand.
    return this.deps.directory.require({ id });
  }
}
