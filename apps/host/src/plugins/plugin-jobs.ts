import type { JobQueue } from '@tollgate/db';
import type { PluginJobs } from '@tollgate/plugin-sdk';
import { PluginLoadError } from './plugin-loader.js';

interface Registered {
  queue: string;
  handler: (job: { id: string; data: unknown }) => Promise<void>;
}

interface Schedule {
  queue: string;
  everyMinutes: number;
}

/**
 * The plugins' durable jobs. With workers on (production), `work` polls its queue and `schedule`
 * enqueues its job once per period on whichever host gets there first (a singleton key per period),
 * so N hosts share one schedule. With workers off (tests), nothing polls: `runJobs` enqueues every
 * scheduled job once and drains every queue until it is empty — deterministic, on the test's clock.
 */
export class PluginJobRunner {
  readonly #registered = new Map<string, Registered>();
  readonly #schedules: Schedule[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #created = new Map<string, Promise<void>>();
  #runs = 0;

  constructor(
    private readonly queue: JobQueue,
    private readonly options: { workers: boolean; now: () => Date },
  ) {}

  forPlugin(pluginId: string): PluginJobs {
    const ensure = (name: string): Promise<string> => {
      if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new PluginLoadError({ source: pluginId, message: `job name must be kebab-case, got ${JSON.stringify(name)}` });
      const full = `${pluginId}.${name}`;
      if (!this.#created.has(full)) this.#created.set(full, this.queue.createQueue({ name: full }));
      return this.#created.get(full)!.then(() => full);
    };
    return {
      send: async ({ name, data, tx, singletonKey, startAfter }) => {
        const full = await ensure(name);
        return this.queue.send({ name: full, data, ...(tx ? { tx } : {}), ...(singletonKey ? { singletonKey } : {}), ...(startAfter ? { startAfter } : {}) });
      },
      work: async ({ name, handler }) => {
        const full = await ensure(name);
        if (this.#registered.has(full)) throw new PluginLoadError({ source: pluginId, message: `job "${name}" already has a handler` });
        this.#registered.set(full, { queue: full, handler });
        if (!this.options.workers) return;
        await this.queue.work({
          name: full,
          handler: async (jobs) => {
            for (const job of jobs) await handler({ id: job.id, data: job.data });
          },
        });
      },
      schedule: async ({ name, everyMinutes }) => {
        if (!Number.isInteger(everyMinutes) || everyMinutes < 1)
          throw new PluginLoadError({ source: pluginId, message: `job "${name}": everyMinutes must be a whole number ≥ 1` });
        const full = await ensure(name);
        this.#schedules.push({ queue: full, everyMinutes });
        if (!this.options.workers) return;
        const enqueue = () => {
          const period = Math.floor(this.options.now().getTime() / (everyMinutes * 60_000));
          void this.queue.send({ name: full, data: { period }, singletonKey: `${full}:${period}` }).catch(() => undefined);
        };
        enqueue();
        const timer = setInterval(enqueue, Math.min(everyMinutes * 60_000, 60_000));
        timer.unref();
        this.#timers.push(timer);
      },
    };
  }

  /**
   * Tests: run every scheduled job once, then every queued job of every plugin, again and again
   * until no queue has work (jobs that enqueue jobs are followed), at most `maxRounds` rounds.
   */
  async runJobs(input: { maxRounds?: number } = {}): Promise<{ completed: number; failed: number }> {
    const total = { completed: 0, failed: 0 };
    const run = ++this.#runs;
    for (const s of this.#schedules) await this.queue.send({ name: s.queue, data: { run }, singletonKey: `${s.queue}:run:${run}` });
    for (let round = 0; round < (input.maxRounds ?? 10); round++) {
      let done = 0;
      for (const r of this.#registered.values()) {
        const { completed, failed } = await this.queue.drain({ name: r.queue, handler: (job) => r.handler({ id: job.id, data: job.data }) });
        done += completed + failed;
        total.completed += completed;
        total.failed += failed;
      }
      if (done === 0) break;
    }
    return total;
  }

  stop(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }
}
