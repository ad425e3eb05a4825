import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import rule, { isPluginTest, locate, PACKAGE_LAYERS } from '../rules/dependency-direction.js';

// RuleTester drives the test framework through these hooks (vitest has no mocha globals here).
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const ruleTester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
});

const plugin = (file = 'src/plugin.ts', name = 'sms-reminders') => `/repo/plugins/${name}/${file}`;
const pkg = (name: string, file = 'src/index.ts') => `/repo/packages/${name}/${file}`;
const host = (file = 'src/main.ts') => `/repo/apps/host/${file}`;
const FILE = 'tooling/eslint-config/rules/dependency-direction.js';

ruleTester.run('tollgate/dependency-direction', rule, {
  valid: [
    // the host's tests may start a sandbox (the webhook receiver), and domain packages may use events
    { filename: host('test/events.e2e.test.ts'), code: "import { startWebhookSandbox } from '@tollgate/sandbox-webhooks';" },
    { filename: '/repo/packages/funding/src/funding.service.ts', code: "import { recordEvent } from '@tollgate/events';" },
    // plugins: the SDK (values and types), their own vendor SDK, node builtins, their own files
    { filename: plugin(), code: "import { definePlugin } from '@tollgate/plugin-sdk';" },
    { filename: plugin(), code: "import type { SpendChannel } from '@tollgate/plugin-sdk';" },
    { filename: plugin('src/channel.ts'), code: "import twilio from 'twilio';\nimport { randomUUID } from 'node:crypto';" },
    {
      filename: plugin('test/channel.test.ts'),
      code: "import plugin from '../src/index.js';\nimport fixture from './fixtures/sms.json' with { type: 'json' };\nimport pkg from '../package.json' with { type: 'json' };",
    },
    // plugin tests (*.test.ts, *.e2e-spec.ts, anything under test/) may also import the test harness
    {
      filename: plugin('src/plugin.test.ts'),
      code: "import { TollgateError } from '@tollgate/plugin-sdk';\nimport { createTestHost, testEngines, type TestHost } from '@tollgate/testing';",
    },
    { filename: plugin('test/app.e2e-spec.ts'), code: "import { createTestHost } from '@tollgate/testing';" },
    { filename: plugin('src/app.e2e-spec.ts'), code: "const { createTestHost } = await import('@tollgate/testing');" },
    { filename: plugin('test/helpers/host.ts'), code: "export { createTestHost } from '@tollgate/testing';" },
    {
      filename: '/work/main/plugins/voice/src/voice.test.ts',
      options: [{ root: '/work/main' }],
      code: "import { createTestHost } from '@tollgate/testing';",
    },
    // packages point inward, each along its row of the table
    { filename: pkg('money', 'src/money.ts'), code: "import Decimal from 'decimal.js';" },
    { filename: pkg('db'), code: "import { NotFound } from '@tollgate/errors';\nimport type { Clock } from '@tollgate/clock';" },
    {
      filename: pkg('wallet', 'src/ledger.ts'),
      code: "import { Money } from '@tollgate/money';\nimport { withTransaction } from '@tollgate/db';\nexport { Clock } from '@tollgate/clock';\nexport * from '@tollgate/errors';",
    },
    { filename: pkg('invoice-sync'), code: "import { Money } from '@tollgate/money';\nimport { Db } from '@tollgate/db';" },
    {
      filename: pkg('plugin-sdk'),
      code: "export { Money } from '@tollgate/money';\nexport { TollgateError } from '@tollgate/errors';\nexport type { Clock } from '@tollgate/clock';",
    },
    // the domain packages implement the SDK's contracts
    { filename: pkg('wallet', 'src/spend-runner.ts'), code: "import { SpendFailedError, type SpendChannel } from '@tollgate/plugin-sdk';" },
    { filename: pkg('teamleader', 'src/client.ts'), code: "import { RateLimited } from '@tollgate/errors';\nimport { Clock } from '@tollgate/clock';" },
    {
      filename: pkg('testing'),
      code: "import { createHost } from '@tollgate/host';\nimport { definePlugin } from '@tollgate/plugin-sdk';\nimport { Db } from '@tollgate/db';",
    },
    // a package may name itself (tests importing their own entry point)
    { filename: pkg('money', 'test/money.test.ts'), code: "import { Money } from '@tollgate/money';" },
    // relative imports inside the own package
    { filename: pkg('wallet', 'src/holds/hold.ts'), code: "import { Ledger } from '../ledger.js';\nimport { x } from './x.js';" },
    // the host: any package entry point; plugins only by name from config (non-literal import)
    {
      filename: host(),
      code: "import { Money } from '@tollgate/money';\nimport { definePlugin } from '@tollgate/plugin-sdk';\nimport { Ledger } from '@tollgate/wallet';\nconst plugin = await import(config.plugins[0].package);\nconst other = await import(`${prefix}/x`);",
    },
    { filename: host('test/app.e2e-spec.ts'), code: "import { createTestHost } from '@tollgate/testing';" },
    // tooling: anything, by entry point
    {
      filename: '/repo/tooling/bench/src/wallet.bench.ts',
      code: "import { createTestHost } from '@tollgate/testing';\nimport { main } from '@tollgate/host';",
    },
    // files outside the layers (root config files)
    { filename: '/repo/eslint.config.js', code: "import tollgate from '@tollgate/eslint-config';" },
    // the `root` option
    { filename: '/work/main/packages/db/src/tx.ts', options: [{ root: '/work/main' }], code: "import { Clock } from '@tollgate/clock';" },
  ],

  invalid: [
    // the host's own code never imports a sandbox; the events package stays below the domain packages
    {
      filename: host('src/events/event-jobs.ts'),
      code: "import { startWebhookSandbox } from '@tollgate/sandbox-webhooks';",
      errors: [{ messageId: 'hostImportsPlugin', data: { from: 'apps/host', target: '@tollgate/sandbox-webhooks' } }],
    },
    {
      filename: '/repo/packages/events/src/event-log.ts',
      code: "import { WalletService } from '@tollgate/wallet';",
      errors: [{ messageId: 'notInward' }],
    },
    // plugins: exactly one @tollgate/* package
    {
      filename: plugin(),
      code: "import { Wallet } from '@tollgate/wallet';",
      errors: [{ message: 'plugins/sms-reminders may import only @tollgate/plugin-sdk, not @tollgate/wallet (see docs/plugins.md).' }],
    },
    {
      filename: plugin('src/voice.ts'),
      code: "import voice from '@tollgate/voice';",
      errors: [{ messageId: 'pluginOnlySdk', data: { from: 'plugins/sms-reminders', target: '@tollgate/voice' } }],
    },
    {
      filename: plugin(),
      code: "import { createHost } from '@tollgate/host';",
      errors: [{ messageId: 'pluginOnlySdk', data: { from: 'plugins/sms-reminders', target: '@tollgate/host' } }],
    },
    {
      // every import form is seen
      filename: plugin('src/forms.ts'),
      code: [
        "import type { Ledger } from '@tollgate/wallet';",
        "export * from '@tollgate/money';",
        "export { Clock } from '@tollgate/clock';",
        "const db = await import('@tollgate/db');",
        'const inv = await import(`@tollgate/invoice-sync`);',
        "const errors = require('@tollgate/errors');",
        "import testing = require('@tollgate/testing');",
        "type Host = typeof import('@tollgate/host');",
      ].join('\n'),
      errors: [
        { messageId: 'pluginOnlySdk', line: 1 },
        { messageId: 'pluginOnlySdk', line: 2 },
        { messageId: 'pluginOnlySdk', line: 3 },
        { messageId: 'pluginOnlySdk', line: 4 },
        { messageId: 'pluginOnlySdk', line: 5 },
        { messageId: 'pluginOnlySdk', line: 6 },
        { messageId: 'pluginOnlySdk', line: 7 },
        { messageId: 'pluginOnlySdk', line: 8 },
      ],
    },
    // a non-test plugin file may not import the test harness
    {
      filename: plugin('src/plugin.ts'),
      code: "import { createTestHost } from '@tollgate/testing';",
      errors: [{ message: 'plugins/sms-reminders may import only @tollgate/plugin-sdk, not @tollgate/testing (see docs/plugins.md).' }],
    },
    {
      // 'test' in a file or folder name is not enough: only *.test.ts, *.e2e-spec.ts and <plugin>/test/
      filename: plugin('src/test-utils.ts'),
      code: "import { createTestHost } from '@tollgate/testing';",
      errors: [{ messageId: 'pluginOnlySdk', data: { from: 'plugins/sms-reminders', target: '@tollgate/testing' } }],
    },
    {
      filename: plugin('src/test/helpers.ts'),
      code: "import { createTestHost } from '@tollgate/testing';",
      errors: [{ messageId: 'pluginOnlySdk', data: { from: 'plugins/sms-reminders', target: '@tollgate/testing' } }],
    },
    // plugin tests: the SDK and the test harness, nothing else
    {
      filename: plugin('src/plugin.test.ts'),
      code: "import { Wallet } from '@tollgate/wallet';",
      errors: [
        {
          message:
            'a test file of plugins/sms-reminders may import only @tollgate/plugin-sdk, @tollgate/testing, @tollgate/sandbox-card, @tollgate/sandbox-bank, @tollgate/sandbox-twilio, @tollgate/sandbox-teamleader, @tollgate/sandbox-webhooks, @tollgate/sandbox-trendstop, @tollgate/sandbox-epost, @tollgate/sandbox-print-mail, @tollgate/sandbox-sftp and @tollgate/sandbox-s3, not @tollgate/wallet (see docs/plugins.md).',
        },
      ],
    },
    {
      filename: plugin('test/app.e2e-spec.ts'),
      code: "import { createHost } from '@tollgate/host';\nimport voice from '@tollgate/voice';\nimport { x } from '@tollgate/testing/src/x';",
      errors: [
        { messageId: 'pluginTestOnly', data: { from: 'plugins/sms-reminders', target: '@tollgate/host' } },
        { messageId: 'pluginTestOnly', data: { from: 'plugins/sms-reminders', target: '@tollgate/voice' } },
        { messageId: 'deepImport', data: { source: '@tollgate/testing/src/x', pkg: '@tollgate/testing' } },
      ],
    },
    {
      filename: plugin('test/helpers/host.ts'),
      code: "import { Money } from '@tollgate/money';\nimport { Ledger } from '../../../packages/wallet/src/index.js';",
      errors: [{ messageId: 'pluginTestOnly', data: { from: 'plugins/sms-reminders', target: '@tollgate/money' } }, { messageId: 'pluginRelativeEscape' }],
    },
    // deep paths, even into the SDK
    {
      filename: plugin(),
      code: "import { x } from '@tollgate/plugin-sdk/src/x';\nimport { y } from '@tollgate/plugin-sdk/anything';",
      errors: [
        {
          message: "'@tollgate/plugin-sdk/src/x' is a deep import: import @tollgate/plugin-sdk from its entry point only (the public surface is src/index.ts).",
        },
        { messageId: 'deepImport', data: { source: '@tollgate/plugin-sdk/anything', pkg: '@tollgate/plugin-sdk' } },
      ],
    },
    // relative paths out of the plugin folder
    {
      filename: plugin('src/channel.ts'),
      code: "import { Ledger } from '../../../packages/wallet/src/index.js';\nimport voice from '../../voice/src/index.js';",
      errors: [
        {
          message:
            "'../../../packages/wallet/src/index.js' leaves plugins/sms-reminders: a plugin may import only @tollgate/plugin-sdk and its own files (see docs/plugins.md).",
        },
        { messageId: 'pluginRelativeEscape', data: { source: '../../voice/src/index.js', from: 'plugins/sms-reminders' } },
      ],
    },
    // packages: only inward, along the table
    {
      filename: pkg('errors', 'src/errors.ts'),
      code: "import { Money } from '@tollgate/money';",
      errors: [
        {
          message: `packages/errors may not import @tollgate/money: dependencies point inward, and packages/errors may import no @tollgate/* package (see docs/ARCHITECTURE.md; the table is in ${FILE}).`,
        },
      ],
    },
    {
      filename: pkg('db'),
      code: "import { Money } from '@tollgate/money';\nimport { Wallet } from '@tollgate/wallet';",
      errors: [
        {
          message: `packages/db may not import @tollgate/money: dependencies point inward, and packages/db may import only @tollgate/errors, @tollgate/clock (see docs/ARCHITECTURE.md; the table is in ${FILE}).`,
        },
        { messageId: 'notInward', data: { from: 'packages/db', target: '@tollgate/wallet', allowed: 'may import only @tollgate/errors, @tollgate/clock' } },
      ],
    },
    {
      filename: pkg('wallet', 'src/ledger.ts'),
      code: "import { Invoice } from '@tollgate/invoice-sync';\nimport { createHost } from '@tollgate/host';",
      errors: [{ messageId: 'notInward' }, { messageId: 'notInward' }],
    },
    // the contract must stay light: the SDK may not import the domain packages or the database layer
    {
      filename: pkg('plugin-sdk'),
      code: "export type { SpendChannel } from '@tollgate/wallet';\nimport { Db } from '@tollgate/db';",
      errors: [{ messageId: 'notInward' }, { messageId: 'notInward' }],
    },
    {
      filename: pkg('invoice-sync'),
      code: "export { Wallet } from '@tollgate/wallet';",
      errors: [{ messageId: 'notInward' }],
    },
    {
      filename: pkg('plugin-sdk'),
      code: "import { createHost } from '@tollgate/host';\nimport { createTestHost } from '@tollgate/testing';",
      errors: [{ messageId: 'notInward' }, { messageId: 'notInward' }],
    },
    {
      filename: pkg('teamleader', 'src/client.ts'),
      code: "import { Money } from '@tollgate/money';\nimport { Db } from '@tollgate/db';",
      errors: [{ messageId: 'notInward' }, { messageId: 'notInward' }],
    },
    // testing: anything but plugins
    {
      filename: pkg('testing', 'src/plugins.ts'),
      code: "import sms from '@tollgate/sms-reminders';",
      errors: [
        {
          message: `unknown layer: packages/testing may not import @tollgate/sms-reminders, which is not in the dependency-direction table (a plugin, or a new package that must first be added to PACKAGE_LAYERS in ${FILE}).`,
        },
      ],
    },
    // unknown layers: a new package folder, or an unknown @tollgate/* name
    {
      filename: pkg('reports', 'src/index.ts'),
      code: "import { Money } from '@tollgate/money';",
      errors: [
        {
          message: `unknown layer: packages/reports is not in the dependency-direction table; add "reports" with its allowed imports to PACKAGE_LAYERS in ${FILE}.`,
        },
      ],
    },
    {
      filename: pkg('wallet'),
      code: "import { Report } from '@tollgate/reports';",
      errors: [{ messageId: 'unknownTarget', data: { from: 'packages/wallet', target: '@tollgate/reports' } }],
    },
    // the host: never a plugin by static (literal) import, never a deep path
    {
      filename: host('src/plugin-host/plugin-loader.ts'),
      code: "import sms from '@tollgate/sms-reminders';\nconst voice = await import('@tollgate/voice');",
      errors: [
        {
          message: `apps/host may not statically import @tollgate/sms-reminders: it is not a known package (plugins are loaded by name from config; a new package must first be added to PACKAGE_LAYERS in ${FILE}).`,
        },
        { messageId: 'hostImportsPlugin', data: { from: 'apps/host', target: '@tollgate/voice' } },
      ],
    },
    {
      filename: host(),
      code: "import { Ledger } from '@tollgate/wallet/src/ledger.js';",
      errors: [{ messageId: 'deepImport', data: { source: '@tollgate/wallet/src/ledger.js', pkg: '@tollgate/wallet' } }],
    },
    // deep imports anywhere: tooling, root files
    {
      filename: '/repo/tooling/bench/src/wallet.bench.ts',
      code: "import { Ledger } from '@tollgate/wallet/dist/index.js';",
      errors: [{ messageId: 'deepImport' }],
    },
    {
      filename: '/repo/vitest.config.ts',
      code: "import { x } from '@tollgate/testing/src/setup';",
      errors: [{ messageId: 'deepImport' }],
    },
    // relative imports never cross a package / app root
    {
      filename: pkg('wallet', 'src/ledger.ts'),
      code: "import { Db } from '../../db/src/index.js';",
      errors: [
        {
          message:
            "'../../db/src/index.js' leaves packages/wallet: a relative import must stay inside its own folder; import the other package by its @tollgate/* name.",
        },
      ],
    },
    {
      filename: host('src/wallet/wallet.module.ts'),
      code: "export * from '../../../../packages/wallet/src/index.js';\nconst m = require('../../../../plugins/voice/src/index.js');",
      errors: [
        { messageId: 'relativeEscape', data: { source: '../../../../packages/wallet/src/index.js', from: 'apps/host' } },
        { messageId: 'relativeEscape', data: { source: '../../../../plugins/voice/src/index.js', from: 'apps/host' } },
      ],
    },
    // the `root` option decides the layer (the path above the root is not looked at)
    {
      filename: '/home/me/apps/tollgate/plugins/voice/src/plugin.ts',
      options: [{ root: '/home/me/apps/tollgate' }],
      code: "import { Money } from '@tollgate/money';",
      errors: [{ messageId: 'pluginOnlySdk', data: { from: 'plugins/voice', target: '@tollgate/money' } }],
    },
  ],
});

describe('locate', () => {
  it('finds the layer from the path segments, or below the root', () => {
    expect(locate('/repo/plugins/sms/src/x.ts')).toMatchObject({ kind: 'plugins', name: 'sms', label: 'plugins/sms' });
    expect(locate('/home/me/apps/tollgate/packages/money/src/money.ts')).toMatchObject({ label: 'packages/money' });
    expect(locate('/home/me/apps/tollgate/packages/money/src/money.ts', '/home/me/apps/tollgate')).toMatchObject({
      label: 'packages/money',
      dir: '/home/me/apps/tollgate/packages/money',
    });
    expect(locate('/repo/eslint.config.js', '/repo')).toBeNull();
    expect(locate('/elsewhere/packages/money/src/x.ts', '/repo')).toBeNull();
  });

  it('tells plugin test files apart', () => {
    const at = (file: string, root?: string) => isPluginTest(file, locate(file, root)!);
    expect(at('/repo/plugins/sms/src/plugin.test.ts')).toBe(true);
    expect(at('/repo/plugins/sms/src/app.e2e-spec.ts')).toBe(true);
    expect(at('/repo/plugins/sms/test/helpers.ts')).toBe(true);
    expect(at('/r/plugins/sms/test/deep/helpers.ts', '/r')).toBe(true);
    expect(at('/repo/plugins/sms/src/plugin.ts')).toBe(false);
    expect(at('/repo/plugins/sms/src/test/helpers.ts')).toBe(false);
    expect(at('/repo/plugins/sms/src/plugin.test.ts.bak')).toBe(false);
  });

  it('keeps every package of the architecture in the table', () => {
    expect(Object.keys(PACKAGE_LAYERS).sort()).toEqual(
      [
        'clock',
        'db',
        'epost',
        'errors',
        'events',
        'files',
        'funding',
        'invoice-sync',
        'letter-render',
        'letters',
        'money',
        'notifications',
        'plans',
        'plugin-sdk',
        'print-mail',
        'teamleader',
        'testing',
        'trendstop',
        'wallet',
        'ubl',
        'ubl-validation',
        'accounting-exports',
        'document-reader',
        'expense-fields',
        'file-store-s3',
        'wallet-alerts',
        'wallet-invoices',
      ].sort(),
    );
  });
});
