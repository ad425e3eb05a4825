// Build step (after swc): compiles the vendored Schematron files into SaxonJS SEF files in dist/rules,
// named by the key of their generated XSLT, so the host never compiles rules at run time.
//   node scripts/compile-rules.ts     (Node's type stripping; imports the swc output)
import { readdir, rm } from 'node:fs/promises';
import { BUILT_RULES_DIR, exportSef, generateRules } from '../dist/compiled-rules.js';
import { RULE_SETS } from '../dist/rule-files.js';

const started = performance.now();
const wanted = RULE_SETS.map((set) => ({ set, ...generateRules({ set }) }));
const present = await readdir(BUILT_RULES_DIR).catch(() => []);
// Old SEF files of rules that changed since the last build.
for (const file of present) {
  if (!wanted.some((rule) => rule.fileName === file)) await rm(`${BUILT_RULES_DIR}/${file}`, { force: true });
}
await Promise.all(
  wanted
    .filter((rule) => !present.includes(rule.fileName))
    .map(async (rule) => {
      const t = performance.now();
      await exportSef({ xslt: rule.xslt, outDir: BUILT_RULES_DIR, fileName: rule.fileName });
      console.log(`ubl-validation: ${rule.set} rules compiled to dist/rules/${rule.fileName} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }),
);
console.log(`ubl-validation: rules ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
