import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, type Database, type Transaction } from '@tollgate/db';
import type { DependencyContainer } from 'tsyringe';
import { EventDeliverer, type EventDeliveryOptions } from './event-deliverer.js';
import { EventLog } from './event-log.js';
import { WebhookEndpoints } from './webhook-endpoints.js';

export const EVENT_LOG = Symbol.for('tollgate.EventLog');
export const EVENT_DELIVERER = Symbol.for('tollgate.EventDeliverer');
export const WEBHOOK_ENDPOINTS = Symbol.for('tollgate.WebhookEndpoints');

/** Registers the log, the deliverer and the endpoints in a (child) container that already has DATABASE and CLOCK. */
export function registerEvents(input: {
  container: DependencyContainer;
  options: EventDeliveryOptions;
  onEndpointDisabled?: (input: { tx: Transaction; accountId: string; endpointId: string; url: string; failingSince: Date }) => Promise<void>;
}): void {
  const { container, options } = input;
  const db = container.resolve<Database>(DATABASE);
  const clock = container.resolve<Clock>(CLOCK);
  container.register(EVENT_LOG, { useValue: new EventLog({ db, clock }) });
  container.register(EVENT_DELIVERER, {
    useValue: new EventDeliverer({ db, clock, options, ...(input.onEndpointDisabled ? { onEndpointDisabled: input.onEndpointDisabled } : {}) }),
  });
  container.register(WEBHOOK_ENDPOINTS, { useValue: new WebhookEndpoints({ db, clock, sandbox: options.sandbox }) });
}
