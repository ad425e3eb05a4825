import type { DependencyContainer } from 'tsyringe';
import { FUNDING_OPTIONS, type FundingOptions } from './funding.options.js';
import { FundingService } from './funding.service.js';
import {
  FUNDING_NOTIFIER,
  FUNDING_PLAN_RULES,
  NO_PLAN_RULES,
  PAYMENT_PROVIDERS,
  type FundingNotifier,
  type FundingPlanRules,
  type PaymentProviderDirectory,
} from './funding.types.js';

/** Registers funding in a (child) container that already has DATABASE, CLOCK and the wallet. */
export function registerFunding(input: {
  container: DependencyContainer;
  providers: PaymentProviderDirectory;
  notifier: FundingNotifier;
  options?: FundingOptions;
  /** The accounts' plan rules (payment methods per purpose); without, every method is taken. */
  planRules?: FundingPlanRules;
}): void {
  input.container.register(PAYMENT_PROVIDERS, { useValue: input.providers });
  input.container.register(FUNDING_NOTIFIER, { useValue: input.notifier });
  input.container.register(FUNDING_OPTIONS, { useValue: input.options ?? {} });
  input.container.register(FUNDING_PLAN_RULES, { useValue: input.planRules ?? NO_PLAN_RULES });
  input.container.registerSingleton(FundingService);
}
