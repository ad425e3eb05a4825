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

/** 400: a checkout's returnPath must be a path on this host (`/app/fill`), never an absolute URL or another host's. */
export class InvalidReturnPathError extends ValidationError {
  constructor(returnPath: string) {
    super({
      code: 'invalid_return_path',
      message: `returnPath must be a path on this host such as "/app/fill" (no scheme, host, "//", "\\\\", query or fragment), not ${JSON.stringify(returnPath)}.`,
      details: { returnPath },
    });
  }
}

/** 400: the provider named takes no payments on its hosted page, or several do and none was named. */
export class HostedPaymentProviderError extends ValidationError {
  constructor(input: { provider: string | null; available: string[] }) {
    super({
      code: 'hosted_payment_unsupported',
      message: input.provider
        ? `Payment provider "${input.provider}" takes no payments on a hosted page; these do: ${input.available.join(', ') || 'none'}.`
        : `Name the provider: several take payments on a hosted page (${input.available.join(', ')}).`,
      details: input,
    });
  }
}

/** 422: no payment provider of this host takes payments on a hosted page. */
export class NoHostedPaymentProviderError extends UnprocessableError {
  constructor() {
    super({
      code: 'hosted_payment_unavailable',
      message: 'No payment provider of this host takes payments on a hosted page; pay with a saved payment method.',
    });
  }
}
