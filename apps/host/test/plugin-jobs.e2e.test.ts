import { coreServices, definePlugin } from '@tollgate/plugin-sdk';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A plugin whose scheduled job fans out into other jobs, recording what ran on which clock. */
const ran: Array<{ job: string; at: string; data: unknown }> = [];
const jobsPlugin = definePlugin({
  id: 'jobs-fixture',
  compatibility: '^2.0.0',
  register(env) {
    env.registerInit({
      deps: { jobs: coreServices.jobs, clock: coreServices.clock },
      async init({ jobs, clock }) {
        await jobs.work({
          name: 'sweep',
          handler: async () => {
            ran.push({ job: 'sweep', at: clock.now().toISOString(), data: null });
            await jobs.send({ name: 'one', data: { n: 1 } });
          },
        });
        await jobs.work({
          name: 'one',
          handler: async ({ data }) => {
            ran.push({ job: 'one', at: clock.now().toISOString(), data });
            await jobs.send({ name: 'two', data: { n: 2 } });
          },
        });
        await jobs.work({
          name: 'two',
          handler: async ({ data }) => {
            ran.push({ job: 'two', at: clock.now().toISOString(), data });
            if ((data as { fail?: boolean }).fail) throw new Error('boom');
          },
        });
        await jobs.schedule({ name: 'sweep', everyMinutes: 5 });
      },
    });
  },
});

for (const engine of testEngines()) {
  describe(`plugin jobs in a test host [${engine.name}]`, () => {
    let t: TestHost;
    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [jobsPlugin] });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('nothing runs until runJobs; then the schedule runs once and the jobs it enqueues are followed, on the test clock', async () => {
      ran.length = 0;
      expect(ran).toEqual([]);
      t.clock.set('2026-05-01T08:00:00.000Z');
      expect(await t.runJobs()).toEqual({ completed: 3, failed: 0 });
      expect(ran).toEqual([
        { job: 'sweep', at: '2026-05-01T08:00:00.000Z', data: null },
        { job: 'one', at: '2026-05-01T08:00:00.000Z', data: { n: 1 } },
        { job: 'two', at: '2026-05-01T08:00:00.000Z', data: { n: 2 } },
      ]);
      t.clock.advance({ days: 1 });
      expect(await t.runJobs()).toEqual({ completed: 3, failed: 0 });
      expect(ran.at(-1)!.at).toBe('2026-05-02T08:00:00.000Z');
    });

    it('a failing job is counted, not thrown, and retried in the next rounds up to its retry limit', async () => {
      ran.length = 0;
      await t.host.jobs.send({ name: 'jobs-fixture.two', data: { fail: true } });
      const result = await t.runJobs();
      const attempts = ran.filter((r) => (r.data as { fail?: boolean } | null)?.fail).length;
      expect(attempts).toBeGreaterThanOrEqual(1);
      expect(result.failed).toBe(attempts);
      expect((await t.runJobs()).failed).toBe(0); // given up: not run again
    });
  });
}
