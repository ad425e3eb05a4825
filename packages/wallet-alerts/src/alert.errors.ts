import { NotFoundError, UnprocessableError, ValidationError } from '@tollgate/errors';

export class AlertNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'alert_not_found', message: `No alert ${id} on this account.`, details: { alertId: id } });
  }
}

export class TooManyAlertsError extends UnprocessableError {
  constructor(input: { max: number }) {
    super({ code: 'too_many_alerts', message: `An account may have at most ${input.max} alerts; delete one first.`, details: input });
  }
}

/** A parameter that does not belong to the alert's kind (amount on a days-left alert). */
export class AlertParameterError extends ValidationError {
  constructor(input: { field: string; kind: string }) {
    super({
      message: `${input.field} does not apply to a ${input.kind} alert (the kind of an alert cannot change: delete it and create another).`,
      details: [{ path: [input.field], message: `not a parameter of ${input.kind}` }],
    });
  }
}
