// Build step (after swc): compiles the vendored Schematron files into SaxonJS SEF files in dist/rules,
// named by the key of their generated XSLT, so the host never compiles rules at run time. Two
// variants per set: every assert ('all') and fatal asserts only ('fatal'). dist/rules/manifest.json
// records each SEF's key and what it was built from, so a start need not generate the XSLT.
//   node scripts/compile-rules.ts     (Node's type stripping; imports the swc output)
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { BUILT_RULES_DIR, exportSef, generateRules, MANIFEST_FILE, manifestEntry } from '../dist/compiled-rules.js';
import { RULE_SETS } from '../dist/rule-files.js';

const started = performance.now();
const wanted = RULE_SETS.flatMap((set) => (['all', 'fatal'] as const).map((flags) => ({ set, flags, ...generateRules({ set, flags }) })));
const present = await readdir(BUILT_RULES_DIR).catch(() => []);
// Old SEF files of rules that changed since the last build.
for (const file of present) {
  if (file !== MANIFEST_FILE && !wanted.some((rule) => rule.fileName === file)) await rm(`${BUILT_RULES_DIR}/${file}`, { force: true });
}
// The manifest goes first: a SEF named in it is only used once it exists, and never if its inputs changed.
await rm(`${BUILT_RULES_DIR}/${MANIFEST_FILE}`, { force: true });
// Two compilers at a time at most (~600 MB each for CEN).
const queue = wanted.filter((rule) => !present.includes(rule.fileName));
await Promise.all(
  [0, 1].map(async () => {
    for (let rule = queue.shift(); rule; rule = queue.shift()) {
      const t = performance.now();
      await exportSef({ xslt: rule.xslt, outDir: BUILT_RULES_DIR, fileName: rule.fileName });
      console.log(
        `ubl-validation: ${rule.set} (${rule.flags}) rules compiled to dist/rules/${rule.fileName} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    }
  }),
);
const manifest = { entries: wanted.map(({ set, flags, key, fileName }) => manifestEntry({ set, flags, key, fileName })) };
const tmp = `${BUILT_RULES_DIR}/${MANIFEST_FILE}.${process.pid}`;
await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
await rename(tmp, `${BUILT_RULES_DIR}/${MANIFEST_FILE}`);
console.log(`ubl-validation: rules ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
