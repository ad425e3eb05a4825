import { loadCompiledRules, type CompiledRules } from './compiled-rules.js';
import { RULE_SETS } from './rule-files.js';
import { SaxonJS, type SaxonElement } from './saxon.js';
import { UblValidationFailedError } from './ubl-validation.errors.js';
import { toFlag, type RuleSet, type ValidationResult, type Violation } from './violation.js';

const UBL_ROOTS: Record<string, string> = {
  'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2': 'Invoice',
  'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2': 'CreditNote',
};

export interface UblValidator {
  /** Runs every rule set on the document. A document that is not well-formed, or not a UBL Invoice/CreditNote, gets one fatal `xsd` violation. */
  validate(input: { xml: string }): Promise<ValidationResult>;
  /** Loads (or compiles) the rule sets now rather than at the first validate; the host can call it at start without waiting. */
  ready(): Promise<{ set: RuleSet; from: CompiledRules['from']; compileMs?: number }[]>;
  /** Drops the loaded rule sets; validate afterwards fails with `ubl_validation_failed` (reason closed). */
  close(): Promise<void>;
}

export interface UblValidatorOptions {
  /** Rule sets to run, in this order; both by default. */
  sets?: RuleSet[];
  /** Where rule sets compiled at first use are cached (default node_modules/.cache/ubl-validation, or UBL_VALIDATION_CACHE_DIR). */
  cacheDir?: string;
}

export function createUblValidator(options: UblValidatorOptions = {}): UblValidator {
  const sets = [...new Set(options.sets ?? RULE_SETS)];
  let loading: Promise<CompiledRules[]> | undefined;
  let closed = false;

  const load = () => {
    loading ??= Promise.all(sets.map((set) => loadCompiledRules({ set, ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) })));
    // A failed load (compile error, disk) is retried at the next call rather than cached.
    loading.catch(() => (loading = undefined));
    return loading;
  };

  return {
    async ready() {
      const rules = await load();
      return rules.map((r) => ({ set: r.set, from: r.from, ...(r.compileMs === undefined ? {} : { compileMs: r.compileMs }) }));
    },

    async validate({ xml }) {
      if (closed) throw new UblValidationFailedError({ reason: 'closed', message: 'The UBL validator is closed.' });
      const rules = await load();
      const violations: Violation[] = [];
      const document = parse(xml, violations);
      if (document) {
        for (const rule of rules) violations.push(...runRules(rule, document));
      }
      const fatal = violations.filter((v) => v.flag === 'fatal');
      return { valid: fatal.length === 0, fatal, warnings: violations.filter((v) => v.flag !== 'fatal') };
    },

    async close() {
      closed = true;
      loading = undefined;
    },
  };
}

/** Parses once for all rule sets; not well-formed or not UBL → a fatal violation and no rules run (they would silently pass). */
function parse(xml: string, violations: Violation[]): SaxonElement | undefined {
  let document: SaxonElement;
  try {
    document = SaxonJS.XPath.evaluate('parse-xml($xml)', null, { params: { xml } }) as SaxonElement;
  } catch (error) {
    violations.push({ id: 'xml-well-formed', flag: 'fatal', location: '/', text: `Not well-formed XML: ${(error as Error).message}`, set: 'xsd' });
    return undefined;
  }
  const root = document.documentElement;
  if (!root || UBL_ROOTS[root.namespaceURI ?? ''] !== root.localName) {
    const name = root ? `{${root.namespaceURI ?? ''}}${root.localName}` : 'nothing';
    violations.push({
      id: 'ubl-root',
      flag: 'fatal',
      location: '/',
      text: `The document element is ${name}, not a UBL 2.1 Invoice or CreditNote.`,
      set: 'xsd',
    });
    return undefined;
  }
  return document;
}

function runRules(rules: CompiledRules, document: SaxonElement): Violation[] {
  let result: SaxonElement | SaxonElement[] | null;
  try {
    result = SaxonJS.transform({ stylesheetInternal: rules.sef, sourceNode: document, destination: 'raw' }, 'sync').principalResult;
  } catch (error) {
    throw new UblValidationFailedError({ reason: 'runtime', message: `The ${rules.set} rules failed at run time: ${(error as Error).message}`, cause: error });
  }
  const root = Array.isArray(result) ? result[0] : result;
  const out: Violation[] = [];
  for (const node of Array.from(root?.childNodes ?? [])) {
    if (node.nodeType !== 1) continue;
    out.push({
      id: node.getAttribute('id') ?? '',
      flag: toFlag(node.getAttribute('flag')),
      location: node.getAttribute('location') ?? '',
      text: (node.textContent ?? '').replace(/\s+/g, ' ').trim(),
      set: rules.set,
    });
  }
  return out;
}
