import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestHost, type TestHostInput } from '@tollgate/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { GenerateError, KINDS, REPO_ROOT, RESERVED_NAMES, generatePlugin, readPluginApiVersion, readZodRange } from './generate.js';

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
  it('writes a spend-channel plugin: package.json, README, plugin, options, channel, index and test', () => {
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
      ].sort(),
    );
    const dir = join(root, 'plugins/sms-reminders');

    const pkg = JSON.parse(read(join(dir, 'package.json')));
    const sdkPkg = JSON.parse(read(join(REPO_ROOT, 'packages/plugin-sdk/package.json')));
    expect(pkg).toMatchObject({
      name: '@tollgate/plugin-sms-reminders',
      version: '0.1.0',
      type: 'module',
      exports: sdkPkg.exports,
      scripts: { build: sdkPkg.scripts.build },
      dependencies: { '@tollgate/plugin-sdk': 'workspace:*', zod: sdkPkg.dependencies.zod },
      devDependencies: { '@tollgate/testing': 'workspace:*' },
      tollgate: { role: 'plugin', kind: 'spend-channel' },
    });
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@tollgate/plugin-sdk', 'zod']);

    const major = readPluginApiVersion().split('.')[0];
    const plugin = read(join(dir, 'src/plugin.ts'));
    expect(plugin).toContain("id: 'sms-reminders'");
    expect(plugin).toContain(`compatibility: '^${major}.0.0'`);
    expect(plugin).toContain('options: smsRemindersOptions');
    expect(plugin).toMatch(/deps: \{ channels: spendChannelsExtensionPoint \}/);
    expect(plugin).toContain('channels.add(new SmsRemindersChannel({ options: env.options }))');
    expect(plugin).toContain('export default smsRemindersPlugin;');

    expect(read(join(dir, 'src/index.ts'))).toContain("export { default, smsRemindersPlugin } from './plugin.js';");
    expect(read(join(dir, 'src/options.ts'))).toMatch(/export const smsRemindersOptions = z\.strictObject\(/);

    const channel = read(join(dir, 'src/sms-reminders.channel.ts'));
    expect(channel).toContain('export class SmsRemindersChannel implements SpendChannel<SmsRemindersRequest, SmsRemindersResult>');
    expect(channel).toContain("readonly id = 'sms-reminders';");
    for (const method of ['execute', 'compensate']) expect(channel).toContain(`throw notImplemented('${method}');`);
    expect(channel).toContain("new TollgateError({ code: 'not_implemented', status: 501");

    const test = read(join(dir, 'src/plugin.test.ts'));
    expect(test).toContain("from '@tollgate/testing'");
    expect(test).toContain('createTestHost({ engine, plugins: [plugin] })');
    expect(test).toContain("spendChannels: [{ id: 'sms-reminders'");
    expect(test).toContain('channel.quote(');

    const readme = read(join(dir, 'README.md'));
    expect(readme.trim().split('\n').length).toBeLessThanOrEqual(7);
    expect(readme).toContain('"package": "@tollgate/plugin-sms-reminders"');
    expect(readme).toContain('tollgate.config.json');

    // Generated sources import nothing from Tollgate but the SDK (the test may add @tollgate/testing).
    for (const file of readdirSync(join(dir, 'src')).filter((f) => !f.endsWith('.test.ts'))) {
      const imports = [...read(join(dir, 'src', file)).matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((s) => s!.startsWith('@tollgate/'))).toEqual(imports.filter((s) => s === '@tollgate/plugin-sdk'));
    }
  });

  it.each([
    ['payment-provider', 'payments-demo.provider.ts', 'PaymentsDemoProvider implements PaymentProvider', 'paymentProvidersExtensionPoint', ['createPayment', 'parseWebhook'], 'paymentProviders'],
    ['invoice-source', 'payments-demo.source.ts', 'PaymentsDemoSource implements InvoiceSource', 'invoiceSourcesExtensionPoint', ['listDocuments', 'writeStatus'], 'invoiceSources'],
    ['accounting-exporter', 'payments-demo.exporter.ts', 'PaymentsDemoExporter implements AccountingExporter', 'accountingExportersExtensionPoint', ['export'], 'accountingExporters'],
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
    expect(refusal(() => generatePlugin({ name: 'voice', rootDir: root })).message).toBe('plugins/voice already exists; choose another name, or pass --force to overwrite its generated files');
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

  it('reads the plugin API version and the zod range from the SDK', () => {
    expect(readPluginApiVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(read(join(REPO_ROOT, 'packages/plugin-sdk/src/plugin.ts'))).toContain(`PLUGIN_API_VERSION = '${readPluginApiVersion()}'`);
    expect(readZodRange()).toBe(JSON.parse(read(join(REPO_ROOT, 'packages/plugin-sdk/package.json'))).dependencies.zod);
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
    expect(run.stdout).toContain('Usage: pnpm new:plugin <name> [--kind spend-channel|payment-provider|invoice-source|accounting-exporter]');
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
 * node_modules (workspace packages to their folders, zod to the SDK's copy). The repo root's
 * node_modules does not hold @tollgate/plugin-sdk (pnpm links a workspace package only into the
 * packages that depend on it), so without these links nothing would resolve.
 */
function linkDependencies(pluginDir: string): void {
  const pkg = JSON.parse(read(join(pluginDir, 'package.json')));
  const workspace = workspacePackages();
  for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
    const target = range === 'workspace:*' ? workspace.get(name) : realpathSync(join(REPO_ROOT, 'packages/plugin-sdk/node_modules', name));
    if (!target) throw new Error(`no workspace package ${name}`);
    const link = join(pluginDir, 'node_modules', name);
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
}

describe('a generated plugin, end to end', () => {
  it('loads into a real host: GET /plugins lists its spend channel, and the channel quotes', async () => {
    const root = tempRoot('repo');
    generatePlugin({ name: 'e2e-sms', kind: 'spend-channel', rootDir: root });
    const dir = join(root, 'plugins/e2e-sms');
    linkDependencies(dir);

    const generated = (await import(/* @vite-ignore */ join(dir, 'src/index.ts'))) as {
      default: Exclude<NonNullable<TestHostInput['plugins']>[number], { plugin: unknown }>;
      E2eSmsChannel: new (input: { options: unknown }) => {
        quote(input: { accountId: string; request: { subject: string } }): Promise<unknown>;
        execute(input: { accountId: string; request: { subject: string }; idempotencyKey: string }): Promise<unknown>;
      };
      e2eSmsOptions: { parse(value: unknown): unknown };
    };
    expect(generated.default).toMatchObject({ id: 'e2e-sms', compatibility: `^${readPluginApiVersion().split('.')[0]}.0.0` });

    const channel = new generated.E2eSmsChannel({ options: generated.e2eSmsOptions.parse({ label: 'E2E SMS' }) });
    await expect(channel.quote({ accountId: 'acc_1', request: { subject: 'invoice 7' } })).resolves.toEqual({ units: '1', description: 'E2E SMS: invoice 7' });
    await expect(channel.execute({ accountId: 'acc_1', request: { subject: 'invoice 7' }, idempotencyKey: 'k1' })).rejects.toMatchObject({ code: 'not_implemented', status: 501 });

    const t = await createTestHost({ plugins: [{ plugin: generated.default, options: { label: 'E2E SMS', freeMonthlyQuota: 5 } }] });
    try {
      const res = await t.request({ path: '/plugins' });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        expect.objectContaining({
          id: 'e2e-sms',
          spendChannels: [{ id: 'e2e-sms', label: 'E2E SMS', unit: 'request', settlement: 'immediate', freeMonthlyQuota: 5 }],
          paymentProviders: [],
          routes: [],
        }),
      ]);
    } finally {
      await t.close();
    }
  });
});
