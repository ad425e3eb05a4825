#!/usr/bin/env node
// pnpm new:plugin <name> [--kind <kind>] [--dir plugins] [--force]
// A thin CLI around generatePlugin (src/generate.js). Exit codes: 0 done, 2 bad input, 1 other failure.

import { dirname, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_KIND, GenerateError, KINDS, REPO_ROOT, formatGenerated, generatePlugin } from '../src/generate.js';

const USAGE = `Usage: pnpm new:plugin <name> [--kind ${KINDS.join('|')}] [--dir plugins] [--force]

Creates <dir>/<name>/ (default plugins/<name>/): the package @tollgate/plugin-<name> with a
definePlugin descriptor, a zod options schema, the ${DEFAULT_KIND} (or other kind) class and tests
that boot a real host with the plugin. A spend channel charges for real: its price, a table, a
paid route (POST /uses) and an end-to-end test; the vendor call is the TODO. Other kinds' methods
throw not_implemented until written.

  <name>        kebab-case plugin id, e.g. sms-reminders (also the channel/provider/... id)
  --kind, -k    ${KINDS.join(', ')} (default ${DEFAULT_KIND})
  --dir         folder for the plugin, relative to the repository root (default plugins)
  --force       overwrite the generated files of an existing folder
  --help, -h    this text`;

function fail(message, code) {
  process.stderr.write(`create-plugin: ${message}\n`);
  if (code === 2) process.stderr.write(`Run with --help for usage.\n`);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      kind: { type: 'string', short: 'k', default: DEFAULT_KIND },
      dir: { type: 'string', default: 'plugins' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (error) {
  fail(error.message, 2);
}

if (args.values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (args.positionals.length > 1) {
  fail(`expected one plugin name, got ${args.positionals.length}: ${args.positionals.join(' ')}`, 2);
}

const [name] = args.positionals;
try {
  const files = generatePlugin({ name, kind: args.values.kind, rootDir: REPO_ROOT, dir: args.values.dir, force: args.values.force });
  await formatGenerated(files);
  const shown = (path) => relative(process.cwd(), path) || path;
  const folder = shown(dirname(files[0])); // files[0] is <folder>/package.json
  process.stdout.write(
    [
      `Created ${args.values.kind} plugin "${name}" in ${folder}:`,
      ...files.map((file) => `  ${shown(file)}`),
      '',
      'Next:',
      '  pnpm install                    links @tollgate/plugin-sdk, zod and @tollgate/testing into the new package',
      `  pnpm exec vitest run ${folder}   runs its tests on a real host (add TEST_DATABASE_URL for PostgreSQL too)`,
      `  then fill in the TODOs in ${folder}/src and enable it in tollgate.config.json (see its README.md and docs/plugins.md)`,
      '',
    ].join('\n'),
  );
} catch (error) {
  if (error instanceof GenerateError) fail(error.message, 2);
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error), 1);
}
