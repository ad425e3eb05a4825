import { TollgateError } from '@tollgate/errors';
import { SpendFailedError } from '@tollgate/plugin-sdk';
import type { SpendChannel } from './spend-channel.js';
import { UnknownChannelError } from './wallet.errors.js';
import type { WalletService } from './wallet.service.js';

export { SpendFailedError };

export type SpendResult<T> =
  | { status: 'completed'; holdId: string; transactionId: string; amount: string; balanceAfter: string; result: T }
  | { status: 'pending'; holdId: string; amount: string; result: T };

/**
 * Runs one spend the safe way: quote → hold the price → execute → capture (or, for a deferred
 * channel, leave the hold for the channel to capture later). A channel that throws gets its hold
 * released and `compensate` called, so it never keeps money for work it did not do. Every step
 * has a key derived from the caller's, so a retried spend converges on the first outcome.
 */
export class SpendRunner {
  constructor(
    private readonly deps: { wallet: Pick<WalletService, 'hold' | 'capture' | 'release'>; channel: (id: string) => SpendChannel | undefined },
  ) {}

  async spend<TRequest, TResult>(input: { accountId: string; channelId: string; request: TRequest; idempotencyKey: string }): Promise<SpendResult<TResult>> {
    const channel = this.deps.channel(input.channelId) as SpendChannel<TRequest, TResult> | undefined;
    if (!channel) throw new UnknownChannelError(input.channelId);
    const key = input.idempotencyKey;
    const quote = await channel.quote({ accountId: input.accountId, request: input.request });
    const hold = await this.deps.wallet.hold({
      accountId: input.accountId,
      channel: channel.id,
      units: quote.units,
      country: quote.country ?? null,
      description: quote.description,
      idempotencyKey: `${key}:hold`,
    });
    const holdId = hold.holdId as string;

    let outcome: { units?: string; result: TResult };
    try {
      outcome = await channel.execute({ accountId: input.accountId, request: input.request, idempotencyKey: key });
    } catch (error) {
      await this.#undo({ channel, accountId: input.accountId, request: input.request, key, holdId, reason: (error as Error).message });
      throw new SpendFailedError({ channel: channel.id, reason: (error as Error).message, cause: error });
    }
    if (channel.settlement === 'deferred') return { status: 'pending', holdId, amount: hold.amount as string, result: outcome.result };

    try {
      const captured = await this.deps.wallet.capture({ accountId: input.accountId, holdId, units: outcome.units ?? quote.units, idempotencyKey: `${key}:capture` });
      return { status: 'completed', holdId, transactionId: captured.transactionId as string, amount: captured.captured as string, balanceAfter: captured.balanceAfter as string, result: outcome.result };
    } catch (error) {
      // The work happened but could not be paid for (the hold expired meanwhile): undo the work.
      await channel.compensate?.({ accountId: input.accountId, request: input.request, idempotencyKey: key, reason: (error as Error).message });
      throw error;
    }
  }

  async #undo(input: { channel: SpendChannel<never, unknown>; accountId: string; request: unknown; key: string; holdId: string; reason: string }): Promise<void> {
    try {
      await this.deps.wallet.release({ accountId: input.accountId, holdId: input.holdId, idempotencyKey: `${input.key}:release` });
    } catch (error) {
      if (!(error instanceof TollgateError && ['hold_not_pending', 'hold_expired'].includes(error.code))) throw error;
    }
    await input.channel.compensate?.({ accountId: input.accountId, request: input.request as never, idempotencyKey: input.key, reason: input.reason });
  }
}
