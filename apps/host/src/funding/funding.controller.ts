import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '@tollgate/errors';
import { FundingService } from '@tollgate/funding';
import { PaymentLinkService } from '@tollgate/invoice-sync';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AccountsService, type AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, publicBaseUrl, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import { idempotencyKey } from '../wallet/idempotency.js';
import {
  addPaymentMethodBody,
  autoRefillBody,
  autoRefillView as autoRefillSchema,
  checkoutBody,
  checkoutView as checkoutSchema,
  idParam,
  markPaidBody,
  providerParam,
  purchaseBody,
  purchasesPage,
  purchasesQuery,
  purchaseView as purchaseSchema,
  refundBody,
  refundsQuery,
} from './funding.schemas.js';
import { autoRefillView, paymentMethodView, purchaseView, refundView } from './funding.views.js';
import * as answers from './funding.responses.js';

const keyHeader = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Required (header or body idempotencyKey) on every call that moves money; a retry returns the first result.',
};

/**
 * Money into and out of the caller's wallet (C-1…C-5). Members read; buying, payment methods and
 * auto-refill take an admin or owner key; a refund takes the owner's.
 */
@ApiTags('funding')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/funding')
export class FundingController {
  constructor(
    @Inject(FundingService) private readonly funding: FundingService,
    @Inject(HOST_STATE) private readonly state: HostState,
    @Inject(AccountsService) private readonly accounts: AccountsService,
  ) {}

  @ApiResponse({ status: 200, standardSchema: answers.packsView })
  @Get('packs')
  @ApiOperation({ summary: 'Cash packs that can be bought (C-1), and the payment providers of this host' })
  packs() {
    return { currency: 'EUR', packs: this.funding.packs().map((p) => p.toString()), refundFee: this.funding.options.refundFee.toString() };
  }

  @ApiResponse({ status: 200, standardSchema: answers.paymentMethodsList })
  @Get('payment-methods')
  @ApiOperation({ summary: 'Active payment methods (SEPA mandates, cards)' })
  async methods(@CurrentCaller() caller: AccountCaller) {
    return { data: (await this.funding.listPaymentMethods({ accountId: caller.accountId })).map(paymentMethodView) };
  }

  @ApiResponse({ status: 201, standardSchema: answers.paymentMethodView })
  @Post('payment-methods')
  @MinRole('admin')
  @ApiHeader(keyHeader)
  @ApiOperation({ summary: 'Set up a payment method at a provider: a SEPA mandate (IBAN, holder) or a card token (C-2)' })
  @ApiResponse({ status: 422, description: "payment_method_not_in_plan: the account's plan takes this kind of method for nothing (SEPA on classic)" })
  async addMethod(
    @CurrentCaller() caller: AccountCaller,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: addPaymentMethodBody }) body: z.output<typeof addPaymentMethodBody>,
  ) {
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: true });
    return paymentMethodView(
      await this.funding.addPaymentMethod({
        accountId: caller.accountId,
        providerId: body.provider,
        kind: body.kind,
        details: body.details,
        idempotencyKey: key,
      }),
    );
  }

  @ApiResponse({ status: 200, standardSchema: answers.paymentMethodView })
  @Delete('payment-methods/:id')
  @MinRole('admin')
  @ApiOperation({ summary: 'Revoke a mandate or remove a card; an auto-refill using it is turned off' })
  async removeMethod(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    return paymentMethodView(await this.funding.removePaymentMethod({ accountId: caller.accountId, id }));
  }

  @ApiResponse({ status: 201, standardSchema: answers.purchaseView })
  @ApiResponse({ status: 400, description: 'invalid_scope: scope names an unknown channel or tag (nothing is bought)' })
  @ApiResponse({ status: 404, description: 'payment_method_not_found' })
  @ApiResponse({
    status: 422,
    description:
      "unknown_pack: not one of the packs of GET /v1/funding/packs; payment_method_not_in_plan: the account's plan does not take this method for top-ups",
  })
  @Post('purchases')
  @MinRole('admin')
  @ApiHeader(keyHeader)
  @ApiOperation({
    summary: 'Buy a cash pack; credits become spendable when the payment succeeds (C-1), card at once, SEPA on expectedSettlementDate',
  })
  @ApiResponse({ status: 201, standardSchema: purchaseSchema })
  async buy(
    @CurrentCaller() caller: AccountCaller,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: purchaseBody }) body: z.output<typeof purchaseBody>,
  ) {
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: true });
    const purchase = await this.funding.buy({
      accountId: caller.accountId,
      amount: body.amount,
      paymentMethodId: body.paymentMethodId,
      idempotencyKey: key,
      ...(body.scope ? { scope: body.scope } : {}),
    });
    return purchaseView(purchase!);
  }

  @ApiResponse({ status: 201, standardSchema: answers.checkoutView })
  @ApiResponse({
    status: 400,
    description:
      'invalid_return_path: returnPath is not a path on this host; hosted_payment_unsupported: the provider takes no hosted payments; invalid_scope (nothing is bought)',
  })
  @ApiResponse({
    status: 422,
    description:
      "unknown_pack; hosted_payment_unavailable: no provider takes hosted payments; payment_method_not_in_plan: the plan takes only some cards for top-ups (the card is chosen on the provider's page)",
  })
  @Post('checkouts')
  @MinRole('admin')
  @ApiHeader(keyHeader)
  @ApiOperation({
    summary:
      "Buy a cash pack paid on the provider's hosted page (3-D Secure there): a pending purchase and the page to send the payer to; credited once, by the provider's webhook or when GET /v1/funding/purchases/:id finds it paid",
  })
  @ApiResponse({ status: 201, standardSchema: checkoutSchema })
  async checkout(
    @CurrentCaller() caller: AccountCaller,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: checkoutBody }) body: z.output<typeof checkoutBody>,
  ) {
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: true });
    // The provider's page speaks the account's language.
    const { locale } = await this.accounts.getAccount({ accountId: caller.accountId });
    const purchase = await this.funding.checkout({
      accountId: caller.accountId,
      locale,
      amount: body.amount,
      idempotencyKey: key,
      baseUrl: publicBaseUrl(this.state),
      ...(body.returnPath !== undefined ? { returnPath: body.returnPath } : {}),
      ...(body.provider !== undefined ? { providerId: body.provider } : {}),
      ...(body.scope ? { scope: body.scope } : {}),
    });
    return { purchase: purchaseView(purchase), redirectUrl: purchase.redirectUrl ?? null };
  }

  @ApiResponse({ status: 200, standardSchema: answers.purchasesPage })
  @Get('purchases')
  @ApiOperation({ summary: 'Purchases, newest first; pass nextCursor as `before`' })
  @ApiResponse({ status: 200, standardSchema: purchasesPage })
  async purchases(@CurrentCaller() caller: AccountCaller, @Query({ schema: purchasesQuery }) query: z.output<typeof purchasesQuery>) {
    const page = await this.funding.listPurchases({
      accountId: caller.accountId,
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.before ? { before: query.before } : {}),
    });
    return { data: page.data.map(purchaseView), nextCursor: page.nextCursor };
  }

  @ApiResponse({ status: 200, standardSchema: answers.purchaseView })
  @Get('purchases/:id')
  @ApiOperation({
    summary:
      'One purchase: status, expectedSettlementDate while pending, settledAt once credited, invoiceId once invoiced (W-13); a pending hosted checkout is asked at the provider (at most every 5 s) and settled',
  })
  @ApiResponse({ status: 200, standardSchema: purchaseSchema })
  async purchase(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    // A pending hosted checkout is read at the provider (rate-limited per purchase): the payer's return settles it.
    const purchase = await this.funding.checkHostedPurchase({ accountId: caller.accountId, id });
    const invoice = await this.state.billing.documents.invoiceOfPurchase({ purchaseId: purchase.id });
    return { ...purchaseView(purchase), invoiceId: invoice?.id ?? null };
  }

  @ApiResponse({ status: 200, standardSchema: answers.autoRefillView })
  @Get('auto-refill')
  @ApiOperation({
    summary: 'Auto-refill settings and state: paused (refill limit reached, payment declined, method removed), refills and declines in the period (C-3)',
  })
  @ApiResponse({ status: 200, standardSchema: autoRefillSchema })
  async autoRefill(@CurrentCaller() caller: AccountCaller) {
    return autoRefillView(await this.funding.getAutoRefill({ accountId: caller.accountId }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.autoRefillView })
  @ApiResponse({ status: 404, description: 'payment_method_not_found' })
  @ApiResponse({ status: 422, description: "unknown_pack; payment_method_not_in_plan: the account's plan does not take this method for auto-refills" })
  @Put('auto-refill')
  @MinRole('admin')
  @ApiOperation({
    summary:
      "Set auto-refill: below `minimum`, buy `pack` ('pack' mode) or what lifts the balance to `target` ('target' mode) with the payment method; optionally also once a month (`schedule.dayOfMonth`); turning it on clears a decline pause. 400 invalid_auto_refill when the settings could not work",
  })
  @ApiResponse({ status: 200, standardSchema: autoRefillSchema })
  async setAutoRefill(@CurrentCaller() caller: AccountCaller, @Body({ schema: autoRefillBody }) body: z.output<typeof autoRefillBody>) {
    const settings = await this.funding.setAutoRefill({ accountId: caller.accountId, ...body });
    await this.funding.maybeRefill({ accountId: caller.accountId }).catch(() => null);
    return autoRefillView(settings);
  }

  @ApiResponse({ status: 200, standardSchema: answers.referralView })
  @Get('referral')
  @ApiOperation({ summary: 'The account’s referral code, and how many referred accounts earned it credit (C-4)' })
  async referral(@CurrentCaller() caller: AccountCaller) {
    const r = await this.funding.referralCode({ accountId: caller.accountId });
    return { code: r.code, referred: r.referred, rewarded: r.rewarded, creditPerReferral: r.credit.toString() };
  }

  @ApiResponse({ status: 201, standardSchema: answers.refundView })
  @ApiResponse({
    status: 422,
    description: 'refund_below_fee (the fee is more than the credits), refund_exceeds_refundable (more than the purchased credit left)',
  })
  @Post('refunds')
  @MinRole('owner')
  @ApiHeader(keyHeader)
  @ApiOperation({ summary: 'Exchange unspent purchased credit back into money, less the €50 administrative fee (C-5); owner only' })
  async refund(
    @CurrentCaller() caller: AccountCaller,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: refundBody }) body: z.output<typeof refundBody>,
  ) {
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: true });
    return refundView(await this.funding.requestRefund({ accountId: caller.accountId, credits: body.credits, idempotencyKey: key, requestedBy: caller.keyId }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.refundsList })
  @Get('refunds')
  async refunds(@CurrentCaller() caller: AccountCaller) {
    return { data: (await this.funding.listRefunds({ accountId: caller.accountId })).map(refundView) };
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@Auth('admin')
@Controller('admin/funding')
export class AdminFundingController {
  constructor(@Inject(FundingService) private readonly funding: FundingService) {}

  @ApiResponse({ status: 200, standardSchema: answers.refundsList })
  @Get('refunds')
  @ApiOperation({ summary: 'Refunds to pay out (status=requested) or paid' })
  async refunds(@Query({ schema: refundsQuery }) query: z.output<typeof refundsQuery>) {
    return {
      data: (
        await this.funding.listRefunds({ ...(query.accountId ? { accountId: query.accountId } : {}), ...(query.status ? { status: query.status } : {}) })
      ).map(refundView),
    };
  }

  @ApiResponse({ status: 200, standardSchema: answers.refundView })
  @Post('refunds/:id/paid')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record that a refund was paid out' })
  async paid(@Param('id', { schema: idParam }) id: string, @Body({ schema: markPaidBody }) body: z.output<typeof markPaidBody>) {
    return refundView(await this.funding.markRefundPaid({ refundId: id, reference: body.reference }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.sweepView })
  @Post('sweep')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run the funding sweep now (auto-refills due, purchases stuck at the provider)' })
  sweep() {
    return this.funding.sweep();
  }
}

/** Provider notifications (card processor webhooks): verified by the provider plugin, applied once per event id. */
@ApiTags('funding')
@Auth('public')
@Controller('v1/payments/webhooks')
export class PaymentWebhooksController {
  constructor(
    @Inject(FundingService) private readonly funding: FundingService,
    @Inject(PaymentLinkService) private readonly paymentLinks: PaymentLinkService,
    @Inject(HOST_STATE) private readonly state: HostState,
  ) {}

  @ApiResponse({ status: 200, standardSchema: answers.webhookReceipt })
  @ApiResponse({ status: 400, description: 'unknown_provider, empty_body, or a signature the provider plugin does not accept' })
  @Post(':providerId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Webhook of a payment provider plugin; 400 on a bad signature, 200 with counts otherwise' })
  async receive(@Param('providerId', { schema: providerParam }) providerId: string, @Req() request: FastifyRequest & { rawBody?: Buffer }) {
    const provider = this.state.pluginHost.paymentProviders.get(providerId);
    if (!provider?.parseWebhook)
      throw new ValidationError({ code: 'unknown_provider', message: `No payment provider "${providerId}" takes webhooks on this host` });
    if (!request.rawBody) throw new ValidationError({ code: 'empty_body', message: 'The webhook has no body' });
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    const events = await provider.parseWebhook({ headers, rawBody: request.rawBody });
    // Payments made on an invoice's payment link page go to the invoice side; the rest are purchases.
    const invoices = await this.paymentLinks.handleProviderEvents({ providerId, events });
    const funded = await this.funding.handlePaymentEvents({ providerId, events: invoices.rest });
    const counts = {
      accepted: funded.accepted + invoices.counts.accepted,
      duplicates: funded.duplicates + invoices.counts.duplicates,
      unmatched: funded.unmatched,
    };
    this.state.logger.info({ providerId, ...counts }, 'payment webhook');
    return { received: events.length, ...counts };
  }
}
