import { coreServices, dashboardPanelsExtensionPoint, definePlugin, httpRoutesExtensionPoint, spendChannelsExtensionPoint } from '@tollgate/plugin-sdk';
import { voiceOptions, type VoiceOptions } from './options.js';
import { TwilioVoiceClient, type VoiceProvider } from './twilio-voice.client.js';
import { VoiceCallsService } from './voice-calls.service.js';
import { VoiceChannel } from './voice.channel.js';
import { voiceMigrations } from './voice.migrations.js';
import { voicePanels } from './voice.panels.js';
import { voiceRoutes } from './voice.routes.js';

const RECONCILE_JOB = 'reconcile';

/** Where `tollgate-twilio-sandbox` listens by default, and the credentials it accepts. */
export const TWILIO_SANDBOX_DEFAULTS = Object.freeze({
  baseUrl: 'http://127.0.0.1:4030',
  accountSid: 'AC00000000000000000000000000000000',
  authToken: 'sandbox-auth-token',
  from: '+15005550006',
});

/** Credentials, API origin and caller id: the options', or the local sandbox's on a sandbox host without credentials. */
export function resolveProvider(input: { options: VoiceOptions; sandbox: boolean }): {
  accountSid: string;
  authToken: string;
  baseUrl: string | undefined;
  from: string | undefined;
} {
  const { options } = input;
  if (options.accountSid && options.authToken)
    return { accountSid: options.accountSid, authToken: options.authToken, baseUrl: options.baseUrl, from: options.from };
  if (!input.sandbox) throw new Error('voice: accountSid and authToken are required when the host does not use the sandboxes (sandbox: false)');
  return {
    accountSid: TWILIO_SANDBOX_DEFAULTS.accountSid,
    authToken: TWILIO_SANDBOX_DEFAULTS.authToken,
    baseUrl: options.baseUrl ?? TWILIO_SANDBOX_DEFAULTS.baseUrl,
    from: options.from ?? TWILIO_SANDBOX_DEFAULTS.from,
  };
}

/**
 * The voice plugin: outbound calls through a Twilio-compatible provider, paid from the wallet
 * per started minute (channel 'voice', unit 'minute', deferred settlement).
 */
export function createVoicePlugin(
  input: { provider?: (config: ReturnType<typeof resolveProvider> & { timeoutMs: number; sharedKeys: Record<string, string> }) => VoiceProvider } = {},
) {
  return definePlugin({
    id: 'voice',
    compatibility: '^2.9.0',
    description: 'Outbound VoIP calls paid per started minute (Twilio-compatible provider)',
    options: voiceOptions,
    register(env) {
      const options = env.options;
      env.registerMigrations({ migrations: voiceMigrations });
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
          catalog: coreServices.priceCatalog,
          logger: coreServices.logger,
        },
        async init({ channels, routes, panels, db, clock, jobs, host, wallet, catalog, logger }) {
          const resolved = resolveProvider({ options, sandbox: host.sandbox });
          const config = { ...resolved, timeoutMs: options.requestTimeoutMs, sharedKeys: options.webhookSharedKeys };
          const provider = input.provider ? input.provider(config) : new TwilioVoiceClient(config);
          if (!resolved.from) logger.warn('voice: no default caller id (option "from"): every call must name one');

          const calls = new VoiceCallsService({
            db,
            clock,
            wallet,
            catalog,
            provider,
            logger,
            baseUrl: () => host.baseUrl,
            config: {
              holdMinutes: options.holdMinutes,
              defaultCountry: options.defaultCountry,
              pricedCountries: Object.keys(options.countryPrices ?? {}),
              defaultFrom: resolved.from,
              staleAfterMinutes: options.staleAfterMinutes,
              reconcileMarginMinutes: options.reconcileMarginMinutes,
              twiml: options.twiml,
              twimlUrl: options.twimlUrl,
            },
          });
          const countries = Object.keys(options.countryPrices ?? {});
          // The host seeds these into the catalog at every start; another price for a date that has one refuses the start.
          const prices = [
            { unitPrice: options.pricePerMinute, effectiveFrom: options.priceEffectiveFrom },
            ...Object.entries(options.countryPrices ?? {}).map(([country, unitPrice]) => ({ unitPrice, effectiveFrom: options.priceEffectiveFrom, country })),
          ];
          channels.add(
            new VoiceChannel({
              ...(countries.length ? { countries } : {}),
              prices,
              dial: (call) => calls.dial(call),
              hangUpQuietly: (call) => calls.hangUpQuietly(call),
            }),
          );
          routes.add(...voiceRoutes({ calls }));
          panels.add(...voicePanels);

          await jobs.work({
            name: RECONCILE_JOB,
            handler: async () => {
              await calls.reconcile();
            },
          });
          await jobs.schedule({ name: RECONCILE_JOB, everyMinutes: 5 });
        },
      });
    },
  });
}

export const voicePlugin = createVoicePlugin();
export default voicePlugin;
