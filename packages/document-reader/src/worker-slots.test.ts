import { describe, expect, it } from 'vitest';
import { ReadDeadline, WorkerSlots } from './worker-slots.js';

/** A stand-in worker: tasks resolve when the test says so. */
function fakePool({ size }: { size: number }) {
  const created: number[] = [];
  const destroyed: number[] = [];
  let next = 1;
  const slots = new WorkerSlots<number>({
    size,
    create: async () => {
      created.push(next);
      return next++;
    },
    destroy: async (id) => {
      destroyed.push(id);
    },
  });
  return { slots, created, destroyed };
}

function gate<T>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('WorkerSlots', () => {
  it('starts workers on first use, runs up to `size` tasks at once and queues the rest in order', async () => {
    const { slots, created } = fakePool({ size: 2 });
    expect(slots.stats()).toEqual({ started: 0, busy: 0, queued: 0 });
    const gates = [gate<string>(), gate<string>(), gate<string>()];
    const order: number[] = [];
    const runs = gates.map((g, i) =>
      slots.use({
        deadline: new ReadDeadline(60_000),
        task: (worker) => {
          order.push(i);
          return g.promise.then((value) => `${value}@${worker}`);
        },
      }),
    );
    await settle();
    expect(slots.stats()).toEqual({ started: 2, busy: 2, queued: 1 });
    expect(order).toEqual([0, 1]);
    gates[1]!.open('b');
    await settle();
    expect(order).toEqual([0, 1, 2]);
    gates[0]!.open('a');
    gates[2]!.open('c');
    expect(await Promise.all(runs)).toEqual(['a@1', 'b@2', 'c@2']);
    expect(created).toEqual([1, 2]);
    expect(slots.stats()).toEqual({ started: 2, busy: 0, queued: 0 });
  });

  it('fails a task past its deadline with read_timeout and replaces its worker', async () => {
    const { slots, destroyed } = fakePool({ size: 1 });
    const stuck = slots.use({ deadline: new ReadDeadline(5), task: () => new Promise<never>(() => undefined) });
    await expect(stuck).rejects.toMatchObject({ code: 'read_timeout' });
    await settle();
    expect(destroyed).toEqual([1]);
    expect(await slots.use({ deadline: new ReadDeadline(60_000), task: async (worker) => worker })).toBe(2);
  });

  it('a task that throws keeps its worker', async () => {
    const { slots, destroyed } = fakePool({ size: 1 });
    await expect(slots.use({ deadline: new ReadDeadline(60_000), task: async () => Promise.reject(new Error('bad file')) })).rejects.toThrow('bad file');
    expect(await slots.use({ deadline: new ReadDeadline(60_000), task: async (worker) => worker })).toBe(1);
    expect(destroyed).toEqual([]);
  });

  it('close fails the running and the waiting tasks and ends the workers', async () => {
    const { slots, destroyed } = fakePool({ size: 1 });
    const running = slots.use({ deadline: new ReadDeadline(60_000), task: () => new Promise<never>(() => undefined) });
    const waiting = slots.use({ deadline: new ReadDeadline(60_000), task: async () => 'never' });
    await settle();
    const closed = new Error('closed');
    await slots.close(closed);
    await expect(running).rejects.toBe(closed);
    await expect(waiting).rejects.toBe(closed);
    await expect(slots.use({ deadline: new ReadDeadline(60_000), task: async () => 'after' })).rejects.toBe(closed);
    expect(destroyed).toEqual([1]);
  });
});
