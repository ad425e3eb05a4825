export { eventMigrations } from './events.migrations.js';
export { recordEvent } from './event-outbox.js';
export { pruneEvents, type PruneResult } from './event-retention.js';
export { EVENT_RELAY_LOCK, EventLog, eventView, newEventId, type HandlerTarget, type RecordedEvent } from './event-log.js';
export {
  EventDeliverer,
  WEBHOOK_BACKOFF_SECONDS,
  handlerBackoffSeconds,
  type DeliveryRound,
  type EventDeliveryOptions,
  type RegisteredHandler,
} from './event-deliverer.js';
export { MAX_ENDPOINTS, MAX_REPLAY, WebhookEndpoints, type AttemptView, type DeliveryView, type WebhookEndpoint } from './webhook-endpoints.js';
export { SIGNATURE_HEADER, newWebhookSecret, signatureHeader } from './webhook-signature.js';
export { checkWebhookUrl, guardedLookup, refusedAddress, type WebhookUrlPolicy } from './webhook-url.js';
export { RESPONSE_BODY_CHARS, WebhookAgents, postWebhook, type SendOutcome } from './webhook-sender.js';
export {
  DeliveryNotFoundError,
  EventNotFoundError,
  ParkedDeliveryNotFoundError,
  TooManyWebhookEndpointsError,
  UnknownEventTypeError,
  WebhookEndpointNotFoundError,
  WebhookUrlRefusedError,
} from './events.errors.js';
export { EVENT_DELIVERER, EVENT_LOG, WEBHOOK_ENDPOINTS, registerEvents } from './registration.js';
