import { ConflictError, NotFoundError, TollgateError, UnprocessableError, ValidationError } from '@tollgate/errors';

// The refusals a plugin may meet are part of the plugin contract: defined in the SDK, thrown from here.
export {
  HoldNotFoundError,
  HoldNotPendingError,
  IdempotencyKeyReusedError,
  InsufficientFundsError,
  NoPriceError,
  SpendingCapExceededError,
  UnknownChannelError,
  WalletBlockedError,
  type AutoRefillNote,
} from '@tollgate/plugin-sdk';

export class WalletNotFoundError extends NotFoundError {
  constructor(accountId: string) {
    super({ message: `No wallet for account ${accountId}`, details: { accountId } });
  }
}

export class CaptureExceedsHoldError extends UnprocessableError {
  constructor(input: { holdId: string; requested: string; held: string }) {
    super({
      code: 'capture_exceeds_hold',
      message: `Cannot capture €${input.requested} from hold ${input.holdId}, which holds €${input.held}.`,
      details: input,
    });
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

export class RefundExceedsRefundableError extends UnprocessableError {
  constructor(input: { requested: string; refundable: string }) {
    super({
      code: 'refund_exceeds_refundable',
      message: `A refund of €${input.requested} is more than the €${input.refundable} of unspent purchased credit`,
      details: input,
    });
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

/** 400 invalid_scope: a grant's scope names neither a known channel nor a known tag. */
export class InvalidScopeError extends ValidationError {
  constructor(input: { unknown: string[] }) {
    super({
      code: 'invalid_scope',
      message: `scope must list known channel ids or tags; unknown: ${input.unknown.join(', ')}`,
      details: [{ path: ['scope'], message: `unknown channel or tag: ${input.unknown.join(', ')}` }],
    });
  }
}
