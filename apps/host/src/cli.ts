import 'reflect-metadata';
import { isTollgateError } from '@tollgate/errors';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ROLES } from './accounts/roles.js';
import { loadConfig } from './config/host-config.js';
import { loadPlugins } from './plugins/plugin-loader.js';
import { isNoRunningHost, sendOperatorCommand, type OperatorResult } from './operator/operator-client.js';

/**
 * `tollgate` — operator commands (the same config and env as the host). While a host runs on this
 * data folder the command runs inside it, through its operator socket; otherwise on the database here.
 */
const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/**
 * Runs an operator command: in the running host when one serves its socket in the data folder
 * (the embedded database allows one process, and the host has the plugins started), else here.
 */
async function execute(name: string, input: Record<string, unknown>): Promise<void> {
  const config = loadConfig();
  let result: OperatorResult;
  try {
    result = await sendOperatorCommand({ dataDir: config.database.dataDir, command: name, input });
  } catch (error) {
    if (!isNoRunningHost(error)) throw error;
    // Loaded only here: the host's modules take seconds to load, the socket path needs none of them.
    const { runLocally } = await import('./operator/local-runner.js');
    result = await runLocally({ config, name, input });
  }
  print(result.output);
  for (const problem of result.problems ?? []) process.stderr.write(`tollgate: ${problem}\n`);
  if (result.problems?.length) process.exitCode = 1;
}

/** All of stdin without its last line break (a password piped in, or typed and ended with Ctrl-D). */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (then Enter and Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Commander's options without its undefined entries (the commands' schemas say what is optional). */
const defined = (opts: object): Record<string, unknown> => Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));

const role = new Option('--role <role>', 'owner, admin or member').choices(ROLES).default('member');
const locale = new Option('--locale <locale>', 'language of e-mails and documents').choices(['nl', 'fr', 'en', 'de']).default('en');

export function buildCli(): Command {
  const program = new Command('tollgate').description('Tollgate operator commands').showHelpAfterError();

  program
    .command('migrate')
    .description(
      "apply pending migrations of the host and the configured plugins (each plugin's in its own schema; tables of plugins made before plugin API 2 move there)",
    )
    .action(() => execute('migrate', {}));

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
    .option('--plan <plan>', 'the plan (edition) it starts on, e.g. classic or focus; default: plans.default of the config')
    .action((opts: object) => execute('accounts.create', defined(opts)));
  accounts
    .command('plan <accountId>')
    .description("an account's plan (edition), its rules and the plans it was on before")
    .action((accountId: string) => execute('accounts.plan', { accountId }));
  accounts
    .command('set-plan <accountId> <plan>')
    .description('move an account to another plan: its prices and rules from now on (what it paid stays); the same plan again changes nothing')
    .action((accountId: string, plan: string) => execute('accounts.set-plan', { accountId, plan }));
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
    .action((opts: object) => execute('accounts.list', defined(opts)));

  program
    .command('plans')
    .description('plans (editions): classic, focus and those the config defines')
    .command('list')
    .description('the plans offered, with their rules; `default` marks the one new accounts start on')
    .action(() => execute('plans.list', {}));

  program
    .command('api-keys')
    .description('account API keys')
    .command('create')
    .description('issue an API key for an account; prints it (shown once)')
    .requiredOption('--account <id>', 'account id (acc_…)')
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(role)
    .action((opts: object) => execute('api-keys.create', defined(opts)));

  program
    .command('users')
    .description('people of an account')
    .command('set-password')
    .description("set a user's dashboard password (at least 12 characters), read from stdin unless --password; ends the user's sessions")
    .requiredOption('--account <id>', 'account id (acc_…)')
    .requiredOption('--email <email>', "the user's e-mail")
    .option('--password <password>', 'the password (else read from stdin: it stays out of the shell history)')
    .action(async (opts: { account: string; email: string; password?: string }) =>
      execute('users.set-password', { account: opts.account, email: opts.email, password: opts.password ?? (await readStdin()) }),
    );

  program
    .command('admin-keys')
    .description('platform admin keys')
    .command('create')
    .description('create a platform admin key; prints it (shown once)')
    .requiredOption('--name <name>', 'who or what holds it')
    .action((opts: object) => execute('admin-keys.create', defined(opts)));

  program
    .command('wallet')
    .description('the wallet ledger')
    .command('check')
    .description('prove the ledger (W-2): entries balance and sum to zero, balances and lots match their postings, nothing below zero; exit 1 on any problem')
    .action(() => execute('wallet.check', {}));

  const funding = program.command('funding').description('cash packs, purchases, auto-refill, referrals and refunds (C-1…C-5)');
  funding
    .command('packs')
    .description('the cash packs accounts can buy, and the refund fee')
    .action(() => execute('funding.packs', {}));
  funding
    .command('purchases')
    .description("an account's purchases, newest first")
    .requiredOption('--account <id>', 'account id')
    .action((opts: object) => execute('funding.purchases', defined(opts)));
  funding
    .command('auto-refill')
    .description("an account's auto-refill settings (and pause)")
    .requiredOption('--account <id>', 'account id')
    .action((opts: object) => execute('funding.auto-refill', defined(opts)));
  funding
    .command('set-auto-refill')
    .description("turn an account's auto-refill on or off: below --minimum, buy --pack with --method")
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--minimum <amount>', 'e.g. 5.00')
    .requiredOption('--pack <amount>', 'one of the cash packs, e.g. 25')
    .requiredOption('--method <id>', 'payment method id (pm_…)')
    .option('--off', 'turn it off (keeps the settings)')
    .action((opts: object) => execute('funding.set-auto-refill', defined(opts)));
  funding
    .command('methods')
    .description("an account's payment methods (SEPA mandates, cards)")
    .requiredOption('--account <id>', 'account id')
    .action((opts: object) => execute('funding.methods', defined(opts)));
  funding
    .command('add-mandate')
    .description('set up a SEPA direct debit mandate for an account (payments-sepa plugin)')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--iban <iban>', 'debtor IBAN')
    .requiredOption('--holder <name>', 'account holder')
    .option('--bic <bic>', 'debtor BIC')
    .option('--signature-date <date>', 'YYYY-MM-DD; default today')
    .requiredOption('--key <key>', 'idempotency key')
    .action((opts: object) => execute('funding.add-mandate', defined(opts)));
  funding
    .command('buy')
    .description('buy a cash pack for an account with one of its payment methods (as the API does)')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--amount <amount>', 'a cash pack, e.g. 25')
    .requiredOption('--method <id>', 'payment method id (pm_…)')
    .requiredOption('--key <key>', 'idempotency key: running the command again with it buys nothing more')
    .action((opts: object) => execute('funding.buy', defined(opts)));
  funding
    .command('sweep')
    .description('start due auto-refills and resume purchases stuck at a provider, now')
    .action(() => execute('funding.sweep', {}));
  funding
    .command('referral-code')
    .description("an account's referral code (made on first use)")
    .requiredOption('--account <id>', 'account id')
    .action((opts: object) => execute('funding.referral-code', defined(opts)));
  funding
    .command('refund')
    .description("exchange an account's unspent purchased credit back into money, less the administrative fee (on the owner's written request)")
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--credits <amount>', 'purchased credit to refund, e.g. 120.00')
    .requiredOption('--key <key>', 'idempotency key: running the command again with it changes nothing')
    .action((opts: object) => execute('funding.refund', defined(opts)));
  const refunds = funding.command('refunds').description('refunds to pay out');
  refunds
    .command('list')
    .addOption(new Option('--status <status>', 'requested or paid').choices(['requested', 'paid']))
    .action((opts: object) => execute('funding.refunds.list', defined(opts)));
  refunds
    .command('mark-paid <refundId>')
    .description('record that the payout was made')
    .requiredOption('--reference <text>', 'bank transfer reference')
    .action((refundId: string, opts: object) => execute('funding.refunds.mark-paid', { ...defined(opts), refundId }));

  const sync = program.command('invoice-sync').description('invoice import from the configured sources (S-3); run it where the source plugins are configured');
  sync
    .command('import')
    .description('import the booked invoices and credit notes of the last N days now, and print the run (its summary is also e-mailed)')
    .requiredOption('--account <id>', 'account id')
    .option('--connection <id>', "the connection (default: the account's only one)")
    .option('--days <n>', 'how far back', (v) => Number(v), 30)
    .action((opts: object) => execute('invoice-sync.import', defined(opts)));
  sync
    .command('sweep')
    .description('import what changed at the sources since the last sweep, for every connection that imports automatically')
    .action(() => execute('invoice-sync.sweep', {}));
  sync
    .command('runs')
    .description('the latest import runs of a connection, newest first')
    .requiredOption('--connection <id>', 'connection id')
    .option('--limit <n>', 'how many', (v) => Number(v), 20)
    .action((opts: object) => execute('invoice-sync.runs', defined(opts)));

  const webhooks = program
    .command('webhooks')
    .description("an account's webhook endpoints: events out, signed (docs/events.md); URLs pass the same checks as over the API");
  webhooks
    .command('add')
    .description('add an endpoint; prints it with its signing secret (shown once)')
    .requiredOption('--account <id>', 'account id (acc_…)')
    .requiredOption('--url <url>', 'https URL (http and loopback only in sandbox mode); never a private address')
    .requiredOption('--events <types>', 'event types, comma separated (wallet.charged,wallet.low_balance), or * for all')
    .option('--description <text>', 'what it is for')
    .action((opts: object) => execute('webhooks.add', defined(opts)));
  webhooks
    .command('list')
    .description("the account's endpoints (never their secrets)")
    .requiredOption('--account <id>', 'account id (acc_…)')
    .action((opts: object) => execute('webhooks.list', defined(opts)));
  webhooks
    .command('remove')
    .description('delete an endpoint; its waiting deliveries are given up')
    .requiredOption('--account <id>', 'account id (acc_…)')
    .requiredOption('--endpoint <id>', 'endpoint id (we_…)')
    .action((opts: object) => execute('webhooks.remove', defined(opts)));
  webhooks
    .command('enable')
    .description('enable an endpoint again (also one disabled after a run of failures); its waiting deliveries go out, in order')
    .requiredOption('--account <id>', 'account id (acc_…)')
    .requiredOption('--endpoint <id>', 'endpoint id (we_…)')
    .action((opts: object) => execute('webhooks.enable', defined(opts)));
  webhooks
    .command('disable')
    .description('stop sending to an endpoint: deliveries already waiting hold until it is enabled again; events meanwhile are missed (replay them)')
    .requiredOption('--account <id>', 'account id (acc_…)')
    .requiredOption('--endpoint <id>', 'endpoint id (we_…)')
    .action((opts: object) => execute('webhooks.disable', defined(opts)));
  webhooks
    .command('rotate')
    .description('a new signing secret (printed once); the old one keeps signing beside it for --overlap-hours')
    .requiredOption('--account <id>', 'account id (acc_…)')
    .requiredOption('--endpoint <id>', 'endpoint id (we_…)')
    .option('--overlap-hours <n>', 'hours the old secret still signs, 0 to 168', (v) => Number(v), 24)
    .action((opts: object) => execute('webhooks.rotate', defined(opts)));
  webhooks
    .command('deliveries')
    .description("the endpoint's delivery log, newest first: status, attempts, last answer, next attempt")
    .requiredOption('--account <id>', 'account id (acc_…)')
    .requiredOption('--endpoint <id>', 'endpoint id (we_…)')
    .addOption(new Option('--status <status>', 'only these').choices(['pending', 'delivered', 'failed']))
    .option('--limit <n>', 'how many, 1 to 200', (v) => Number(v), 50)
    .action((opts: object) => execute('webhooks.deliveries', defined(opts)));
  webhooks
    .command('replay')
    .description("send again one event (--event), or the account's events of the endpoint's types from --from until before --to; same event ids")
    .requiredOption('--account <id>', 'account id (acc_…)')
    .requiredOption('--endpoint <id>', 'endpoint id (we_…)')
    .option('--event <id>', 'one event (evt_…), whatever its type')
    .option('--from <time>', 'ISO date and time, e.g. 2026-12-01T00:00:00Z')
    .option('--to <time>', 'ISO date and time (default: now)')
    .action((opts: object) => execute('webhooks.replay', defined(opts)));

  const events = program.command('events').description('events out: plugin handler deliveries that used their last attempt (parked)');
  events
    .command('parked')
    .description('parked plugin handler deliveries, newest first, with the last error')
    .option('--target <subscription>', "only this subscription, 'plugin-id/name'")
    .option('--limit <n>', 'how many, 1 to 200', (v) => Number(v), 50)
    .action((opts: object) => execute('events.parked', defined(opts)));
  events
    .command('retry')
    .description('put a parked delivery back in line with a fresh set of attempts')
    .requiredOption('--delivery <id>', 'delivery id (from events parked)')
    .action((opts: object) => execute('events.retry', defined(opts)));

  return program;
}

buildCli()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`tollgate: ${isTollgateError(error) ? error.message : error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
