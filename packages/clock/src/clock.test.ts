import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock } from './index.js';

describe('ManualClock', () => {
  it('starts where told and advances by parts', () => {
    const clock = new ManualClock('2026-03-31T23:59:00.000Z');
    expect(clock.now().toISOString()).toBe('2026-03-31T23:59:00.000Z');
    clock.advance({ minutes: 1, seconds: 30 });
    expect(clock.now().toISOString()).toBe('2026-04-01T00:00:30.000Z');
    clock.advance({ days: 1, hours: 2 });
    expect(clock.now().toISOString()).toBe('2026-04-02T02:00:30.000Z');
  });

  it('refuses to go backwards or to an invalid time', () => {
    const clock = new ManualClock();
    expect(() => clock.advance({ ms: -1 })).toThrow(RangeError);
    expect(() => clock.set('not a date')).toThrow(RangeError);
    expect(() => new ManualClock('nope')).toThrow(RangeError);
  });

  it('hands out copies, so callers cannot move it', () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z');
    clock.now().setFullYear(2030);
    expect(clock.now().getUTCFullYear()).toBe(2026);
  });
});

describe('SystemClock', () => {
  it('tells the real time', () => {
    const before = Date.now();
    const now = new SystemClock().now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
  });
});
