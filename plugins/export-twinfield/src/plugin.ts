import { accountingExportersExtensionPoint, definePlugin, ExportDocumentChannel, spendChannelsExtensionPoint } from '@tollgate/plugin-sdk';
import { channelPrices, exportTwinfieldOptions } from './options.js';
import { TWINFIELD_CHANNEL_ID, TwinfieldExporter } from './twinfield.exporter.js';

export const EXPORT_TWINFIELD_ID = 'export-twinfield';

/**
 * export-twinfield: invoices and credit notes to Twinfield (Netherlands) as sales transactions XML,
 * paid per exported document on the channel 'export-twinfield'. It keeps no state and delivers
 * nothing itself: the export run (accounting-exports) delivers the file and charges.
 */
export const exportTwinfieldPlugin = definePlugin({
  id: EXPORT_TWINFIELD_ID,
  compatibility: '^2.6.0',
  description: 'Twinfield export (Netherlands): sales invoices and credit notes as sales transactions XML, paid per document',
  options: exportTwinfieldOptions,
  register(env) {
    env.registerInit({
      deps: { exporters: accountingExportersExtensionPoint, channels: spendChannelsExtensionPoint },
      init({ exporters, channels }) {
        exporters.add(new TwinfieldExporter());
        channels.add(new ExportDocumentChannel({ id: TWINFIELD_CHANNEL_ID, label: 'Twinfield export', prices: channelPrices(env.options) }));
      },
    });
  },
});

export default exportTwinfieldPlugin;
