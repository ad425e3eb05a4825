import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '@tollgate/errors';

/** 422 webhook_url_refused: the URL's scheme or address is not allowed (SSRF guard). */
export class WebhookUrlRefusedError extends UnprocessableError {
  constructor(input: { url: string; reason: string }) {
    super({
      code: 'webhook_url_refused',
      message: `Webhooks cannot be sent to ${input.url}: ${input.reason}.`,
      details: { url: input.url, reason: input.reason },
    });
  }
}

/** 404 webhook_endpoint_not_found. */
export class WebhookEndpointNotFoundError extends NotFoundError {
  constructor(input: { endpointId: string }) {
    super({
      code: 'webhook_endpoint_not_found',
      message: `No webhook endpoint ${input.endpointId} in this account.`,
      details: { endpointId: input.endpointId },
    });
  }
}

/** 404 event_not_found. */
export class EventNotFoundError extends NotFoundError {
  constructor(input: { eventId: string }) {
    super({ code: 'event_not_found', message: `No event ${input.eventId} in this account.`, details: { eventId: input.eventId } });
  }
}

/** 400 unknown_event_type: a subscription names a type the SDK does not describe. */
export class UnknownEventTypeError extends ValidationError {
  constructor(input: { types: string[] }) {
    super({ code: 'unknown_event_type', message: `Unknown event type(s): ${input.types.join(', ')}.`, details: { types: input.types } });
  }
}

/** 409 too_many_webhook_endpoints. */
export class TooManyWebhookEndpointsError extends ConflictError {
  constructor(input: { max: number }) {
    super({ code: 'too_many_webhook_endpoints', message: `An account has at most ${input.max} webhook endpoints.`, details: { max: input.max } });
  }
}

/** 404 parked_delivery_not_found. */
export class ParkedDeliveryNotFoundError extends NotFoundError {
  constructor(input: { deliveryId: string }) {
    super({ code: 'parked_delivery_not_found', message: `No parked delivery ${input.deliveryId}.`, details: { deliveryId: input.deliveryId } });
  }
}

/** 404 delivery_not_found: no such delivery of this endpoint. */
export class DeliveryNotFoundError extends NotFoundError {
  constructor(input: { deliveryId: string }) {
    super({ code: 'delivery_not_found', message: `No delivery ${input.deliveryId} of this endpoint.`, details: { deliveryId: input.deliveryId } });
  }
}
