// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, postalNlPlugin, POSTAL_NL_ID, POSTAL_NL_LABEL } from './plugin.js';
export { POSTAL_NL_PRICES } from './prices.js';
