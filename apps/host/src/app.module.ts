import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CLOCK } from '@tollgate/clock';
import { registerDatabase } from '@tollgate/db';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { AccountController, AdminController } from './accounts/accounts.controller.js';
import { AccountsService } from './accounts/accounts.service.js';
import { HealthController } from './health/health.controller.js';
import { HOST_STATE, type HostState } from './host-state.js';
import { AuthGuard } from './http/auth.js';
import { ErrorFilter } from './http/error.filter.js';

/**
 * The one bridge from Nest to the framework-free domain packages: a tsyringe child container per
 * host (never the global one), filled by the packages' own register…() functions.
 */
export const CORE_CONTAINER = Symbol.for('tollgate.CoreContainer');

class CoreContainerLifecycle implements OnApplicationShutdown {
  constructor(private readonly child: DependencyContainer) {}
  async onApplicationShutdown(): Promise<void> {
    await this.child.dispose();
  }
}

@Module({})
export class AppModule {
  static register(state: HostState): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, AccountController, AdminController],
      providers: [
        { provide: HOST_STATE, useValue: state },
        {
          provide: CORE_CONTAINER,
          useFactory: () => {
            const child = rootContainer.createChildContainer();
            child.register(CLOCK, { useValue: state.clock });
            registerDatabase({ container: child, db: state.db });
            return child;
          },
        },
        { provide: CoreContainerLifecycle, useFactory: (child: DependencyContainer) => new CoreContainerLifecycle(child), inject: [CORE_CONTAINER] },
        { provide: AccountsService, useFactory: () => new AccountsService({ db: state.db, clock: state.clock }) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useFactory: () => new ErrorFilter(state.logger) },
      ],
    };
  }
}
