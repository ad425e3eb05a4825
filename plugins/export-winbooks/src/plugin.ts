import { accountingExportersExtensionPoint, definePlugin, ExportDocumentChannel, spendChannelsExtensionPoint } from '@tollgate/plugin-sdk';
import { channelPrices, exportWinbooksOptions } from './options.js';
import { WINBOOKS_CHANNEL_ID, WinbooksExporter } from './winbooks.exporter.js';

export const EXPORT_WINBOOKS_ID = 'export-winbooks';

/**
 * export-winbooks: invoices and credit notes to WinBooks (Belgium) as the ACT + CSF text files its
 * import reads, paid per exported document on the channel 'export-winbooks'. It keeps no state and
 * delivers nothing itself: the export run (accounting-exports) delivers the files and charges.
 */
export const exportWinbooksPlugin = definePlugin({
  id: EXPORT_WINBOOKS_ID,
  compatibility: '^2.6.0',
  description: 'WinBooks export (Belgium): sales invoices and credit notes as ACT + CSF import files, paid per document',
  options: exportWinbooksOptions,
  register(env) {
    env.registerInit({
      deps: { exporters: accountingExportersExtensionPoint, channels: spendChannelsExtensionPoint },
      init({ exporters, channels }) {
        exporters.add(new WinbooksExporter());
        channels.add(new ExportDocumentChannel({ id: WINBOOKS_CHANNEL_ID, label: 'WinBooks export', prices: channelPrices(env.options) }));
      },
    });
  },
});

export default exportWinbooksPlugin;
