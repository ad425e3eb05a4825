import { DocumentReadError } from './document-reader.errors.js';

/**
 * One read's time limit. It starts when the read first gets a worker, so time spent waiting behind
 * other reads for a free worker does not count; once started, waits and work both count.
 */
export class ReadDeadline {
  private endsAt: number | undefined;
  constructor(private readonly timeoutMs: number) {}

  start(): void {
    this.endsAt ??= performance.now() + this.timeoutMs;
  }

  /** Milliseconds left; undefined before the read got its first worker. */
  remaining(): number | undefined {
    return this.endsAt === undefined ? undefined : Math.max(0, this.endsAt - performance.now());
  }

  error(): DocumentReadError {
    return new DocumentReadError({
      code: 'read_timeout',
      message: `The read took longer than ${this.timeoutMs} ms and was abandoned.`,
      details: { timeoutMs: this.timeoutMs },
    });
  }
}

interface Slot<R> {
  resource?: Promise<R>;
  /** The started worker, once `resource` resolved. */
  ready?: R;
  busy: boolean;
  /** Fails the task running on this slot (timeout, close). */
  abort?: (error: Error) => void;
}

interface Waiter {
  take: (index: number) => void;
  fail: (error: Error) => void;
}

/**
 * A fixed number of slots, each holding one worker started on first use, with a FIFO queue beyond
 * them. A task that outlives its read's deadline is failed and its worker destroyed: the slot starts
 * a fresh one for the next task, so a stuck worker never blocks the pool.
 */
export class WorkerSlots<R> {
  private readonly slots: Slot<R>[];
  private readonly waiters: Waiter[] = [];
  private closed: Error | undefined;
  private started = 0;
  private readonly ending = new Set<Promise<void>>();

  constructor(private readonly input: { size: number; create: () => Promise<R>; destroy: (resource: R) => Promise<void>; alive?: (resource: R) => boolean }) {
    this.slots = Array.from({ length: Math.max(1, input.size) }, () => ({ busy: false }));
  }

  /** Workers started so far (replacements included), slots at work, tasks waiting. */
  stats(): { started: number; busy: number; queued: number } {
    return { started: this.started, busy: this.slots.filter((slot) => slot.busy).length, queued: this.waiters.length };
  }

  async use<T>(input: { deadline: ReadDeadline; task: (resource: R) => Promise<T> }): Promise<T> {
    const index = await this.acquire(input.deadline);
    const slot = this.slots[index]!;
    input.deadline.start();
    try {
      return await new Promise<T>((resolve, reject) => {
        let settled = false;
        const timer = setTimeout(() => finish(() => reject(input.deadline.error()), true), input.deadline.remaining());
        const finish = (settle: () => void, replaceWorker: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          slot.abort = undefined;
          if (replaceWorker) void this.discard(slot);
          settle();
        };
        slot.abort = (error) => finish(() => reject(error), true);
        // A worker that crashed between tasks is replaced before it is given one.
        if (slot.ready !== undefined && this.input.alive && !this.input.alive(slot.ready)) this.forget(slot);
        if (!slot.resource) {
          this.started += 1;
          const created = this.input.create();
          slot.resource = created;
          created.then(
            (resource) => {
              if (slot.resource === created) slot.ready = resource;
            },
            // A worker that failed to start is not kept: the next task tries a new one.
            () => {
              if (slot.resource === created) this.forget(slot);
            },
          );
        }
        // A task abandoned while its worker was still starting must not be sent to that (ended) worker.
        slot.resource
          .then((resource) => (settled ? Promise.reject(new Error('abandoned')) : input.task(resource)))
          .then(
            (value) => finish(() => resolve(value), false),
            (error: unknown) => finish(() => reject(error), false),
          );
      });
    } finally {
      this.release(index);
    }
  }

  async close(error: Error): Promise<void> {
    this.closed = error;
    for (const waiter of this.waiters.splice(0)) waiter.fail(error);
    for (const slot of this.slots) slot.abort?.(error);
    await Promise.all([...this.slots.map((slot) => this.discard(slot)), ...this.ending]);
  }

  private acquire(deadline: ReadDeadline): Promise<number> {
    if (this.closed) return Promise.reject(this.closed);
    const free = this.slots.findIndex((slot) => !slot.busy);
    if (free >= 0 && this.waiters.length === 0) {
      this.slots[free]!.busy = true;
      return Promise.resolve(free);
    }
    return new Promise<number>((resolve, reject) => {
      const remaining = deadline.remaining();
      // A read already at work (a second page or turn) keeps its deadline while it waits.
      const timer = remaining === undefined ? undefined : setTimeout(() => fail(deadline.error()), remaining);
      const waiter: Waiter = {
        take: (index) => {
          clearTimeout(timer);
          resolve(index);
        },
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const fail = (error: Error) => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        waiter.fail(error);
      };
      this.waiters.push(waiter);
    });
  }

  private release(index: number): void {
    const next = this.waiters.shift();
    if (next && !this.closed) next.take(index);
    else this.slots[index]!.busy = false;
  }

  private forget(slot: Slot<R>): void {
    slot.resource = undefined;
    slot.ready = undefined;
  }

  /** Ends a slot's worker (once it has started: a starting one cannot be stopped earlier); close waits for every such end. */
  private discard(slot: Slot<R>): Promise<void> {
    const resource = slot.resource;
    this.forget(slot);
    if (!resource) return Promise.resolve();
    const ending = resource.then((started) => this.input.destroy(started)).catch(() => undefined);
    this.ending.add(ending);
    return ending.finally(() => this.ending.delete(ending));
  }
}
