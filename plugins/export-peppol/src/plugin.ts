import { accountingExportersExtensionPoint, definePlugin, ExportDocumentChannel, spendChannelsExtensionPoint } from '@tollgate/plugin-sdk';
import { createUblValidator } from '@tollgate/ubl-validation';
import { exportPeppolOptions } from './options.js';
import { PEPPOL_CHANNEL_ID, PeppolExporter } from './peppol-exporter.js';
import { EXPORT_PEPPOL_PRICES } from './prices.js';

export const EXPORT_PEPPOL_ID = 'export-peppol';

/**
 * export-peppol: invoices and credit notes as Peppol BIS Billing 3.0 UBL files for accounting
 * programs that import them (P-6). It adds the exporter 'peppol-ubl' and its spend channel
 * 'export-peppol-ubl' (0.15 per document). It keeps no state, delivers nothing and moves no money:
 * the export run does (@tollgate/accounting-exports).
 */
export const exportPeppolPlugin = definePlugin({
  id: EXPORT_PEPPOL_ID,
  compatibility: '^2.6.0',
  description: 'Accounting export as UBL 2.1 Peppol BIS Billing 3.0, checked against the EN 16931 and Peppol rules',
  options: exportPeppolOptions,
  register(env) {
    env.registerInit({
      deps: { exporters: accountingExportersExtensionPoint, channels: spendChannelsExtensionPoint },
      init({ exporters, channels }) {
        const threads = env.options.validationThreads;
        const exporter = new PeppolExporter({
          validate: env.options.validate,
          concurrency: threads,
          // Refusals need only the fatal asserts: the fatal-only rule variant, unless warnings are asked for.
          createValidator: () => createUblValidator({ sets: ['cen', 'peppol'], threads, flags: env.options.validationWarnings ? 'all' : 'fatal' }),
        });
        env.onShutdown(() => exporter.close());
        exporters.add(exporter);
        channels.add(new ExportDocumentChannel({ id: PEPPOL_CHANNEL_ID, label: 'Accounting export: Peppol UBL', prices: EXPORT_PEPPOL_PRICES }));
      },
    });
  },
});

export default exportPeppolPlugin;
