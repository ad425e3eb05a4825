import { randomBytes } from 'node:crypto';
import {
  ConflictError,
  ForbiddenError,
  InsufficientFundsError,
  Money,
  NotFoundError,
  TollgateError,
  UnprocessableError,
  type Clock,
  type PluginDatabase,
  type Logger,
  type PluginPriceCatalog,
  type PluginWallet,
  type SpendOutcome,
} from '@tollgate/plugin-sdk';
import { affordableMinutes, minutesFor, priceOfMinutes } from './call-minutes.js';
import { isCallStatus, isTerminal, statusesBefore, TERMINAL_STATUSES, type CallStatus } from './call-status.js';
import { normalisePhoneNumber } from './phone-number.js';
import { VoiceProviderError, type ProviderCall, type VoiceProvider } from './twilio-voice.client.js';
import { firstValue, type FormParams } from './twilio-webhook-signature.js';
import { callSpendKey, VOICE_CHANNEL_ID, type VoiceCallRequest, type VoiceCallResult } from './voice.channel.js';

export type Settlement = 'none' | 'pending' | 'captured' | 'released';

/** A call as the API shows it. Amounts are decimal strings. */
export interface VoiceCall {
  id: string;
  to: string;
  from: string;
  status: CallStatus;
  providerCallSid: string | null;
  /** Minutes held when the call started: the most it can be charged. */
  maxMinutes: number;
  unitPrice: string;
  heldAmount: string | null;
  holdId: string | null;
  settlement: Settlement;
  durationSeconds: number | null;
  minutesCharged: number | null;
  /** What the call cost, once settled (0.00 for busy, no-answer…). */
  amount: string | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  endedAt: string | null;
  settledAt: string | null;
}

interface CallRow {
  id: string;
  account_id: string;
  idempotency_key: string;
  to_number: string;
  from_number: string;
  country: string | null;
  status: CallStatus;
  provider_sid: string | null;
  hold_id: string | null;
  held_amount: string | null;
  max_minutes: number;
  unit_price: string;
  settlement: Settlement;
  duration_seconds: number | null;
  minutes_charged: number | null;
  amount_charged: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  updated_at: Date;
  ended_at: Date | null;
  settled_at: Date | null;
  reconcile_checks: number;
}

export interface VoiceCallsConfig {
  holdMinutes: number;
  defaultCountry: string;
  /** Countries with their own catalog price; others are held at the '*' price. */
  pricedCountries: readonly string[];
  /** Caller id when the request names none. */
  defaultFrom: string | undefined;
  staleAfterMinutes: number;
  /** A call is also due once its held minutes (its TimeLimit) plus this margin have passed. */
  reconcileMarginMinutes: number;
  twiml: string;
  twimlUrl: string | undefined;
}

export interface ReconcileResult {
  checked: number;
  settled: number;
  stillActive: number;
  abandoned: number;
  errors: number;
}

/** The path the status callbacks are mounted on (see voice.routes.ts). */
export const STATUS_CALLBACK_PATH = '/v1/plugins/voice/status-callbacks';

const SELECT = `select id, account_id, idempotency_key, to_number, from_number, country, status, provider_sid, hold_id, held_amount::text as held_amount, max_minutes,
  unit_price::text as unit_price, settlement, duration_seconds, minutes_charged, amount_charged::text as amount_charged, error_code, error_message,
  created_at, updated_at, ended_at, settled_at, reconcile_checks from voice_calls`;

/**
 * Outbound calls paid per started minute (P-2, W-5, W-6). A call is a row first, then a wallet
 * hold of what the account can cover (at most holdMinutes), then a call at the provider. Its
 * final status (callback or, when that is missed, the reconcile job) captures the started
 * minutes from the hold, never more than it holds, and releases the rest.
 */
export class VoiceCallsService {
  readonly #db: Pick<PluginDatabase, 'query'>;
  readonly #clock: Clock;
  readonly #wallet: PluginWallet;
  readonly #catalog: PluginPriceCatalog;
  readonly #provider: VoiceProvider;
  readonly #logger: Logger;
  readonly #config: VoiceCallsConfig;
  readonly #baseUrl: () => string;

  constructor(input: {
    db: Pick<PluginDatabase, 'query'>;
    clock: Clock;
    wallet: PluginWallet;
    catalog: PluginPriceCatalog;
    provider: VoiceProvider;
    logger: Logger;
    config: VoiceCallsConfig;
    baseUrl: () => string;
  }) {
    this.#db = input.db;
    this.#clock = input.clock;
    this.#wallet = input.wallet;
    this.#catalog = input.catalog;
    this.#provider = input.provider;
    this.#logger = input.logger;
    this.#config = input.config;
    this.#baseUrl = input.baseUrl;
  }

  /** The URL the provider posts status callbacks to, read from the host each time (its port is known only once it listens). */
  statusCallbackUrl(): string {
    return `${this.#baseUrl().replace(/\/+$/, '')}${STATUS_CALLBACK_PATH}`;
  }

  /**
   * Places a call. `created` is false when the idempotency key was seen before: the first call is
   * returned and nothing is dialled again. Refuses with 422 insufficient_funds (no call) when the
   * wallet does not cover the first minute, 502 provider_refused (hold released) when the provider says no.
   */
  async placeCall(input: { accountId: string; to: string; from?: string; idempotencyKey: string }): Promise<{ created: boolean; call: VoiceCall }> {
    const to = normalisePhoneNumber({ value: input.to, defaultCountry: this.#config.defaultCountry, field: 'to' });
    const fromInput = input.from ?? this.#config.defaultFrom;
    if (!fromInput) throw new UnprocessableError({ code: 'caller_id_missing', message: 'No caller id: give "from" or configure the plugin option "from".' });
    const from = normalisePhoneNumber({ value: fromInput, defaultCountry: this.#config.defaultCountry, field: 'from' }).e164;

    const existing = await this.#byKey({ accountId: input.accountId, idempotencyKey: input.idempotencyKey });
    if (existing) return { created: false, call: this.#replay({ row: existing, to: to.e164, from }) };

    const country = to.country && this.#config.pricedCountries.includes(to.country) ? to.country : undefined;
    // The account's plan may price voice itself (W-11): the price of its plan, which its hold will be placed at.
    const price = await this.#catalog.priceAt({ channel: VOICE_CHANNEL_ID, country: country ?? null, accountId: input.accountId });
    if (!price) throw new UnprocessableError({ code: 'no_price', message: `No price for voice calls${country ? ` to ${country}` : ''} is in force.` });
    const balance = await this.#wallet.balance({ accountId: input.accountId });
    if (balance.blocked)
      throw new ConflictError({
        code: 'wallet_blocked',
        message: `Spending is blocked: €${balance.owed.toString()} from a reversed payment is still owed.`,
        details: { owed: balance.owed.toString() },
      });
    const minutes = affordableMinutes({ available: balance.available, unitPrice: price.unitPrice, max: this.#config.holdMinutes });
    if (minutes === 0) {
      throw new InsufficientFundsError({
        required: priceOfMinutes({ unitPrice: price.unitPrice, minutes: 1 }).toString(),
        available: balance.available.toString(),
      });
    }

    const id = `call_${randomBytes(12).toString('hex')}`;
    const now = this.#clock.now();
    const inserted = await this.#db.query<{ id: string }>(
      `insert into voice_calls (id, account_id, idempotency_key, to_number, from_number, country, status, max_minutes, unit_price, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, 'placing', $7, $8, $9, $9) on conflict (account_id, idempotency_key) do nothing returning id`,
      [id, input.accountId, input.idempotencyKey, to.e164, from, to.country ?? null, minutes, price.unitPrice.toString(), now],
    );
    if (!inserted.rows[0]) {
      // Another request with the same key won the insert.
      const winner = await this.#byKey({ accountId: input.accountId, idempotencyKey: input.idempotencyKey });
      if (!winner) throw new ConflictError({ code: 'call_in_progress', message: 'A call with this idempotency key is being placed; retry shortly.' });
      return { created: false, call: this.#replay({ row: winner, to: to.e164, from }) };
    }

    const request: VoiceCallRequest = { callId: id, minutes, display: to.display, ...(country ? { country } : {}) };
    let held: { holdId: string; amount: Money };
    try {
      // The runner holds under `voice:<callId>:hold`, then dials (channel.execute); a refused or failing dial releases the hold.
      const spent = await this.#wallet.spend<VoiceCallRequest, VoiceCallResult>({
        accountId: input.accountId,
        channelId: VOICE_CHANNEL_ID,
        request,
        idempotencyKey: callSpendKey(id),
      });
      if (spent.status === 'failed') throw await this.#failedToPlace({ id, error: null });
      // A deferred channel that dialled leaves its hold pending; its final status settles it.
      if (spent.status !== 'pending') throw new Error(`voice: unexpected spend outcome ${spent.status} for call ${id}`);
      held = spent;
    } catch (error) {
      if (error instanceof TollgateError && error.code === 'provider_refused') throw error;
      throw await this.#failedToPlace({ id, error });
    }
    await this.#db.query(
      `update voice_calls set hold_id = $2, held_amount = $3, settlement = 'pending', updated_at = $4 where id = $1 and settlement = 'none'`,
      [id, held.holdId, held.amount.toString(), this.#clock.now()],
    );
    // A final status may have arrived while the hold id was not yet recorded.
    const row = await this.#settleIfFinal((await this.#byId(id))!);
    return { created: true, call: toView(row) };
  }

  /**
   * channel.execute: dials once per call (a retried execute finds the provider's sid and does not
   * dial again). A provider's definite no (a 4xx) is `failed`; no answer or a 5xx is thrown (an
   * unknown outcome: the runner releases the hold and compensates, which hangs up if a call exists).
   */
  async dial(input: { callId: string }): Promise<SpendOutcome<VoiceCallResult>> {
    const row = await this.#byId(input.callId);
    if (!row) throw new Error(`voice: no call ${input.callId}`);
    if (row.provider_sid) return { status: 'done', result: { providerCallSid: row.provider_sid } };
    let call: ProviderCall;
    try {
      call = await this.#provider.createCall({
        to: row.to_number,
        from: row.from_number,
        statusCallback: this.statusCallbackUrl(),
        ...(this.#config.twimlUrl ? { url: this.#config.twimlUrl } : { twiml: this.#config.twiml }),
        // The provider ends the call when the held minutes are used up: a call never outruns its hold.
        timeLimitSeconds: row.max_minutes * 60,
      });
    } catch (error) {
      if (!(error instanceof VoiceProviderError)) throw error;
      const code = error.code === null ? 'provider_unreachable' : String(error.code);
      await this.#db.query('update voice_calls set error_code = $2, error_message = $3, updated_at = $4 where id = $1', [
        row.id,
        code,
        error.message,
        this.#clock.now(),
      ]);
      if (error.status !== null && error.status < 500) return { status: 'failed', reason: `provider_refused_${code}` };
      throw error;
    }
    const moved = statusesBefore(call.status);
    await this.#db.query(
      `update voice_calls set provider_sid = $2, status = case when status in (select jsonb_array_elements_text($3::jsonb)) then $4 else status end, updated_at = $5 where id = $1`,
      [row.id, call.sid, moved, call.status, this.#clock.now()],
    );
    this.#logger.info({ callId: row.id, callSid: call.sid, status: call.status }, 'voice: call placed');
    return { status: 'done', result: { providerCallSid: call.sid } };
  }

  /** channel.compensate: the spend was abandoned after dialling, so the call must not go on unpaid. */
  async hangUpQuietly(input: { callId: string; reason: string }): Promise<void> {
    const row = await this.#byId(input.callId);
    if (!row?.provider_sid || isTerminal(row.status)) return;
    try {
      await this.#provider.hangUp({ sid: row.provider_sid });
    } catch (error) {
      this.#logger.error({ err: error, callId: row.id, reason: input.reason }, 'voice: could not hang up an abandoned call');
    }
  }

  /**
   * A status callback from the provider. Refused (403, nothing changes) unless its signature
   * matches; an unknown CallSid is logged and ignored so the provider does not retry it.
   */
  async handleStatusCallback(input: { signature: string | undefined; settings?: string | undefined; params: FormParams }): Promise<{ applied: boolean }> {
    const url = this.statusCallbackUrl();
    const check = this.#provider.validateSignature({ signature: input.signature, settings: input.settings, url, params: input.params });
    const sid = firstValue(input.params, 'CallSid');
    if (!check.valid) {
      this.#logger.warn({ url, callSid: sid, reason: check.reason }, 'voice: status callback with a bad or missing X-Twilio-Signature refused');
      throw new ForbiddenError({ code: 'invalid_signature', message: 'The X-Twilio-Signature header does not match this request.' });
    }
    const status = firstValue(input.params, 'CallStatus');
    if (!sid || !isCallStatus(status) || status === 'placing') {
      this.#logger.warn({ callSid: sid, status }, 'voice: status callback without a known CallSid/CallStatus ignored');
      return { applied: false };
    }
    const row = await this.#bySid(sid);
    if (!row) {
      this.#logger.warn({ callSid: sid, status }, 'voice: status callback for an unknown CallSid ignored');
      return { applied: false };
    }
    const duration = parseDuration(firstValue(input.params, 'CallDuration'));
    await this.#apply({ row, call: { sid, status, durationSeconds: duration } });
    return { applied: true };
  }

  /**
   * The reconcile job: settles calls whose final callback never came. Calls still holding money
   * `staleAfterMinutes` after they were placed are fetched from the provider; calls that already
   * ended but could not be settled are retried; rows that never reached the provider are closed.
   */
  async reconcile(input: { limit?: number } = {}): Promise<ReconcileResult> {
    const result: ReconcileResult = { checked: 0, settled: 0, stillActive: 0, abandoned: 0, errors: 0 };
    const now = this.#clock.now();
    const cutoff = new Date(now.getTime() - this.#config.staleAfterMinutes * 60_000);
    // Claimed by moving next_check_at forward in the same statement (SKIP LOCKED): another host's run
    // skips these calls. A call still live at the provider comes back after 5, 10, 20… minutes (at most 60).
    const claimed = await this.#db.query<{ id: string }>(
      `with due as (
         select id from voice_calls
          where ((settlement = 'pending' and (status in (select jsonb_array_elements_text($1::jsonb)) or created_at <= $2
                   or created_at + make_interval(mins => max_minutes + $3::int) <= $4))
                 or (status = 'placing' and created_at <= $2))
            and (next_check_at is null or next_check_at <= $4)
          order by created_at, id limit $5 for update skip locked
       )
       update voice_calls c set reconcile_checks = c.reconcile_checks + 1,
              next_check_at = $4::timestamptz + make_interval(mins => least(5 * power(2, least(c.reconcile_checks, 4))::int, 60))
         from due where c.id = due.id
       returning c.id`,
      [TERMINAL_STATUSES, cutoff, this.#config.reconcileMarginMinutes, now, input.limit ?? 200],
    );
    const ids = claimed.rows.map((r) => r.id);
    const { rows } = ids.length
      ? await this.#db.query<CallRow>(`${SELECT} where id in (select jsonb_array_elements_text($1::jsonb)) order by created_at, id`, [JSON.stringify(ids)])
      : { rows: [] as CallRow[] };
    for (const row of rows) {
      result.checked++;
      try {
        if (row.status === 'placing' && !row.provider_sid) {
          // Never reached the provider (the host stopped mid-request): nothing to charge.
          await this.#abandon(row);
          result.abandoned++;
          continue;
        }
        let current = row;
        if (!isTerminal(row.status) && row.provider_sid) current = await this.#apply({ row, call: await this.#provider.fetchCall({ sid: row.provider_sid }) });
        else current = await this.#settleIfFinal(row);
        if (current.settlement === 'pending') {
          result.stillActive++;
          this.#logger.warn(
            { callId: row.id, callSid: row.provider_sid, status: current.status, checks: row.reconcile_checks },
            'voice: call still live at the provider after its time limit; asked again later',
          );
        } else result.settled++;
      } catch (error) {
        result.errors++;
        this.#logger.error({ err: error, callId: row.id }, 'voice: reconcile failed for a call');
      }
    }
    if (result.checked > 0) this.#logger.info({ ...result }, 'voice: reconciled calls');
    return result;
  }

  async listCalls(input: { accountId: string; limit?: number; before?: string }): Promise<{ data: VoiceCall[]; nextCursor: string | null }> {
    const limit = input.limit ?? 50;
    const { rows } = await this.#db.query<CallRow>(
      `${SELECT} c where c.account_id = $1 and ($2::text is null or (c.created_at, c.id) < (select b.created_at, b.id from voice_calls b where b.id = $2 and b.account_id = $1))
       order by c.created_at desc, c.id desc limit $3`,
      [input.accountId, input.before ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    return { data: page.map(toView), nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
  }

  async getCall(input: { accountId: string; callId: string }): Promise<VoiceCall> {
    return toView(await this.#owned(input));
  }

  /** Ends a call (provider Status=completed); its final status settles it as usual. Idempotent on an ended call. */
  async hangUp(input: { accountId: string; callId: string }): Promise<VoiceCall> {
    const row = await this.#owned(input);
    if (isTerminal(row.status)) return toView(row);
    if (!row.provider_sid) throw new ConflictError({ code: 'call_not_started', message: 'The call has not reached the provider yet; retry in a moment.' });
    let call: ProviderCall;
    try {
      call = await this.#provider.hangUp({ sid: row.provider_sid });
    } catch (error) {
      throw providerError({ message: 'The voice provider did not hang up the call', error, details: { callId: row.id } });
    }
    return toView(await this.#apply({ row, call }));
  }

  async #owned(input: { accountId: string; callId: string }): Promise<CallRow> {
    const { rows } = await this.#db.query<CallRow>(`${SELECT} where id = $1 and account_id = $2`, [input.callId, input.accountId]);
    if (!rows[0]) throw new NotFoundError({ code: 'call_not_found', message: `No call ${input.callId}`, details: { callId: input.callId } });
    return rows[0];
  }

  /** Moves the call on (forward only, a final status once) and settles it when it has ended. */
  async #apply(input: { row: CallRow; call: ProviderCall }): Promise<CallRow> {
    const { row, call } = input;
    const now = this.#clock.now();
    if (isTerminal(call.status)) {
      // Only the first final status counts: later or duplicate reports cannot change the duration.
      await this.#db.query(
        `update voice_calls set status = $2, duration_seconds = $3, ended_at = $4, updated_at = $4 where id = $1 and status in (select jsonb_array_elements_text($5::jsonb))`,
        [row.id, call.status, call.status === 'completed' ? call.durationSeconds : (call.durationSeconds ?? 0), now, statusesBefore(call.status)],
      );
    } else {
      await this.#db.query('update voice_calls set status = $2, updated_at = $3 where id = $1 and status in (select jsonb_array_elements_text($4::jsonb))', [
        row.id,
        call.status,
        now,
        statusesBefore(call.status),
      ]);
    }
    return this.#settleIfFinal((await this.#byId(row.id))!);
  }

  async #settleIfFinal(row: CallRow): Promise<CallRow> {
    if (!isTerminal(row.status) || row.settlement !== 'pending' || !row.hold_id) return row;
    let duration = row.duration_seconds;
    if (row.status === 'completed' && duration === null && row.provider_sid) {
      // A completed report without CallDuration: ask the provider rather than guess.
      duration = (await this.#provider.fetchCall({ sid: row.provider_sid })).durationSeconds;
    }
    const started = row.status === 'completed' ? minutesFor(duration ?? 0) : 0;
    const minutes = Math.min(started, row.max_minutes);
    if (minutes < started)
      this.#logger.warn({ callId: row.id, started, held: row.max_minutes }, 'voice: call lasted longer than its hold; charged the held minutes only');

    const { settlement, amount } = await this.#settleHold({ row, holdId: row.hold_id, minutes });
    await this.#db.query(
      `update voice_calls set settlement = $2, duration_seconds = coalesce(duration_seconds, $3), minutes_charged = $4, amount_charged = $5, settled_at = $6, updated_at = $6
       where id = $1 and settlement = 'pending'`,
      [row.id, settlement, duration, minutes, amount.toString(), this.#clock.now()],
    );
    this.#logger.info({ callId: row.id, status: row.status, minutes, amount: amount.toString() }, 'voice: call settled');
    return (await this.#byId(row.id))!;
  }

  /**
   * Ends the call's spend: the started minutes are captured (`settle`, priced as when held), or the
   * hold is given back (`cancel`) when nothing is owed. A hold that ended another way (it expired,
   * or an earlier attempt lost its reply) is recorded as the wallet says.
   */
  async #settleHold(input: { row: CallRow; holdId: string; minutes: number }): Promise<{ settlement: Settlement; amount: Money }> {
    const { row, holdId, minutes } = input;
    try {
      if (minutes > 0) {
        const captured = await this.#wallet.settle({ accountId: row.account_id, holdId, units: String(minutes), idempotencyKey: callSpendKey(row.id) });
        return { settlement: 'captured', amount: captured.captured };
      }
      const released = await this.#wallet.cancel({ accountId: row.account_id, holdId, idempotencyKey: callSpendKey(row.id) });
      if (released) return { settlement: 'released', amount: Money.zero() };
    } catch (error) {
      if (!(error instanceof TollgateError && ['hold_not_pending', 'hold_expired'].includes(error.code))) throw error;
    }
    const hold = await this.#wallet.getHold({ accountId: row.account_id, holdId });
    this.#logger.warn({ callId: row.id, holdStatus: hold?.status }, 'voice: the hold was no longer pending when the call was settled');
    return hold?.status === 'captured' ? { settlement: 'captured', amount: hold.captured } : { settlement: 'released', amount: Money.zero() };
  }

  /** The spend did not place the call: refused by the provider (`error` null: the runner's `failed`), failed, or refused by the wallet. */
  async #failedToPlace(input: { id: string; error: unknown }): Promise<unknown> {
    const { id, error } = input;
    const row = await this.#byId(id);
    if ((error === null || (error instanceof TollgateError && error.code === 'spend_failed')) && row) {
      // The provider refused (or was unreachable): the runner released the hold; the call is failed.
      const code = row.error_code ?? 'internal_error';
      const message = row.error_message ?? 'the call could not be placed';
      if (!row.error_code)
        this.#logger.error({ err: error instanceof TollgateError ? (error.cause ?? error) : error, callId: id }, 'voice: placing the call failed');
      await this.#db.query(
        `update voice_calls set status = 'failed', settlement = 'released', error_code = $2, error_message = $3, updated_at = $4, ended_at = $4 where id = $1`,
        [id, code, message, this.#clock.now()],
      );
      this.#logger.warn({ callId: id, code, message }, 'voice: the provider refused the call; hold released');
      return providerRefused({ callId: id, code, message });
    }
    if (row && !row.provider_sid) {
      // Nothing was dialled (no credit after all, wallet blocked…): no call, and the key may be used again.
      await this.#db.query(`delete from voice_calls where id = $1 and provider_sid is null`, [id]);
    }
    return error ?? new Error(`voice: call ${id} was not placed and its row is gone`);
  }

  async #abandon(row: CallRow): Promise<void> {
    await this.#db.query(
      `update voice_calls set status = 'failed', error_code = 'abandoned', error_message = 'the call was not placed (interrupted before it reached the provider)', ended_at = $2, updated_at = $2
       where id = $1 and status = 'placing' and provider_sid is null`,
      [row.id, this.#clock.now()],
    );
    if (row.hold_id && row.settlement === 'pending') await this.#settleIfFinal((await this.#byId(row.id))!);
    this.#logger.warn({ callId: row.id, holdId: row.hold_id }, 'voice: closed a call that never reached the provider');
  }

  #replay(input: { row: CallRow; to: string; from: string }): VoiceCall {
    const { row } = input;
    if (row.to_number !== input.to || row.from_number !== input.from) {
      throw new ConflictError({
        code: 'idempotency_key_reused',
        message: `Idempotency key ${JSON.stringify(row.idempotency_key)} was already used for a call to another number.`,
        details: { callId: row.id },
      });
    }
    if (row.status === 'placing' && !row.provider_sid)
      throw new ConflictError({
        code: 'call_in_progress',
        message: 'A call with this idempotency key is being placed; retry shortly.',
        details: { callId: row.id },
      });
    if (row.status === 'failed' && !row.provider_sid && row.error_code)
      throw providerRefused({ callId: row.id, code: row.error_code, message: row.error_message ?? 'refused' });
    return toView(row);
  }

  async #byKey(input: { accountId: string; idempotencyKey: string }): Promise<CallRow | undefined> {
    return (await this.#db.query<CallRow>(`${SELECT} where account_id = $1 and idempotency_key = $2`, [input.accountId, input.idempotencyKey])).rows[0];
  }

  async #byId(id: string): Promise<CallRow | undefined> {
    return (await this.#db.query<CallRow>(`${SELECT} where id = $1`, [id])).rows[0];
  }

  async #bySid(sid: string): Promise<CallRow | undefined> {
    return (await this.#db.query<CallRow>(`${SELECT} where provider_sid = $1`, [sid])).rows[0];
  }
}

function parseDuration(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return null;
  return Number(value);
}

function providerRefused(input: { callId: string; code: string; message: string }): TollgateError {
  return new TollgateError({
    code: 'provider_refused',
    status: 502,
    message: `The voice provider refused the call: ${input.message}. Nothing was charged.`,
    details: { callId: input.callId, providerCode: input.code },
  });
}

function providerError(input: { message: string; error: unknown; details: object }): TollgateError {
  const reason = input.error instanceof Error ? input.error.message : String(input.error);
  return new TollgateError({ code: 'provider_error', status: 502, message: `${input.message}: ${reason}`, details: input.details, cause: input.error });
}

function toView(row: CallRow): VoiceCall {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: row.id,
    to: row.to_number,
    from: row.from_number,
    status: row.status,
    providerCallSid: row.provider_sid,
    maxMinutes: row.max_minutes,
    unitPrice: Money.of(row.unit_price).toString(),
    heldAmount: row.held_amount === null ? null : Money.of(row.held_amount).toString(),
    holdId: row.hold_id,
    settlement: row.settlement,
    durationSeconds: row.duration_seconds,
    minutesCharged: row.minutes_charged,
    amount: row.amount_charged === null ? null : Money.of(row.amount_charged).toString(),
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    createdAt: iso(row.created_at)!,
    endedAt: iso(row.ended_at),
    settledAt: iso(row.settled_at),
  };
}
