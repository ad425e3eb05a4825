// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, postalBePlugin, POSTAL_BE_ID, POSTAL_BE_LABEL } from './plugin.js';
export { POSTAL_BE_PRICES } from './prices.js';
