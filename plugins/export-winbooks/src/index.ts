// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, exportWinbooksPlugin, EXPORT_WINBOOKS_ID } from './plugin.js';
export { exportWinbooksOptions, channelPrices, type ExportWinbooksOptions } from './options.js';
export { winbooksTargetOptions, type WinbooksTargetOptions } from './target-options.js';
export { WinbooksExporter, WINBOOKS_EXPORTER_ID, WINBOOKS_CHANNEL_ID, ACT_FILE_NAME, CSF_FILE_NAME } from './winbooks.exporter.js';
