import { EVENT_TYPES } from '@tollgate/plugin-sdk';
import { z } from 'zod';

/* What the events and webhook routes answer (for the OpenAPI document); objects may gain properties. */

const when = z.string().describe('ISO 8601 date-time');
const type = z.enum(Object.keys(EVENT_TYPES) as [string, ...string[]]);

export const eventView = z.object({
  id: z.string().describe('evt_…: stable across redeliveries and replays; dedupe on it'),
  type,
  version: z.number().int().describe('Version of the payload (data) shape'),
  accountId: z.string(),
  sequence: z.number().int().describe('1, 2, 3… per account, in the order recorded'),
  occurredAt: when,
  data: z.record(z.string(), z.unknown()).describe('The payload of the type, amounts as decimal strings (see docs/events.md)'),
});
export const eventsPage = z.object({ data: z.array(eventView), nextCursor: z.string().nullable().describe('Pass as `after` for the next page') });

export const endpointView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()),
  status: z.enum(['enabled', 'disabled']),
  disabledReason: z.string().nullable().describe('failing (disabled by Tollgate after a long run of failed deliveries) or manual; null when enabled'),
  previousSecretExpiresAt: when.nullable().describe('During a rotation: until when the old secret still signs'),
  failingSince: when.nullable(),
  createdAt: when,
  updatedAt: when,
});
export const endpointWithSecret = endpointView.extend({ secret: z.string().describe('whsec_…: shown now and at each rotation, never again') });
export const endpointsList = z.object({ data: z.array(endpointView) });
export const endpointDeleted = z.object({ id: z.string(), deleted: z.literal(true) });

export const deliveryView = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  sequence: z.number().int(),
  status: z.enum(['pending', 'delivered', 'parked', 'failed']),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable().describe('HTTP status of the last answer; null when none came'),
  lastDurationMs: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: when.nullable(),
  deliveredAt: when.nullable(),
  replay: z.number().int().describe('0 for the first delivery, 1, 2… for replays'),
  createdAt: when,
});
export const deliveriesPage = z.object({ data: z.array(deliveryView), nextCursor: z.string().nullable().describe('Pass as `before` for the next page') });
export const attemptsList = z.object({
  data: z.array(
    z.object({
      at: when,
      durationMs: z.number().int(),
      statusCode: z.number().int().nullable(),
      responseBody: z.string().nullable().describe('The first 1024 characters of the answer'),
      error: z.string().nullable(),
    }),
  ),
});
export const replayed = z.object({ replayed: z.number().int() });
export const parkedList = z.object({ data: z.array(deliveryView.extend({ accountId: z.string(), target: z.string() })) });
export const parkedRetried = deliveryView.extend({ target: z.string() });
