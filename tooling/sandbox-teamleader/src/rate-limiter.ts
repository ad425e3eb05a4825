import { resetStamp } from './teamleader-values.js';

const WINDOW_MS = 60_000;

export interface RateLimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

/**
 * Teamleader's limit: `limit` requests per sliding minute per (integration, account). Only admitted
 * requests count; a refused one (429) does not use up the window. Only the documented headers are
 * sent (X-RateLimit-Limit/Remaining/Reset): Teamleader documents no Retry-After.
 */
export class SlidingWindowRateLimiter {
  readonly #now: () => Date;
  #limit: number;
  #hits = new Map<string, number[]>();

  constructor(input: { now: () => Date; limit: number }) {
    this.#now = input.now;
    this.#limit = checkLimit(input.limit);
  }

  setLimit(limit: number): void {
    this.#limit = checkLimit(limit);
  }

  reset(input: { limit: number }): void {
    this.#hits.clear();
    this.#limit = checkLimit(input.limit);
  }

  take(key: string): RateLimitVerdict {
    const now = this.#now().getTime();
    const hits = (this.#hits.get(key) ?? []).filter((at) => at > now - WINDOW_MS);
    const allowed = hits.length < this.#limit;
    if (allowed) hits.push(now);
    this.#hits.set(key, hits);
    // When the oldest counted request leaves the window; when refused, when a slot frees up again.
    const freeing = allowed ? hits[0] : hits[hits.length - this.#limit];
    const reset = (freeing ?? now) + WINDOW_MS;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(this.#limit),
      'x-ratelimit-remaining': String(Math.max(0, this.#limit - hits.length)),
      'x-ratelimit-reset': resetStamp(new Date(reset)),
    };
    return { allowed, headers };
  }
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`rate limit must be a whole number >= 0, got ${limit}`);
  return limit;
}
