import { ConfigError } from '@tollgate/errors';
import type { PlanRules } from '@tollgate/plugin-sdk';
import { BUILT_IN_PLANS, DEFAULT_PLAN } from './built-in-plans.js';
import { planDefinitionSchema, plansConfigSchema, type ConfigPlan, type PlansConfig } from './plan.schemas.js';
import type { PlanDefinition } from './plan.types.js';
import { UnknownPlanError } from './plans.errors.js';

/** The plans this platform offers (built-ins and config), fixed at start-up. */
export class PlanDirectory {
  readonly #plans: ReadonlyMap<string, PlanDefinition>;
  /** The plan new accounts open on. */
  readonly defaultPlan: string;

  constructor(input: { plans: readonly PlanDefinition[]; defaultPlan: string }) {
    this.#plans = new Map(input.plans.map((p) => [p.id, freeze(p)]));
    if (!this.#plans.has(input.defaultPlan)) throw new UnknownPlanError({ plan: input.defaultPlan, offered: [...this.#plans.keys()] });
    this.defaultPlan = input.defaultPlan;
  }

  /** Built-ins first, then config plans in the order written. */
  list(): PlanDefinition[] {
    return [...this.#plans.values()];
  }

  ids(): string[] {
    return [...this.#plans.keys()];
  }

  get(input: { id: string }): PlanDefinition | undefined {
    return this.#plans.get(input.id);
  }

  /** The plan, or UnknownPlanError (unknown_plan, naming the plans offered). */
  require(input: { id: string }): PlanDefinition {
    const plan = this.#plans.get(input.id);
    if (!plan) throw new UnknownPlanError({ plan: input.id, offered: this.ids() });
    return plan;
  }
}

/**
 * Reads the config's `plans` section onto the built-ins. Anything wrong (a bad id, an id twice,
 * `extends` naming no plan, a misspelt rule, a default that is no plan) is one ConfigError naming
 * the entry, so the host refuses to start instead of selling a plan nobody defined.
 */
export function buildPlanDirectory(input: { config?: PlansConfig } = {}): PlanDirectory {
  const parsed = plansConfigSchema.safeParse(input.config ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `plans.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError({ message: issues, details: parsed.error.issues });
  }
  const { default: defaultPlan = DEFAULT_PLAN, definitions } = parsed.data;
  const plans = new Map(BUILT_IN_PLANS.map((p) => [p.id, p]));
  const seen = new Set<string>();
  definitions.forEach((entry, index) => {
    const where = `plans.definitions[${index}] (${entry.id})`;
    if (seen.has(entry.id)) throw new ConfigError({ message: `${where}: the id "${entry.id}" is defined twice` });
    seen.add(entry.id);
    const baseId = entry.extends ?? (plans.has(entry.id) ? entry.id : undefined);
    const base = baseId === undefined ? undefined : plans.get(baseId);
    if (baseId !== undefined && !base) {
      throw new ConfigError({ message: `${where}: extends "${baseId}", which is not a plan (plans so far: ${[...plans.keys()].join(', ')})` });
    }
    if (!base && !entry.label) throw new ConfigError({ message: `${where}: a plan that extends none needs a label` });
    const merged = merge(base, entry);
    const checked = planDefinitionSchema.safeParse(merged);
    if (!checked.success) {
      const issues = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new ConfigError({ message: `${where}: ${issues} (a plan that extends none must give every rule)`, details: checked.error.issues });
    }
    plans.set(entry.id, checked.data as PlanDefinition);
  });
  if (!plans.has(defaultPlan)) throw new ConfigError({ message: `plans.default: "${defaultPlan}" is not a plan (plans: ${[...plans.keys()].join(', ')})` });
  return new PlanDirectory({ plans: [...plans.values()], defaultPlan });
}

function merge(base: PlanDefinition | undefined, entry: ConfigPlan): unknown {
  const rules = entry.rules ?? {};
  const from: Partial<PlanRules> = base?.rules ?? {};
  return {
    id: entry.id,
    label: entry.label ?? base?.label,
    rules: {
      paymentMethods: rules.paymentMethods || from.paymentMethods ? { ...from.paymentMethods, ...definedOnly(rules.paymentMethods ?? {}) } : undefined,
      countries: { ...from.countries, ...rules.countries },
      featureSettings: { ...from.featureSettings, ...rules.featureSettings },
      features: { ...from.features, ...rules.features },
      // Allowances are replaced channel by channel, like countries; none on either side: the key stays out.
      ...(rules.allowances || from.allowances ? { allowances: { ...from.allowances, ...rules.allowances } } : {}),
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function freeze(plan: PlanDefinition): PlanDefinition {
  return structuredClone(plan);
}
