import { EVENT_TYPES } from '@tollgate/plugin-sdk';
import { z } from 'zod';

const eventType = z.enum(Object.keys(EVENT_TYPES) as [string, ...string[]]);
const limit = z.coerce.number().int().min(1).max(200).default(50);
const when = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

export const endpointIdParam = z.string().regex(/^we_[A-Za-z0-9_-]{1,40}$/, 'a webhook endpoint id (we_…)');
export const eventIdParam = z.string().regex(/^evt_[A-Za-z0-9_-]{1,40}$/, 'an event id (evt_…)');
export const deliveryIdParam = z.string().regex(/^[1-9]\d{0,17}$/, 'a delivery id');

export const eventsQuery = z.strictObject({
  type: z
    .union([eventType, z.array(eventType).max(30)])
    .optional()
    .transform((v) => (v === undefined ? undefined : [v].flat()))
    .describe('Only events of this type (repeat for several)'),
  after: z.coerce.number().int().min(0).default(0).describe('Only events with a sequence greater than this (pass the last one you saw)'),
  limit,
});

const eventTypes = z
  .array(z.union([eventType, z.literal('*')]))
  .min(1)
  .max(Object.keys(EVENT_TYPES).length + 1)
  .describe("Event types to receive; ['*'] for all (types added later included)");
const url = z.string().trim().min(1).max(2048).describe('https URL (http and loopback only in sandbox mode); never a private address');
const description = z.string().trim().max(500);

export const createEndpointBody = z.strictObject({ url, eventTypes, description: description.optional() });

export const updateEndpointBody = z
  .strictObject({
    url: url.optional(),
    eventTypes: eventTypes.optional(),
    description: description.optional(),
    status: z.enum(['enabled', 'disabled']).optional().describe('enabled again: its waiting deliveries go out, in order'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of url, eventTypes, description, status');

export const rotateSecretBody = z.strictObject({
  overlapHours: z.number().int().min(0).max(168).default(24).describe('How long the old secret keeps signing beside the new one'),
});

export const replayBody = z
  .strictObject({
    eventId: eventIdParam.optional().describe('One event, whatever its type'),
    from: when.optional().describe('Events of the endpoint’s types that occurred from this time…'),
    to: when.optional().describe('…until before this time'),
  })
  .refine((b) => (b.eventId !== undefined) !== (b.from !== undefined || b.to !== undefined), 'give either eventId, or from and/or to')
  .refine((b) => !b.from || !b.to || b.from < b.to, 'from must be before to');

export const deliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  before: deliveryIdParam.optional().describe('Pass the last id of a page for the next one'),
  limit,
});

export const parkedQuery = z.strictObject({
  target: z
    .string()
    .regex(/^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/, "a subscription, 'plugin-id/name'")
    .optional(),
  limit,
});
