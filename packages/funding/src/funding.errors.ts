import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '@tollgate/errors';

export class UnknownPackError extends UnprocessableError {
  constructor(input: { amount: string; packs: string[] }) {
    super({ code: 'unknown_pack', message: `There is no €${input.amount} pack; packs are ${input.packs.map((p) => `€${p}`).join(', ')}.`, details: input });
  }
}

export class AmountOutOfRangeError extends ValidationError {
  constructor(input: { amount: string; min: string; max: string }) {
    super({
      code: 'amount_out_of_range',
      message: `Credits are bought from €${input.min} to €${input.max}; €${input.amount} is outside that range.`,
      details: input,
    });
  }
}

export class UnknownProviderError extends ValidationError {
  constructor(input: { provider: string; available: string[] }) {
    super({
      code: 'unknown_provider',
      message: `Unknown payment provider "${input.provider}"; this host offers: ${input.available.join(', ') || 'none'}.`,
      details: input,
    });
  }
}

export class PaymentMethodNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'payment_method_not_found', message: `No active payment method ${id} on this account.`, details: { paymentMethodId: id } });
  }
}

export class PurchaseNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'purchase_not_found', message: `No purchase ${id} on this account.`, details: { purchaseId: id } });
  }
}

export class RefundNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'refund_not_found', message: `No refund ${id}.`, details: { refundId: id } });
  }
}

export class FundingKeyReusedError extends ConflictError {
  constructor(input: { key: string; operation: string }) {
    super({
      code: 'idempotency_key_reused',
      message: `Idempotency key ${JSON.stringify(input.key)} was already used for a different ${input.operation} request.`,
      details: input,
    });
  }
}

export class InvalidReferralCodeError extends ValidationError {
  constructor(code: string) {
    super({ code: 'invalid_referral_code', message: `Referral code ${JSON.stringify(code)} does not exist.`, details: { code } });
  }
}

/** 400: auto-refill settings that could not work (a minimum one pack cannot lift the balance above, limits out of range); `details` names the fields. */
export class AutoRefillSettingsError extends ValidationError {
  constructor(problems: Array<{ path: string[]; message: string }>) {
    super({
      code: 'invalid_auto_refill',
      message: problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; '),
      details: problems,
    });
  }
}
