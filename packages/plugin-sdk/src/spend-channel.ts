import type { Money } from '@tollgate/money';

/** A catalog price a channel declares; the host writes it at every start (the same row twice is harmless). */
export interface ChannelPrice {
  /** Decimal string, at most 6 decimals: "0.18". Charged amounts are rounded half-up to the cent. */
  unitPrice: string;
  /** From when it applies: an ISO date or date-time, or a Date. */
  effectiveFrom: string | Date;
  /** ISO 3166 alpha-2; absent = every country without a price of its own. */
  country?: string;
  /**
   * The plan (edition) this row prices, e.g. 'classic' (since API 2.4). Absent = the default list,
   * used by every plan that has no row of its own for the channel: a plan's rows for a channel
   * replace the default rows for that channel entirely.
   */
  plan?: string;
}

/** What one request will cost, in the channel's units, and how the history names it. */
export interface SpendQuote {
  /** Positive decimal string: "1", "2.5". */
  units: string;
  /** For country-priced channels. */
  country?: string;
  /** One line for the history: "SMS reminder to +32 470 12 34 56". */
  description: string;
  /** Kept with the hold or charge in the ledger (ids that tie the money to your records). */
  metadata?: Record<string, unknown>;
}

/** What a channel's `execute` and `compensate` receive. */
export interface SpendStepInput<TRequest> {
  accountId: string;
  request: TRequest;
  /** The spend's key: the same on every retry of the same spend. Use it to never do the work twice. */
  idempotencyKey: string;
  /** The hold that pays for the work (null when the runner charges at once, see `SpendChannel.execute`). */
  holdId: string | null;
}

/**
 * What `execute` says happened:
 * - `done`: the work is done; `units` are the final units when they differ from the quote (a call's minutes).
 * - `failed`: the work did not happen and will not; the hold is released, nothing is charged, `compensate` is not called.
 * - `retry`: not now (the vendor is unavailable); the hold is kept, call `complete` again later with the same key.
 * A thrown error counts as an unknown outcome: the hold is released and `compensate` is called.
 */
export type SpendOutcome<TResult> =
  | { status: 'done'; result: TResult; units?: string }
  | { status: 'failed'; reason: string; result?: TResult }
  | { status: 'retry'; reason: string; result?: TResult };

/**
 * A paid feature that spends wallet credit: an SMS, a call minute, a scan, a letter, an export.
 * The descriptor (id, unit, quota, prices) is what the catalog and `GET /plugins` know; `quote`
 * turns a request into units; the optional `execute` does the work between the hold and the
 * capture (Medusa's step with compensation). The host's runner drives it:
 *
 *   quote → hold → execute → capture        (settlement 'immediate')
 *   quote → hold → execute … settle(units)  (settlement 'deferred': the final cost comes later)
 *   execute throws → release + compensate;  capture fails after the work → compensate
 *
 * A channel without `execute` is charged in one move (quote → charge) by `spend`.
 */
export interface SpendChannel<TRequest = unknown, TResult = unknown> {
  /** Kebab-case, unique across all plugins: 'sms-reminder'. The catalog's channel key. */
  readonly id: string;
  /** Shown in the history and on GET /plugins: "SMS reminder". */
  readonly label: string;
  /** What one unit is: 'message', 'minute', 'scan', 'page', 'export'. */
  readonly unit: string;
  /** ISO 3166 countries the channel serves; absent = not country-priced. */
  readonly countries?: readonly string[];
  /** Units free per calendar month (account's time zone) before money is spent (W-8). */
  readonly freeMonthlyQuota?: number;
  /**
   * Tags grouping channels, e.g. ['postal'] (since API 2.8): credit scoped to a tag may pay for
   * every channel that carries it. The host stores them at every start-up.
   */
  readonly tags?: readonly string[];
  /** Prices the host seeds into the catalog at start-up. */
  readonly prices?: readonly ChannelPrice[];
  /** 'immediate': captured when `execute` is done; 'deferred': held until `settle` gives the final units. */
  readonly settlement: 'immediate' | 'deferred';

  quote(input: { accountId: string; request: TRequest }): SpendQuote | Promise<SpendQuote>;
  /** Does the work. Must be idempotent per `idempotencyKey`: a retried spend may call it again. */
  execute?(input: SpendStepInput<TRequest>): Promise<SpendOutcome<TResult>>;
  /** Undoes what `execute` may have started, when the spend is abandoned after it. */
  compensate?(input: SpendStepInput<TRequest> & { reason: string }): Promise<void>;
}

export interface SpendInput<TRequest> {
  accountId: string;
  /** A SpendChannel id added by any plugin. */
  channelId: string;
  request: TRequest;
  /**
   * The spend's key. Every wallet move of the spend derives its key from it (`<key>:hold`,
   * `:capture`, `:release`, `:refund`), so a retried spend, job or callback converges on the first outcome.
   */
  idempotencyKey: string;
  /** When an unsettled hold is given back on its own. Default: the wallet's hold lifetime (7 days). */
  expiresAt?: Date;
  /** The user the spend is for (their monthly spending cap). Since API 2.8. */
  userId?: string | null;
}

/** A hold placed for work that runs later (`reserve`). */
export interface Reservation {
  holdId: string;
  units: string;
  amount: Money;
  description: string;
  expiresAt: Date;
}

export type SpendResult<TResult> =
  /** Paid: captured (or charged at once). `transactionId` is what `refund` takes. */
  | { status: 'completed'; holdId: string | null; transactionId: string; units: string; amount: Money; balanceAfter: Money; result: TResult }
  /** Held: a deferred channel's work is under way; `settle` or `cancel` ends it. */
  | { status: 'pending'; holdId: string; amount: Money; expiresAt: Date; result: TResult }
  /** Not done: the hold was released, nothing was charged. */
  | { status: 'failed'; holdId: string; reason: string; result?: TResult }
  /** Not now: the hold is kept; `complete` again later with the same key. */
  | { status: 'retry'; holdId: string; reason: string; result?: TResult };
