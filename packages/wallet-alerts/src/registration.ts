import type { WalletService } from '@tollgate/wallet';
import type { DependencyContainer } from 'tsyringe';
import { ALERT_NOTIFIER, WALLET_ALERT_OPTIONS, type AlertNotifier, type WalletAlertOptions } from './alert.types.js';
import { WalletAlertService } from './wallet-alert.service.js';

/**
 * Registers alerts in a (child) container that already has DATABASE and CLOCK, and adds their
 * transaction hook to the wallet (at start-up, before traffic), so every balance change checks them.
 */
export function registerWalletAlerts(input: {
  container: DependencyContainer;
  wallet: WalletService;
  notifier: AlertNotifier;
  options?: WalletAlertOptions;
}): WalletAlertService {
  input.container.register(ALERT_NOTIFIER, { useValue: input.notifier });
  input.container.register(WALLET_ALERT_OPTIONS, { useValue: input.options ?? {} });
  input.container.registerSingleton(WalletAlertService);
  const service = input.container.resolve(WalletAlertService);
  input.wallet.addTransactionHook(service.hook);
  return service;
}
