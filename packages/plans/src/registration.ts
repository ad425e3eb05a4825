import type { DependencyContainer } from 'tsyringe';
import { buildPlanDirectory, type PlanDirectory } from './plan-directory.js';
import type { PlansConfig } from './plan.schemas.js';

export const PLAN_DIRECTORY = Symbol.for('tollgate.PlanDirectory');

/** Builds the directory from the config's `plans` section (throws ConfigError) and registers it. */
export function registerPlans(input: { container: DependencyContainer; config?: PlansConfig }): PlanDirectory {
  const directory = buildPlanDirectory(input.config ? { config: input.config } : {});
  input.container.register(PLAN_DIRECTORY, { useValue: directory });
  return directory;
}
