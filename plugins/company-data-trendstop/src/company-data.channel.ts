import type { ChannelPrice, SpendChannel, SpendOutcome, SpendQuote, SpendStepInput } from '@tollgate/plugin-sdk';

export const COMPANY_DATA_CHANNEL_ID = 'company-data';

/**
 * The wallet spend's key of one purchase attempt: derived from the purchase row (account, number,
 * generation) so every user and host buying the same company's data in the same period uses the
 * same key, and the wallet charges once. Per attempt: a released hold's key cannot be reused.
 * Wallet keys are per account.
 */
export const purchaseSpendKey = (input: { enterpriseNumber: string; generation: number; attempt: number }): string =>
  `company-data:${input.enterpriseNumber}:g${input.generation}:a${input.attempt}`;

/**
 * Trends Top's Idempotency-Key for a purchase: the purchase row and its generation, never the
 * attempt. An export Trends Top billed whose answer was lost (timeout, broken answer, 5xx after
 * the work) is answered again to the next attempt under the same key, not billed a second time.
 * The row id is unique across accounts, as the partner key's keys must be.
 */
export const vendorExportKey = (input: { purchaseId: string; generation: number }): string => `tollgate-cd:${input.purchaseId}:g${input.generation}`;

export interface CompanyDataRequest {
  purchaseId: string;
  /** The purchase row's generation (a new one per free-refresh period): part of the vendor key. */
  generation: number;
  enterpriseNumber: string;
  name: string;
}

export interface CompanyDataResult {
  exportId?: string;
  retryAfterSeconds?: number;
}

/** "0123.456.749": how Belgians write an enterprise number. */
export const formatEnterpriseNumber = (n: string): string => `${n.slice(0, 4)}.${n.slice(4, 7)}.${n.slice(7)}`;

/**
 * The 'company-data' spend channel: one company's data from Trends Top, one unit per company.
 * `execute` exports through the platform's partner key (under the purchase's vendor key, not the
 * spend step's key) and stores the data on the purchase row; an outage, a rate limit, a broken
 * answer or an empty export answers `failed` (the hold is released, nothing is charged). The availability lookup is free and never goes through the wallet.
 */
export class CompanyDataChannel implements SpendChannel<CompanyDataRequest, CompanyDataResult> {
  readonly id = COMPANY_DATA_CHANNEL_ID;
  readonly label = 'Company data (Trends Top)';
  readonly unit = 'company';
  readonly settlement = 'immediate' as const;
  readonly prices: readonly ChannelPrice[];
  readonly #fetch: (input: { request: CompanyDataRequest }) => Promise<SpendOutcome<CompanyDataResult>>;

  constructor(input: { prices: readonly ChannelPrice[]; fetch: (input: { request: CompanyDataRequest }) => Promise<SpendOutcome<CompanyDataResult>> }) {
    this.prices = input.prices;
    this.#fetch = input.fetch;
  }

  quote(input: { accountId: string; request: CompanyDataRequest }): SpendQuote {
    const { request } = input;
    return {
      units: '1',
      // The number stays in the metadata: the history masks digit runs as personal data.
      description: `Company data: ${request.name}`,
      metadata: { purchaseId: request.purchaseId, enterpriseNumber: request.enterpriseNumber },
    };
  }

  execute(input: SpendStepInput<CompanyDataRequest>): Promise<SpendOutcome<CompanyDataResult>> {
    // Not input.idempotencyKey: that one changes per attempt, the vendor's must not (vendorExportKey).
    return this.#fetch({ request: input.request });
  }
}
