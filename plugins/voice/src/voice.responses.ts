import { z } from 'zod';
import { CALL_STATUSES } from './call-status.js';

/* What the voice routes answer (the `responses` of their defineRoute, for the OpenAPI document). */

const money = z.string().describe('Decimal string in euro, e.g. "0.18"');

export const callView = z.object({
  id: z.string(),
  to: z.string().describe('E.164'),
  from: z.string(),
  status: z.enum(CALL_STATUSES),
  providerCallSid: z.string().nullable(),
  maxMinutes: z.number().int().describe('Minutes held when the call started: the most it can be charged'),
  unitPrice: money.describe('Per started minute'),
  heldAmount: money.nullable(),
  holdId: z.string().nullable(),
  settlement: z.enum(['none', 'pending', 'captured', 'released']),
  durationSeconds: z.number().int().nullable(),
  minutesCharged: z.number().int().nullable(),
  amount: money.nullable().describe('What the call cost, once settled'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  endedAt: z.string().nullable(),
  settledAt: z.string().nullable(),
});

export const callsPage = z.object({ data: z.array(callView), nextCursor: z.string().nullable().describe('Pass as `before` for the next page') });
export const callbackReceipt = z.object({ applied: z.boolean().describe('False for a callback about no call of this host, or one already applied') });
