import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Clock } from '@tollgate/clock';
import { BankStatementService, CollectionRefService, InvoicePaymentService, InvoiceWritebackService } from '@tollgate/invoice-sync';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, publicBaseUrl, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import { Accepts } from '../http/json-body.guard.js';
import * as answers from './invoice-payments.responses.js';
import {
  bankStatementBody,
  manualPaymentBody,
  paymentDetailsBody,
  paymentIdParam,
  reverseBody,
  writebackIdParam,
  writebacksQuery,
} from './invoice-payments.schemas.js';
import { paymentView, writebackView } from './invoice-payments.views.js';
import { idParam } from './invoice-sync.schemas.js';
import { invoiceView } from './invoice-sync.views.js';

/**
 * S-5: payments of imported invoices — recorded by hand, matched from a bank statement, or by the
 * collection plugins — their reversals, and the write-back queue that tells the source
 * (Teamleader's registerPayment / removePayments). Members read; recording, reversing, importing
 * statements and retrying write-backs take an admin or owner key.
 */
@ApiTags('invoice-sync')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/invoice-sync')
export class InvoicePaymentsController {
  readonly #clock: Clock;

  constructor(
    @Inject(HOST_STATE) private readonly state: HostState,
    @Inject(InvoicePaymentService) private readonly payments: InvoicePaymentService,
    @Inject(InvoiceWritebackService) private readonly writebacks: InvoiceWritebackService,
    @Inject(BankStatementService) private readonly statements: BankStatementService,
    @Inject(CollectionRefService) private readonly refs: CollectionRefService,
  ) {
    this.#clock = state.clock;
  }

  @ApiResponse({ status: 200, standardSchema: answers.paymentsList })
  @Get('invoices/:id/payments')
  @ApiOperation({ summary: 'The payments recorded for an invoice (any method), oldest first, reversed ones included' })
  async listPayments(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    return { data: (await this.payments.listPayments({ accountId: caller.accountId, invoiceId: id })).map(paymentView) };
  }

  @ApiResponse({ status: 200, standardSchema: answers.paymentDetails })
  @Post('invoices/:id/payment-details')
  @MinRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "The invoice's transfer reference (structured communication) and payment link, handed out on first ask and the same ever after (the invitation uses the same ones)",
  })
  async paymentDetails(
    @CurrentCaller() caller: AccountCaller,
    @Param('id', { schema: idParam }) id: string,
    @Body({ schema: paymentDetailsBody }) _body: z.output<typeof paymentDetailsBody>,
  ) {
    const refs = await this.refs.ensure({ accountId: caller.accountId, invoiceId: id });
    return { invoiceId: id, structuredReference: refs.structuredReference, payUrl: `${publicBaseUrl(this.state)}/pay/${refs.payToken}` };
  }

  @ApiResponse({ status: 200, standardSchema: answers.recordedPayment })
  @ApiResponse({
    status: 409,
    description: 'payment_conflict: this externalRef was recorded before with another amount or invoice; nothing recorded',
  })
  @ApiResponse({
    status: 422,
    description: 'invoice_not_payable: a credit note, already paid in full, or another currency; nothing recorded',
  })
  @Post('invoices/:id/payments')
  @MinRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Record a payment received outside Tollgate (method manual). Idempotent per externalRef. The invoice is paid once the payments cover it; the payment is written back to the source once.',
  })
  async recordPayment(
    @CurrentCaller() caller: AccountCaller,
    @Param('id', { schema: idParam }) id: string,
    @Body({ schema: manualPaymentBody }) body: z.output<typeof manualPaymentBody>,
  ) {
    const result = await this.payments.record({
      accountId: caller.accountId,
      invoiceId: id,
      amount: body.amount,
      ...(body.currency ? { currency: body.currency } : {}),
      method: 'manual',
      externalRef: body.externalRef,
      paidAt: body.paidAt ? new Date(body.paidAt) : this.#clock.now(),
    });
    return { payment: paymentView(result.payment), invoice: invoiceView(result.invoice), duplicate: result.duplicate };
  }

  @ApiResponse({ status: 200, standardSchema: answers.reversedPayment })
  @Post('payments/:id/reverse')
  @MinRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Reverse a payment (refusal, chargeback, returned transfer, mistake): the invoice goes back to booked, or expired past its due date, and the source’s payments are removed and the standing ones registered again. Idempotent.',
  })
  async reversePayment(
    @CurrentCaller() caller: AccountCaller,
    @Param('id', { schema: paymentIdParam }) id: string,
    @Body({ schema: reverseBody }) body: z.output<typeof reverseBody>,
  ) {
    const result = await this.payments.reverseById({ accountId: caller.accountId, paymentId: id, reason: body.reason });
    return { payment: paymentView(result.payment), invoice: invoiceView(result.invoice), alreadyReversed: result.alreadyReversed };
  }

  @ApiResponse({ status: 200, standardSchema: answers.bankStatementReport })
  @Post('bank-statements')
  @MinRole('admin')
  @HttpCode(200)
  @Accepts(['text/plain', 'application/xml'])
  @ApiOperation({
    summary:
      'Import a bank statement (camt.053) or notification (camt.054), as `{ "xml": "…" }` or the file itself: booked incoming transfers carrying an invoice’s structured communication are recorded as its payments. Importing it again records nothing more. Answers what matched, what was recorded before, and what matched nothing.',
  })
  async importStatement(@CurrentCaller() caller: AccountCaller, @Body({ schema: bankStatementBody }) body: z.output<typeof bankStatementBody>) {
    return this.statements.import({ accountId: caller.accountId, xml: typeof body === 'string' ? body : body.xml });
  }

  @ApiResponse({ status: 200, standardSchema: answers.writebacksList })
  @Get('writebacks')
  @ApiOperation({ summary: 'Write-backs to the source (registerPayment / removePayments), oldest first, by status or invoice; the last 200' })
  async listWritebacks(@CurrentCaller() caller: AccountCaller, @Query({ schema: writebacksQuery }) query: z.output<typeof writebacksQuery>) {
    return {
      data: (
        await this.writebacks.list({
          accountId: caller.accountId,
          ...(query.status ? { status: query.status } : {}),
          ...(query.invoiceId ? { invoiceId: query.invoiceId } : {}),
        })
      ).map(writebackView),
    };
  }

  @ApiResponse({ status: 200, standardSchema: answers.writebackView })
  @ApiResponse({ status: 409, description: 'writeback_not_parked: only a parked write-back can be retried' })
  @Post('writebacks/:id/retry')
  @MinRole('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry a parked write-back (it gave up after its last attempt): it is queued again with fresh attempts' })
  async retryWriteback(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: writebackIdParam }) id: string) {
    return writebackView(await this.writebacks.retry({ accountId: caller.accountId, id }));
  }
}
