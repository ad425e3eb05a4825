import {
  coreServices,
  definePlugin,
  directDebitCollectorsExtensionPoint,
  httpRoutesExtensionPoint,
  paymentProvidersExtensionPoint,
  type DirectDebitCollector,
} from '@tollgate/plugin-sdk';
import { paymentsSepaOptions } from './options.js';
import { SepaDirectDebitProvider } from './sepa-direct-debit.provider.js';
import { sepaMigrations } from './sepa.migrations.js';
import { sepaRoutes } from './sepa.routes.js';

const TICK_JOB = 'tick';

/**
 * The payments-sepa plugin: adds the payment provider 'payments-sepa' (SEPA Core direct debit)
 * and its operator routes. A durable job runs `tick` every `tickIntervalMinutes`: one job in the
 * shared queue (singleton key), so every host shares one schedule.
 */
export const paymentsSepaPlugin = definePlugin({
  id: 'payments-sepa',
  compatibility: '^2.3.0',
  description: 'SEPA direct debit: mandates, pain.008 collection files, pain.002 returns (payment provider)',
  options: paymentsSepaOptions,
  register(env) {
    env.registerMigrations({ migrations: sepaMigrations });
    env.registerInit({
      deps: {
        providers: paymentProvidersExtensionPoint,
        routes: httpRoutesExtensionPoint,
        collectors: directDebitCollectorsExtensionPoint,
        db: coreServices.database,
        clock: coreServices.clock,
        jobs: coreServices.jobs,
        payments: coreServices.payments,
        logger: coreServices.logger,
      },
      async init({ providers, routes, collectors, db, clock, jobs, payments, logger }) {
        const provider = new SepaDirectDebitProvider({ options: env.options, db, clock, sink: payments, logger });
        providers.add(provider);
        routes.add(...sepaRoutes({ provider }));
        // Invoices of the invoice side (S-9) go through the same bank channel and reports.
        const collector: DirectDebitCollector = {
          id: 'payments-sepa',
          label: env.options.label,
          collect: (input) => provider.collectInvoices(input),
          outcomes: (input) => provider.invoiceOutcomes(input),
        };
        collectors.add(collector);

        const minutes = env.options.tickIntervalMinutes;
        if (minutes === 0) return;
        await jobs.work({
          name: TICK_JOB,
          handler: async () => {
            try {
              const result = await provider.tick();
              if (result.errors.length > 0) logger.warn({ errors: result.errors }, 'payments-sepa: tick finished with errors');
            } catch (err) {
              logger.error({ err }, 'payments-sepa: tick failed');
            }
          },
        });
        // Once per period across all hosts (the host's job schedule).
        await jobs.schedule({ name: TICK_JOB, everyMinutes: minutes });
      },
    });
  },
});

export default paymentsSepaPlugin;
