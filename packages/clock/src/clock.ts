/** Where "now" comes from. Inject it everywhere so month resets, expiries and schedules are testable. */
export interface Clock {
  now(): Date;
}

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock implements Clock {
  #ms: number;

  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.#ms = new Date(start).getTime();
    if (Number.isNaN(this.#ms)) throw new RangeError(`ManualClock: invalid start time ${String(start)}`);
  }

  now(): Date {
    return new Date(this.#ms);
  }

  set(to: Date | string): void {
    const ms = new Date(to).getTime();
    if (Number.isNaN(ms)) throw new RangeError(`ManualClock: invalid time ${String(to)}`);
    this.#ms = ms;
  }

  advance(by: { ms?: number; seconds?: number; minutes?: number; hours?: number; days?: number }): Date {
    const delta = (by.ms ?? 0) + (by.seconds ?? 0) * 1_000 + (by.minutes ?? 0) * 60_000 + (by.hours ?? 0) * 3_600_000 + (by.days ?? 0) * 86_400_000;
    if (delta < 0) throw new RangeError('ManualClock: time only moves forward');
    this.#ms += delta;
    return this.now();
  }
}

/** tsyringe/Nest token for the clock. */
export const CLOCK = Symbol.for('tollgate.Clock');
