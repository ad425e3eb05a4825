/**
 * A paid feature that spends wallet credit (SMS reminder, call minute, scan, letter...).
 * The wallet prices the units a channel reports from its catalog, reserves or charges the money,
 * then asks the channel to do the work; a channel that fails gets `compensate` and keeps no money.
 */
export interface SpendChannel<TRequest = unknown, TResult = unknown> {
  /** Kebab-case, unique across all plugins: 'sms-reminder'. Used as the catalog's channel key. */
  readonly id: string;
  /** Shown in the history: "SMS reminder". */
  readonly label: string;
  /** What one unit is: 'message', 'minute', 'scan', 'page', 'export'. */
  readonly unit: string;
  /** ISO 3166 countries the channel serves; absent = not country-priced. */
  readonly countries?: readonly string[];
  /** Units free per calendar month (account's time zone) before money is spent. */
  readonly freeMonthlyQuota?: number;
  /** Whether the final cost is known only later (a hold first, captured later). */
  readonly settlement: 'immediate' | 'deferred';

  /** How many units the request will cost (decimal string, e.g. "1" or "2.5") and where. */
  quote(input: { accountId: string; request: TRequest }): Promise<SpendQuote>;
  /** Does the work. Must be idempotent for one idempotencyKey (a retry may call it again). */
  execute(input: { accountId: string; request: TRequest; idempotencyKey: string }): Promise<SpendOutcome<TResult>>;
  /** Undoes what `execute` started when the spend is abandoned after it. */
  compensate?(input: { accountId: string; request: TRequest; idempotencyKey: string; reason: string }): Promise<void>;
}

export interface SpendQuote {
  units: string;
  country?: string;
  /** One line for the history: "SMS reminder to +32 470 12 34 56". */
  description: string;
}

export interface SpendOutcome<TResult> {
  /** Final units when they differ from the quote (a call's minutes); absent = as quoted. */
  units?: string;
  result: TResult;
}
