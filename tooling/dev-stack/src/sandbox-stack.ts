import type { PluginEntry } from '@tollgate/host';
import { startBankSandbox, type BankSandbox } from '@tollgate/sandbox-bank';
import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { startTwilioSandbox, type TwilioSandbox } from '@tollgate/sandbox-twilio';

export const WEBHOOK_SECRET = 'whsec_sandbox';
export const BANK_TOKEN = 'sandbox-bank-token';

export interface SandboxStack {
  card: CardSandbox;
  bank: BankSandbox;
  twilio: TwilioSandbox;
  teamleader: TeamleaderSandbox;
  /** Every bundled plugin, configured against these sandboxes (what `pnpm start` loads). */
  plugins: PluginEntry[];
  close(): Promise<void>;
}

/**
 * The local sandboxes and the bundled plugins pointed at them: `pnpm start` runs this stack, and
 * the route audit (test/route-guards.e2e.test.ts) loads the same plugins, so a plugin added here
 * is audited too. `autoDeliver` sends webhooks and callbacks at once (dev); tests deliver by hand.
 */
export async function startSandboxStack(input: {
  hostUrl: string;
  autoDeliver: boolean;
  ports?: { card?: number; bank?: number; twilio?: number; teamleader?: number };
  now?: () => Date;
}): Promise<SandboxStack> {
  const { ports = {}, autoDeliver } = input;
  const now = input.now ? { now: input.now } : {};
  const card = await startCardSandbox({
    port: ports.card ?? 0,
    autoDeliverWebhooks: autoDeliver,
    webhook: { url: `${input.hostUrl}/v1/payments/webhooks/payments-card`, secret: WEBHOOK_SECRET },
    ...now,
  });
  const bank = await startBankSandbox({ port: ports.bank ?? 0, token: BANK_TOKEN, ...now });
  // GET <twilio>/_sandbox lists every text and call "sent".
  const twilio = await startTwilioSandbox({ port: ports.twilio ?? 0, autoDeliverCallbacks: autoDeliver, ...now });
  const teamleader = await startTeamleaderSandbox({ port: ports.teamleader ?? 0, autoDeliverWebhooks: autoDeliver, ...now });
  const twilioCredentials = { baseUrl: twilio.url, accountSid: twilio.accountSid, authToken: twilio.authToken };
  const plugins: PluginEntry[] = [
    { package: '@tollgate/plugin-payments-card', enabled: true, options: { baseUrl: card.url, webhookSecret: WEBHOOK_SECRET } },
    {
      package: '@tollgate/plugin-payments-sepa',
      enabled: true,
      // A made-up creditor with valid checksums (the sandbox bank checks nothing else).
      options: {
        creditor: { name: 'Tollgate Sandbox BV', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
        bank: { baseUrl: bank.url, token: BANK_TOKEN },
      },
    },
    { package: '@tollgate/plugin-sms-reminders', enabled: true, options: twilioCredentials },
    { package: '@tollgate/plugin-voice', enabled: true, options: twilioCredentials },
    // No credentials: the plugin uses the sandbox integration (client id tl-sandbox-client) and a fixed token key.
    { package: '@tollgate/plugin-source-teamleader', enabled: true, options: { authBaseUrl: teamleader.url, apiBaseUrl: teamleader.url } },
  ];
  return {
    card,
    bank,
    twilio,
    teamleader,
    plugins,
    close: async () => {
      await Promise.all([card.close(), bank.close(), twilio.close(), teamleader.close()]);
    },
  };
}
