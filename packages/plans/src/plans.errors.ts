import { NotFoundError, UnprocessableError } from '@tollgate/errors';

/** 404 unknown_plan: no plan has this id; the message names the plans offered. */
export class UnknownPlanError extends NotFoundError {
  constructor(input: { plan: string; offered: readonly string[] }) {
    super({
      code: 'unknown_plan',
      message: `There is no plan "${input.plan}". Plans offered: ${input.offered.join(', ')}.`,
      details: { plan: input.plan, offered: [...input.offered] },
    });
  }
}

/** 422 payment_method_not_in_plan: the account's plan does not take this payment method for this purpose. */
export class PaymentMethodNotInPlanError extends UnprocessableError {
  constructor(input: { message: string; details?: unknown }) {
    super({ code: 'payment_method_not_in_plan', message: input.message, ...(input.details === undefined ? {} : { details: input.details }) });
  }
}
