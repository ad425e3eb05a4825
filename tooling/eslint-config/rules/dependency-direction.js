// tollgate/dependency-direction: "dependencies point inward" (docs/ARCHITECTURE.md, Rules of the house).
//
//   money, errors, clock  <-  plugin-sdk (the contracts)  <-  wallet / invoice-sync / funding  <-  host
//                         <-  db  <-----------------------'            plugins -> plugin-sdk only
//
// The SDK is the plugin contract (Backstage's backend-plugin-api): it sits under the domain packages
// that implement it, so importing it loads no database driver, job queue or DI container.
//
// The layer of a file comes from where it lives: packages/<name>/..., plugins/<name>/...,
// apps/<name>/..., tooling/<name>/... (relative to the `root` option, or found in the path).
// Every import/export-from, `import x = require()`, `import('literal')`, `require('literal')` and
// `typeof import('literal')` is checked:
//
//   - `@tollgate/<pkg>/<anything>` (a deep import) is an error everywhere: the public surface of a
//     package is its entry point (src/index.ts, the "." export).
//   - a relative import may not leave its own package/plugin/app/tooling folder.
//   - plugins/*  may import only @tollgate/plugin-sdk among @tollgate/* (plus their own npm deps);
//     a plugin's test files (*.test.ts, *.e2e-spec.ts, anything under plugins/<name>/test/) may
//     also import @tollgate/testing, the test harness, and the sandboxes of external services
//     (PLUGIN_TEST_ALLOWED below), nothing else.
//   - packages/* may import only the @tollgate/* packages listed for them in PACKAGE_LAYERS below;
//     a package folder or a @tollgate/* name that is not in the table is an "unknown layer" error,
//     so a new package must be placed in the table (here, and nowhere else) before it is used.
//   - apps/*     may import any known package or app entry point, never a plugin by static import
//     (the host loads plugins by name from config through a dynamic import of a non-literal,
//     which this rule does not see and does not need to).
//   - packages/*' and apps/*' test files may also import the sandboxes (@tollgate/sandbox-*, in tooling/).
//   - tooling/*  may import anything (entry points only).
//   - files outside these folders (root config files) get the deep-import check only.
// Bare specifiers outside @tollgate/* (npm packages, node: builtins) are not checked here:
// pnpm's strict node_modules already rejects an undeclared dependency.

import path from 'node:path';

/** Package scope of the workspace. */
export const SCOPE = '@tollgate/';

/** Wildcard: any known package or app (never a plugin, never an unknown name). */
export const ANY_KNOWN = '*';

/**
 * THE layer table. Key: folder name under packages/ (= package name without the scope).
 * Value: the @tollgate/* packages (without the scope) it may import, or ANY_KNOWN.
 * A package may always import its own name. Keep this the single source of truth.
 */
export const PACKAGE_LAYERS = Object.freeze({
  money: ['errors'],
  errors: [],
  clock: [],
  files: ['errors'],
  db: ['errors', 'clock'],
  'plugin-sdk': ['money', 'errors', 'clock'],
  plans: ['errors', 'plugin-sdk'],
  wallet: ['money', 'errors', 'clock', 'db', 'plugin-sdk'],
  events: ['errors', 'clock', 'db', 'plugin-sdk'],
  'invoice-sync': ['money', 'errors', 'clock', 'db', 'plugin-sdk', 'events', 'files'],
  funding: ['money', 'errors', 'clock', 'db', 'wallet', 'plugin-sdk', 'events', 'plans'],
  'wallet-alerts': ['money', 'errors', 'clock', 'db', 'wallet', 'plugin-sdk'],
  notifications: ['money', 'errors', 'clock', 'db', 'files'],
  teamleader: ['errors', 'clock', 'plugin-sdk'],
  trendstop: ['errors', 'clock'],
  letters: ['money', 'errors', 'clock', 'db', 'plugin-sdk', 'files', 'wallet', 'invoice-sync', 'events'],
  'letter-render': ['errors', 'plugin-sdk'],
  epost: ['errors', 'clock'],
  'print-mail': ['errors', 'clock', 'plugin-sdk'],
  ubl: ['errors', 'plugin-sdk'],
  'ubl-validation': ['errors'],
  'accounting-exports': ['money', 'errors', 'clock', 'db', 'plugin-sdk', 'wallet', 'invoice-sync', 'events', 'files', 'notifications'],
  'document-reader': ['errors'],
  'expense-fields': ['errors', 'document-reader'],
  'file-store-s3': ['errors', 'files'],
  'wallet-invoices': ['money', 'errors', 'clock', 'db', 'plugin-sdk', 'wallet', 'files', 'ubl', 'notifications', 'expense-fields'],
  testing: ANY_KNOWN, // createTestHost needs the host; plugins stay out
});

/** Apps (folder name under apps/ = package name without the scope). */
export const APPS = Object.freeze(['host', 'dashboard']);

/** The only @tollgate/* packages a plugin may import. */
export const PLUGIN_ALLOWED = Object.freeze(['plugin-sdk']);

/**
 * A vendor client that lives in this repository counts as the plugin's own vendor SDK: the one
 * plugin of that vendor may import it (Teamleader's client is shared by the source and, later, the
 * write-back; Trends Top's by the company-data plugin; no other plugin may use them).
 */
export const PLUGIN_VENDOR_CLIENTS = Object.freeze({
  'source-teamleader': ['teamleader'],
  'company-data-trendstop': ['trendstop'],
  'postal-de-epost': ['epost'],
  'postal-be': ['print-mail'],
  'postal-nl': ['print-mail'],
  // Not vendor clients but the UBL writer and the Peppol rules, shared with the wallet's own invoices (issue 22).
  'export-peppol': ['ubl', 'ubl-validation'],
  // Not vendor clients but the OCR reader and the field finder, engines the plugin drives (issue 16).
  'expense-scan': ['document-reader', 'expense-fields'],
});

/** The only @tollgate/* packages a plugin's test files may import: the SDK and the test harness. */
export const PLUGIN_TEST_ALLOWED = Object.freeze([
  'plugin-sdk',
  'testing',
  'sandbox-card',
  'sandbox-bank',
  'sandbox-twilio',
  'sandbox-teamleader',
  'sandbox-webhooks',
  'sandbox-trendstop',
  'sandbox-epost',
  'sandbox-print-mail',
  'sandbox-sftp',
  'sandbox-s3',
]);

/** A plugin test file: by its name suffix, or by living in one of these folders of the plugin. */
const PLUGIN_TEST_SUFFIXES = Object.freeze(['.test.ts', '.e2e-spec.ts']);
const PLUGIN_TEST_DIRS = Object.freeze(['test']);

const KINDS = new Set(['packages', 'plugins', 'apps', 'tooling']);
/** Folders that may sit directly inside a layer folder (used when no `root` is given). */
const INNER = new Set(['src', 'test', 'tests', 'scripts', 'bin', 'rules', 'fixtures']);

const RULES_FILE = 'tooling/eslint-config/rules/dependency-direction.js';
const PLUGIN_DOC = 'docs/plugins.md';
const ARCH_DOC = 'docs/ARCHITECTURE.md';

const toPosix = (p) => p.split(path.sep).join('/').replace(/\\/g, '/');

/**
 * Where does `filename` live? Returns { kind, name, dir, label } or null.
 * With `root`: the first two path segments below root. Without: the leftmost
 * `<kind>/<name>/` whose next segment is a known inner folder or the file itself.
 */
export function locate(filename, root) {
  const file = toPosix(filename);
  const segs = file.split('/');
  if (root) {
    const rootPosix = toPosix(path.resolve(root)).replace(/\/+$/, '');
    if (!file.startsWith(`${rootPosix}/`)) return null;
    const rel = file.slice(rootPosix.length + 1).split('/');
    if (rel.length < 3 || !KINDS.has(rel[0])) return null;
    return make(rel[0], rel[1], `${rootPosix}/${rel[0]}/${rel[1]}`);
  }
  for (let i = 0; i + 2 < segs.length; i++) {
    if (!KINDS.has(segs[i]) || !segs[i + 1]) continue;
    const next = segs[i + 2];
    if (i + 3 === segs.length || INNER.has(next)) {
      return make(segs[i], segs[i + 1], segs.slice(0, i + 2).join('/'));
    }
  }
  return null;
}

function make(kind, name, dir) {
  return { kind, name, dir, label: `${kind}/${name}` };
}

/** '@tollgate/wallet/src/x' -> { name: 'wallet', subpath: 'src/x' }; non-scope -> null. */
export function parseScoped(source) {
  if (!source.startsWith(SCOPE)) return null;
  const rest = source.slice(SCOPE.length);
  const slash = rest.indexOf('/');
  if (slash === -1) return { name: rest, subpath: '' };
  return { name: rest.slice(0, slash), subpath: rest.slice(slash + 1) };
}

/** Is `file` (posix, absolute) a test file of the plugin located at `where`? */
export function isPluginTest(file, where) {
  if (PLUGIN_TEST_SUFFIXES.some((suffix) => file.endsWith(suffix))) return true;
  const rel = file.startsWith(`${where.dir}/`) ? file.slice(where.dir.length + 1) : '';
  return PLUGIN_TEST_DIRS.some((dir) => rel.startsWith(`${dir}/`));
}

const isKnown = (name) => Object.hasOwn(PACKAGE_LAYERS, name) || APPS.includes(name);
const allowedText = (names) => (names.length === 0 ? 'may import no @tollgate/* package' : `may import only ${names.map((n) => SCOPE + n).join(', ')}`);
const scopedList = (names) => {
  const scoped = names.map((n) => SCOPE + n);
  return scoped.length < 3 ? scoped.join(' and ') : `${scoped.slice(0, -1).join(', ')} and ${scoped.at(-1)}`;
};

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Dependencies point inward: enforce the package layers, plugin isolation and entry-point-only imports.',
    },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string', description: 'Absolute path of the repository root.' } },
        additionalProperties: false,
      },
    ],
    messages: {
      deepImport: "'{{source}}' is a deep import: import {{pkg}} from its entry point only (the public surface is src/index.ts).",
      relativeEscape: "'{{source}}' leaves {{from}}: a relative import must stay inside its own folder; import the other package by its @tollgate/* name.",
      pluginRelativeEscape: "'{{source}}' leaves {{from}}: a plugin may import only @tollgate/plugin-sdk and its own files (see " + PLUGIN_DOC + ').',
      pluginOnlySdk: `{{from}} may import only ${scopedList(PLUGIN_ALLOWED)}, not {{target}} (see ${PLUGIN_DOC}).`,
      pluginTestOnly: `a test file of {{from}} may import only ${scopedList(PLUGIN_TEST_ALLOWED)}, not {{target}} (see ${PLUGIN_DOC}).`,
      notInward:
        '{{from}} may not import {{target}}: dependencies point inward, and {{from}} {{allowed}} (see ' + ARCH_DOC + '; the table is in ' + RULES_FILE + ').',
      unknownImporter:
        'unknown layer: {{from}} is not in the dependency-direction table; add "{{name}}" with its allowed imports to PACKAGE_LAYERS in ' + RULES_FILE + '.',
      unknownTarget:
        'unknown layer: {{from}} may not import {{target}}, which is not in the dependency-direction table (a plugin, or a new package that must first be added to PACKAGE_LAYERS in ' +
        RULES_FILE +
        ').',
      hostImportsPlugin:
        '{{from}} may not statically import {{target}}: it is not a known package (plugins are loaded by name from config; a new package must first be added to PACKAGE_LAYERS in ' +
        RULES_FILE +
        ').',
    },
  },

  create(context) {
    const options = context.options[0] ?? {};
    const filename = context.physicalFilename ?? context.filename;
    if (!filename || filename.startsWith('<')) return {};
    const where = locate(filename, options.root);
    const file = toPosix(filename);
    const fileDir = path.posix.dirname(file);
    const pluginTest = where?.kind === 'plugins' && isPluginTest(file, where);

    function check(node, source) {
      if (typeof source !== 'string') return;

      if (source.startsWith('./') || source.startsWith('../') || source === '.' || source === '..') {
        if (!where) return;
        const target = path.posix.resolve(fileDir, source);
        if (target === where.dir || target.startsWith(`${where.dir}/`)) return;
        context.report({
          node,
          messageId: where.kind === 'plugins' ? 'pluginRelativeEscape' : 'relativeEscape',
          data: { source, from: where.label },
        });
        return;
      }

      const scoped = parseScoped(source);
      if (!scoped) return;
      const target = SCOPE + scoped.name;

      if (scoped.subpath) {
        context.report({ node, messageId: 'deepImport', data: { source, pkg: target } });
        return;
      }
      if (!where) return;
      const from = where.label;

      switch (where.kind) {
        case 'plugins': {
          const allowed = [...(pluginTest ? PLUGIN_TEST_ALLOWED : PLUGIN_ALLOWED), ...(PLUGIN_VENDOR_CLIENTS[where.name] ?? [])];
          if (!allowed.includes(scoped.name)) {
            context.report({ node, messageId: pluginTest ? 'pluginTestOnly' : 'pluginOnlySdk', data: { from, target } });
          }
          return;
        }
        case 'packages': {
          if (!Object.hasOwn(PACKAGE_LAYERS, where.name)) {
            context.report({ node, messageId: 'unknownImporter', data: { from, name: where.name } });
            return;
          }
          if (scoped.name === where.name) return; // own entry point
          // A package's tests may start the sandbox of the service the package talks to.
          if (scoped.name.startsWith('sandbox-') && isPluginTest(file, where)) return;
          if (!isKnown(scoped.name)) {
            context.report({ node, messageId: 'unknownTarget', data: { from, target } });
            return;
          }
          const allowed = PACKAGE_LAYERS[where.name];
          if (allowed === ANY_KNOWN || allowed.includes(scoped.name)) return;
          context.report({ node, messageId: 'notInward', data: { from, target, allowed: allowedText(allowed) } });
          return;
        }
        case 'apps':
          // The host's tests may start a sandbox too (the webhook receiver its deliveries go to).
          if (scoped.name.startsWith('sandbox-') && isPluginTest(file, where)) return;
          if (!isKnown(scoped.name)) {
            context.report({ node, messageId: 'hostImportsPlugin', data: { from, target } });
          }
          return;
        default: // tooling: anything (entry points only, checked above)
          return;
      }
    }

    const literal = (node) => {
      if (!node) return undefined;
      if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
      if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked;
      return undefined;
    };
    const fromSource = (node) => {
      if (node.source) check(node.source, literal(node.source));
    };

    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression(node) {
        check(node.source, literal(node.source));
      },
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type === 'Identifier' && callee.name === 'require' && node.arguments.length >= 1) {
          check(node.arguments[0], literal(node.arguments[0]));
        }
      },
      TSExternalModuleReference(node) {
        check(node.expression, literal(node.expression));
      },
      TSImportType(node) {
        const src = node.source ?? node.argument?.literal;
        if (src) check(src, literal(src));
      },
    };
  },
};

export default rule;
