import { loadCompiledRules, type CompiledRules } from './compiled-rules.js';
import { checkDocument, type LoadedRules } from './document-check.js';
import { readFile } from 'node:fs/promises';
import { RULE_SETS, WARM_UP_FILE } from './rule-files.js';
import { SaxonJS } from './saxon.js';
import type { RuleFlags } from './schematron-compiler.js';
import { UblValidationFailedError } from './ubl-validation.errors.js';
import { ValidationPool } from './validation-pool.js';
import type { RuleSet, ValidationResult, Violation } from './violation.js';

export interface UblValidator {
  /** Runs every rule set on the document. A document that is not well-formed, or not a UBL Invoice/CreditNote, gets one fatal `xsd` violation. */
  validate(input: { xml: string }): Promise<ValidationResult>;
  /** Loads (or compiles) and warms the rule sets now rather than at the first validate; the host can call it at start without waiting. */
  ready(): Promise<{ set: RuleSet; flags: RuleFlags; from: CompiledRules['from']; keyFrom: CompiledRules['keyFrom']; compileMs?: number }[]>;
  /** Stops the worker threads; validate afterwards (and documents still queued) fail with `ubl_validation_failed`, reason closed. */
  close(): Promise<void>;
}

export interface UblValidatorOptions {
  /** Rule sets to run, in this order; both by default. */
  sets?: RuleSet[];
  /**
   * 'all' (default): every assert, warnings included. 'fatal': a variant of each rule set compiled
   * with its fatal asserts only; same `valid` and `fatal`, `warnings` always empty, and about a
   * third less CPU per document (the CEN file's 699 warning asserts go).
   */
  flags?: RuleFlags;
  /**
   * Worker threads running the rules (default 1): SaxonJS is synchronous and a document takes
   * 0.1–0.5 s of CPU, which must not stall the host's event loop. 0 runs them in the calling thread.
   */
  threads?: number;
  /** Where rule sets compiled at first use are cached (default node_modules/.cache/ubl-validation, or UBL_VALIDATION_CACHE_DIR). */
  cacheDir?: string;
}

interface Engine {
  run(input: { xml: string }): Promise<Violation[]>;
  close(): Promise<void>;
}

export function createUblValidator(options: UblValidatorOptions = {}): UblValidator {
  const sets = [...new Set(options.sets ?? RULE_SETS)];
  const threads = options.threads ?? 1;
  const flags = options.flags ?? 'all';
  if (flags !== 'all' && flags !== 'fatal') throw new RangeError(`flags must be 'all' or 'fatal', got ${String(flags)}`);
  if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`threads must be a whole number ≥ 0, got ${threads}`);
  let starting: Promise<{ engine: Engine; rules: CompiledRules[] }> | undefined;
  let closed = false;

  const start = () => {
    starting ??= (async () => {
      const rules = await Promise.all(sets.map((set) => loadCompiledRules({ set, flags, ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) })));
      const warmUp = await readFile(WARM_UP_FILE, 'utf8');
      if (threads === 0)
        return {
          engine: inlineEngine(
            rules.map((rule) => ({ set: rule.set, sef: JSON.parse(rule.text) as unknown })),
            warmUp,
          ),
          rules,
        };
      const pool = new ValidationPool({ size: threads, rules: rules.map((rule) => ({ set: rule.set, text: rule.text })), warmUp });
      await pool.ready();
      return { engine: pool, rules };
    })();
    // A failed start (compile error, disk) is retried at the next call rather than cached.
    starting.catch(() => (starting = undefined));
    return starting;
  };

  return {
    async ready() {
      const { rules } = await start();
      return rules.map((r) => ({
        set: r.set,
        flags: r.flags,
        from: r.from,
        keyFrom: r.keyFrom,
        ...(r.compileMs === undefined ? {} : { compileMs: r.compileMs }),
      }));
    },

    async validate({ xml }) {
      if (closed) throw closedError();
      const { engine } = await start();
      if (closed) throw closedError();
      const violations = await engine.run({ xml });
      const fatal = violations.filter((v) => v.flag === 'fatal');
      return { valid: fatal.length === 0, fatal, warnings: violations.filter((v) => v.flag !== 'fatal') };
    },

    async close() {
      closed = true;
      const running = starting;
      starting = undefined;
      if (running) await running.then(({ engine }) => engine.close()).catch(() => undefined);
    },
  };
}

function inlineEngine(rules: LoadedRules[], warmUp: string): Engine {
  // Warm the stylesheets (the first transforms prepare them), as the workers do.
  checkDocument({ saxon: SaxonJS, rules, xml: warmUp });
  return {
    async run({ xml }) {
      try {
        return checkDocument({ saxon: SaxonJS, rules, xml });
      } catch (error) {
        throw new UblValidationFailedError({ reason: 'runtime', message: (error as Error).message, cause: error });
      }
    },
    async close() {},
  };
}

function closedError(): UblValidationFailedError {
  return new UblValidationFailedError({ reason: 'closed', message: 'The UBL validator is closed.' });
}
