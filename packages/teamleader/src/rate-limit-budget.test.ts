import { ManualClock } from '@tollgate/clock';
import { describe, expect, it } from 'vitest';
import { parseReset, RateLimitBudget } from './rate-limit-budget.js';
import { TeamleaderRateLimitedError } from './teamleader.errors.js';

function setup(maxWaitMs = 60_000) {
  const clock = new ManualClock('2026-03-01T09:00:00.000Z');
  const slept: number[] = [];
  const budget = new RateLimitBudget({
    clock,
    random: () => 0,
    maxWaitMs,
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance({ ms });
    },
  });
  return { clock, slept, budget };
}

const headers = (remaining: number, reset = '2026-03-01T10:01:00+01:00') =>
  new Headers({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': reset });

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('RateLimitBudget', () => {
  it('while the budget is unknown, one request at a time finds it out', async () => {
    const { budget } = setup();
    const first = await budget.reserve({ key: 'c1', action: 'users.me' });
    let second = false;
    const waiting = budget.reserve({ key: 'c1', action: 'users.me' }).then((r) => {
      second = true;
      return r;
    });
    await settle();
    expect(second).toBe(false);
    budget.record({ key: 'c1', headers: headers(5) });
    first.release();
    (await waiting).release();
    expect(second).toBe(true);
  });

  it('counts the calls in flight against what the last answer said was left: 5 parallel with 2 left send 2', async () => {
    const { budget, slept } = setup();
    budget.record({ key: 'c1', headers: headers(2) });
    const granted: number[] = [];
    const reservations = Array.from({ length: 5 }, (_, i) =>
      budget.reserve({ key: 'c1', action: 'invoices.info' }).then((r) => {
        granted.push(i);
        return r;
      }),
    );
    await settle();
    expect(granted).toEqual([0, 1]);
    expect(budget.snapshot({ key: 'c1' })).toEqual({ remaining: 2, resetAt: '2026-03-01T09:01:00.000Z', inFlight: 2 });

    // The first answer says 3 are left now (the window moved), one call is still out: two more may go.
    budget.record({ key: 'c1', headers: headers(3) });
    (await reservations[0]!).release();
    await settle();
    expect(granted).toEqual([0, 1, 2, 3]);
    expect(slept).toEqual([]);
    for (const r of reservations.slice(1)) (await r).release();
    expect(budget.snapshot({ key: 'c1' })).toMatchObject({ inFlight: 0 });
  });

  it('spent with nothing in flight: waits until X-RateLimit-Reset (+ jitter), then probes with one call', async () => {
    const { budget, clock, slept } = setup();
    budget.record({ key: 'c1', headers: headers(0, '2026-03-01T10:00:30+01:00') });
    const reservation = await budget.reserve({ key: 'c1', action: 'users.me' });
    expect(slept).toEqual([30_000]);
    expect(clock.now().toISOString()).toBe('2026-03-01T09:00:30.000Z');
    expect(budget.snapshot({ key: 'c1' })).toBeNull(); // the window moved: unknown until the next answer
    reservation.release();
  });

  it('a reset further away than the longest wait is refused without waiting: TeamleaderRateLimitedError with retryAt', async () => {
    const { budget, slept } = setup(2);
    budget.record({ key: 'c1', headers: headers(0) });
    const error = await budget.reserve({ key: 'c1', action: 'invoices.info' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeamleaderRateLimitedError);
    expect(error).toMatchObject({ code: 'teamleader_rate_limited', retryAt: '2026-03-01T09:01:00.000Z', action: 'invoices.info' });
    expect(slept).toEqual([]);
    // Another connection has its own budget.
    (await budget.reserve({ key: 'c2', action: 'users.me' })).release();
  });

  it('a 429 means nothing is left, whatever the headers say; without a reset it probes again after forget()', async () => {
    const { budget } = setup(2);
    budget.record({ key: 'c1', headers: headers(3), refused: true });
    expect(budget.snapshot({ key: 'c1' })).toMatchObject({ remaining: 0 });
    await expect(budget.reserve({ key: 'c1', action: 'users.me' })).rejects.toBeInstanceOf(TeamleaderRateLimitedError);
    budget.record({ key: 'c1', headers: new Headers(), refused: true });
    expect(budget.resetAhead({ key: 'c1' })).toBeNull();
    budget.forget({ key: 'c1' });
    (await budget.reserve({ key: 'c1', action: 'users.me' })).release();
  });

  it('releasing twice frees one place only', async () => {
    const { budget } = setup();
    budget.record({ key: 'c1', headers: headers(1) });
    const one = await budget.reserve({ key: 'c1', action: 'users.me' });
    one.release();
    one.release();
    expect(budget.snapshot({ key: 'c1' })).toMatchObject({ inFlight: 0 });
  });
});

describe('parseReset', () => {
  const clock = new ManualClock('2026-03-01T09:00:00.000Z');
  it('reads the documented ISO forms with an offset, and bare seconds', () => {
    expect(parseReset('2026-03-01T10:00:00+01:00', clock)).toBe(Date.parse('2026-03-01T09:00:00Z'));
    expect(parseReset('2021-06-15T10:51:23.035+0100', clock)).toBe(Date.parse('2021-06-15T09:51:23.035Z'));
    expect(parseReset('2026-07-01T14:00:00+02:00', clock)).toBe(Date.parse('2026-07-01T12:00:00Z'));
    expect(parseReset('30', clock)).toBe(Date.parse('2026-03-01T09:00:30Z'));
    expect(parseReset('soon', clock)).toBeNull();
    expect(parseReset(null, clock)).toBeNull();
  });
});
