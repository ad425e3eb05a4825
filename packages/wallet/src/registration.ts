import type { DependencyContainer } from 'tsyringe';
import { PriceCatalog } from './price-catalog.js';
import { WALLET_OPTIONS, WalletService, type WalletOptions } from './wallet.service.js';

/** Registers the wallet's services in a (child) container that already has DATABASE and CLOCK. */
export function registerWallet(input: { container: DependencyContainer; options?: WalletOptions }): void {
  input.container.register(WALLET_OPTIONS, { useValue: input.options ?? {} });
  input.container.registerSingleton(WalletService);
  input.container.registerSingleton(PriceCatalog);
}
