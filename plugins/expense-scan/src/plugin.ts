import type { PooledDocumentReader } from '@tollgate/document-reader';
import { coreServices, dashboardPanelsExtensionPoint, definePlugin, httpRoutesExtensionPoint, spendChannelsExtensionPoint } from '@tollgate/plugin-sdk';
import { ExpenseScanChannel } from './expense-scan.channel.js';
import { expenseScanMigrations } from './expense-scan.migrations.js';
import { expenseScanPanels } from './expense-scan.panels.js';
import { expenseScanRoutes } from './expense-scan.routes.js';
import { ExpenseScanService, SCAN_JOB } from './expense-scan.service.js';
import { channelPrices, expenseScanOptions } from './options.js';
import { readExpense, scanFailureOf } from './scan-reading.js';

/**
 * The expense-scan plugin (issue 16, P-3 and W-8): upload receipts and invoices, scan them with the
 * document reader (PDF text layer first, OCR in worker threads) and the field finder, a paid channel
 * ('expense-scan', unit 'scan', 100 free a month in the account's time zone, then €0.10, immediate
 * settlement). One reader pool per plugin instance, made on the first scan, closed when the host stops.
 */
export const expenseScanPlugin = definePlugin({
  id: 'expense-scan',
  compatibility: '^2.9.0',
  description: 'Expense scanning with OCR: 100 free scans a month, then €0.10 a scan; fields with confidences, corrections kept apart',
  options: expenseScanOptions,
  register(env) {
    const options = env.options;
    env.registerMigrations({ migrations: expenseScanMigrations });
    env.registerInit({
      deps: {
        channels: spendChannelsExtensionPoint,
        routes: httpRoutesExtensionPoint,
        panels: dashboardPanelsExtensionPoint,
        db: coreServices.database,
        clock: coreServices.clock,
        wallet: coreServices.wallet,
        files: coreServices.files,
        jobs: coreServices.jobs,
        logger: coreServices.logger,
      },
      async init({ channels, routes, panels, db, clock, wallet, files, jobs, logger }) {
        // One pool for this plugin instance, made on the first scan: its module loads sharp, the canvas and
        // pdf.js (~80 ms) and its threads start on first use, so a host that never scans pays for none of it.
        let pool: Promise<PooledDocumentReader> | undefined;
        const reader = () =>
          (pool ??= import('@tollgate/document-reader').then((m) =>
            m.createDocumentReader({ workers: options.workers, maxPages: options.maxPages, timeoutMs: options.readTimeoutMs }),
          ));
        env.onShutdown(async () => {
          if (pool) await (await pool).close();
        });
        const read = async ({ request }: { request: { fileKey: string; contentType: string } }) =>
          readExpense({ files, reader: await reader(), fileKey: request.fileKey, contentType: request.contentType });
        const service = new ExpenseScanService({
          db,
          clock,
          wallet,
          files,
          jobs,
          logger,
          read,
          config: { confidenceThreshold: options.confidenceThreshold, autoScanDefault: options.autoScanDefault, requiredFields: options.requiredFields },
        });
        channels.add(
          new ExpenseScanChannel({
            prices: channelPrices(options),
            freeMonthlyQuota: options.freeMonthlyQuota,
            read,
            markPaid: (input) => service.markPaid(input),
            unmarkPaid: (input) => service.unmarkPaid(input),
            readFailure: scanFailureOf,
          }),
        );
        routes.add(...expenseScanRoutes({ service, maxBytes: options.maxBytes }));
        panels.add(...expenseScanPanels);
        await jobs.work({
          name: SCAN_JOB,
          handler: async (job) => {
            const data = job.data as { accountId: string; expenseId: string };
            await service.scanJob({ accountId: data.accountId, expenseId: data.expenseId });
          },
        });
      },
    });
  },
});

export default expenseScanPlugin;
