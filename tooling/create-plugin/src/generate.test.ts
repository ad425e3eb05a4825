import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { GenerateError, KINDS, REPO_ROOT, RESERVED_NAMES, formatGenerated, generatePlugin, readPluginApiVersion, readZodRange } from './generate.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(PACKAGE_DIR, 'bin/create-plugin.js');

const scratch: string[] = [];
/** A fresh folder, removed after the test. Inside the repo only when node must resolve workspace packages from it. */
function tempRoot(where: 'os' | 'repo' = 'os'): string {
  const dir = where === 'os' ? mkdtempSync(join(tmpdir(), 'create-plugin-')) : mkdtempSync(join(PACKAGE_DIR, '.tmp-test-'));
  scratch.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const read = (file: string) => readFileSync(file, 'utf8');
const listFiles = (root: string, files: string[]) => files.map((f) => relative(root, f)).sort();

function refusal(run: () => unknown): GenerateError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GenerateError);
    expect((error as GenerateError).exitCode).toBe(2);
    return error as GenerateError;
  }
  throw new Error('expected a GenerateError, nothing was thrown');
}

describe('generatePlugin', () => {
  it('writes a spend-channel plugin that charges: package, README, plugin, options, channel, table, routes, unit and end-to-end tests', () => {
    const root = tempRoot();
    const files = generatePlugin({ name: 'sms-reminders', kind: 'spend-channel', rootDir: root });
    expect(listFiles(root, files)).toEqual(
      [
        'plugins/sms-reminders/README.md',
        'plugins/sms-reminders/package.json',
        'plugins/sms-reminders/src/index.ts',
        'plugins/sms-reminders/src/options.ts',
        'plugins/sms-reminders/src/plugin.test.ts',
        'plugins/sms-reminders/src/plugin.ts',
        'plugins/sms-reminders/src/sms-reminders.channel.ts',
        'plugins/sms-reminders/src/sms-reminders.migrations.ts',
        'plugins/sms-reminders/src/sms-reminders.routes.ts',
        'plugins/sms-reminders/test/sms-reminders.e2e.test.ts',
      ].sort(),
    );
    const dir = join(root, 'plugins/sms-reminders');

    const pkg = JSON.parse(read(join(dir, 'package.json')));
    const sdkPkg = JSON.parse(read(join(REPO_ROOT, 'packages/plugin-sdk/package.json')));
    const hostPkg = JSON.parse(read(join(REPO_ROOT, 'apps/host/package.json')));
    expect(pkg).toMatchObject({
      name: '@tollgate/plugin-sms-reminders',
      version: '0.1.0',
      type: 'module',
      exports: sdkPkg.exports,
      scripts: { build: sdkPkg.scripts.build },
      dependencies: { '@tollgate/plugin-sdk': 'workspace:*', zod: hostPkg.dependencies.zod },
      devDependencies: { '@tollgate/testing': 'workspace:*' },
      tollgate: { role: 'plugin', kind: 'spend-channel' },
    });
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@tollgate/plugin-sdk', 'zod']);

    const major = readPluginApiVersion().split('.')[0];
    const plugin = read(join(dir, 'src/plugin.ts'));
    expect(plugin).toContain("id: 'sms-reminders'");
    expect(plugin).toContain(`compatibility: '^${major}.0.0'`);
    expect(plugin).toContain('options: smsRemindersOptions');
    expect(plugin).toContain('env.registerMigrations({ migrations: smsRemindersMigrations })');
    expect(plugin).toContain(
      'deps: { channels: spendChannelsExtensionPoint, routes: httpRoutesExtensionPoint, db: coreServices.database, clock: coreServices.clock, wallet: coreServices.wallet }',
    );
    expect(plugin).toContain('channels.add(new SmsRemindersChannel({ options: env.options, db, clock }))');
    expect(plugin).toContain('routes.add(...smsRemindersRoutes({ db, wallet }))');
    // A dashboard panel as a commented example (it needs API 2.9; the generated range is the major's).
    expect(plugin).toContain("//     table: {\n        //       source: '/uses',");
    expect(plugin).not.toMatch(/^\s*panels\.add\(/m);
    expect(plugin).toContain('export default smsRemindersPlugin;');

    expect(read(join(dir, 'src/index.ts'))).toContain("export { default, smsRemindersPlugin } from './plugin.js';");
    const options = read(join(dir, 'src/options.ts'));
    expect(options).toMatch(/export const smsRemindersOptions = z\.strictObject\(/);
    expect(options).toContain(".default([{ unitPrice: '0.10', effectiveFrom: '2020-01-01' }])");

    // The channel does real work (records the use) and leaves the vendor call as the one TODO; nothing pretends.
    const channel = read(join(dir, 'src/sms-reminders.channel.ts'));
    expect(channel).toContain('export class SmsRemindersChannel implements SpendChannel<SmsRemindersRequest, SmsRemindersResult>');
    expect(channel).toContain("readonly id = 'sms-reminders';");
    expect(channel).toContain('readonly prices: readonly ChannelPrice[];');
    expect(channel).toContain('// TODO: call your vendor here');
    expect(channel).toContain('insert into sms_reminders_uses');
    expect(channel).not.toContain('not_implemented');
    expect(read(join(dir, 'src/sms-reminders.migrations.ts'))).toContain('CREATE TABLE sms_reminders_uses (');

    const routes = read(join(dir, 'src/sms-reminders.routes.ts'));
    expect(routes).toContain("path: '/uses'");
    expect(routes).toContain("idempotency: 'required'");
    expect(routes).not.toContain('minRole'); // the safe default: a POST needs admin
    expect(routes).toContain('await wallet.spend<SmsRemindersRequest, SmsRemindersResult>(');
    expect(routes).toContain('amount: spent.amount.toString()');

    const test = read(join(dir, 'src/plugin.test.ts'));
    expect(test).toContain("from '@tollgate/testing'");
    expect(test).toContain('createTestHost({ engine, plugins: [plugin] })');
    expect(test).toContain("spendChannels: [{ id: 'sms-reminders'");
    expect(test).toContain('channel.quote(');
    const e2e = read(join(dir, 'test/sms-reminders.e2e.test.ts'));
    for (const phrase of ['for (const engine of testEngines())', "toBe('1.90')", 'expect(again.body).toEqual(first.body)', 'toBe(403)', 'toBe(422)'])
      expect(e2e).toContain(phrase);

    const readme = read(join(dir, 'README.md'));
    expect(readme.trim().split('\n').length).toBeLessThanOrEqual(9);
    expect(readme).toContain('"package": "@tollgate/plugin-sms-reminders"');
    expect(readme).toContain('tollgate.config.json');

    // Generated sources import nothing from Tollgate but the SDK (the tests may add @tollgate/testing).
    for (const file of readdirSync(join(dir, 'src')).filter((f) => !f.endsWith('.test.ts'))) {
      const imports = [...read(join(dir, 'src', file)).matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((s) => s!.startsWith('@tollgate/'))).toEqual(imports.filter((s) => s === '@tollgate/plugin-sdk'));
    }
  });

  it.each([
    [
      'payment-provider',
      'payments-demo.provider.ts',
      'PaymentsDemoProvider implements PaymentProvider',
      'paymentProvidersExtensionPoint',
      ['createPayment', 'parseWebhook'],
      'paymentProviders',
    ],
    [
      'invoice-source',
      'payments-demo.source.ts',
      'PaymentsDemoSource implements InvoiceSource',
      'invoiceSourcesExtensionPoint',
      ['listDocuments', 'writeStatus'],
      'invoiceSources',
    ],
    [
      'accounting-exporter',
      'payments-demo.exporter.ts',
      'PaymentsDemoExporter implements AccountingExporter',
      'accountingExportersExtensionPoint',
      ['render'],
      'accountingExporters',
    ],
    [
      'postal-carrier',
      'payments-demo.carrier.ts',
      'PaymentsDemoCarrier implements PostalCarrier',
      'postalCarriersExtensionPoint',
      ['quote', 'submit', 'parseWebhook'],
      'postalCarriers',
    ],
  ])('writes a %s plugin whose TODO methods throw not_implemented', (kind, file, declaration, extensionPoint, methods, listedAs) => {
    const root = tempRoot();
    const files = generatePlugin({ name: 'payments-demo', kind, rootDir: root });
    expect(listFiles(root, files)).toContain(`plugins/payments-demo/src/${file}`);
    const dir = join(root, 'plugins/payments-demo');
    const source = read(join(dir, 'src', file));
    expect(source).toContain(`export class ${declaration}`);
    expect(source).toContain("readonly id = 'payments-demo';");
    for (const method of methods) expect(source).toContain(`throw notImplemented('${method}');`);
    expect(read(join(dir, 'src/plugin.ts'))).toContain(extensionPoint);
    expect(read(join(dir, 'src/plugin.test.ts'))).toContain(`${listedAs}: [{ id: 'payments-demo'`);
    expect(JSON.parse(read(join(dir, 'package.json'))).tollgate).toEqual({ role: 'plugin', kind });
  });

  it('defaults to a spend channel under plugins/ and honours --dir', () => {
    const root = tempRoot();
    const files = generatePlugin({ name: 'voice', rootDir: root, dir: 'extra/plugins' });
    expect(listFiles(root, files)).toContain('extra/plugins/voice/src/voice.channel.ts');
  });

  it.each<[string, RegExp]>([
    ['', /name is required/],
    ['Bad_Name', /not kebab-case/],
    ['SmsReminders', /not kebab-case/],
    ['sms--reminders', /not kebab-case/],
    ['-sms', /not kebab-case/],
    ['sms-', /not kebab-case/],
    ['1sms', /not kebab-case/],
    ['sms reminders', /not kebab-case/],
    ['../escape', /not kebab-case/],
    ['a'.repeat(41), /41 characters long/],
    ['plugin-sms', /should not start with "plugin-".*try "sms"/],
    ...['sdk', 'host', 'wallet', 'plugin-sdk', 'testing'].map((name): [string, RegExp] => [name, /is reserved/]),
  ])('refuses the name %j and writes nothing', (name, message) => {
    const root = tempRoot();
    expect(refusal(() => generatePlugin({ name, rootDir: root })).message).toMatch(message);
    expect(readdirSync(root)).toEqual([]);
  });

  it('reserves the names of the folders in packages/ and apps/', () => {
    const root = tempRoot();
    for (const parent of ['packages', 'apps']) {
      for (const folder of readdirSync(join(REPO_ROOT, parent))) {
        expect(refusal(() => generatePlugin({ name: folder, rootDir: root })).message).toMatch(/is reserved|not kebab-case/);
      }
    }
    expect(RESERVED_NAMES).toEqual(expect.arrayContaining(['sdk', 'host', 'wallet']));
  });

  it('refuses an unknown kind', () => {
    const root = tempRoot();
    const error = refusal(() => generatePlugin({ name: 'voice', kind: 'sms-gateway', rootDir: root }));
    expect(error.message).toBe(`unknown kind "sms-gateway": use one of ${KINDS.join(', ')}`);
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses an existing folder unless forced, and then rewrites only the generated files', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'plugins/voice/src'), { recursive: true });
    writeFileSync(join(root, 'plugins/voice/src/plugin.ts'), 'mine');
    writeFileSync(join(root, 'plugins/voice/NOTES.md'), 'keep me');
    expect(refusal(() => generatePlugin({ name: 'voice', rootDir: root })).message).toBe(
      'plugins/voice already exists; choose another name, or pass --force to overwrite its generated files',
    );
    expect(read(join(root, 'plugins/voice/src/plugin.ts'))).toBe('mine');

    generatePlugin({ name: 'voice', rootDir: root, force: true });
    expect(read(join(root, 'plugins/voice/src/plugin.ts'))).toContain("id: 'voice'");
    expect(read(join(root, 'plugins/voice/NOTES.md'))).toBe('keep me');
  });

  it('refuses a file in the way, and a package name another folder already uses', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'plugins/other'), { recursive: true });
    writeFileSync(join(root, 'plugins/voice'), '');
    expect(refusal(() => generatePlugin({ name: 'voice', rootDir: root, force: true })).message).toBe('plugins/voice exists and is not a folder');
    writeFileSync(join(root, 'plugins/other/package.json'), JSON.stringify({ name: '@tollgate/plugin-scan' }));
    expect(refusal(() => generatePlugin({ name: 'scan', rootDir: root })).message).toBe('package @tollgate/plugin-scan already exists in plugins/other');
  });

  it('reads the plugin API version from the SDK and the zod range from the host', () => {
    expect(readPluginApiVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(read(join(REPO_ROOT, 'packages/plugin-sdk/src/plugin.ts'))).toContain(`PLUGIN_API_VERSION = '${readPluginApiVersion()}'`);
    expect(readZodRange()).toBe(JSON.parse(read(join(REPO_ROOT, 'apps/host/package.json'))).dependencies.zod);
    const root = tempRoot();
    generatePlugin({ name: 'future', rootDir: root, apiVersion: '3.1.4', zodRange: '^9.0.0' });
    expect(read(join(root, 'plugins/future/src/plugin.ts'))).toContain("compatibility: '^3.0.0'");
    expect(JSON.parse(read(join(root, 'plugins/future/package.json'))).dependencies.zod).toBe('^9.0.0');
  });
});

describe('create-plugin CLI', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO_ROOT });

  it('exits 2 with one clear line on bad input', () => {
    for (const [args, message] of [
      [['Bad_Name'], 'create-plugin: plugin name "Bad_Name" is not kebab-case'],
      [[], 'create-plugin: a plugin name is required'],
      [['voice', '--kind', 'fax'], 'create-plugin: unknown kind "fax"'],
      [['voice', 'scan'], 'create-plugin: expected one plugin name, got 2'],
      [['voice', '--colour'], "create-plugin: Unknown option '--colour'"],
      [['wallet'], 'create-plugin: plugin name "wallet" is reserved'],
    ] as const) {
      const run = cli(...args);
      expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stdout).toBe('');
    }
  });

  it('prints usage for --help', () => {
    const run = cli('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: pnpm new:plugin <name> [--kind spend-channel|payment-provider|invoice-source|accounting-exporter|postal-carrier]');
  });

  it('generates into --dir, lists the files and the next steps; refuses a second time without --force', () => {
    const root = tempRoot();
    const run = cli('postal-be', '--kind', 'spend-channel', '--dir', root);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Created spend-channel plugin "postal-be"');
    expect(run.stdout).toContain('postal-be.channel.ts');
    expect(run.stdout).toContain('pnpm install');
    expect(existsSync(join(root, 'postal-be/src/postal-be.channel.ts'))).toBe(true);
    const again = cli('postal-be', '--dir', root);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(cli('postal-be', '--dir', root, '--force').status).toBe(0);
  });
});

/** Workspace folders by package name, to link a generated package's workspace:* dependencies. */
function workspacePackages(): Map<string, string> {
  const byName = new Map<string, string>();
  for (const parent of ['packages', 'apps', 'tooling']) {
    for (const folder of readdirSync(join(REPO_ROOT, parent))) {
      const file = join(REPO_ROOT, parent, folder, 'package.json');
      if (existsSync(file)) byName.set(JSON.parse(read(file)).name, join(REPO_ROOT, parent, folder));
    }
  }
  return byName;
}

/**
 * What `pnpm install` would do for a new plugins/<name>: link each declared dependency into its
 * node_modules (workspace packages to their folders, zod to the host's copy). The repo root's
 * node_modules does not hold @tollgate/plugin-sdk (pnpm links a workspace package only into the
 * packages that depend on it), so without these links nothing would resolve.
 */
function linkDependencies(pluginDir: string): void {
  const pkg = JSON.parse(read(join(pluginDir, 'package.json')));
  const workspace = workspacePackages();
  for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
    const target = range === 'workspace:*' ? workspace.get(name) : realpathSync(join(REPO_ROOT, 'apps/host/node_modules', name));
    if (!target) throw new Error(`no workspace package ${name}`);
    const link = join(pluginDir, 'node_modules', name);
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
}

describe('a generated plugin, end to end', () => {
  it("formatted as the CLI formats it, passes the repo's Prettier check and its own tests: a real host lists it, a use is charged €0.10 of the €2.00 trial, a replay charges once, a member gets 403, no credit 422", async () => {
    const root = tempRoot('repo');
    const files = generatePlugin({ name: 'e2e-sms', kind: 'spend-channel', rootDir: root });
    await formatGenerated(files);
    const prettier = await import('prettier');
    for (const file of files) {
      const options = (await prettier.resolveConfig(file)) ?? {};
      expect(await prettier.check(read(file), { ...options, filepath: file }), `${relative(root, file)} is not formatted`).toBe(true);
    }
    const dir = join(root, 'plugins/e2e-sms');
    linkDependencies(dir);
    // The repo's vitest config (swc, the 'source' condition) with the scratch folder as the place to look for tests:
    // its include pattern plugins/*/{src,test}/**/*.test.ts then finds exactly the generated plugin's tests.
    const run = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', REPO_ROOT, '--dir', root, '--reporter', 'verbose'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, CI: '', NO_COLOR: '1', FORCE_COLOR: '0' },
        timeout: 540_000,
      },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toContain('plugins/e2e-sms/src/plugin.test.ts');
    expect(output).toContain('plugins/e2e-sms/test/e2e-sms.e2e.test.ts');
    expect(output).toMatch(/charges a use at the seeded price/);
    expect(output).toMatch(/Tests\s+\d+ passed \(\d+\)/);
    expect(output).not.toMatch(/\b[1-9]\d* skipped/);
  }, 600_000);
});
