import { ValidationError } from '@tollgate/errors';

/** 400: the template does not exist. */
export class UnknownTemplateError extends ValidationError {
  constructor(input: { template: unknown }) {
    super({
      code: 'unknown_notification_template',
      message: `Unknown notification template ${JSON.stringify(input.template)}.`,
      details: { template: input.template },
    });
  }
}

/** 400: a template's data is missing a field or has one of the wrong kind. */
export class InvalidNotificationDataError extends ValidationError {
  constructor(input: { template: string; field: string; message: string }) {
    super({
      code: 'invalid_notification_data',
      message: `Notification "${input.template}": ${input.message}`,
      details: { template: input.template, field: input.field },
    });
  }
}
