import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one closing line, `tests: N passed, N failed, N skipped`, plus which database engines the
 * storage suites ran on, so a CI log says at a glance what ran.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const engines = new Set<string>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        for (const engine of test.fullName.matchAll(/\[(pglite|postgres)\]/g)) engines.add(engine[1]!);
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++; // a file that failed to load
    }
    process.stdout.write(`\nstorage engines: ${[...engines].sort().join(', ') || 'none'}\n`);
    process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
