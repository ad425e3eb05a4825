import { Body, Controller, Get, Inject, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { DocumentType } from '@tollgate/wallet-invoices';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import { pdfBinary } from '../invoice-sync/invoice-pdfs.responses.js';
import {
  adminDocumentsQuery,
  billingProfileBody,
  billingProfileView,
  documentIdParam,
  documentsPage,
  documentsQuery,
  documentView as documentSchema,
  xmlBinary,
} from './billing.schemas.js';
import { documentView, profileView } from './billing.views.js';

const instant = (value: string | undefined): Date | undefined =>
  value === undefined ? undefined : new Date(value.length === 10 ? `${value}T00:00:00Z` : value);

const listFilters = (query: z.output<typeof documentsQuery>) => ({
  ...(query.type ? { type: query.type as DocumentType } : {}),
  ...(query.from ? { from: instant(query.from)! } : {}),
  ...(query.to ? { to: instant(query.to)! } : {}),
  ...(query.cursor ? { cursor: query.cursor } : {}),
  limit: query.limit,
});

/**
 * The account's invoices (one per top-up) and credit notes (one per refund), W-13, and the buyer data
 * they carry. Members read; setting the billing profile takes an admin or owner key.
 */
@ApiTags('billing')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/billing')
export class BillingController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  get #documents() {
    return this.state.billing.documents;
  }

  @Get('profile')
  @ApiOperation({ summary: 'The buyer printed on the next invoices; without a profile, the account name as a consumer in Belgium (21 % VAT)' })
  @ApiResponse({ status: 200, standardSchema: billingProfileView })
  async profile(@CurrentCaller() caller: AccountCaller) {
    return profileView(await this.#documents.profile({ accountId: caller.accountId }), await this.#fallback(caller.accountId));
  }

  @Put('profile')
  @MinRole('admin')
  @ApiOperation({
    summary: 'Set the billing profile (legal name, address, country, VAT number, invoice e-mail)',
    description: 'invalid_vat_number (format or check digits), vat_country_mismatch (VAT number of another country); issued documents keep the buyer they had',
  })
  @ApiResponse({ status: 200, standardSchema: billingProfileView })
  async setProfile(@CurrentCaller() caller: AccountCaller, @Body({ schema: billingProfileBody }) body: z.output<typeof billingProfileBody>) {
    const profile = await this.#documents.setProfile({
      accountId: caller.accountId,
      legalName: body.legalName,
      addressLines: body.addressLines,
      postcode: body.postcode,
      city: body.city,
      country: body.country,
      vatNumber: body.vatNumber || null,
      email: body.email ?? null,
    });
    return profileView(profile, await this.#fallback(caller.accountId));
  }

  @Get('documents')
  @ApiOperation({ summary: 'Invoices and credit notes, newest first; filter by type and issue time, page with cursor' })
  @ApiResponse({ status: 200, standardSchema: documentsPage })
  async list(@CurrentCaller() caller: AccountCaller, @Query({ schema: documentsQuery }) query: z.output<typeof documentsQuery>) {
    const page = await this.#documents.list({ accountId: caller.accountId, ...listFilters(query) });
    return { data: page.data.map(documentView), nextCursor: page.nextCursor };
  }

  @Get('documents/:id')
  @ApiOperation({ summary: 'One invoice or credit note: seller, buyer, lines with their VAT, the invoices a credit note corrects' })
  @ApiResponse({ status: 200, standardSchema: documentSchema })
  async get(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: documentIdParam }) id: string) {
    return documentView(await this.#documents.get({ accountId: caller.accountId, id }));
  }

  @Get('documents/:id/pdf')
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The document as PDF; 409 document_not_ready until it is rendered (seconds after the purchase)' })
  @ApiResponse({ status: 200, description: 'application/pdf', content: pdfBinary })
  async pdf(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: documentIdParam }) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.#send(reply, await this.#documents.file({ accountId: caller.accountId, id, kind: 'pdf' }));
  }

  @Get('documents/:id/ubl')
  @ApiProduces('application/xml')
  @ApiOperation({ summary: 'The document as UBL 2.1, Peppol BIS Billing 3.0 (Invoice or CreditNote); 409 document_not_ready until rendered' })
  @ApiResponse({ status: 200, description: 'application/xml', content: xmlBinary })
  async ubl(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: documentIdParam }) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.#send(reply, await this.#documents.file({ accountId: caller.accountId, id, kind: 'ubl' }));
  }

  #send(reply: FastifyReply, file: { body: Buffer; contentType: string; filename: string }) {
    void reply.header('content-type', file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`);
    return file.body;
  }

  async #fallback(accountId: string) {
    const { rows } = await this.state.db.query<{ name: string; email: string | null }>(
      `select a.name, (select u.email from users u where u.account_id = a.id and u.role = 'owner' order by u.created_at limit 1) as email from accounts a where a.id = $1`,
      [accountId],
    );
    return { accountName: rows[0]?.name ?? accountId, ownerEmail: rows[0]?.email ?? null };
  }
}

/** Operators: every account's documents (or one account's). */
@ApiTags('admin')
@ApiBearerAuth()
@Auth('admin')
@Controller('admin/billing')
export class AdminBillingController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  @Get('documents')
  @ApiOperation({ summary: 'Invoices and credit notes of all accounts, or of one (accountId), newest first' })
  @ApiResponse({ status: 200, standardSchema: documentsPage })
  async list(@Query({ schema: adminDocumentsQuery }) query: z.output<typeof adminDocumentsQuery>) {
    const page = await this.state.billing.documents.list({ accountId: query.accountId ?? null, ...listFilters(query) });
    return { data: page.data.map(documentView), nextCursor: page.nextCursor };
  }
}
