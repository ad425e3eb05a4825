import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// One vitest run for the whole repo. swc (not esbuild) compiles TypeScript because Nest and
// tsyringe need decorator metadata. The `source` export condition makes workspace packages
// resolve to their TypeScript sources, so tests never need a build first.
export default defineConfig({
  plugins: [
    swc.vite({
      tsconfigFile: false,
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        target: 'es2023',
        keepClassNames: true,
      },
    }),
  ],
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['{packages,apps,plugins,tooling}/*/{src,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    setupFiles: ['./tooling/vitest.setup.ts'],
    // CI lists every test (the log shows each storage suite's engine) and ends with one summary line.
    reporters: process.env.CI ? ['verbose', './tooling/summary.reporter.ts'] : ['default', './tooling/summary.reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
