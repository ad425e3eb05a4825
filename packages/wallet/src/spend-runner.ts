import type { Clock } from '@tollgate/clock';
import type { Queryable } from '@tollgate/db';
import { ConflictError, TollgateError } from '@tollgate/errors';
import {
  HoldNotFoundError,
  HoldNotPendingError,
  IdempotencyKeyReusedError,
  SpendFailedError,
  UnknownChannelError,
  type CaptureInput,
  type CaptureResult,
  type ChargeInput,
  type ChargeResult,
  type Hold,
  type HoldInput,
  type HoldResult,
  type PluginWallet,
  type ReleaseInput,
  type ReleaseResult,
  type Reservation,
  type ReversalResult,
  type ReverseInput,
  type SpendChannel,
  type SpendInput,
  type SpendOutcome,
  type SpendQuote,
  type SpendResult,
  type SpendStepInput,
} from '@tollgate/plugin-sdk';

export { SpendFailedError };

/** The wallet moves the runner makes. The host passes hold and charge wrapped in the auto-refill wait (C-3). */
export interface SpendRunnerWallet {
  charge(input: ChargeInput): Promise<ChargeResult>;
  hold(input: HoldInput): Promise<HoldResult>;
  capture(input: CaptureInput): Promise<CaptureResult>;
  release(input: ReleaseInput): Promise<ReleaseResult>;
  reverse(input: ReverseInput): Promise<ReversalResult>;
  getHold(input: { accountId: string; holdId: string }): Promise<Hold | null>;
}

/** The spending half of what a plugin gets as `coreServices.wallet`. */
export type SpendMoves = Pick<PluginWallet, 'spend' | 'reserve' | 'complete' | 'settle' | 'cancel' | 'refund'>;

/** A spend's remembered outcome (table spend_runs). */
interface SpendRun {
  channel: string;
  holdId: string;
  outcome: 'done' | 'failed' | 'error';
  units: string | null;
  reason: string | null;
  result: unknown;
}

type Step = SpendStepInput<unknown> & { holdId: string };

/**
 * The runner knows a channel only as SpendChannel<unknown, unknown>; the caller names the result
 * type it expects from that channel, as with JSON.parse. This is the one place that trusts it.
 */
function resultOf<TResult>(value: unknown): TResult {
  return value as TResult;
}

/** The wallet's "this hold already ended" refusal (a replayed refusal comes back as a plain TollgateError with the code). */
const holdEnded = (error: unknown): boolean => error instanceof TollgateError && (error.code === 'hold_not_pending' || error.code === 'hold_expired');

/** "1.000000" → "1": units as the caller wrote them, whatever the ledger's numeric scale. */
const plainUnits = (units: string): string => (units.includes('.') ? units.replace(/\.?0+$/, '') : units);

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs spends the one way every channel spends (Medusa's step with compensation):
 *
 *   spend:    quote → hold → execute → capture   (settlement 'immediate')
 *             quote → hold → execute → pending   (settlement 'deferred': `settle` captures later)
 *             quote → charge                     (a channel without `execute`)
 *   reserve:  quote → hold;   complete: execute → capture, for work that runs later
 *   execute 'failed' → release;  execute throws → release + compensate;  'retry' → the hold stays
 *   capture refused after the work (the hold expired meanwhile) → compensate
 *
 * Every wallet move's key derives from the spend's key (`<key>:hold`, `:charge`, `:capture`,
 * `:release`, `:refund`). What `execute` answered is written (spend_runs) before the money move
 * that follows it, so a replay with the same key neither does the work again nor moves other
 * money: it repeats the same move under the same key and answers what the first call answered.
 * A hold that was cancelled or expired before the work ran is never executed on.
 */
export class SpendRunner implements SpendMoves {
  constructor(private readonly deps: { db: Queryable; clock: Clock; wallet: SpendRunnerWallet; channel: (id: string) => SpendChannel | undefined }) {}

  async spend<TRequest, TResult>(input: SpendInput<TRequest>): Promise<SpendResult<TResult>> {
    const channel = this.#channel(input.channelId);
    const quote = await channel.quote({ accountId: input.accountId, request: input.request });
    if (!channel.execute) {
      const charged = await this.deps.wallet.charge({
        accountId: input.accountId,
        channel: channel.id,
        units: quote.units,
        country: quote.country ?? null,
        description: quote.description,
        ...(quote.metadata ? { metadata: quote.metadata } : {}),
        ...(input.userId ? { userId: input.userId } : {}),
        idempotencyKey: `${input.idempotencyKey}:charge`,
      });
      return {
        status: 'completed',
        holdId: null,
        transactionId: charged.transactionId,
        units: plainUnits(charged.units),
        amount: charged.amount,
        balanceAfter: charged.balanceAfter,
        result: resultOf<TResult>(undefined),
      };
    }
    const held = await this.#hold({ channel, input, quote });
    return this.#run<TResult>({
      channel,
      step: { accountId: input.accountId, request: input.request, idempotencyKey: input.idempotencyKey, holdId: held.holdId },
    });
  }

  async reserve<TRequest>(input: SpendInput<TRequest>): Promise<Reservation> {
    const channel = this.#channel(input.channelId);
    const quote = await channel.quote({ accountId: input.accountId, request: input.request });
    const held = await this.#hold({ channel, input, quote });
    return { holdId: held.holdId, units: held.units, amount: held.amount, description: held.description, expiresAt: held.expiresAt };
  }

  async complete<TRequest, TResult>(input: {
    accountId: string;
    channelId: string;
    request: TRequest;
    idempotencyKey: string;
    holdId: string;
  }): Promise<SpendResult<TResult>> {
    const channel = this.#channel(input.channelId);
    return this.#run<TResult>({
      channel,
      step: { accountId: input.accountId, request: input.request, idempotencyKey: input.idempotencyKey, holdId: input.holdId },
    });
  }

  async settle(input: { accountId: string; holdId: string; idempotencyKey: string; units?: string }): Promise<CaptureResult> {
    return this.deps.wallet.capture({
      accountId: input.accountId,
      holdId: input.holdId,
      idempotencyKey: `${input.idempotencyKey}:capture`,
      ...(input.units !== undefined ? { units: input.units } : {}),
    });
  }

  async cancel(input: { accountId: string; holdId: string; idempotencyKey: string }): Promise<ReleaseResult | null> {
    try {
      return await this.deps.wallet.release({ accountId: input.accountId, holdId: input.holdId, idempotencyKey: `${input.idempotencyKey}:release` });
    } catch (error) {
      if (holdEnded(error)) return null;
      throw error;
    }
  }

  async refund(input: { accountId: string; transactionId: string; idempotencyKey: string; reason: string }): Promise<ReversalResult> {
    return this.deps.wallet.reverse({
      accountId: input.accountId,
      transactionId: input.transactionId,
      idempotencyKey: `${input.idempotencyKey}:refund`,
      reason: input.reason,
    });
  }

  #channel(id: string): SpendChannel {
    const channel = this.deps.channel(id);
    if (!channel) throw new UnknownChannelError(id);
    return channel;
  }

  #hold(input: { channel: SpendChannel; input: SpendInput<unknown>; quote: SpendQuote }): Promise<HoldResult> {
    const { channel, quote } = input;
    return this.deps.wallet.hold({
      accountId: input.input.accountId,
      channel: channel.id,
      units: quote.units,
      country: quote.country ?? null,
      description: quote.description,
      ...(quote.metadata ? { metadata: quote.metadata } : {}),
      ...(input.input.expiresAt ? { expiresAt: input.input.expiresAt } : {}),
      ...(input.input.userId ? { userId: input.input.userId } : {}),
      idempotencyKey: `${input.input.idempotencyKey}:hold`,
    });
  }

  /** Execute (once per key) → capture / release / keep, for a placed hold. */
  async #run<TResult>(input: { channel: SpendChannel; step: Step }): Promise<SpendResult<TResult>> {
    const { channel, step } = input;
    const { accountId, holdId, idempotencyKey: key } = step;
    let run = await this.#recorded({ accountId, key });
    if (run && (run.holdId !== holdId || run.channel !== channel.id)) throw new IdempotencyKeyReusedError({ key, operation: 'spend' });
    let hold: Hold | null = null;
    let thrown: { error: unknown } | undefined;
    if (!run) {
      hold = await this.#holdOf({ channel, accountId, holdId });
      // Captured outside the runner: not ours to answer for.
      if (hold.status === 'captured') throw new HoldNotPendingError({ holdId, status: hold.status });
      if (hold.status !== 'pending') {
        // Cancelled or expired before the work ran: the work must not run unpaid.
        run = await this.#record({ accountId, key, channel: channel.id, holdId, outcome: { status: 'failed', reason: `hold_${hold.status}` } });
      } else {
        let outcome: SpendOutcome<unknown> | undefined;
        try {
          outcome = channel.execute ? await channel.execute(step) : { status: 'done', result: undefined };
        } catch (error) {
          thrown = { error };
        }
        // Not now: nothing is remembered, the next `complete` with this key executes again.
        if (outcome?.status === 'retry')
          return { status: 'retry', holdId, reason: outcome.reason, ...(outcome.result !== undefined ? { result: resultOf<TResult>(outcome.result) } : {}) };
        // A throw is an unknown outcome: remembered too, so a replay undoes rather than executes again.
        run = await this.#record({ accountId, key, channel: channel.id, holdId, outcome: outcome ?? { status: 'error', reason: reasonOf(thrown?.error) } });
      }
    }

    const result = resultOf<TResult>(run.result ?? undefined);
    switch (run.outcome) {
      case 'error':
        // Also a replay of a spend whose execute threw: the same undo (compensate may run again), the same refusal.
        await this.#abandon({ channel, step, reason: run.reason ?? 'unknown' });
        throw new SpendFailedError({ channel: channel.id, reason: run.reason ?? 'unknown', ...(thrown ? { cause: thrown.error } : {}) });
      case 'failed':
        await this.#release({ accountId, holdId, key });
        return { status: 'failed', holdId, reason: run.reason ?? 'failed', ...(run.result !== null && run.result !== undefined ? { result } : {}) };
      case 'done': {
        if (channel.settlement === 'deferred') {
          hold ??= await this.#holdOf({ channel, accountId, holdId });
          return { status: 'pending', holdId, amount: hold.amount, expiresAt: hold.expiresAt, result };
        }
        let captured: CaptureResult;
        try {
          captured = await this.deps.wallet.capture({
            accountId,
            holdId,
            idempotencyKey: `${key}:capture`,
            ...(run.units !== null ? { units: run.units } : {}),
          });
        } catch (error) {
          // The work is done but the wallet refuses to take the money (the hold expired meanwhile):
          // undo the work. A fault (database unreachable) is not a refusal: a retry captures.
          if (error instanceof TollgateError && error.status < 500) await channel.compensate?.({ ...step, reason: `capture refused: ${error.code}` });
          throw error;
        }
        return {
          status: 'completed',
          holdId,
          transactionId: captured.transactionId,
          units: plainUnits(run.units ?? captured.units),
          amount: captured.captured,
          balanceAfter: captured.balanceAfter,
          result,
        };
      }
    }
  }

  async #holdOf(input: { channel: SpendChannel; accountId: string; holdId: string }): Promise<Hold> {
    const hold = await this.deps.wallet.getHold({ accountId: input.accountId, holdId: input.holdId });
    if (!hold) throw new HoldNotFoundError(input.holdId);
    if (hold.channel !== input.channel.id) {
      throw new ConflictError({
        code: 'hold_channel_mismatch',
        message: `Hold ${input.holdId} pays for ${hold.channel}, not ${input.channel.id}.`,
        details: { holdId: input.holdId, channel: hold.channel },
      });
    }
    return hold;
  }

  async #abandon(input: { channel: SpendChannel; step: Step; reason: string }): Promise<void> {
    await this.#release({ accountId: input.step.accountId, holdId: input.step.holdId, key: input.step.idempotencyKey });
    await input.channel.compensate?.({ ...input.step, reason: input.reason });
  }

  /** Gives the hold back; one that already ended (expired, cancelled) needs nothing more. */
  async #release(input: { accountId: string; holdId: string; key: string }): Promise<void> {
    try {
      await this.deps.wallet.release({ accountId: input.accountId, holdId: input.holdId, idempotencyKey: `${input.key}:release` });
    } catch (error) {
      if (!holdEnded(error)) throw error;
    }
  }

  async #recorded(input: { accountId: string; key: string }): Promise<SpendRun | undefined> {
    const { rows } = await this.deps.db.query<Record<string, unknown>>(
      'select channel, hold_id, outcome, units, reason, result from spend_runs where account_id = $1 and spend_key = $2',
      [input.accountId, input.key],
    );
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  /** Writes the outcome once; a concurrent run with the same key that wrote first wins, and both answer its outcome. */
  async #record(input: {
    accountId: string;
    key: string;
    channel: string;
    holdId: string;
    outcome: { status: 'done' | 'failed' | 'error'; reason?: string; units?: string; result?: unknown };
  }): Promise<SpendRun> {
    const { outcome } = input;
    const { rows } = await this.deps.db.query<Record<string, unknown>>(
      `insert into spend_runs (account_id, spend_key, channel, hold_id, outcome, units, reason, result, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
       on conflict (account_id, spend_key) do nothing returning channel, hold_id, outcome, units, reason, result`,
      [
        input.accountId,
        input.key,
        input.channel,
        input.holdId,
        outcome.status,
        outcome.units ?? null,
        outcome.reason ?? null,
        outcome.result === undefined ? null : JSON.stringify(outcome.result),
        this.deps.clock.now(),
      ],
    );
    const run = rows[0] ? toRun(rows[0]) : await this.#recorded(input);
    if (!run) throw new Error(`spend_runs: no record for ${input.key} after writing it`);
    if (run.holdId !== input.holdId || run.channel !== input.channel) throw new IdempotencyKeyReusedError({ key: input.key, operation: 'spend' });
    return run;
  }
}

function toRun(r: Record<string, unknown>): SpendRun {
  return {
    channel: String(r.channel),
    holdId: String(r.hold_id),
    outcome: r.outcome === 'done' || r.outcome === 'failed' ? r.outcome : 'error',
    units: r.units === null ? null : String(r.units),
    reason: r.reason === null ? null : String(r.reason),
    result: r.result,
  };
}
