import { randomBytes } from 'node:crypto';
import type { TollgateHost } from '@tollgate/host';

export const DEMO_OWNER_EMAIL = 'owner@demo.tollgate.test';

/**
 * The dev stack's demo account "Demo BV", made once, whose owner signs in to the dashboard with a
 * random password printed once (as the first admin key is). On a restart it says the login exists;
 * the password is not stored anywhere but as its hash.
 */
export async function ensureDemoLogin(input: { host: TollgateHost; dashboardUrl: string; print?: (line: string) => void }): Promise<void> {
  const print = input.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { host } = input;
  const {
    rows: [existing],
  } = await host.db.query<{ account_id: string }>('select account_id from users where email = $1 order by created_at limit 1', [DEMO_OWNER_EMAIL]);
  if (existing) {
    print(
      `tollgate: dashboard: ${input.dashboardUrl} — the demo login ${DEMO_OWNER_EMAIL} exists (password shown at the first start; a new one: pnpm tollgate users set-password --account ${existing.account_id} --email ${DEMO_OWNER_EMAIL})`,
    );
    return;
  }
  const { account } = await host.accounts.createAccount({ name: 'Demo BV', owner: { email: DEMO_OWNER_EMAIL, name: 'Demo Owner' } });
  const password = randomBytes(12).toString('base64url');
  await host.sessions.setPassword({ accountId: account.id, email: DEMO_OWNER_EMAIL, password });
  host.logger.info({ accountId: account.id, email: DEMO_OWNER_EMAIL }, 'created the demo account and its dashboard login');
  print(`tollgate: dashboard: ${input.dashboardUrl} — sign in as ${DEMO_OWNER_EMAIL} / ${password} (shown once)`);
}
