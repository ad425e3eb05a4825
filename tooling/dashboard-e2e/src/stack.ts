import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import cardPlugin from '@tollgate/plugin-payments-card';
import sepaPlugin from '@tollgate/plugin-payments-sepa';
import smsRemindersPlugin from '@tollgate/plugin-sms-reminders';
import teamleaderPlugin from '@tollgate/plugin-source-teamleader';
import { startBankSandbox, type BankSandbox } from '@tollgate/sandbox-bank';
import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { startTwilioSandbox, type TwilioSandbox } from '@tollgate/sandbox-twilio';
import { createTestHost, ManualClock, type TestHost } from '@tollgate/testing';

/** The built dashboard (turbo builds @tollgate/dashboard before the tests; `pnpm build:all` by hand). */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../../apps/dashboard/dist/', import.meta.url));

const CARD_WEBHOOK_SECRET = 'whsec_dashboard_e2e';
const BANK_TOKEN = 'dashboard-e2e-bank-token';
/** The channel the tests charge through the API (a catalog price, no plugin needed). */
export const CHARGE_CHANNEL = 'sms-e2e';
/** A password every test person gets (the session lane's minimum is 12 characters). */
export const PASSWORD = 'correct horse battery staple';

export interface Person {
  accountId: string;
  /** The owner's API key: what the test uses for API calls the browser does not make. */
  ownerKey: string;
  email: string;
  password: string;
}

export interface DashboardStack {
  t: TestHost;
  clock: ManualClock;
  card: CardSandbox;
  bank: BankSandbox;
  teamleader: TeamleaderSandbox;
  /** The SMS provider of sms-reminders, the one plugin here with dashboard panels (plugin API 2.9). */
  twilio: TwilioSandbox;
  /** The host's own origin, e.g. http://127.0.0.1:41234 (the dashboard is at `${url}/app/`). */
  url: string;
  /** An account whose owner signs in with e-mail + password (`PUT /v1/users/me/password` with the owner key). */
  newPerson(input?: { locale?: 'nl' | 'fr' | 'en' | 'de'; name?: string }): Promise<Person>;
  close(): Promise<void>;
}

/** A loopback port free right now: the host's URL must be known before it starts (webhooks and OAuth point at it). */
async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * A real host (createTestHost, PGlite) with the payments-card, payments-sepa, source-teamleader and
 * sms-reminders plugins against their sandboxes, one ManualClock for all, serving the built dashboard at /app.
 */
export async function startDashboardStack(input: { clock?: ManualClock } = {}): Promise<DashboardStack> {
  const clock = input.clock ?? new ManualClock('2026-03-02T09:00:00.000Z');
  const now = () => clock.now();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [card, bank, teamleader, twilio] = await Promise.all([
    startCardSandbox({ now, webhook: { url: `${url}/v1/payments/webhooks/payments-card`, secret: CARD_WEBHOOK_SECRET } }),
    startBankSandbox({ now, token: BANK_TOKEN }),
    startTeamleaderSandbox({ now, rateLimitPerMinute: 100_000 }),
    startTwilioSandbox({ now, autoDeliverCallbacks: false }),
  ]);
  const closeSandboxes = () => Promise.all([card.close(), bank.close(), teamleader.close(), twilio.close()]);
  let t: TestHost;
  try {
    t = await createTestHost({
      clock,
      config: { port, baseUrl: url, dashboard: { enabled: true, dir: DASHBOARD_DIST, secureCookies: false } },
      plugins: [
        { plugin: cardPlugin, options: { baseUrl: card.url, webhookSecret: CARD_WEBHOOK_SECRET, maxNetworkRetries: 0 } },
        {
          plugin: sepaPlugin,
          // A made-up creditor with valid checksums (the sandbox bank refuses an invalid creditor id).
          options: {
            creditor: { name: 'Tollgate Sandbox BV', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
            bank: { baseUrl: bank.url, token: BANK_TOKEN },
          },
        },
        {
          plugin: teamleaderPlugin,
          // The sandbox's test integration; back to the dashboard's invoices screen after consent.
          options: {
            clientId: 'tl-sandbox-client',
            clientSecret: 'tl-sandbox-secret',
            authBaseUrl: teamleader.url,
            apiBaseUrl: teamleader.url,
            returnUrl: `${url}/app/invoices`,
            retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
          },
        },
        { plugin: smsRemindersPlugin, options: { baseUrl: twilio.url, accountSid: twilio.accountSid, authToken: twilio.authToken } },
      ],
    });
  } catch (error) {
    await closeSandboxes();
    throw error;
  }
  const price = await t.request({
    method: 'POST',
    path: '/admin/catalog/prices',
    key: t.adminKey,
    body: { channel: CHARGE_CHANNEL, unit: 'message', unitPrice: '0.50', effectiveFrom: '2026-01-01T00:00:00.000Z' },
  });
  if (price.status !== 201) throw new Error(`price: ${price.status} ${JSON.stringify(price.body)}`);

  let people = 0;
  return {
    t,
    clock,
    card,
    bank,
    teamleader,
    twilio,
    url,
    async newPerson({ locale = 'en', name } = {}) {
      people += 1;
      const email = `owner${people}@dashboard-e2e.test`;
      const account = await t.createAccount({ locale, ownerEmail: email, ...(name ? { name } : {}) });
      const set = await t.request({ method: 'PUT', path: '/v1/users/me/password', key: account.ownerKey, body: { newPassword: PASSWORD } });
      if (set.status !== 204) throw new Error(`password: ${set.status} ${JSON.stringify(set.body)}`);
      return { accountId: account.accountId, ownerKey: account.ownerKey, email, password: PASSWORD };
    },
    async close() {
      await t.close();
      await closeSandboxes();
    },
  };
}
