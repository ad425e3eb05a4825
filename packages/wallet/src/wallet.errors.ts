import { ConflictError, NotFoundError, TollgateError, UnprocessableError, ValidationError } from '@tollgate/errors';

/** 422: the available balance cannot cover the charge or hold; nothing was spent. */
export class InsufficientFundsError extends UnprocessableError {
  constructor(input: { required: string; available: string }) {
    super({ code: 'insufficient_funds', message: `Not enough credit: €${input.required} needed, €${input.available} available.`, details: input });
  }
}

/** 409: the idempotency key was used before with other parameters. */
export class IdempotencyKeyReusedError extends ConflictError {
  constructor(input: { key: string; operation: string }) {
    super({ code: 'idempotency_key_reused', message: `Idempotency key ${JSON.stringify(input.key)} was already used for a different ${input.operation} request.`, details: input });
  }
}

export class UnknownChannelError extends ValidationError {
  constructor(channel: string) {
    super({ code: 'unknown_channel', message: `Unknown channel ${JSON.stringify(channel)}: it has no price in the catalog.`, details: { channel } });
  }
}

export class NoPriceError extends UnprocessableError {
  constructor(input: { channel: string; country: string | null; at: string }) {
    super({ code: 'no_price', message: `No price for ${input.channel}${input.country ? ` in ${input.country}` : ''} at ${input.at}.`, details: input });
  }
}

export class WalletNotFoundError extends NotFoundError {
  constructor(accountId: string) {
    super({ message: `No wallet for account ${accountId}`, details: { accountId } });
  }
}

export class HoldNotFoundError extends NotFoundError {
  constructor(holdId: string) {
    super({ message: `No hold ${holdId}`, details: { holdId } });
  }
}

/** 409: the hold was already captured, released or expired. */
export class HoldNotPendingError extends ConflictError {
  constructor(input: { holdId: string; status: string }) {
    super({ code: input.status === 'expired' ? 'hold_expired' : 'hold_not_pending', message: `Hold ${input.holdId} is ${input.status}; only a pending hold can be captured or released.`, details: input });
  }
}

export class CaptureExceedsHoldError extends UnprocessableError {
  constructor(input: { holdId: string; requested: string; held: string }) {
    super({ code: 'capture_exceeds_hold', message: `Cannot capture €${input.requested} from hold ${input.holdId}, which holds €${input.held}.`, details: input });
  }
}

export class TransactionNotFoundError extends NotFoundError {
  constructor(transactionId: string) {
    super({ message: `No transaction ${transactionId}`, details: { transactionId } });
  }
}

export class NotReversibleError extends ConflictError {
  constructor(input: { transactionId: string; reason: string }) {
    super({ code: 'not_reversible', message: `Transaction ${input.transactionId} cannot be reversed: ${input.reason}`, details: input });
  }
}

export function isWalletError(error: unknown): error is TollgateError {
  return error instanceof TollgateError;
}

/** A reversed payment left the account owing (C-1): nothing can be spent until it is settled. */
export class WalletBlockedError extends ConflictError {
  constructor(input: { owed: string }) {
    super({ code: 'wallet_blocked', message: `Spending is blocked: €${input.owed} from a reversed payment is still owed. Buy credits to settle it.`, details: input });
  }
}

export class RefundExceedsRefundableError extends UnprocessableError {
  constructor(input: { requested: string; refundable: string }) {
    super({ code: 'refund_exceeds_refundable', message: `A refund of €${input.requested} is more than the €${input.refundable} of unspent purchased credit`, details: input });
  }
}

export class RefundBelowFeeError extends UnprocessableError {
  constructor(input: { requested: string; fee: string }) {
    super({ code: 'refund_below_fee', message: `A refund of €${input.requested} does not cover the €${input.fee} administrative fee`, details: input });
  }
}

export class NotClawableError extends ConflictError {
  constructor(input: { lotId: string; reason: string }) {
    super({ code: 'not_clawable', message: `Lot ${input.lotId} cannot be clawed back: ${input.reason}`, details: input });
  }
}
