// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, exportTwinfieldPlugin, EXPORT_TWINFIELD_ID } from './plugin.js';
export { exportTwinfieldOptions, channelPrices, type ExportTwinfieldOptions } from './options.js';
export { twinfieldTargetOptions, type TwinfieldTargetOptions } from './target-options.js';
export { TwinfieldExporter, TWINFIELD_EXPORTER_ID, TWINFIELD_CHANNEL_ID, TWINFIELD_FILE_NAME } from './twinfield.exporter.js';
