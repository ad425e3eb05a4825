import { Body, Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import { pdfFetchScheduled, pdfBinary, zipBinary } from './invoice-pdfs.responses.js';
import { pdfDownloadBody, pdfFetchBody } from './invoice-pdfs.schemas.js';
import { idParam } from './invoice-sync.schemas.js';

/**
 * S-6: imported invoices' PDFs, fetched from the source on a schedule after import. One PDF, a ZIP
 * of a selection (streamed: files are read while it is sent), and "fetch now". Members read (the
 * ZIP is a read sent as POST because a selection of up to 500 ids does not fit a URL); asking for
 * fetches takes an admin or owner key.
 */
@ApiTags('invoice-sync')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/invoice-sync/invoices')
export class InvoicePdfsController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  @Get(':id/pdf')
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The invoice’s or credit note’s PDF as fetched from the source (S-6)' })
  @ApiResponse({ status: 200, description: 'application/pdf', content: pdfBinary })
  @ApiResponse({
    status: 409,
    description: 'pdf_not_available: not fetched yet or given up (see pdfStatus and the event log); POST /v1/invoice-sync/invoices/pdfs/fetch asks for it now',
  })
  async pdf(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const { filename, size, stream } = await this.state.invoicePdfJobs.pdfs.open({ accountId: caller.accountId, invoiceId: id });
    void reply.header('content-type', 'application/pdf').header('content-length', String(size)).header('content-disposition', `inline; filename="${filename}"`);
    return this.state.invoicePdfJobs.track(stream);
  }

  @Post('pdfs/fetch')
  @MinRole('admin')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Fetch PDFs now (S-6): the given invoices, or every invoice of the account without one; attempts start over (also for given-up ones). The round runs in the background: watch pdfStatus or list with pdfAvailable=false',
  })
  @ApiResponse({ status: 202, standardSchema: pdfFetchScheduled })
  @ApiResponse({ status: 404, description: 'invoice_not_found: an id is not an invoice of this account; nothing is scheduled' })
  async fetch(@CurrentCaller() caller: AccountCaller, @Body({ schema: pdfFetchBody }) body: z.output<typeof pdfFetchBody>) {
    const result = await this.state.invoicePdfJobs.pdfs.requestFetch({
      accountId: caller.accountId,
      ...(body.invoiceIds ? { invoiceIds: body.invoiceIds } : {}),
    });
    if (result.scheduled > 0) this.state.invoicePdfJobs.kick();
    return result;
  }

  @Post('pdfs/download')
  @HttpCode(200)
  @ApiProduces('application/zip')
  @ApiOperation({
    summary:
      'Download PDF documents (S-6): the selected invoices’ PDFs as one ZIP, streamed, named by invoice number, with missing.txt listing those without a PDF (and ids not found). Headers x-pdf-count and x-pdf-missing count both',
  })
  @ApiResponse({ status: 200, description: 'application/zip', content: zipBinary })
  @ApiResponse({ status: 409, description: 'no_pdf_available: none of the selected invoices has a PDF' })
  async download(
    @CurrentCaller() caller: AccountCaller,
    @Body({ schema: pdfDownloadBody }) body: z.output<typeof pdfDownloadBody>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const zip = await this.state.invoicePdfJobs.pdfs.zip({ accountId: caller.accountId, invoiceIds: body.invoiceIds });
    const day = this.state.clock.now().toISOString().slice(0, 10);
    void reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="invoices-${day}.zip"`)
      .header('x-pdf-count', String(zip.files))
      .header('x-pdf-missing', String(zip.missing.length));
    return this.state.invoicePdfJobs.track(zip.stream);
  }
}
