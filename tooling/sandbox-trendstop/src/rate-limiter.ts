const WINDOW_MS = 60_000;

export interface RateLimitVerdict {
  allowed: boolean;
  /** Seconds until the window turns (≥ 1), for Retry-After. */
  retryAfterSeconds: number;
  headers: Record<string, string>;
}

/**
 * A fixed window per API key and clock minute (as company-data APIs sell "n calls per minute"): the
 * count starts again on each whole minute of the sandbox clock. Refused requests (429) do not count.
 */
export class FixedWindowRateLimiter {
  readonly #now: () => Date;
  #limit: number;
  #windows = new Map<string, { start: number; count: number }>();

  constructor(input: { now: () => Date; limit: number }) {
    this.#now = input.now;
    this.#limit = checkLimit(input.limit);
  }

  get limit(): number {
    return this.#limit;
  }

  setLimit(limit: number): void {
    this.#limit = checkLimit(limit);
  }

  reset(input: { limit: number }): void {
    this.#windows.clear();
    this.#limit = checkLimit(input.limit);
  }

  take(key: string): RateLimitVerdict {
    const now = this.#now().getTime();
    const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    let window = this.#windows.get(key);
    if (!window || window.start !== start) {
      window = { start, count: 0 };
      this.#windows.set(key, window);
    }
    const allowed = window.count < this.#limit;
    if (allowed) window.count += 1;
    const retryAfterSeconds = Math.max(1, Math.ceil((start + WINDOW_MS - now) / 1000));
    return {
      allowed,
      retryAfterSeconds,
      headers: {
        'x-ratelimit-limit': String(this.#limit),
        'x-ratelimit-remaining': String(Math.max(0, this.#limit - window.count)),
        'x-ratelimit-reset': String(Math.floor((start + WINDOW_MS) / 1000)),
      },
    };
  }
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`rate limit must be a whole number >= 0, got ${limit}`);
  return limit;
}
