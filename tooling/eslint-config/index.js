// @tollgate/eslint-config: the one shared flat config of the monorepo.
//
//   // eslint.config.js (repo root)
//   import tollgate from '@tollgate/eslint-config';
//   export default tollgate({ root: import.meta.dirname });
//
// @eslint/js recommended + typescript-eslint recommended (syntax only, NOT type-aware: no
// parserOptions.project, so `eslint .` stays fast) + the tollgate/dependency-direction rule.
// `pnpm lint` runs with --max-warnings=0, so rules here are 'error' or 'off', never 'warn'.

import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import dependencyDirection, { APPS, PACKAGE_LAYERS, PLUGIN_ALLOWED, PLUGIN_TEST_ALLOWED } from './rules/dependency-direction.js';

export { APPS, PACKAGE_LAYERS, PLUGIN_ALLOWED, PLUGIN_TEST_ALLOWED };

/** The `tollgate` ESLint plugin: our own rules. */
export const plugin = {
  meta: { name: '@tollgate/eslint-config', version: '0.1.0' },
  rules: { 'dependency-direction': dependencyDirection },
};

const TS_FILES = ['**/*.ts', '**/*.mts', '**/*.cts', '**/*.tsx'];
// The dashboard's React code: the hooks rules catch stale closures and hooks called conditionally.
const REACT_FILES = ['apps/dashboard/src/**/*.tsx', 'apps/dashboard/src/**/*.ts'];
const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];
const TEST_FILES = ['**/*.test.ts', '**/test/**/*.ts', '**/*.e2e-spec.ts'];

/** Folders that are never linted (build output, data, caches, scratch folders of tests). */
export const IGNORES = [
  '**/node_modules/',
  '**/dist/',
  '**/.data/',
  '**/.turbo/',
  '**/coverage/',
  '**/.tmp-test-*/', // the create-plugin e2e test generates a plugin there, briefly
];

// Node globals for plain JS files (config files, scripts). TypeScript files do not need them:
// typescript-eslint turns no-undef off, the compiler checks names.
const NODE_GLOBALS = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'AbortController',
    'AbortSignal',
    'fetch',
    'Response',
    'Request',
    'Headers',
    'TextEncoder',
    'TextDecoder',
    'structuredClone',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'queueMicrotask',
    'globalThis',
    'performance',
    'crypto',
  ].map((name) => [name, 'readonly']),
);

const unusedVars = [
  'error',
  {
    args: 'after-used',
    argsIgnorePattern: '^_',
    varsIgnorePattern: '^_',
    caughtErrorsIgnorePattern: '^_',
    destructuredArrayIgnorePattern: '^_',
    ignoreRestSiblings: true,
  },
];

/**
 * Build the flat config array.
 * @param {object} [options]
 * @param {string} [options.root] absolute repo root (layers are computed relative to it); default: cwd
 * @param {string[]} [options.ignores] extra global ignore patterns
 * @returns {import('eslint').Linter.Config[]}
 */
export default function tollgate({ root = process.cwd(), ignores = [] } = {}) {
  return defineConfig(
    globalIgnores([...IGNORES, ...ignores], 'tollgate/ignores'),
    {
      name: 'tollgate/linter-options',
      linterOptions: { reportUnusedDisableDirectives: 'error' },
    },
    {
      name: 'tollgate/javascript',
      files: JS_FILES,
      extends: [js.configs.recommended],
      languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: NODE_GLOBALS },
      rules: { 'no-unused-vars': unusedVars },
    },
    {
      name: 'tollgate/typescript',
      files: TS_FILES,
      extends: [js.configs.recommended, tseslint.configs.recommended],
      // Pinned, so a stray tsconfig in a scratch folder cannot make the parser ask which root is meant.
      languageOptions: { parserOptions: { tsconfigRootDir: root } },
      rules: {
        'no-unused-vars': 'off',
        '@typescript-eslint/no-unused-vars': unusedVars,
        '@typescript-eslint/no-explicit-any': 'error',
      },
    },
    {
      name: 'tollgate/tests',
      files: TEST_FILES,
      rules: {
        // Test doubles and deliberately malformed input may need `any`.
        '@typescript-eslint/no-explicit-any': 'off',
      },
    },
    {
      name: 'tollgate/react-hooks',
      files: REACT_FILES,
      plugins: { 'react-hooks': reactHooks },
      rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
    },
    {
      name: 'tollgate/dependency-direction',
      files: [...TS_FILES, ...JS_FILES],
      plugins: { tollgate: plugin },
      rules: { 'tollgate/dependency-direction': ['error', { root }] },
    },
  );
}
