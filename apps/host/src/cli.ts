import 'reflect-metadata';
import { SystemClock } from '@tollgate/clock';
import { migrate, type Database } from '@tollgate/db';
import { isTollgateError, ValidationError } from '@tollgate/errors';
import { fundingMigrations } from '@tollgate/funding';
import { invoiceSyncMigrations } from '@tollgate/invoice-sync';
import { notificationMigrations } from '@tollgate/notifications';
import { checkInvariants, walletMigrations, type InvariantReport } from '@tollgate/wallet';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AccountsService } from './accounts/accounts.service.js';
import { hostMigrations } from './accounts/host.migrations.js';
import { ROLES, type Role } from './accounts/roles.js';
import { loadConfig, type HostConfig } from './config/host-config.js';
import { createCoreServices, type CoreServices } from './core-container.js';
import { createHost, type TollgateHost } from './create-host.js';
import { autoRefillView, paymentMethodView, purchaseView, refundView } from './funding/funding.views.js';
import { openConfiguredDatabase } from './open-database.js';
import { loadPlugins } from './plugins/plugin-loader.js';
import { PluginHost } from './plugins/plugin-host.js';
import { walletAccountHooks } from './wallet/account-wallets.js';

/**
 * `tollgate` — operator commands on the configured database (the same config and env as the host).
 * On the embedded database, stop the host first (one process per data folder) or use the admin API.
 */
const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

async function withDatabase<T>(
  fn: (input: { db: Database; config: HostConfig; accounts: AccountsService; core: CoreServices; migrated: Awaited<ReturnType<typeof migrate>> }) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const plugins = await loadPlugins({ config });
  const pluginHost = new PluginHost(plugins);
  pluginHost.register();
  const db = await openConfiguredDatabase(config);
  try {
    const migrated = await migrate({
      db,
      sets: [hostMigrations, walletMigrations, fundingMigrations, notificationMigrations, invoiceSyncMigrations, ...pluginHost.migrationSets({ db })],
    });
    const clock = new SystemClock();
    const core = createCoreServices({ db, clock, mail: config.mail, fundingOptions: config.funding });
    return await fn({ db, config, core, migrated, accounts: new AccountsService({ db, clock, hooks: walletAccountHooks({ wallet: core.wallet }) }) });
  } finally {
    await db.close();
  }
}

/**
 * A whole host without HTTP (plugins started, no background workers) for commands that need the
 * payment providers or invoice sources: buying, payment methods and imports go through the same code as the API.
 */
async function withHost<T>(fn: (host: TollgateHost) => Promise<T>): Promise<T> {
  const host = await createHost({ config: loadConfig(), workers: false });
  try {
    return await fn(host);
  } finally {
    await host.close();
  }
}

const role = new Option('--role <role>', 'owner, admin or member').choices(ROLES).default('member');
const locale = new Option('--locale <locale>', 'language of e-mails and documents').choices(['nl', 'fr', 'en', 'de']).default('en');

export function buildCli(): Command {
  const program = new Command('tollgate').description('Tollgate operator commands').showHelpAfterError();

  program
    .command('migrate')
    .description(
      "apply pending migrations of the host and the configured plugins (each plugin's in its own schema; tables of plugins made before plugin API 2 move there)",
    )
    .action(() => withDatabase(async ({ migrated }) => print({ ok: true, applied: migrated.applied, moved: migrated.moved })));

  program
    .command('plugins')
    .description('load and check the configured plugins without starting the host')
    .action(async () => {
      const plugins = await loadPlugins({ config: loadConfig() });
      print(plugins.map((p) => ({ id: p.plugin.id, package: p.source, compatibility: p.plugin.compatibility })));
    });

  const accounts = program.command('accounts').description('accounts (tenants)');
  accounts
    .command('create')
    .description('create an account with its owner; prints the owner API key (shown once)')
    .requiredOption('--name <name>', 'account name')
    .requiredOption('--owner-email <email>', "owner's e-mail")
    .option('--owner-name <name>', "owner's name", 'Owner')
    .addOption(locale)
    .option('--time-zone <tz>', 'IANA time zone', 'Europe/Brussels')
    .action((opts: { name: string; ownerEmail: string; ownerName: string; locale: 'nl' | 'fr' | 'en' | 'de'; timeZone: string }) =>
      withDatabase(async ({ accounts }) => {
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(opts.ownerEmail))
          throw new ValidationError({ message: `--owner-email: not an e-mail address: ${opts.ownerEmail}` });
        print(
          await accounts.createAccount({
            name: opts.name,
            locale: opts.locale,
            timeZone: opts.timeZone,
            owner: { email: opts.ownerEmail, name: opts.ownerName },
          }),
        );
      }),
    );
  accounts
    .command('list')
    .option(
      '--limit <n>',
      'how many',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('a whole number from 1 to 100');
        return n;
      },
      100,
    )
    .action((opts: { limit: number }) => withDatabase(async ({ accounts }) => print(await accounts.listAccounts({ limit: opts.limit }))));

  program
    .command('api-keys')
    .description('account API keys')
    .command('create')
    .description('issue an API key for an account; prints it (shown once)')
    .requiredOption('--account <id>', 'account id (acc_…)')
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(role)
    .action((opts: { account: string; name: string; role: Role }) =>
      withDatabase(async ({ accounts }) => print(await accounts.issueAccountKey({ accountId: opts.account, name: opts.name, role: opts.role }))),
    );

  program
    .command('admin-keys')
    .description('platform admin keys')
    .command('create')
    .description('create a platform admin key; prints it (shown once)')
    .requiredOption('--name <name>', 'who or what holds it')
    .action((opts: { name: string }) => withDatabase(async ({ accounts }) => print(await accounts.createAdminKey({ name: opts.name }))));

  program
    .command('wallet')
    .description('the wallet ledger')
    .command('check')
    .description('prove the ledger (W-2): entries balance and sum to zero, balances and lots match their postings, nothing below zero; exit 1 on any problem')
    .action(() =>
      withDatabase(async ({ db }) => {
        const report = await checkInvariants({ db });
        print(report);
        reportProblems(report);
      }),
    );

  const funding = program.command('funding').description('cash packs, purchases, auto-refill, referrals and refunds (C-1…C-5)');
  funding
    .command('packs')
    .description('the cash packs accounts can buy, and the refund fee')
    .action(() =>
      withDatabase(async ({ core }) => print({ packs: core.funding.packs().map((p) => p.toString()), refundFee: core.funding.options.refundFee.toString() })),
    );
  funding
    .command('purchases')
    .description("an account's purchases, newest first")
    .requiredOption('--account <id>', 'account id')
    .action((opts: { account: string }) =>
      withDatabase(async ({ core }) => print((await core.funding.listPurchases({ accountId: opts.account })).data.map(purchaseView))),
    );
  funding
    .command('auto-refill')
    .description("an account's auto-refill settings (and pause)")
    .requiredOption('--account <id>', 'account id')
    .action((opts: { account: string }) =>
      withDatabase(async ({ core }) => print(autoRefillView(await core.funding.getAutoRefill({ accountId: opts.account })))),
    );
  funding
    .command('set-auto-refill')
    .description("turn an account's auto-refill on or off: below --minimum, buy --pack with --method")
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--minimum <amount>', 'e.g. 5.00')
    .requiredOption('--pack <amount>', 'one of the cash packs, e.g. 25')
    .requiredOption('--method <id>', 'payment method id (pm_…)')
    .option('--off', 'turn it off (keeps the settings)')
    .action((opts: { account: string; minimum: string; pack: string; method: string; off?: boolean }) =>
      withDatabase(async ({ core }) =>
        print(
          autoRefillView(
            await core.funding.setAutoRefill({
              accountId: opts.account,
              enabled: !opts.off,
              minimum: opts.minimum,
              pack: opts.pack,
              paymentMethodId: opts.method,
            }),
          ),
        ),
      ),
    );
  funding
    .command('methods')
    .description("an account's payment methods (SEPA mandates, cards)")
    .requiredOption('--account <id>', 'account id')
    .action((opts: { account: string }) =>
      withDatabase(async ({ core }) => print((await core.funding.listPaymentMethods({ accountId: opts.account })).map(paymentMethodView))),
    );
  funding
    .command('add-mandate')
    .description('set up a SEPA direct debit mandate for an account (payments-sepa plugin)')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--iban <iban>', 'debtor IBAN')
    .requiredOption('--holder <name>', 'account holder')
    .option('--bic <bic>', 'debtor BIC')
    .option('--signature-date <date>', 'YYYY-MM-DD; default today')
    .requiredOption('--key <key>', 'idempotency key')
    .action((opts: { account: string; iban: string; holder: string; bic?: string; signatureDate?: string; key: string }) =>
      withHost(async (host) => {
        const details = {
          iban: opts.iban,
          holder: opts.holder,
          ...(opts.bic ? { bic: opts.bic } : {}),
          ...(opts.signatureDate ? { signatureDate: opts.signatureDate } : {}),
        };
        print(
          paymentMethodView(
            await host.funding.addPaymentMethod({
              accountId: opts.account,
              providerId: 'payments-sepa',
              kind: 'sepa_direct_debit',
              details,
              idempotencyKey: `cli:${opts.key}`,
            }),
          ),
        );
      }),
    );
  funding
    .command('buy')
    .description('buy a cash pack for an account with one of its payment methods (as the API does)')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--amount <amount>', 'a cash pack, e.g. 25')
    .requiredOption('--method <id>', 'payment method id (pm_…)')
    .requiredOption('--key <key>', 'idempotency key: running the command again with it buys nothing more')
    .action((opts: { account: string; amount: string; method: string; key: string }) =>
      withHost(async (host) =>
        print(
          purchaseView(
            (await host.funding.buy({ accountId: opts.account, amount: opts.amount, paymentMethodId: opts.method, idempotencyKey: `cli:${opts.key}` }))!,
          ),
        ),
      ),
    );
  funding
    .command('sweep')
    .description('start due auto-refills and resume purchases stuck at a provider, now')
    .action(() => withHost(async (host) => print(await host.funding.sweep())));
  funding
    .command('referral-code')
    .description("an account's referral code (made on first use)")
    .requiredOption('--account <id>', 'account id')
    .action((opts: { account: string }) =>
      withDatabase(async ({ core }) => {
        const r = await core.funding.referralCode({ accountId: opts.account });
        print({ code: r.code, referred: r.referred, rewarded: r.rewarded, creditPerReferral: r.credit.toString() });
      }),
    );
  funding
    .command('refund')
    .description("exchange an account's unspent purchased credit back into money, less the administrative fee (on the owner's written request)")
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--credits <amount>', 'purchased credit to refund, e.g. 120.00')
    .requiredOption('--key <key>', 'idempotency key: running the command again with it changes nothing')
    .action((opts: { account: string; credits: string; key: string }) =>
      withDatabase(async ({ core }) =>
        print(
          refundView(
            await core.funding.requestRefund({ accountId: opts.account, credits: opts.credits, idempotencyKey: `cli:${opts.key}`, requestedBy: 'cli' }),
          ),
        ),
      ),
    );
  const refunds = funding.command('refunds').description('refunds to pay out');
  refunds
    .command('list')
    .addOption(new Option('--status <status>', 'requested or paid').choices(['requested', 'paid']))
    .action((opts: { status?: 'requested' | 'paid' }) =>
      withDatabase(async ({ core }) => print((await core.funding.listRefunds({ ...(opts.status ? { status: opts.status } : {}) })).map(refundView))),
    );
  refunds
    .command('mark-paid <refundId>')
    .description('record that the payout was made')
    .requiredOption('--reference <text>', 'bank transfer reference')
    .action((refundId: string, opts: { reference: string }) =>
      withDatabase(async ({ core }) => print(refundView(await core.funding.markRefundPaid({ refundId, reference: opts.reference })))),
    );

  const sync = program.command('invoice-sync').description('invoice import from the configured sources (S-3); run it where the source plugins are configured');
  sync
    .command('import')
    .description('import the booked invoices and credit notes of the last N days now, and print the run (its summary is also e-mailed)')
    .requiredOption('--account <id>', 'account id')
    .option('--connection <id>', "the connection (default: the account's only one)")
    .option('--days <n>', 'how far back', (v) => Number(v), 30)
    .action((opts: { account: string; connection?: string; days: number }) =>
      withHost(async (host) => {
        const connectionId = opts.connection ?? (await onlyConnection(host, opts.account));
        print(await host.invoiceSync.importer.importRecent({ accountId: opts.account, connectionId, days: opts.days }));
      }),
    );
  sync
    .command('sweep')
    .description('import what changed at the sources since the last sweep, for every connection that imports automatically')
    .action(() => withHost(async (host) => print(await host.invoiceSync.jobs.runOnce())));
  sync
    .command('runs')
    .description('the latest import runs of a connection, newest first')
    .requiredOption('--connection <id>', 'connection id')
    .option('--limit <n>', 'how many', (v) => Number(v), 20)
    .action((opts: { connection: string; limit: number }) =>
      withDatabase(async ({ core }) => print((await core.importer.listRuns({ connectionId: opts.connection, limit: opts.limit })).data)),
    );

  return program;
}

async function onlyConnection(host: TollgateHost, accountId: string): Promise<string> {
  const { rows } = await host.db.query<{ id: string }>(`select id from sync_connections where account_id = $1 and status <> 'disconnected'`, [accountId]);
  if (rows.length !== 1)
    throw new ValidationError({ code: 'connection_required', message: `The account has ${rows.length} connections: name one with --connection.` });
  return rows[0]!.id;
}

/** One line per problem on stderr and exit code 1; nothing when the ledger is sound. */
function reportProblems(report: InvariantReport): void {
  if (report.ok) return;
  for (const problem of report.problems) process.stderr.write(`tollgate: wallet check: ${problem.check}: ${problem.detail}\n`);
  process.exitCode = 1;
}

buildCli()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`tollgate: ${isTollgateError(error) ? error.message : error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
