// Generates a plugin folder: plugins/<name>/ with package.json, README.md and src/ (plugin,
// options, the channel/provider/source/exporter/carrier class, index and a test on a real host;
// a spend channel also gets its table, its paid routes and an end-to-end test that charges).
// Plain ESM JavaScript, node: builtins only, so it runs without a build step.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as templates from './templates.js';

/** The monorepo this generator lives in (tooling/create-plugin/src -> repo root). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const KINDS = Object.freeze(Object.keys(templates.KIND_INFO));
export const DEFAULT_KIND = 'spend-channel';

/** Same rule as definePlugin's id check in packages/plugin-sdk/src/plugin.ts. */
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Plugin tables are prefixed with the id; keep room in PostgreSQL's 63-byte identifiers. */
export const MAX_NAME_LENGTH = 40;

/**
 * Names a plugin may not take: the workspace's own packages and apps, and words that would make
 * ids, URLs (/v1/plugins/<id>) or package names (@tollgate/plugin-<name>) confusing.
 */
export const RESERVED_NAMES = Object.freeze([
  'sdk',
  'plugin-sdk',
  'host',
  'wallet',
  'money',
  'db',
  'errors',
  'clock',
  'testing',
  'invoice-sync',
  'teamleader',
  'eslint-config',
  'create-plugin',
  'core',
  'tollgate',
  'plugin',
  'plugins',
  'admin',
  'api',
  'test',
  'new',
]);

/** A refusal caused by the input (bad name, kind, existing folder). The CLI exits 2 on it. */
export class GenerateError extends Error {
  constructor(message) {
    super(message);
    this.name = 'GenerateError';
    this.exitCode = 2;
  }
}

/** Throws a GenerateError saying what is wrong with `name`, or returns it. */
export function validateName(name) {
  if (typeof name !== 'string' || name === '') {
    throw new GenerateError('a plugin name is required, e.g. `pnpm new:plugin sms-reminders`');
  }
  if (!KEBAB.test(name)) {
    throw new GenerateError(`plugin name ${JSON.stringify(name)} is not kebab-case: use a-z, 0-9 and single dashes, starting with a letter (e.g. "postal-be")`);
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new GenerateError(
      `plugin name "${name}" is ${name.length} characters long; keep it at ${MAX_NAME_LENGTH} or fewer (it prefixes the plugin's table names)`,
    );
  }
  if (RESERVED_NAMES.includes(name) || coreFolderNames().includes(name)) {
    throw new GenerateError(
      `plugin name "${name}" is reserved (${RESERVED_NAMES.join(', ')}, and every folder in packages/ and apps/); pick a name for the feature, e.g. "sms-reminders"`,
    );
  }
  if (name.startsWith('plugin-')) {
    throw new GenerateError(
      `plugin name "${name}" should not start with "plugin-": the package is named @tollgate/plugin-<name> already (try "${name.slice('plugin-'.length)}")`,
    );
  }
  return name;
}

/** Folders in packages/ and apps/ of this repository: their names stay with the core. */
function coreFolderNames() {
  return ['packages', 'apps'].flatMap((parent) => {
    const dir = join(REPO_ROOT, parent);
    return existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name)
      : [];
  });
}

export function validateKind(kind) {
  if (!KINDS.includes(kind)) {
    throw new GenerateError(`unknown kind ${JSON.stringify(kind)}: use one of ${KINDS.join(', ')}`);
  }
  return kind;
}

/** PLUGIN_API_VERSION as declared in the SDK of this repo. */
export function readPluginApiVersion(repoRoot = REPO_ROOT) {
  const file = join(repoRoot, 'packages/plugin-sdk/src/plugin.ts');
  const match = /export const PLUGIN_API_VERSION = '(\d+)\.(\d+)\.(\d+)'/.exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error(`cannot find PLUGIN_API_VERSION in ${file}`);
  return match.slice(1, 4).join('.');
}

/**
 * The zod range the host depends on. The SDK takes any Standard Schema and depends on no zod of
 * its own; a plugin that uses the host's zod shares one copy with it.
 */
export function readZodRange(repoRoot = REPO_ROOT) {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'apps/host/package.json'), 'utf8'));
  const range = pkg.dependencies?.zod;
  if (typeof range !== 'string') throw new Error('apps/host/package.json has no zod dependency');
  return range;
}

const pascalCase = (name) =>
  name
    .split('-')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');

/** Every spelling of the name the templates use. */
export function namesFor({ name, kind, apiVersion, zodRange, dirLabel }) {
  const info = templates.KIND_INFO[kind];
  const pascal = pascalCase(name);
  // KEBAB requires a leading letter, so `pascal` and `camel` are valid identifiers.
  return {
    name,
    kind,
    info,
    pascal,
    camel: pascal[0].toLowerCase() + pascal.slice(1),
    /** Table prefix: 'sms_reminders'. */
    snake: name.replace(/-/g, '_'),
    className: `${pascal}${info.classSuffix}`,
    title: name[0].toUpperCase() + name.slice(1).replace(/-/g, ' '),
    packageName: `@tollgate/plugin-${name}`,
    compatibility: `^${apiVersion.split('.')[0]}.0.0`,
    zodRange,
    dirLabel,
  };
}

/** package.json names of the folders directly under `parent` (skips folders without one). */
function packageNamesUnder(parent) {
  if (!existsSync(parent)) return [];
  const found = [];
  for (const entry of readdirSync(parent, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = join(parent, entry.name, 'package.json');
    if (!existsSync(file)) continue;
    try {
      found.push({ folder: entry.name, name: JSON.parse(readFileSync(file, 'utf8')).name });
    } catch {
      // an unreadable package.json is not ours to judge here
    }
  }
  return found;
}

/**
 * Writes `<rootDir>/<dir>/<name>/` and returns the absolute paths of the files written.
 * Everything is checked and rendered before the first file is written, so a refusal leaves no
 * half-made folder. `force` overwrites the generated files of an existing folder and keeps the rest.
 *
 * @param {{ name: string, kind?: string, rootDir: string, dir?: string, force?: boolean, apiVersion?: string, zodRange?: string }} input
 * @returns {string[]}
 */
export function generatePlugin({ name, kind = DEFAULT_KIND, rootDir, dir = 'plugins', force = false, apiVersion, zodRange }) {
  validateName(name);
  validateKind(kind);
  if (typeof rootDir !== 'string' || rootDir === '') throw new GenerateError('rootDir is required');
  const parent = isAbsolute(dir) ? dir : resolve(rootDir, dir);
  const target = join(parent, name);
  const dirLabel = relative(rootDir, target).split('\\').join('/') || target;

  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new GenerateError(`${dirLabel} exists and is not a folder`);
    if (!force) throw new GenerateError(`${dirLabel} already exists; choose another name, or pass --force to overwrite its generated files`);
  }
  const packageName = `@tollgate/plugin-${name}`;
  const clash = packageNamesUnder(parent).find((p) => p.name === packageName && p.folder !== name);
  if (clash) throw new GenerateError(`package ${packageName} already exists in ${relative(rootDir, join(parent, clash.folder)) || clash.folder}`);

  const n = namesFor({ name, kind, apiVersion: apiVersion ?? readPluginApiVersion(), zodRange: zodRange ?? readZodRange(), dirLabel });
  const files = templates.filesFor(n);

  const written = [];
  for (const [file, text] of files) {
    const path = join(target, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written.push(path);
  }
  return written;
}

/**
 * Formats generated files with the repository's Prettier config (the templates are written for
 * reading, not to the column), so a new plugin passes `pnpm lint` as it is.
 *
 * @param {string[]} files
 * @returns {Promise<void>}
 */
export async function formatGenerated(files) {
  const prettier = await import('prettier');
  for (const file of files) {
    const info = await prettier.getFileInfo(file);
    if (info.ignored || !info.inferredParser) continue;
    const options = (await prettier.resolveConfig(file)) ?? {};
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
  }
}
