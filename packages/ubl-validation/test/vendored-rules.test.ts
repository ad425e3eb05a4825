import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULE_FILES } from '../src/index.js';
import { WARM_UP_FILE } from '../src/rule-files.js';

// The rule files and examples were given to the project in shared/conformance (next to the repo:
// ../shared/conformance; a git worktree sits deeper, so every ancestor of the repo is tried).
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
function findConformance(): string | undefined {
  for (let dir = resolve(REPO); ; dir = dirname(dir)) {
    const candidate = join(dir, '..', 'shared', 'conformance', 'en16931');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
const conformance = findConformance();

describe.runIf(conformance !== undefined)(`vendored copies are byte-identical to ${conformance ?? 'shared/conformance (absent here)'}`, () => {
  it.each(Object.entries(RULE_FILES))('rules: %s', (_, file) => {
    const name = file.split(/[\\/]/).pop()!;
    expect(readFileSync(file).equals(readFileSync(join(conformance!, name)))).toBe(true);
  });

  it('the warm-up document is the official base example', () => {
    expect(readFileSync(WARM_UP_FILE).equals(readFileSync(join(conformance!, 'examples', 'base-example.xml')))).toBe(true);
  });

  it('the official examples in test/fixtures/examples', () => {
    const official = readdirSync(join(conformance!, 'examples')).sort();
    const vendored = readdirSync(fileURLToPath(new URL('./fixtures/examples/', import.meta.url))).sort();
    expect(vendored).toEqual(official);
    for (const name of official) {
      const copy = readFileSync(fileURLToPath(new URL(`./fixtures/examples/${name}`, import.meta.url)));
      expect(copy.equals(readFileSync(join(conformance!, 'examples', name))), name).toBe(true);
    }
  });
});

describe('the vendored rule files', () => {
  it('are the PEPPOL BIS 3 release 3.0.19 files (CEN 1.3.14.1)', () => {
    expect(readFileSync(RULE_FILES.cen, 'utf8')).toContain('Schematron version 1.3.14.1');
    expect(readFileSync(RULE_FILES.peppol, 'utf8')).toContain('Last update: 2025 May release 3.0.19.');
  });
});
