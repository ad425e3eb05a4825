import {
  coreServices,
  dashboardPanelsExtensionPoint,
  definePlugin,
  httpRoutesExtensionPoint,
  spendChannelsExtensionPoint,
  type HostInfo,
} from '@tollgate/plugin-sdk';
import { DeliveryReports } from './delivery-reports.js';
import { MeetingsService } from './meetings.service.js';
import { smsRemindersOptions, type SmsRemindersOptions } from './options.js';
import { ReminderScheduler } from './reminder-scheduler.js';
import { ReminderSender } from './reminder-sender.js';
import { SmsReminderChannel } from './sms-reminder.channel.js';
import { StatusReconciler } from './status-reconciler.js';
import { smsRemindersMigrations } from './sms-reminders.migrations.js';
import { smsRemindersPanels } from './sms-reminders.panels.js';
import { smsRemindersRoutes } from './sms-reminders.routes.js';
import { TwilioSmsClient } from './twilio-sms.client.js';

const SEND_JOB = 'send-due';
const RECONCILE_JOB = 'reconcile-statuses';
/** The sandbox's defaults (tooling/sandbox-twilio), used in sandbox mode when no credentials are configured. */
export const SANDBOX_DEFAULTS = {
  baseUrl: 'http://127.0.0.1:4030',
  accountSid: 'AC00000000000000000000000000000000',
  authToken: 'sandbox-auth-token',
} as const;

/** Real Twilio with the configured credentials, or the local sandbox when the host runs on sandboxes. */
export function providerSettings(options: SmsRemindersOptions, host: HostInfo): { accountSid: string; authToken: string; baseUrl?: string } {
  if (options.accountSid && options.authToken)
    return { accountSid: options.accountSid, authToken: options.authToken, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) };
  if (host.sandbox && !options.accountSid && !options.authToken) return { ...SANDBOX_DEFAULTS, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) };
  throw new Error('accountSid and authToken are required (or run the host in sandbox mode without them)');
}

/**
 * The sms-reminders plugin: meetings with invitees; each invitee with the "SMS reminder" box ticked
 * gets one text the day before the meeting, paid from the wallet (channel 'sms-reminder'): reserved
 * when scheduled, completed by the send sweep (captured when the provider accepts the text,
 * released when it will not be sent), paid back when the handset never gets it.
 */
export const smsRemindersPlugin = definePlugin({
  id: 'sms-reminders',
  compatibility: '^2.9.0',
  description: "SMS meeting reminders (the day before by default), in the account's language, paid per message from the wallet",
  options: smsRemindersOptions,
  register(env) {
    const options = env.options;
    env.registerMigrations({ migrations: smsRemindersMigrations });
    env.registerInit({
      deps: {
        channels: spendChannelsExtensionPoint,
        routes: httpRoutesExtensionPoint,
        panels: dashboardPanelsExtensionPoint,
        db: coreServices.database,
        clock: coreServices.clock,
        jobs: coreServices.jobs,
        host: coreServices.host,
        wallet: coreServices.wallet,
        accounts: coreServices.accounts,
        logger: coreServices.logger,
      },
      async init({ channels, routes, panels, db, clock, jobs, host, wallet, accounts, logger }) {
        const provider = new TwilioSmsClient({ ...providerSettings(options, host), from: options.from, sharedKeys: options.webhookSharedKeys });

        const scheduler = new ReminderScheduler({ db, clock, wallet, logger, send: options.send });
        const meetings = new MeetingsService({ db, clock, scheduler, accounts, defaultCountry: options.defaultCountry, maxSegments: options.maxSegments });
        const reports = new DeliveryReports({ db, clock, wallet, logger });
        const sender = new ReminderSender({ db, clock, wallet, logger, settle: (id) => reports.settle(id) });
        const reconciler = new StatusReconciler({
          db,
          clock,
          provider: () => provider,
          reports,
          logger,
          reconcileAfterMinutes: options.reconcileAfterMinutes,
          maxChecks: options.reconcileMaxChecks,
        });

        // The host seeds the declared prices into the catalog at every start.
        const prices = options.prices.map((p) => ({ unitPrice: p.unitPrice, effectiveFrom: p.effectiveFrom, ...(p.plan ? { plan: p.plan } : {}) }));
        channels.add(
          new SmsReminderChannel({
            db,
            clock,
            accounts,
            provider: () => provider,
            host,
            logger,
            maxSendAttempts: options.maxSendAttempts,
            reconcileAfterMinutes: options.reconcileAfterMinutes,
            prices,
          }),
        );
        const { send, from, maxSegments, defaultCountry } = options;
        routes.add(
          ...smsRemindersRoutes({ meetings, reports, provider: () => provider, host, logger, settings: { ...send, from, maxSegments, defaultCountry } }),
        );
        panels.add(...smsRemindersPanels);
        await jobs.work({
          name: SEND_JOB,
          handler: async () => {
            await scheduler.resumeHolding();
            const result = await sender.sendDue();
            if (result.claimed > 0) logger.info(result, 'sms-reminders: send sweep');
          },
        });
        // Once a minute across all hosts; the claim keeps overlapping sweeps apart anyway.
        await jobs.schedule({ name: SEND_JOB, everyMinutes: 1 });
        // Lost callbacks: Twilio does not retry them, so overdue texts are fetched (claimed per row, so hosts do not overlap).
        await jobs.work({
          name: RECONCILE_JOB,
          handler: async () => {
            await reconciler.reconcile();
          },
        });
        await jobs.schedule({ name: RECONCILE_JOB, everyMinutes: 5 });
      },
    });
  },
});

export default smsRemindersPlugin;
