import type { DeliveryView } from '@tollgate/events';
import { z } from 'zod';
import { resourceId } from '../accounts/accounts.schemas.js';
import { endpointView } from '../events/events.controller.js';
import { deliveryIdParam, endpointIdParam, eventIdParam } from '../events/events.schemas.js';
import type { OperatorCommand, OperatorContext } from './operator-commands.js';

// `tollgate webhooks …` and `tollgate events …`: an account's webhook endpoints and the operator's
// view of parked plugin handler deliveries, through the same services (and the same SSRF guard,
// event type check and limits) as the HTTP routes in events.controller.ts.

const define = <S extends z.ZodType>(command: OperatorCommand<S>): OperatorCommand => command as unknown as OperatorCommand;

const account = resourceId('acc');
const endpoint = endpointIdParam;
const limit = z.number().int().min(1).max(200);
const when = z.iso.datetime({ offset: true, message: 'an ISO date and time with its offset, e.g. 2026-12-01T00:00:00Z' }).transform((v) => new Date(v));
/** `--events wallet.charged,wallet.low_balance` or `*`: checked against the SDK's event types by the service (unknown_event_type). */
const eventTypes = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().max(100)).min(1, 'name at least one event type, or *').max(50));

function deliveryView(d: DeliveryView) {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    sequence: d.sequence,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastDurationMs: d.lastDurationMs,
    lastError: d.lastError,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    replay: d.replay,
    createdAt: d.createdAt.toISOString(),
  };
}

/** The account must exist: endpoints of an unknown account would be stored and never used. */
async function events(ctx: OperatorContext, accountId: string) {
  await ctx.accounts.getAccount({ accountId });
  return ctx.events.endpoints;
}

export const webhookCommands: Record<string, OperatorCommand> = {
  'webhooks.add': define({
    needs: 'database',
    input: z.strictObject({
      account,
      url: z.string().trim().min(1).max(2048),
      events: eventTypes,
      description: z.string().trim().max(500).optional(),
    }),
    run: async (ctx, i) => {
      const { endpoint, secret } = await (
        await events(ctx, i.account)
      ).create({
        accountId: i.account,
        url: i.url,
        eventTypes: i.events,
        ...(i.description !== undefined ? { description: i.description } : {}),
      });
      return { output: { ...endpointView(endpoint), secret } };
    },
  }),
  'webhooks.list': define({
    needs: 'database',
    input: z.strictObject({ account }),
    run: async (ctx, i) => ({ output: (await (await events(ctx, i.account)).list({ accountId: i.account })).map(endpointView) }),
  }),
  'webhooks.remove': define({
    needs: 'database',
    input: z.strictObject({ account, endpoint }),
    run: async (ctx, i) => {
      await (await events(ctx, i.account)).delete({ accountId: i.account, endpointId: i.endpoint });
      return { output: { id: i.endpoint, deleted: true } };
    },
  }),
  'webhooks.enable': define({
    needs: 'database',
    input: z.strictObject({ account, endpoint }),
    run: async (ctx, i) => {
      const updated = await (await events(ctx, i.account)).update({ accountId: i.account, endpointId: i.endpoint, status: 'enabled' });
      // Its waiting deliveries go now (a host without a running round picks them up on its next poll).
      ctx.eventJobs?.kick();
      return { output: endpointView(updated) };
    },
  }),
  'webhooks.disable': define({
    needs: 'database',
    input: z.strictObject({ account, endpoint }),
    run: async (ctx, i) => ({
      output: endpointView(await (await events(ctx, i.account)).update({ accountId: i.account, endpointId: i.endpoint, status: 'disabled' })),
    }),
  }),
  'webhooks.rotate': define({
    needs: 'database',
    input: z.strictObject({ account, endpoint, overlapHours: z.number().int().min(0).max(168) }),
    run: async (ctx, i) => {
      const { endpoint: rotated, secret } = await (
        await events(ctx, i.account)
      ).rotateSecret({ accountId: i.account, endpointId: i.endpoint, overlapHours: i.overlapHours });
      return { output: { ...endpointView(rotated), secret } };
    },
  }),
  'webhooks.deliveries': define({
    needs: 'database',
    input: z.strictObject({ account, endpoint, status: z.enum(['pending', 'delivered', 'failed']).optional(), limit }),
    run: async (ctx, i) => {
      const rows = await (
        await events(ctx, i.account)
      ).deliveries({ accountId: i.account, endpointId: i.endpoint, limit: i.limit, ...(i.status ? { status: i.status } : {}) });
      return { output: rows.map(deliveryView) };
    },
  }),
  'webhooks.replay': define({
    needs: 'database',
    input: z
      .strictObject({ account, endpoint, event: eventIdParam.optional(), from: when.optional(), to: when.optional() })
      .refine((b) => (b.event !== undefined) !== (b.from !== undefined), { message: 'give either --event, or --from (and --to)', path: ['event'] })
      .refine((b) => b.to === undefined || b.from !== undefined, { message: 'goes with --from', path: ['to'] })
      .refine((b) => !b.from || !b.to || b.from < b.to, { message: 'must be after --from', path: ['to'] }),
    run: async (ctx, i) => {
      const result = await (
        await events(ctx, i.account)
      ).replay({
        accountId: i.account,
        endpointId: i.endpoint,
        ...(i.event ? { eventId: i.event } : {}),
        ...(i.from ? { from: i.from } : {}),
        ...(i.to ? { to: i.to } : {}),
      });
      ctx.eventJobs?.kick();
      return { output: result };
    },
  }),
  'events.parked': define({
    needs: 'database',
    input: z.strictObject({
      target: z
        .string()
        .regex(/^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/, "a subscription, 'plugin-id/name'")
        .optional(),
      limit,
    }),
    run: async (ctx, i) => {
      const rows = await ctx.events.endpoints.parked({ limit: i.limit, ...(i.target ? { target: i.target } : {}) });
      return { output: rows.map((d) => ({ ...deliveryView(d), accountId: d.accountId, target: d.target })) };
    },
  }),
  'events.retry': define({
    needs: 'database',
    input: z.strictObject({ delivery: deliveryIdParam }),
    run: async (ctx, i) => {
      const d = await ctx.events.endpoints.retryParked({ deliveryId: i.delivery });
      ctx.eventJobs?.kick();
      return { output: { ...deliveryView(d), target: d.target } };
    },
  }),
};
