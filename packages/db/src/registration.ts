import type { DependencyContainer } from 'tsyringe';
import type { Database } from './database.js';
import type { JobQueue } from './job-queue.js';

/** tsyringe token for the Database: `@inject(DATABASE) db: Database`. */
export const DATABASE = Symbol.for('tollgate.Database');

/** tsyringe token for the JobQueue. */
export const JOB_QUEUE = Symbol.for('tollgate.JobQueue');

/** Registers the opened database (and the job queue, when given) as instances in the container. */
export function registerDatabase(input: { container: DependencyContainer; db: Database; jobQueue?: JobQueue }): void {
  input.container.registerInstance(DATABASE, input.db);
  if (input.jobQueue) input.container.registerInstance(JOB_QUEUE, input.jobQueue);
}
