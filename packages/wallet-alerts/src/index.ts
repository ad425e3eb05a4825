export { walletAlertMigrations } from './alert.migrations.js';
export { ALERT_KEY_DAYS, burnWindow, WalletAlertService } from './wallet-alert.service.js';
export { registerWalletAlerts } from './registration.js';
export { readAlert, type AlertFacts } from './alert-reading.js';
export { alertJson, type AlertJson } from './alert-json.js';
export { AlertNotFoundError, AlertParameterError, TooManyAlertsError } from './alert.errors.js';
export {
  ALERT_KINDS,
  ALERT_NOTIFIER,
  DEFAULT_BURN_WINDOW_DAYS,
  MAX_ALERTS_PER_ACCOUNT,
  WALLET_ALERT_OPTIONS,
  type Alert,
  type AlertCondition,
  type AlertInput,
  type AlertKind,
  type AlertNotifier,
  type AlertPatch,
  type AlertReading,
  type AlertState,
  type AlertWithReading,
  type WalletAlertOptions,
} from './alert.types.js';
