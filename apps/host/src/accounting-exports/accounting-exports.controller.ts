import { PassThrough } from 'node:stream';
import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { writeExportZip, type DeliverySettingsInput } from '@tollgate/accounting-exports';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import { zipBinary } from '../invoice-sync/invoice-pdfs.responses.js';
import { idempotencyKey } from '../wallet/idempotency.js';
import * as answers from './accounting-exports.responses.js';
import { createTargetBody, runIdParam, runsQuery, startRunBody, targetIdParam, updateTargetBody } from './accounting-exports.schemas.js';
import { runView, targetView } from './accounting-exports.views.js';

const keyHeader = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Required (header or body idempotencyKey): the same key and body answer the same run; another body is refused (409 idempotency_key_reused).',
};

/**
 * Export-only accounting (P-6): export targets (an exporter plugin, its options, a delivery) and
 * export runs (documents → files → download, e-mail or SFTP), paid per delivered document. Members
 * read runs and download; targets, starting and resuming runs take an admin or owner key.
 */
@ApiTags('accounting-exports')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/accounting-exports')
export class AccountingExportsController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  get #runs() {
    return this.state.accountingExports.runs;
  }
  get #targets() {
    return this.state.accountingExports.targets;
  }

  @Get('exporters')
  @ApiOperation({ summary: 'The accounting exporters this host loaded (UBL / Peppol, WinBooks, Twinfield…): format, spend channel, layout' })
  @ApiResponse({ status: 200, standardSchema: answers.exportersView })
  exporters() {
    return {
      data: this.state.pluginHost.accountingExporters.entries().map(({ item, pluginId }) => ({
        id: item.id,
        label: item.label,
        format: item.format,
        channel: item.channel,
        layout: item.layout,
        pluginId,
      })),
    };
  }

  @Get('targets')
  @MinRole('admin')
  @ApiOperation({ summary: 'The account’s export targets (secrets never shown)' })
  @ApiResponse({ status: 200, standardSchema: answers.targetsPage })
  async listTargets(@CurrentCaller() caller: AccountCaller) {
    return { data: (await this.#targets.list({ accountId: caller.accountId })).map(targetView) };
  }

  @Post('targets')
  @MinRole('admin')
  @ApiOperation({ summary: 'Add an export target: an exporter, its options (checked by the exporter) and a delivery (download, email, sftp)' })
  @ApiResponse({ status: 201, standardSchema: answers.targetView })
  @ApiResponse({ status: 400, description: 'invalid_export_target (details per field), validation_failed' })
  @ApiResponse({ status: 422, description: 'exporter_not_found, sealing_key_missing (SFTP secrets need accountingExports.sealingKey)' })
  async createTarget(@CurrentCaller() caller: AccountCaller, @Body({ schema: createTargetBody }) body: z.output<typeof createTargetBody>) {
    return targetView(
      await this.#targets.create({
        accountId: caller.accountId,
        exporterId: body.exporterId,
        name: body.name,
        ...(body.options ? { options: body.options } : {}),
        delivery: body.delivery as DeliverySettingsInput,
      }),
    );
  }

  @Get('targets/:id')
  @MinRole('admin')
  @ApiOperation({ summary: 'One export target' })
  @ApiResponse({ status: 200, standardSchema: answers.targetView })
  @ApiResponse({ status: 404, description: 'export_target_not_found' })
  async getTarget(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: targetIdParam }) id: string) {
    return targetView(await this.#targets.get({ accountId: caller.accountId, id }));
  }

  @Patch('targets/:id')
  @MinRole('admin')
  @ApiOperation({ summary: 'Change a target’s name, options or delivery (an SFTP delivery without new secrets keeps the stored ones)' })
  @ApiResponse({ status: 200, standardSchema: answers.targetView })
  @ApiResponse({ status: 400, description: 'invalid_export_target, validation_failed' })
  @ApiResponse({ status: 404, description: 'export_target_not_found' })
  async updateTarget(
    @CurrentCaller() caller: AccountCaller,
    @Param('id', { schema: targetIdParam }) id: string,
    @Body({ schema: updateTargetBody }) body: z.output<typeof updateTargetBody>,
  ) {
    return targetView(
      await this.#targets.update({
        accountId: caller.accountId,
        id,
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.options !== undefined ? { options: body.options } : {}),
        ...(body.delivery !== undefined ? { delivery: body.delivery as DeliverySettingsInput } : {}),
      }),
    );
  }

  @Delete('targets/:id')
  @MinRole('admin')
  @ApiOperation({ summary: 'Delete a target: its runs stay readable; it starts no more runs' })
  @ApiResponse({ status: 200, standardSchema: answers.targetDeleted })
  @ApiResponse({ status: 404, description: 'export_target_not_found' })
  async deleteTarget(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: targetIdParam }) id: string) {
    await this.#targets.delete({ accountId: caller.accountId, id });
    return { id, deleted: true as const };
  }

  @Post('runs')
  @MinRole('admin')
  @ApiHeader(keyHeader)
  @ApiOperation({
    summary:
      'Start an export run: the selected documents rendered by the target’s exporter, their price held (one hold), delivered, the delivered ones charged and the rest released. Queued; follow it in GET /runs/:id',
  })
  @ApiResponse({ status: 201, standardSchema: answers.runView })
  @ApiResponse({ status: 200, description: 'The run this Idempotency-Key already started (same body)', standardSchema: answers.runView })
  @ApiResponse({ status: 400, description: 'idempotency_key_required, validation_failed' })
  @ApiResponse({ status: 404, description: 'export_target_not_found' })
  @ApiResponse({ status: 409, description: 'idempotency_key_reused: the key started another run' })
  @ApiResponse({ status: 422, description: 'exporter_not_found, invalid_selection' })
  async startRun(
    @CurrentCaller() caller: AccountCaller,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: startRunBody }) body: z.output<typeof startRunBody>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: true });
    const { run, created } = await this.#runs.startRun({
      accountId: caller.accountId,
      targetId: body.targetId,
      selection: body.selection,
      reexport: body.reexport,
      idempotencyKey: key,
      actor: caller.userId ?? caller.keyId,
    });
    void reply.code(created ? 201 : 200);
    return runView(run);
  }

  @Get('runs')
  @ApiOperation({ summary: 'The account’s export runs, newest first; filter by status or targetId; pass nextCursor as `before`' })
  @ApiResponse({ status: 200, standardSchema: answers.runsPage })
  async listRuns(@CurrentCaller() caller: AccountCaller, @Query({ schema: runsQuery }) query: z.output<typeof runsQuery>) {
    const page = await this.#runs.list({
      accountId: caller.accountId,
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.targetId ? { targetId: query.targetId } : {}),
      ...(query.before ? { before: query.before } : {}),
    });
    return { data: page.data.map(runView), nextCursor: page.nextCursor };
  }

  @Get('runs/:id')
  @ApiOperation({ summary: 'One run with its report: exported, refused (with the rule that failed), skipped, undelivered, charged, released' })
  @ApiResponse({ status: 200, standardSchema: answers.runDetail })
  @ApiResponse({ status: 404, description: 'export_run_not_found' })
  async getRun(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: runIdParam }) id: string) {
    const run = await this.#runs.get({ accountId: caller.accountId, id });
    return { ...runView(run), report: await this.#runs.report({ accountId: caller.accountId, id }) };
  }

  @Get('runs/:id/download')
  @ApiProduces('application/zip')
  @ApiOperation({ summary: 'The files of a download run as one ZIP, streamed (read from the file store while it is sent)' })
  @ApiResponse({ status: 200, description: 'application/zip', content: zipBinary })
  @ApiResponse({ status: 404, description: 'export_run_not_found' })
  @ApiResponse({ status: 409, description: 'export_run_not_downloadable: not a download run, or nothing delivered yet' })
  async download(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: runIdParam }) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const { run, files } = await this.#runs.downloadFiles({ accountId: caller.accountId, id });
    const out = new PassThrough();
    writeExportZip({ files, out, mtime: run.finishedAt ?? run.createdAt }).catch((err: unknown) => {
      this.state.logger.warn({ err, runId: id }, 'export ZIP stream failed');
      out.destroy(err as Error);
    });
    void reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="${run.id}.zip"`)
      .header('x-export-files', String(files.length));
    return this.state.invoicePdfJobs.track(out);
  }

  @Post('runs/:id/resume')
  @MinRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Deliver what a partially delivered or failed run left undelivered: a new hold for those documents only; delivered files are not sent or charged again',
  })
  @ApiResponse({ status: 200, standardSchema: answers.runView })
  @ApiResponse({ status: 404, description: 'export_run_not_found' })
  @ApiResponse({ status: 409, description: 'export_run_not_resumable: not partially delivered or failed, or nothing left to deliver' })
  async resume(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: runIdParam }) id: string) {
    const run = await this.#runs.resumeRun({ accountId: caller.accountId, runId: id });
    return runView(run);
  }
}
