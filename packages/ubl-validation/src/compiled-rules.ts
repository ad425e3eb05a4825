import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT, readRuleFile } from './rule-files.js';
import { SaxonJS, XSLT3_CLI } from './saxon.js';
import { compileSchematron } from './schematron-compiler.js';
import { SchematronCompileError } from './ubl-validation.errors.js';
import type { RuleSet } from './violation.js';

const run = promisify(execFile);

/** Where `pnpm build` puts the compiled rule sets (SEF JSON, SaxonJS's compiled stylesheet form). */
export const BUILT_RULES_DIR = join(PACKAGE_ROOT, 'dist', 'rules');
/** Where rule sets compiled at first use are kept when the build did not provide them (tests run from src). */
export const DEFAULT_CACHE_DIR = join(PACKAGE_ROOT, 'node_modules', '.cache', 'ubl-validation');

export interface CompiledRules {
  set: RuleSet;
  /** The SEF (JSON text), for SaxonJS.transform once parsed. */
  text: string;
  /** sha256 (first 16 hex) of the generated XSLT and the SaxonJS version: a SEF is only used for its own source. */
  key: string;
  from: 'build' | 'cache' | 'compiled';
  /** Time spent turning XSLT into SEF, when it was compiled now. */
  compileMs?: number;
}

/** The generated XSLT of a rule set and the key of its SEF. */
export function generateRules({ set }: { set: RuleSet }): { xslt: string; key: string; fileName: string } {
  const { xslt } = compileSchematron({ schematron: readRuleFile({ set }) });
  const key = createHash('sha256').update(SaxonJS.getProcessorInfo().productVersion).update('\0').update(xslt).digest('hex').slice(0, 16);
  return { xslt, key, fileName: `${set}-${key}.sef.json` };
}

/**
 * The compiled rule set: from the build output, else from the cache, else compiled now with the
 * xslt3 compiler in a child process (30–60 s and ~600 MB for the CEN set, so never in the host's heap).
 */
export async function loadCompiledRules(input: { set: RuleSet; cacheDir?: string }): Promise<CompiledRules> {
  const { xslt, key, fileName } = generateRules({ set: input.set });
  const cacheDir = input.cacheDir ?? process.env['UBL_VALIDATION_CACHE_DIR'] ?? DEFAULT_CACHE_DIR;
  for (const [dir, from] of [
    [BUILT_RULES_DIR, 'build'],
    [cacheDir, 'cache'],
  ] as const) {
    const text = await readFile(join(dir, fileName), 'utf8').catch(() => undefined);
    if (text !== undefined) return { set: input.set, text, key, from };
  }
  const started = performance.now();
  const text = await compileOnce({ xslt, outDir: cacheDir, fileName });
  return { set: input.set, text, key, from: 'compiled', compileMs: Math.round(performance.now() - started) };
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
