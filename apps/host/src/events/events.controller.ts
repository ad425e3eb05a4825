import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { EventNotFoundError, type DeliveryView, type WebhookEndpoint } from '@tollgate/events';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import * as answers from './events.responses.js';
import {
  createEndpointBody,
  deliveriesQuery,
  deliveryIdParam,
  endpointIdParam,
  eventIdParam,
  eventsQuery,
  parkedQuery,
  replayBody,
  rotateSecretBody,
  updateEndpointBody,
} from './events.schemas.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function endpointView(e: WebhookEndpoint) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    status: e.status,
    disabledReason: e.disabledReason,
    previousSecretExpiresAt: iso(e.previousSecretExpiresAt),
    failingSince: iso(e.failingSince),
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

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
    nextAttemptAt: iso(d.nextAttemptAt),
    deliveredAt: iso(d.deliveredAt),
    replay: d.replay,
    createdAt: d.createdAt.toISOString(),
  };
}

/**
 * Events out for the caller's account (W-10, W-12): the event log, and the webhook endpoints that
 * receive it signed. Members read (events, endpoints, delivery logs); adding, changing, rotating
 * and replaying take an admin or owner key: they decide where the account's data goes.
 */
@ApiTags('events')
@ApiBearerAuth()
@Auth('account')
@Controller('v1')
export class EventsController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  get #events() {
    return this.state.core.events;
  }

  @ApiResponse({ status: 200, standardSchema: answers.eventsPage })
  @Get('events')
  @ApiOperation({ summary: 'The account’s events in sequence order (the same a webhook receives); pass the last sequence as `after`' })
  async list(@CurrentCaller() caller: AccountCaller, @Query({ schema: eventsQuery }) query: z.output<typeof eventsQuery>) {
    const data = await this.#events.log.list({
      accountId: caller.accountId,
      afterSequence: query.after,
      limit: query.limit,
      ...(query.type ? { types: query.type } : {}),
    });
    return { data, nextCursor: data.length === query.limit ? String(data.at(-1)!.sequence) : null };
  }

  @ApiResponse({ status: 200, standardSchema: answers.eventView })
  @ApiResponse({ status: 404, description: 'event_not_found' })
  @Get('events/:eventId')
  async get(@CurrentCaller() caller: AccountCaller, @Param('eventId', { schema: eventIdParam }) eventId: string) {
    const event = await this.#events.log.get({ accountId: caller.accountId, eventId });
    if (!event) throw new EventNotFoundError({ eventId });
    return event;
  }

  @ApiResponse({ status: 200, standardSchema: answers.endpointsList })
  @Get('webhook-endpoints')
  @ApiOperation({ summary: 'The account’s webhook endpoints (secrets are never shown again after creation or rotation)' })
  async endpoints(@CurrentCaller() caller: AccountCaller) {
    return { data: (await this.#events.endpoints.list({ accountId: caller.accountId })).map(endpointView) };
  }

  @ApiResponse({ status: 201, standardSchema: answers.endpointWithSecret })
  @ApiResponse({ status: 422, description: 'webhook_url_refused: not https (outside sandbox mode), or a private, loopback or reserved address' })
  @ApiResponse({ status: 409, description: 'too_many_webhook_endpoints' })
  @Post('webhook-endpoints')
  @MinRole('admin')
  @ApiOperation({ summary: 'Add an endpoint: events of its types are POSTed to it, signed with its secret (Tollgate-Signature)' })
  async create(@CurrentCaller() caller: AccountCaller, @Body({ schema: createEndpointBody }) body: z.output<typeof createEndpointBody>) {
    const { endpoint, secret } = await this.#events.endpoints.create({
      accountId: caller.accountId,
      url: body.url,
      eventTypes: body.eventTypes,
      ...(body.description !== undefined ? { description: body.description } : {}),
    });
    return { ...endpointView(endpoint), secret };
  }

  @ApiResponse({ status: 200, standardSchema: answers.endpointView })
  @ApiResponse({ status: 404, description: 'webhook_endpoint_not_found' })
  @Get('webhook-endpoints/:endpointId')
  async endpoint(@CurrentCaller() caller: AccountCaller, @Param('endpointId', { schema: endpointIdParam }) endpointId: string) {
    return endpointView(await this.#events.endpoints.get({ accountId: caller.accountId, endpointId }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.endpointView })
  @ApiResponse({ status: 404, description: 'webhook_endpoint_not_found' })
  @ApiResponse({ status: 422, description: 'webhook_url_refused' })
  @Patch('webhook-endpoints/:endpointId')
  @MinRole('admin')
  @ApiOperation({ summary: 'Change the URL, types or description; disable, or enable again (its waiting deliveries then go out in order)' })
  async update(
    @CurrentCaller() caller: AccountCaller,
    @Param('endpointId', { schema: endpointIdParam }) endpointId: string,
    @Body({ schema: updateEndpointBody }) body: z.output<typeof updateEndpointBody>,
  ) {
    const endpoint = await this.#events.endpoints.update({ accountId: caller.accountId, endpointId, ...body });
    if (body.status === 'enabled') this.state.eventJobs?.kick();
    return endpointView(endpoint);
  }

  @ApiResponse({ status: 200, standardSchema: answers.endpointDeleted })
  @ApiResponse({ status: 404, description: 'webhook_endpoint_not_found' })
  @Delete('webhook-endpoints/:endpointId')
  @MinRole('admin')
  @ApiOperation({ summary: 'Delete an endpoint; its waiting deliveries are given up' })
  async remove(@CurrentCaller() caller: AccountCaller, @Param('endpointId', { schema: endpointIdParam }) endpointId: string) {
    await this.#events.endpoints.delete({ accountId: caller.accountId, endpointId });
    return { id: endpointId, deleted: true as const };
  }

  @ApiResponse({ status: 200, standardSchema: answers.endpointWithSecret })
  @ApiResponse({ status: 404, description: 'webhook_endpoint_not_found' })
  @Post('webhook-endpoints/:endpointId/rotate-secret')
  @HttpCode(200)
  @MinRole('admin')
  @ApiOperation({ summary: 'A new secret; the old one keeps signing beside it (a second v1) for overlapHours (default 24)' })
  async rotate(
    @CurrentCaller() caller: AccountCaller,
    @Param('endpointId', { schema: endpointIdParam }) endpointId: string,
    @Body({ schema: rotateSecretBody }) body: z.output<typeof rotateSecretBody>,
  ) {
    const { endpoint, secret } = await this.#events.endpoints.rotateSecret({ accountId: caller.accountId, endpointId, overlapHours: body.overlapHours });
    return { ...endpointView(endpoint), secret };
  }

  @ApiResponse({ status: 200, standardSchema: answers.deliveriesPage })
  @ApiResponse({ status: 404, description: 'webhook_endpoint_not_found' })
  @Get('webhook-endpoints/:endpointId/deliveries')
  @ApiOperation({ summary: 'The endpoint’s delivery log, newest first: status, attempts, last answer, duration, next attempt' })
  async deliveries(
    @CurrentCaller() caller: AccountCaller,
    @Param('endpointId', { schema: endpointIdParam }) endpointId: string,
    @Query({ schema: deliveriesQuery }) query: z.output<typeof deliveriesQuery>,
  ) {
    const rows = await this.#events.endpoints.deliveries({
      accountId: caller.accountId,
      endpointId,
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.before ? { before: query.before } : {}),
    });
    return { data: rows.map(deliveryView), nextCursor: rows.length === query.limit ? rows.at(-1)!.id : null };
  }

  @ApiResponse({ status: 200, standardSchema: answers.attemptsList })
  @ApiResponse({ status: 404, description: 'webhook_endpoint_not_found, delivery_not_found' })
  @Get('webhook-endpoints/:endpointId/deliveries/:deliveryId/attempts')
  @ApiOperation({ summary: 'Every attempt of one delivery: when, status code, duration, the start of the answer or the error' })
  async attempts(
    @CurrentCaller() caller: AccountCaller,
    @Param('endpointId', { schema: endpointIdParam }) endpointId: string,
    @Param('deliveryId', { schema: deliveryIdParam }) deliveryId: string,
  ) {
    const rows = await this.#events.endpoints.attempts({ accountId: caller.accountId, endpointId, deliveryId });
    return { data: rows.map((a) => ({ ...a, at: a.at.toISOString() })) };
  }

  @ApiResponse({ status: 202, standardSchema: answers.replayed })
  @ApiResponse({ status: 404, description: 'webhook_endpoint_not_found, event_not_found' })
  @Post('webhook-endpoints/:endpointId/replay')
  @HttpCode(202)
  @MinRole('admin')
  @ApiOperation({
    summary: 'Send again one event, or the events of a time range (same event ids: receivers dedupe); they go in sequence order, before newer ones',
  })
  async replay(
    @CurrentCaller() caller: AccountCaller,
    @Param('endpointId', { schema: endpointIdParam }) endpointId: string,
    @Body({ schema: replayBody }) body: z.output<typeof replayBody>,
  ) {
    const result = await this.#events.endpoints.replay({ accountId: caller.accountId, endpointId, ...body });
    this.state.eventJobs?.kick();
    return result;
  }
}

/** Operators: plugin handler deliveries that used their last attempt, and putting them back in line. */
@ApiTags('admin')
@ApiBearerAuth()
@Auth('admin')
@Controller('admin/events')
export class AdminEventsController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  @ApiResponse({ status: 200, standardSchema: answers.parkedList })
  @Get('parked')
  @ApiOperation({ summary: 'Plugin handler deliveries parked after their last attempt, newest first, with the last error' })
  async parked(@Query({ schema: parkedQuery }) query: z.output<typeof parkedQuery>) {
    const rows = await this.state.core.events.endpoints.parked({ limit: query.limit, ...(query.target ? { target: query.target } : {}) });
    return { data: rows.map((d) => ({ ...deliveryView(d), accountId: d.accountId, target: d.target })) };
  }

  @ApiResponse({ status: 200, standardSchema: answers.parkedRetried })
  @ApiResponse({ status: 404, description: 'parked_delivery_not_found' })
  @Post('parked/:deliveryId/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Put a parked delivery back in line with a fresh set of attempts' })
  async retry(@Param('deliveryId', { schema: deliveryIdParam }) deliveryId: string) {
    const d = await this.state.core.events.endpoints.retryParked({ deliveryId });
    this.state.eventJobs?.kick();
    return { ...deliveryView(d), target: d.target };
  }
}
