import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NotFoundError, ValidationError } from '@tollgate/errors';
import type { LetterRequest } from '@tollgate/letters';
import type { PostalAddress } from '@tollgate/plugin-sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import { FILE_BODY_LIMIT } from '../http/body-limit.js';
import { pdfBinary } from '../invoice-sync/invoice-pdfs.responses.js';
import { idempotencyKey } from '../wallet/idempotency.js';
import * as answers from './letters.responses.js';
import { carrierIdParam, createLetterBody, letterIdParam, letterSettingsBody, lettersQuery, quoteLetterBody } from './letters.schemas.js';
import { letterEventView, letterQuoteView, letterView } from './letters.views.js';

const keyHeader = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Required (header or body idempotencyKey): the same key and body answer the same letter; another body is refused (409 idempotency_key_reused).',
};

type LetterBody = z.output<typeof quoteLetterBody>;

/** The API's letter fields → the service's request (the PDF decoded). */
function letterRequest(caller: AccountCaller, body: LetterBody): Omit<LetterRequest, 'idempotencyKey'> {
  let pdf: Uint8Array | undefined;
  if (body.pdf !== undefined) {
    pdf = new Uint8Array(Buffer.from(body.pdf, 'base64'));
    if (Buffer.from(pdf.subarray(0, 5)).toString('latin1') !== '%PDF-')
      throw new ValidationError({
        code: 'invalid_pdf',
        message: 'pdf is not a PDF document (base64 of a file starting with %PDF-)',
        details: [{ path: ['pdf'] }],
      });
  }
  return {
    accountId: caller.accountId,
    userId: caller.userId,
    ...(body.recipient ? { recipient: body.recipient as PostalAddress } : {}),
    ...(body.sender ? { sender: body.sender as PostalAddress } : {}),
    ...(body.invoiceId ? { invoiceId: body.invoiceId } : {}),
    ...(pdf ? { pdf } : {}),
    ...(body.html ? { html: body.html } : {}),
    ...(body.subject ? { subject: body.subject } : {}),
    ...(body.bodyText ? { bodyText: body.bodyText } : {}),
    color: body.color,
    duplex: body.duplex,
    product: body.product,
  };
}

const REFUSALS =
  'postal_country_not_offered (details.offered names the countries), insufficient_funds / wallet_blocked (nothing held), invoice_pdf_unavailable, letter_content_required, sender_required, letter_attachment_unreadable; a carrier’s own refusal of the letter';

/**
 * Letters by post (P-5): a cover page rendered with the address in the envelope window, the invoice's
 * or the caller's PDF appended, priced by the carrier plugin for the country, paid from the wallet (one
 * hold per charge, captured when the print service accepts) or by the account's own carrier contract.
 * Members read and ask for quotes; sending and cancelling take an admin or owner key.
 */
@ApiTags('letters')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/letters')
export class LettersController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  get #letters() {
    return this.state.letters.service;
  }

  @Post()
  @MinRole('admin')
  @RouteConfig({ bodyLimit: FILE_BODY_LIMIT })
  @ApiHeader(keyHeader)
  @ApiOperation({
    summary:
      'Send a letter: render, price (the carrier’s charges at catalog prices), hold each charge in the wallet (none for own-account carriers) and queue it for the carrier. The status follows in GET /v1/letters/:id',
  })
  @ApiResponse({ status: 201, standardSchema: answers.letterView })
  @ApiResponse({ status: 200, description: 'The letter this Idempotency-Key already made (same body)', standardSchema: answers.letterView })
  @ApiResponse({ status: 400, description: 'invalid_address (details per field), invalid_pdf, letter_too_long, validation_failed' })
  @ApiResponse({ status: 422, description: REFUSALS })
  @ApiResponse({ status: 502, description: 'letter_render_failed: the renderer failed twice; nothing was held' })
  async create(
    @CurrentCaller() caller: AccountCaller,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: createLetterBody }) body: z.output<typeof createLetterBody>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: true });
    const { idempotencyKey: _ignored, ...fields } = body;
    const { letter, created } = await this.#letters.create({ ...letterRequest(caller, fields), idempotencyKey: key });
    void reply.code(created ? 201 : 200);
    return letterView(letter);
  }

  @Post('quote')
  @HttpCode(200)
  @RouteConfig({ bodyLimit: FILE_BODY_LIMIT })
  @ApiOperation({ summary: 'What a letter would cost now and whether the wallet covers it: rendered and priced, nothing held' })
  @ApiResponse({ status: 200, standardSchema: answers.letterQuoteView })
  @ApiResponse({ status: 422, description: REFUSALS })
  async quote(@CurrentCaller() caller: AccountCaller, @Body({ schema: quoteLetterBody }) body: LetterBody) {
    return letterQuoteView(await this.#letters.quote(letterRequest(caller, body)));
  }

  @Get()
  @ApiOperation({ summary: 'The account’s letters, newest first; filter by status or invoiceId; pass nextCursor as `before`' })
  @ApiResponse({ status: 200, standardSchema: answers.lettersPage })
  async list(@CurrentCaller() caller: AccountCaller, @Query({ schema: lettersQuery }) query: z.output<typeof lettersQuery>) {
    const page = await this.#letters.list({
      accountId: caller.accountId,
      limit: query.limit,
      ...(query.status ? { status: query.status as never } : {}),
      ...(query.invoiceId ? { invoiceId: query.invoiceId } : {}),
      ...(query.before ? { before: query.before } : {}),
    });
    return { data: page.data.map(letterView), nextCursor: page.nextCursor };
  }

  @Get('settings')
  @ApiOperation({ summary: 'The account’s letter settings: the return address used when a letter names no sender' })
  @ApiResponse({ status: 200, standardSchema: answers.letterSettingsView })
  async settings(@CurrentCaller() caller: AccountCaller) {
    const s = await this.#letters.getSettings({ accountId: caller.accountId });
    return { sender: s.sender, updatedAt: s.updatedAt?.toISOString() ?? null };
  }

  @Put('settings')
  @MinRole('admin')
  @ApiOperation({ summary: 'Set the account’s return address (checked like any address: 400 invalid_address)' })
  @ApiResponse({ status: 200, standardSchema: answers.letterSettingsView })
  async putSettings(@CurrentCaller() caller: AccountCaller, @Body({ schema: letterSettingsBody }) body: z.output<typeof letterSettingsBody>) {
    const s = await this.#letters.putSettings({ accountId: caller.accountId, sender: body.sender as PostalAddress });
    return { sender: s.sender, updatedAt: s.updatedAt.toISOString() };
  }

  @Get('carriers')
  @ApiOperation({ summary: 'The postal carriers this host loaded (countries, products, who pays) and the countries offered to this account' })
  @ApiResponse({ status: 200, standardSchema: answers.carriersView })
  async carriers(@CurrentCaller() caller: AccountCaller) {
    return {
      data: this.state.pluginHost.postalCarriers.entries().map(({ item, pluginId }) => ({
        id: item.id,
        label: item.label,
        pluginId,
        countries: [...item.countries],
        products: [...item.products],
        billing: item.billing,
        barcode: item.barcode ?? false,
      })),
      offered: await this.#letters.offeredCountries({ accountId: caller.accountId }),
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One letter with its charges, holds and the carrier’s events' })
  @ApiResponse({ status: 200, standardSchema: answers.letterDetail })
  async get(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: letterIdParam }) id: string) {
    const letter = await this.#letters.get({ accountId: caller.accountId, id });
    return { ...letterView(letter), events: (await this.#letters.events({ accountId: caller.accountId, id })).map(letterEventView) };
  }

  @Get(':id/pdf')
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The rendered letter as sent to the carrier (cover page, then the invoice’s or the given pages)' })
  @ApiResponse({ status: 200, description: 'application/pdf', content: pdfBinary })
  async pdf(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: letterIdParam }) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const { body, sha256 } = await this.#letters.pdf({ accountId: caller.accountId, id });
    void reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="${id}.pdf"`).header('x-sha256', sha256);
    return body;
  }

  @Post(':id/cancel')
  @MinRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Stop a letter: before submission at once, after it through the carrier when it can still stop it; the holds are released (a captured price is given back)',
  })
  @ApiResponse({ status: 200, standardSchema: answers.letterView })
  @ApiResponse({ status: 409, description: 'letter_submitting: a host is handing it to the carrier right now; try again in a moment' })
  @ApiResponse({ status: 422, description: 'letter_not_cancellable: printed, posted or ended, or the carrier can no longer stop it' })
  async cancel(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: letterIdParam }) id: string) {
    return letterView(await this.#letters.cancel({ accountId: caller.accountId, id }));
  }
}

/** Carriers' status callbacks (print services): verified by the carrier plugin, each event applied once. */
@ApiTags('letters')
@Auth('public')
@Controller('webhooks/postal')
export class PostalWebhooksController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  @Post(':carrierId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Status callback of a postal carrier plugin (no API key: the carrier’s signature is checked); 200 with counts' })
  @ApiResponse({ status: 200, standardSchema: answers.postalWebhookReceipt })
  @ApiResponse({ status: 400, description: 'empty_body, or a signature or body the carrier plugin does not accept' })
  @ApiResponse({ status: 404, description: 'unknown_carrier: no carrier with this id takes callbacks on this host' })
  async receive(@Param('carrierId', { schema: carrierIdParam }) carrierId: string, @Req() request: FastifyRequest & { rawBody?: Buffer }) {
    const carrier = this.state.pluginHost.postalCarriers.get(carrierId);
    if (!carrier?.parseWebhook)
      throw new NotFoundError({ code: 'unknown_carrier', message: `No postal carrier "${carrierId}" takes callbacks on this host`, details: { carrierId } });
    if (!request.rawBody?.length) throw new ValidationError({ code: 'empty_body', message: 'The callback has no body' });
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    const events = await carrier.parseWebhook({ headers, rawBody: request.rawBody });
    const counts = await this.state.letters.service.applyEvents({ carrierId, events });
    this.state.logger.info({ carrierId, received: events.length, ...counts }, 'postal webhook');
    return { received: events.length, ...counts };
  }
}
