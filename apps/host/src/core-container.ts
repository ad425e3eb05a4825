import { CLOCK, type Clock } from '@tollgate/clock';
import { registerDatabase, type Database, type JobQueue } from '@tollgate/db';
import { PriceCatalog, registerWallet, WalletService, type WalletOptions } from '@tollgate/wallet';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';

/**
 * The framework-free domain services of one host, in a tsyringe child container (never the global
 * one), filled by the packages' own register…() functions. Made before plugins start (they get the
 * wallet), bridged into Nest by AppModule, used as is by the CLI. One WalletService per host: its
 * per-wallet command queues (group commit) only work when every caller shares it.
 */
export interface CoreServices {
  container: DependencyContainer;
  wallet: WalletService;
  catalog: PriceCatalog;
}

export function createCoreServices(input: { db: Database; clock: Clock; jobs?: JobQueue; walletOptions?: WalletOptions }): CoreServices {
  const container = rootContainer.createChildContainer();
  container.register(CLOCK, { useValue: input.clock });
  registerDatabase({ container, db: input.db, ...(input.jobs ? { jobQueue: input.jobs } : {}) });
  registerWallet({ container, ...(input.walletOptions ? { options: input.walletOptions } : {}) });
  return { container, wallet: container.resolve(WalletService), catalog: container.resolve(PriceCatalog) };
}
