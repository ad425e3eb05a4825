import { ConflictError, NotFoundError, TollgateError, UnprocessableError, ValidationError } from '@tollgate/errors';

/*
 * The wallet's refusals a plugin may meet and catch by class or by `code`. They live in the SDK
 * (the contract) and the wallet throws these very classes, so `instanceof` works across packages.
 */

/** Why no auto-refill came to the rescue (C-3), on an insufficient_funds refusal of an account that has auto-refill set. */
export interface AutoRefillNote {
  enabled: boolean;
  paused: boolean;
  /** 'refill_limit_reached', 'payment_declined', 'payment_method_removed', 'payment_method_not_in_plan' (the plan no longer allows the method, API 2.4), or null. */
  pausedReason: string | null;
  /** ISO date-time when a limit pause ends by itself. */
  resumesAt: string | null;
  /** A refill on its way (a SEPA one is not waited for). */
  refill: { purchaseId: string; status: string; expectedSettlementDate: string | null } | null;
}

/** 422 insufficient_funds: the available balance cannot cover the charge or hold; nothing was spent. */
export class InsufficientFundsError extends UnprocessableError {
  constructor(input: {
    required: string;
    available: string;
    /** Credit that exists but may only pay for other channels (scoped credit). Since API 2.8. */
    scopedToOtherChannels?: string;
    autoRefill?: AutoRefillNote;
  }) {
    const scoped =
      input.scopedToOtherChannels && input.scopedToOtherChannels !== '0.00'
        ? ` A further €${input.scopedToOtherChannels} of the balance is scoped to other channels.`
        : '';
    super({
      code: 'insufficient_funds',
      message: `Not enough credit: €${input.required} needed, €${input.available} available.${scoped}${explain(input.autoRefill)}`,
      details: input,
    });
  }
}

/** The counter and limit a refused spend would have gone over. Since API 2.8. */
export interface SpendingCapDetails {
  kind: 'channel' | 'user';
  /** The channel id or the user id. */
  target: string;
  limit: string;
  /** Spent this month before the request. */
  used: string;
  requested: string;
  /** The month, as its first day in the wallet's time zone: '2026-12-01'. */
  period: string;
  /** The local date the counter starts again from zero: '2027-01-01'. */
  resetsAt: string;
}

/** 422 spending_cap_exceeded: a monthly cap the account owner set would be exceeded; nothing was spent. Since API 2.8. */
export class SpendingCapExceededError extends UnprocessableError {
  constructor(input: SpendingCapDetails) {
    super({
      code: 'spending_cap_exceeded',
      message: `The monthly spending cap of €${input.limit} for ${input.kind} ${input.target} would be exceeded: €${input.used} spent this month, €${input.requested} requested. It resets on ${input.resetsAt}.`,
      details: input,
    });
  }
}

function explain(note: AutoRefillNote | undefined): string {
  if (!note?.enabled) return '';
  if (note.paused) return ` Auto-refill is paused (${note.pausedReason ?? 'paused'})${note.resumesAt ? ` until ${note.resumesAt}` : ''}.`;
  if (note.refill)
    return ` An auto-refill (${note.refill.purchaseId}) is on its way${note.refill.expectedSettlementDate ? `, expected ${note.refill.expectedSettlementDate}` : ''}.`;
  return '';
}

/** 409 wallet_blocked: a reversed payment left the account owing (C-1); nothing can be spent until it is settled. */
export class WalletBlockedError extends ConflictError {
  constructor(input: { owed: string }) {
    super({
      code: 'wallet_blocked',
      message: `Spending is blocked: €${input.owed} from a reversed payment is still owed. Buy credits to settle it.`,
      details: input,
    });
  }
}

/** 409 idempotency_key_reused: the key was used before with other parameters. */
export class IdempotencyKeyReusedError extends ConflictError {
  constructor(input: { key: string; operation: string }) {
    super({
      code: 'idempotency_key_reused',
      message: `Idempotency key ${JSON.stringify(input.key)} was already used for a different ${input.operation} request.`,
      details: input,
    });
  }
}

/** 400 unknown_channel: no spend channel or catalog price has this id. */
export class UnknownChannelError extends ValidationError {
  constructor(channel: string) {
    super({ code: 'unknown_channel', message: `Unknown channel ${JSON.stringify(channel)}: it has no price in the catalog.`, details: { channel } });
  }
}

/** 422 no_price: the channel exists but no price is in force for this country and time. */
export class NoPriceError extends UnprocessableError {
  constructor(input: { channel: string; country: string | null; at: string }) {
    super({ code: 'no_price', message: `No price for ${input.channel}${input.country ? ` in ${input.country}` : ''} at ${input.at}.`, details: input });
  }
}

/** 404 not_found: no such hold in this account. */
export class HoldNotFoundError extends NotFoundError {
  constructor(holdId: string) {
    super({ message: `No hold ${holdId}`, details: { holdId } });
  }
}

/** 409 hold_not_pending / hold_expired: the hold was already captured, released or expired. */
export class HoldNotPendingError extends ConflictError {
  constructor(input: { holdId: string; status: string }) {
    super({
      code: input.status === 'expired' ? 'hold_expired' : 'hold_not_pending',
      message: `Hold ${input.holdId} is ${input.status}; only a pending hold can be captured or released.`,
      details: input,
    });
  }
}

/** 502 spend_failed: the channel's work failed with an unknown outcome; its hold was released, nothing was spent. */
export class SpendFailedError extends TollgateError {
  constructor(input: { channel: string; reason: string; cause?: unknown }) {
    super({
      code: 'spend_failed',
      status: 502,
      message: `${input.channel} failed: ${input.reason}. Nothing was charged.`,
      details: { channel: input.channel },
      cause: input.cause,
    });
  }
}
