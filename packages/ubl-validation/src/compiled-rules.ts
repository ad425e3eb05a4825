import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PACKAGE_ROOT, readRuleFile, RULE_FILES } from './rule-files.js';
import { SaxonJS, XSLT3_CLI } from './saxon.js';
import { compileSchematron, type RuleFlags } from './schematron-compiler.js';
import { SchematronCompileError } from './ubl-validation.errors.js';
import type { RuleSet } from './violation.js';

const run = promisify(execFile);

/** Where `pnpm build` puts the compiled rule sets (SEF JSON, SaxonJS's compiled stylesheet form). */
export const BUILT_RULES_DIR = join(PACKAGE_ROOT, 'dist', 'rules');
/** Where rule sets compiled at first use are kept when the build did not provide them (tests run from src). */
export const DEFAULT_CACHE_DIR = join(PACKAGE_ROOT, 'node_modules', '.cache', 'ubl-validation');

/** Written by `pnpm build` beside the SEFs: which SEF each rule set and flags use, and what it was built from. */
export const MANIFEST_FILE = 'manifest.json';

export interface CompiledRules {
  set: RuleSet;
  flags: RuleFlags;
  /** The SEF (JSON text), for SaxonJS.transform once parsed. */
  text: string;
  /** sha256 (first 16 hex) of the generated XSLT and the SaxonJS version: a SEF is only used for its own source. */
  key: string;
  from: 'build' | 'cache' | 'compiled';
  /** The key came from dist/rules/manifest.json (no XSLT generated at start). */
  keyFrom: 'manifest' | 'xslt';
  /** Time spent turning XSLT into SEF, when it was compiled now. */
  compileMs?: number;
}

/** The generated XSLT of a rule set and the key of its SEF. */
export function generateRules({ set, flags = 'all' }: { set: RuleSet; flags?: RuleFlags }): { xslt: string; key: string; fileName: string } {
  const { xslt } = compileSchematron({ schematron: readRuleFile({ set }), flags });
  const key = createHash('sha256').update(SaxonJS.getProcessorInfo().productVersion).update('\0').update(xslt).digest('hex').slice(0, 16);
  return { xslt, key, fileName: sefFileName({ set, flags, key }) };
}

export function sefFileName({ set, flags, key }: { set: RuleSet; flags: RuleFlags; key: string }): string {
  return `${set}${flags === 'fatal' ? '-fatal' : ''}-${key}.sef.json`;
}

/**
 * What the generated XSLT depends on, cheap to compute: the .sch file, the compiler module that
 * runs here (src or dist), its XML parser and SaxonJS. A manifest entry whose inputs all match
 * names the SEF without generating the XSLT (80–350 ms a set at each start); any difference
 * falls back to the XSLT key, so a stale SEF is never used.
 */
export interface RuleInputs {
  sch: string;
  /** Compiler module path relative to the package root → its sha256. */
  compiler: Record<string, string>;
  parser: string;
  saxon: string;
}

export interface ManifestEntry {
  set: RuleSet;
  flags: RuleFlags;
  key: string;
  fileName: string;
  inputs: RuleInputs;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The compiler modules this package may run: dist/…js (built) and src/…ts (tests, no build). */
const COMPILER_FILES = ['dist/schematron-compiler.js', 'src/schematron-compiler.ts'];
/** The one this module runs next to. */
const OWN_COMPILER = relative(PACKAGE_ROOT, fileURLToPath(new URL(`./schematron-compiler${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)));

function parserVersion(): string {
  // fast-xml-parser exports no package.json: walk up from its entry point.
  let dir = dirname(createRequire(import.meta.url).resolve('fast-xml-parser'));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Inputs as they are now; `compilers` lists which compiler files to hash (all at build time, this module's own at start). */
export function ruleInputs({ set, compilers = [OWN_COMPILER] }: { set: RuleSet; compilers?: string[] }): RuleInputs {
  const compiler: Record<string, string> = {};
  for (const file of compilers) {
    const path = join(PACKAGE_ROOT, file);
    if (existsSync(path)) compiler[file] = sha256(readFileSync(path));
  }
  return { sch: sha256(readFileSync(RULE_FILES[set])), compiler, parser: parserVersion(), saxon: SaxonJS.getProcessorInfo().productVersion };
}

/** A manifest entry for the build script (every compiler file hashed). */
export function manifestEntry({ set, flags, key, fileName }: { set: RuleSet; flags: RuleFlags; key: string; fileName: string }): ManifestEntry {
  return { set, flags, key, fileName, inputs: ruleInputs({ set, compilers: COMPILER_FILES }) };
}

/** The key from the build's manifest, when everything it was built from is unchanged; else undefined. */
export function keyFromManifest({ set, flags, builtDir = BUILT_RULES_DIR }: { set: RuleSet; flags: RuleFlags; builtDir?: string }): string | undefined {
  let entries: ManifestEntry[];
  try {
    entries = (JSON.parse(readFileSync(join(builtDir, MANIFEST_FILE), 'utf8')) as { entries: ManifestEntry[] }).entries;
  } catch {
    return undefined;
  }
  const entry = entries.find((e) => e.set === set && e.flags === flags);
  if (!entry) return undefined;
  const now = ruleInputs({ set });
  const built = entry.inputs;
  const same =
    built.sch === now.sch &&
    built.parser === now.parser &&
    built.saxon === now.saxon &&
    now.compiler[OWN_COMPILER] !== undefined &&
    built.compiler[OWN_COMPILER] === now.compiler[OWN_COMPILER] &&
    entry.fileName === sefFileName({ set, flags, key: entry.key });
  return same ? entry.key : undefined;
}

/**
 * The compiled rule set: from the build output (named by its manifest when nothing changed since,
 * else by the generated XSLT's key), else from the cache, else compiled now with the xslt3
 * compiler in a child process (30–60 s and ~600 MB for the CEN set, so never in the host's heap).
 * `builtDir` (tests): where the build's SEFs and manifest are.
 */
export async function loadCompiledRules(input: { set: RuleSet; flags?: RuleFlags; cacheDir?: string; builtDir?: string }): Promise<CompiledRules> {
  const { set } = input;
  const flags = input.flags ?? 'all';
  const builtDir = input.builtDir ?? BUILT_RULES_DIR;
  const built = keyFromManifest({ set, flags, builtDir });
  if (built !== undefined) {
    const text = await readFile(join(builtDir, sefFileName({ set, flags, key: built })), 'utf8').catch(() => undefined);
    if (text !== undefined) return { set, flags, text, key: built, from: 'build', keyFrom: 'manifest' };
  }
  const { xslt, key, fileName } = generateRules({ set, flags });
  const cacheDir = input.cacheDir ?? process.env['UBL_VALIDATION_CACHE_DIR'] ?? DEFAULT_CACHE_DIR;
  for (const [dir, from] of [
    [builtDir, 'build'],
    [cacheDir, 'cache'],
  ] as const) {
    const text = await readFile(join(dir, fileName), 'utf8').catch(() => undefined);
    if (text !== undefined) return { set, flags, text, key, from, keyFrom: 'xslt' };
  }
  const started = performance.now();
  const text = await compileOnce({ xslt, outDir: cacheDir, fileName });
  return { set, flags, text, key, from: 'compiled', keyFrom: 'xslt', compileMs: Math.round(performance.now() - started) };
}

/** Compiles processes wait for: test files run in parallel processes and would each spend ~45 s and ~600 MB on the same SEF. */
const LOCK_STALE_MS = 10 * 60_000;
const inProcess = new Map<string, Promise<string>>();

function compileOnce(input: { xslt: string; outDir: string; fileName: string }): Promise<string> {
  const target = join(input.outDir, input.fileName);
  let compiling = inProcess.get(target);
  if (!compiling) {
    compiling = compileUnderLock(input).finally(() => inProcess.delete(target));
    inProcess.set(target, compiling);
  }
  return compiling;
}

async function compileUnderLock(input: { xslt: string; outDir: string; fileName: string }): Promise<string> {
  const target = join(input.outDir, input.fileName);
  const lock = `${target}.lock`;
  await mkdir(input.outDir, { recursive: true });
  for (;;) {
    const done = await readFile(target, 'utf8').catch(() => undefined);
    if (done !== undefined) return done;
    try {
      await mkdir(lock); // atomic: one process wins
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const since = await stat(lock).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    // A lock left by a killed process is taken over; otherwise wait for the other compiler's file.
    if (since > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true });
    else await delay(500);
  }
  try {
    const done = await readFile(target, 'utf8').catch(() => undefined);
    return done ?? (await exportSef(input));
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Compiles XSLT into `outDir/fileName` (SEF JSON) and returns its text; written via a temporary file, then renamed, so concurrent compilers never see half a file. */
export async function exportSef(input: { xslt: string; outDir: string; fileName: string }): Promise<string> {
  await mkdir(input.outDir, { recursive: true });
  const target = join(input.outDir, input.fileName);
  const tmp = `${target}.${process.pid}.${Date.now()}`;
  const xslFile = `${tmp}.xsl`;
  const sefFile = `${tmp}.sef.json`;
  await writeFile(xslFile, input.xslt);
  try {
    await run(process.execPath, [XSLT3_CLI, `-xsl:${xslFile}`, `-export:${sefFile}`, '-nogo', '-relocate:on'], { maxBuffer: 64 * 1024 * 1024 });
    await stat(sefFile);
    await rename(sefFile, target);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new SchematronCompileError({ message: `The generated XSLT did not compile: ${stderr.trim().slice(0, 2000)}`, cause: error });
  } finally {
    await rm(xslFile, { force: true });
    await rm(sefFile, { force: true });
  }
  return readFile(target, 'utf8');
}
