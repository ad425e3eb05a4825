// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, exportPeppolPlugin, EXPORT_PEPPOL_ID } from './plugin.js';
export { PeppolExporter, PEPPOL_EXPORTER_ID, PEPPOL_CHANNEL_ID, PEPPOL_FORMAT, type UblDocumentValidator } from './peppol-exporter.js';
export { defaultValidationThreads, exportPeppolOptions, type ExportPeppolOptions } from './options.js';
export { EXPORT_PEPPOL_PRICES } from './prices.js';
