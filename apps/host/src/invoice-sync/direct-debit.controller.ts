import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DirectDebitService, MandateService } from '@tollgate/invoice-sync';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import { Accepts } from '../http/json-body.guard.js';
import * as answers from './invoice-sync.responses.js';
import { collectBody, creditorBody, idParam, listQuery, mandatesQuery, mandateUploadBody } from './invoice-sync.schemas.js';

/**
 * S-9: signed SEPA mandates uploaded as CSV and linked to customers, the creditor who collects, and
 * the direct-debit collection of those customers' invoices through the host's collector
 * (payments-sepa). Members read; uploads, settings and collections take an admin or owner key.
 */
@ApiTags('invoice-sync')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/invoice-sync')
export class DirectDebitController {
  constructor(
    @Inject(MandateService) private readonly mandates: MandateService,
    @Inject(DirectDebitService) private readonly directDebit: DirectDebitService,
  ) {}

  @ApiResponse({
    status: 201,
    standardSchema: answers.mandateUpload,
    description: 'The upload; the same file uploaded before answers that upload (replayed: true)',
  })
  @ApiResponse({ status: 400, description: 'mandate_csv_invalid: not a CSV file, a column missing, no rows or too many; nothing is stored' })
  @ApiConsumes('text/csv', 'application/json')
  @Accepts(['text/csv', 'text/plain'])
  @Post('mandates/uploads')
  @MinRole('admin')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Upload signed mandates as CSV (customerNumber = the source customer id, IBAN, BIC, mandateReference, signatureDate, optional sequence FRST/RCUR/OOFF): each row checked, good rows linked, the others reported with their reasons. The same file again answers the first upload.',
  })
  async upload(@CurrentCaller() caller: AccountCaller, @Body({ schema: mandateUploadBody }) body: z.output<typeof mandateUploadBody>) {
    const input = typeof body === 'string' ? { text: body } : { text: body.csv, fileName: body.fileName ?? null };
    return this.mandates.upload({ accountId: caller.accountId, ...input });
  }

  @ApiResponse({ status: 200, standardSchema: answers.mandateUploadsList })
  @Get('mandates/uploads')
  @ApiOperation({ summary: 'Mandate uploads, newest first, with their counts' })
  async listUploads(@CurrentCaller() caller: AccountCaller, @Query({ schema: listQuery }) query: z.output<typeof listQuery>) {
    return { data: await this.mandates.listUploads({ accountId: caller.accountId, limit: query.limit }) };
  }

  @ApiResponse({ status: 200, standardSchema: answers.mandateUpload })
  @Get('mandates/uploads/:id')
  @ApiOperation({ summary: 'One upload: its counts and every row with its outcome and reasons' })
  async getUpload(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    return this.mandates.getUpload({ accountId: caller.accountId, id });
  }

  @Get('mandates/uploads/:id/report.csv')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="mandate-upload-report.csv"')
  @ApiProduces('text/csv')
  @ApiResponse({
    status: 200,
    description: 'text/csv: line, customerNumber, mandateReference, outcome (linked, unchanged, failed), reasons',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiOperation({ summary: 'The row report of an upload as a CSV file, to fix the failed rows and upload them again' })
  async report(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    return (await this.mandates.report({ accountId: caller.accountId, id })).csv;
  }

  @ApiResponse({ status: 200, standardSchema: answers.mandatesList })
  @Get('mandates')
  @ApiOperation({ summary: 'Linked mandates (one active per customer), newest first' })
  async list(@CurrentCaller() caller: AccountCaller, @Query({ schema: mandatesQuery }) query: z.output<typeof mandatesQuery>) {
    return {
      data: await this.mandates.list({
        accountId: caller.accountId,
        ...(query.customerId ? { customerId: query.customerId } : {}),
        ...(query.status ? { status: query.status } : {}),
      }),
    };
  }

  @ApiResponse({ status: 200, standardSchema: answers.creditorView })
  @Get('direct-debit/creditor')
  @ApiOperation({ summary: 'Who collects: name, IBAN, BIC, SEPA creditor identifier (null until set)' })
  async getCreditor(@CurrentCaller() caller: AccountCaller) {
    return { creditor: await this.directDebit.getCreditor({ accountId: caller.accountId }) };
  }

  @ApiResponse({ status: 200, standardSchema: answers.creditorView })
  @ApiResponse({ status: 400, description: 'invalid_creditor: the IBAN, BIC (country of the IBAN) or creditor identifier (checksum) is not valid' })
  @Put('direct-debit/creditor')
  @MinRole('admin')
  @ApiOperation({ summary: 'Set who collects the account’s direct debits' })
  async setCreditor(@CurrentCaller() caller: AccountCaller, @Body({ schema: creditorBody }) body: z.output<typeof creditorBody>) {
    return { creditor: await this.directDebit.setCreditor({ accountId: caller.accountId, ...body }) };
  }

  @ApiResponse({ status: 200, standardSchema: answers.directDebitRun })
  @ApiResponse({
    status: 422,
    description: 'direct_debit_creditor_missing (PUT /direct-debit/creditor first), direct_debit_unavailable (no collector plugin loaded)',
  })
  @Post('direct-debit/collect')
  @MinRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Collect now: applies the bank’s answers so far, then puts every booked EUR invoice of a customer with an active mandate whose profile has direct debit, not yet collected, in pain.008 files sent to the bank; those invoices become pending. Each invoice is collected once.',
  })
  async collect(@CurrentCaller() caller: AccountCaller, @Body({ schema: collectBody }) _body: z.output<typeof collectBody>) {
    return this.directDebit.collect({ accountId: caller.accountId, trigger: 'manual' });
  }

  @ApiResponse({ status: 200, standardSchema: answers.directDebitRuns })
  @Get('direct-debit/runs')
  @ApiOperation({ summary: 'Collection runs, newest first: how many invoices, the total, the files' })
  async runs(@CurrentCaller() caller: AccountCaller, @Query({ schema: listQuery }) query: z.output<typeof listQuery>) {
    return { data: await this.directDebit.listRuns({ accountId: caller.accountId, limit: query.limit }) };
  }
}
