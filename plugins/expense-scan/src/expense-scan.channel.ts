import type { ChannelPrice, SpendChannel, SpendOutcome, SpendQuote, SpendStepInput } from '@tollgate/plugin-sdk';
import type { ScanReading } from './scan-reading.js';

export const EXPENSE_SCAN_CHANNEL_ID = 'expense-scan';

/**
 * The wallet spend's key of a scan: the content (account, SHA-256) and how many scans of that
 * content failed before (an unreadable file, an interrupted read, or a wallet refusal: the wallet
 * remembers each outcome under its key). Every expense, user and host scanning the same bytes at the same time uses
 * the same key, so the wallet holds and charges once; after a failure the count moves on, so the
 * next scan gets a fresh key instead of replaying the failure. Wallet keys are per account already;
 * the account is in the key too, so a key read from a log names its account.
 */
export const scanSpendKey = (input: { accountId: string; sha256: string; failures: number }): string => {
  if (!/^[0-9a-f]{64}$/.test(input.sha256)) throw new TypeError(`scanSpendKey: sha256 must be 64 lowercase hex digits, got ${JSON.stringify(input.sha256)}`);
  if (!Number.isInteger(input.failures) || input.failures < 0) throw new TypeError(`scanSpendKey: failures must be an integer >= 0, got ${input.failures}`);
  return `expense-scan:${input.accountId}:${input.sha256}:f${input.failures}`;
};

/** What the runner hands `execute`: the content to read. Only the content decides the price and the key. */
export interface ScanRequest {
  sha256: string;
  /** Where the bytes are (coreServices.files): the expense that asked; any copy of the content reads the same. */
  fileKey: string;
  contentType: string;
}

/** What `execute` answers (stored by the runner, so a replay of the spend answers the same reading). */
export type ScanResult = ScanReading | { error: { code: string; message: string } };

/**
 * The 'expense-scan' spend channel: one scan of one file, unit 'scan', the first
 * `freeMonthlyQuota` a month free, then the catalog price (€0.10). `execute` reads the file and
 * finds its fields (`read`), and records the content as paid in the same step (`markPaid`); an
 * unreadable file answers `failed` (the hold is released, nothing is charged).
 */
export class ExpenseScanChannel implements SpendChannel<ScanRequest, ScanResult> {
  readonly id = EXPENSE_SCAN_CHANNEL_ID;
  readonly label = 'Expense scan';
  readonly unit = 'scan';
  readonly settlement = 'immediate' as const;
  readonly freeMonthlyQuota: number;
  readonly prices: readonly ChannelPrice[];
  readonly #read: (input: { accountId: string; request: ScanRequest }) => Promise<ScanReading>;
  readonly #markPaid: (input: { accountId: string; sha256: string; spendKey: string }) => Promise<void>;
  readonly #unmarkPaid: (input: { accountId: string; sha256: string; spendKey: string }) => Promise<void>;
  readonly #readFailure: (error: unknown) => { code: string; message: string } | null;

  constructor(input: {
    prices: readonly ChannelPrice[];
    freeMonthlyQuota: number;
    read: (input: { accountId: string; request: ScanRequest }) => Promise<ScanReading>;
    markPaid: (input: { accountId: string; sha256: string; spendKey: string }) => Promise<void>;
    unmarkPaid: (input: { accountId: string; sha256: string; spendKey: string }) => Promise<void>;
    /** A reading error that means "this file cannot be scanned" (its code and message), or null for a fault. */
    readFailure: (error: unknown) => { code: string; message: string } | null;
  }) {
    this.prices = input.prices;
    this.freeMonthlyQuota = input.freeMonthlyQuota;
    this.#read = input.read;
    this.#markPaid = input.markPaid;
    this.#unmarkPaid = input.unmarkPaid;
    this.#readFailure = input.readFailure;
  }

  quote(input: { accountId: string; request: ScanRequest }): SpendQuote {
    // The hold's parameters are fingerprinted with its key: only the content may be in them, so two
    // expenses with the same bytes (other names, other ids) converge on one hold.
    return { units: '1', description: 'Expense scan', metadata: { sha256: input.request.sha256 } };
  }

  async execute(input: SpendStepInput<ScanRequest>): Promise<SpendOutcome<ScanResult>> {
    let reading: ScanReading;
    try {
      reading = await this.#read({ accountId: input.accountId, request: input.request });
    } catch (error) {
      const failure = this.#readFailure(error);
      if (!failure) throw error;
      return { status: 'failed', reason: failure.code, result: { error: failure } };
    }
    await this.#markPaid({ accountId: input.accountId, sha256: input.request.sha256, spendKey: input.idempotencyKey });
    return { status: 'done', result: reading };
  }

  /** The capture was refused after the read (the hold expired): the content was not paid after all. */
  async compensate(input: SpendStepInput<ScanRequest> & { reason: string }): Promise<void> {
    await this.#unmarkPaid({ accountId: input.accountId, sha256: input.request.sha256, spendKey: input.idempotencyKey });
  }
}
