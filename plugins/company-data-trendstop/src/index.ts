// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, companyDataPlugin } from './plugin.js';
export { channelPrices, companyDataOptions, resolveSettings, SANDBOX_BASE_URL, SANDBOX_PARTNER_KEY, type CompanyDataOptions } from './options.js';
export {
  COMPANY_DATA_CHANNEL_ID,
  CompanyDataChannel,
  formatEnterpriseNumber,
  purchaseSpendKey,
  type CompanyDataRequest,
  type CompanyDataResult,
} from './company-data.channel.js';
export { CompanyDataService, isEmptyExport, sourcedFields, type CompanyView, type DataStatus, type PurchaseView } from './company-data.service.js';
export { companyDataRules, hasExportRights, type CompanyDataRules } from './feature-rules.js';
export { companyDataMigrations } from './company-data.migrations.js';
export type { TrendsTopApi, TrendsTopApiFactory, TrendsTopAvailability, TrendsTopExport, TrendsTopSubscription } from './trendstop-api.js';
