import type { Clock } from '@tollgate/clock';
import { TeamleaderRateLimitedError } from './teamleader.errors.js';

/** Extra wait after a reset, so hosts sharing an account do not all come back at once. */
export const RESET_JITTER_MS = 1000;
/** X-RateLimit-Reset may be given in whole seconds: a reset this much further than the longest wait still counts as within it. */
const RESET_ROUNDING_MS = 1000;

export interface RateLimitBudgetConfig {
  clock: Clock;
  /** How waits happen; tests pass one that moves a ManualClock. */
  sleep: (ms: number) => Promise<void>;
  /** The longest wait for a reset; a reset further away is refused (TeamleaderRateLimitedError) instead of waited for. */
  maxWaitMs: number;
  /** 0 ≤ x < 1, for the jitter added to reset waits. Default Math.random. */
  random?: () => number;
}

/** One request's hold on the budget: release it once the answer (or the failure) is in. */
export interface BudgetReservation {
  release(): void;
}

interface Window {
  /** What the last answer said was left, or null when unknown (nothing heard yet, or the window has moved on). */
  remaining: number | null;
  /** Epoch ms of X-RateLimit-Reset, or null. */
  resetAt: number | null;
  inFlight: number;
  waiters: Array<() => void>;
}

/**
 * Teamleader's rate-limit budget per connection, with the requests in flight counted against it:
 * the last answer's X-RateLimit-Remaining minus the calls sent since and not yet answered must stay
 * above zero before another one goes out. Five parallel calls with two left therefore send two and
 * hold three (they go once the answers bring a fresh budget, or after X-RateLimit-Reset), where
 * counting only answers sent all five into 429s. While the budget is unknown (first call, or after
 * a reset) one request at a time finds it out.
 */
export class RateLimitBudget {
  readonly #clock: Clock;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #maxWaitMs: number;
  readonly #random: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(config: RateLimitBudgetConfig) {
    this.#clock = config.clock;
    this.#sleep = config.sleep;
    this.#maxWaitMs = config.maxWaitMs;
    this.#random = config.random ?? Math.random;
  }

  /**
   * Waits until one more request fits the budget of `key`, then holds a place for it. Throws
   * TeamleaderRateLimitedError (nothing sent) when the budget is spent and the reset is further
   * away than `maxWaitMs`.
   */
  async reserve({ key, action }: { key: string; action: string }): Promise<BudgetReservation> {
    const window = this.#window(key);
    for (;;) {
      // Unknown, or spent without a reset to wait for: one request at a time finds out.
      if (window.remaining === null || (window.remaining <= 0 && window.resetAt === null)) {
        if (window.inFlight === 0) break;
        await this.#released(window);
        continue;
      }
      if (window.remaining - window.inFlight > 0) break;
      // Spent counting the calls in flight: their answers bring a fresher budget.
      if (window.inFlight > 0) {
        await this.#released(window);
        continue;
      }
      const resetAt = window.resetAt as number;
      const until = resetAt - this.#clock.now().getTime();
      if (until > this.#maxWaitMs + RESET_ROUNDING_MS) {
        throw new TeamleaderRateLimitedError({
          message: `Teamleader ${action}: the rate limit is spent until ${new Date(resetAt).toISOString()}; not sent.`,
          action,
          titles: [],
          retryAt: new Date(resetAt).toISOString(),
        });
      }
      if (until > 0) await this.#sleep(until + Math.floor(this.#random() * RESET_JITTER_MS));
      // The window has moved on; unless an answer came in meanwhile, the next answer tells what is left.
      if (window.resetAt === resetAt && window.inFlight === 0) {
        window.remaining = null;
        window.resetAt = null;
      }
    }
    window.inFlight += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        window.inFlight -= 1;
        for (const wake of window.waiters.splice(0)) wake();
      },
    };
  }

  /** An answer's X-RateLimit-Remaining / X-RateLimit-Reset; `refused` (a 429) means nothing is left, whatever it says. */
  record({ key, headers, refused = false }: { key: string; headers: Headers; refused?: boolean }): void {
    const window = this.#window(key);
    const remaining = Number(headers.get('x-ratelimit-remaining') ?? Number.NaN);
    const resetAt = parseReset(headers.get('x-ratelimit-reset'), this.#clock);
    if (refused) {
      window.remaining = 0;
      window.resetAt = resetAt;
      return;
    }
    if (!Number.isFinite(remaining)) return;
    window.remaining = Math.max(0, remaining);
    window.resetAt = resetAt;
  }

  /** Forget what is known of `key` (after waiting out a 429 that named no reset). */
  forget({ key }: { key: string }): void {
    const window = this.#window(key);
    window.remaining = null;
    window.resetAt = null;
  }

  /** What the last answer said, and how many calls are out now; null before any answer. */
  snapshot({ key }: { key: string }): { remaining: number; resetAt: string | null; inFlight: number } | null {
    const window = this.#windows.get(key);
    if (!window || window.remaining === null) return null;
    return { remaining: window.remaining, resetAt: window.resetAt === null ? null : new Date(window.resetAt).toISOString(), inFlight: window.inFlight };
  }

  /** Epoch ms of the known reset of `key`, if it is still ahead. */
  resetAhead({ key }: { key: string }): number | null {
    const resetAt = this.#windows.get(key)?.resetAt ?? null;
    return resetAt !== null && resetAt > this.#clock.now().getTime() ? resetAt : null;
  }

  #window(key: string): Window {
    let window = this.#windows.get(key);
    if (!window) {
      window = { remaining: null, resetAt: null, inFlight: 0, waiters: [] };
      this.#windows.set(key, window);
    }
    return window;
  }

  #released(window: Window): Promise<void> {
    return new Promise((resolve) => window.waiters.push(resolve));
  }
}

/**
 * X-RateLimit-Reset as documented: an ISO 8601 time with an offset (`2026-03-01T10:00:00+01:00`, or
 * `+0100`); a bare number is read as seconds from now. Anything else: null.
 */
export function parseReset(raw: string | null, clock: Clock): number | null {
  if (!raw) return null;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return clock.now().getTime() + Number(text) * 1000;
  // Date.parse wants `+01:00`; the docs' example writes `+0100`.
  const at = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(at) ? null : at;
}
