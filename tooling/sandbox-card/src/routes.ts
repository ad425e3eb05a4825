import { CANCELLATION_REASONS, type CardProcessor, type Params } from './card-processor.js';
import type { ParamsSpec } from './params.js';

/**
 * The API the sandbox implements: each route with the parameters it knows. Anything not listed is
 * refused as the processor refuses it (a route: 404 "Unrecognized request URL"; a parameter:
 * 400 parameter_unknown), so the sandbox is never more lenient than the processor.
 */
export interface Route {
  method: 'GET' | 'POST';
  /** e.g. '/v1/payment_intents/:id/confirm'; `:id` is one path segment. */
  path: string;
  params: ParamsSpec;
  /** The `expand[]` paths the route can expand. */
  expandable?: readonly string[];
  run(input: { processor: CardProcessor; id: string; params: Params }): unknown;
}

const expand = { kind: 'expand' } as const;
const pagination = {
  limit: { kind: 'integer', min: 1, max: 100 },
  starting_after: { kind: 'string' },
  ending_before: { kind: 'string' },
} as const satisfies ParamsSpec;
/** off_session takes a boolean or the kind of off-session use. */
const offSession = { kind: 'boolean', also: ['one_off', 'recurring'] } as const;
const INTENT_EXPANDABLE = ['customer', 'payment_method'] as const;

export const ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/v1/customers',
    params: {
      email: { kind: 'string', emptyable: true, maxLength: 512 },
      name: { kind: 'string', emptyable: true, maxLength: 256 },
      description: { kind: 'string', emptyable: true },
      metadata: { kind: 'metadata' },
      expand,
    },
    run: ({ processor, params }) => processor.createCustomer(params),
  },
  { method: 'GET', path: '/v1/customers/:id', params: { expand }, run: ({ processor, id }) => processor.getCustomer({ id }) },
  {
    method: 'GET',
    path: '/v1/customers/:id/payment_methods',
    params: { ...pagination, type: { kind: 'enum', values: ['card'] }, expand },
    expandable: ['data.customer'],
    run: ({ processor, id, params }) => processor.listCustomerPaymentMethods({ id, params }),
  },
  {
    method: 'GET',
    path: '/v1/payment_methods/:id',
    params: { expand },
    expandable: ['customer'],
    run: ({ processor, id }) => processor.getPaymentMethod({ id }),
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/attach',
    params: { customer: { kind: 'string', required: true }, expand },
    expandable: ['customer'],
    run: ({ processor, id, params }) => processor.attachPaymentMethod({ id, params }),
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/detach',
    params: { expand },
    run: ({ processor, id }) => processor.detachPaymentMethod({ id }),
  },
  {
    method: 'POST',
    path: '/v1/payment_intents',
    params: {
      amount: { kind: 'integer', required: true, min: 1 },
      currency: { kind: 'string', required: true },
      customer: { kind: 'string' },
      payment_method: { kind: 'string' },
      confirm: { kind: 'boolean' },
      off_session: offSession,
      description: { kind: 'string', emptyable: true, maxLength: 1000 },
      metadata: { kind: 'metadata' },
      expand,
    },
    expandable: INTENT_EXPANDABLE,
    run: ({ processor, params }) => processor.createPaymentIntent(params),
  },
  {
    method: 'GET',
    path: '/v1/payment_intents',
    params: { ...pagination, customer: { kind: 'string' }, created: { kind: 'range' }, expand },
    expandable: ['data.customer', 'data.payment_method'],
    run: ({ processor, params }) => processor.listPaymentIntents(params),
  },
  {
    method: 'GET',
    path: '/v1/payment_intents/:id',
    params: { expand },
    expandable: INTENT_EXPANDABLE,
    run: ({ processor, id }) => processor.getPaymentIntent({ id }),
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id',
    params: {
      amount: { kind: 'integer', min: 1 },
      currency: { kind: 'string' },
      customer: { kind: 'string' },
      payment_method: { kind: 'string' },
      description: { kind: 'string', emptyable: true, maxLength: 1000 },
      metadata: { kind: 'metadata' },
      expand,
    },
    expandable: INTENT_EXPANDABLE,
    run: ({ processor, id, params }) => processor.updatePaymentIntent({ id, params }),
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/confirm',
    params: { payment_method: { kind: 'string' }, off_session: offSession, return_url: { kind: 'string' }, expand },
    expandable: INTENT_EXPANDABLE,
    run: ({ processor, id, params }) => processor.confirmPaymentIntent({ id, params }),
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/cancel',
    params: { cancellation_reason: { kind: 'enum', values: CANCELLATION_REASONS }, expand },
    expandable: INTENT_EXPANDABLE,
    run: ({ processor, id, params }) => processor.cancelPaymentIntent({ id, params }),
  },
  {
    method: 'POST',
    path: '/v1/checkout/sessions',
    params: {
      mode: { kind: 'enum', values: ['payment'], required: true },
      success_url: { kind: 'string', required: true, maxLength: 5000 },
      cancel_url: { kind: 'string', maxLength: 5000 },
      line_items: {
        kind: 'list',
        required: true,
        maxItems: 100,
        of: {
          kind: 'hash',
          fields: {
            quantity: { kind: 'integer', required: true, min: 1 },
            price_data: {
              kind: 'hash',
              fields: {
                currency: { kind: 'string', required: true },
                unit_amount: { kind: 'integer', required: true, min: 0 },
                product_data: { kind: 'hash', fields: { name: { kind: 'string', required: true }, description: { kind: 'string' } } },
              },
            },
          },
        },
      },
      customer: { kind: 'string' },
      customer_email: { kind: 'string' },
      client_reference_id: { kind: 'string', maxLength: 200 },
      locale: { kind: 'enum', values: ['auto', 'nl', 'fr', 'en', 'de'] },
      expires_at: { kind: 'integer' },
      metadata: { kind: 'metadata' },
      payment_intent_data: { kind: 'hash', fields: { description: { kind: 'string', emptyable: true, maxLength: 1000 }, metadata: { kind: 'metadata' } } },
      expand,
    },
    expandable: ['payment_intent'],
    run: ({ processor, params }) => processor.createCheckoutSession(params),
  },
  {
    method: 'GET',
    path: '/v1/checkout/sessions/:id',
    params: { expand },
    expandable: ['payment_intent'],
    run: ({ processor, id }) => processor.getCheckoutSession({ id }),
  },
  {
    method: 'POST',
    path: '/v1/checkout/sessions/:id/expire',
    params: { expand },
    expandable: ['payment_intent'],
    run: ({ processor, id }) => processor.expireCheckoutSession({ id }),
  },
];

/** The decoded segments of a path, or undefined when one cannot be decoded (no route matches it). */
export function pathSegments(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter(Boolean)
      .map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
}

export function matches(pattern: string, segments: readonly string[]): boolean {
  const parts = pattern.split('/').filter(Boolean);
  return parts.length === segments.length && parts.every((part, i) => part === ':id' || part === segments[i]);
}
