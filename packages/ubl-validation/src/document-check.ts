import type { SaxonElement, SaxonJs } from './saxon.js';
import type { RuleSet, Violation } from './violation.js';

/** A rule set ready to run: its SEF, parsed. */
export interface LoadedRules {
  set: RuleSet;
  sef: unknown;
}

/**
 * Parses the document once and runs every rule set on it. Not well-formed, or not a UBL 2.1
 * Invoice/CreditNote (the rules would silently pass it) → one fatal `xsd` violation and no rules.
 *
 * Self-contained on purpose (no imports at run time, nothing from the module scope): the worker
 * threads run this very function from its source text (see validation-pool.ts).
 */
export function checkDocument({ saxon, rules, xml }: { saxon: SaxonJs; rules: LoadedRules[]; xml: string }): Violation[] {
  const violations: Violation[] = [];
  let document: SaxonElement;
  try {
    document = saxon.XPath.evaluate('parse-xml($xml)', null, { params: { xml } }) as SaxonElement;
  } catch (error) {
    violations.push({ id: 'xml-well-formed', flag: 'fatal', location: '/', text: `Not well-formed XML: ${(error as Error).message}`, set: 'xsd' });
    return violations;
  }
  const root = document.documentElement;
  const expected: Record<string, string> = {
    'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2': 'Invoice',
    'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2': 'CreditNote',
  };
  if (!root || expected[root.namespaceURI ?? ''] !== root.localName) {
    const name = root ? `{${root.namespaceURI ?? ''}}${root.localName}` : 'nothing';
    violations.push({
      id: 'ubl-root',
      flag: 'fatal',
      location: '/',
      text: `The document element is ${name}, not a UBL 2.1 Invoice or CreditNote.`,
      set: 'xsd',
    });
    return violations;
  }
  for (const rule of rules) {
    let result: SaxonElement | SaxonElement[] | null;
    try {
      result = saxon.transform({ stylesheetInternal: rule.sef, sourceNode: document, destination: 'raw' }, 'sync').principalResult;
    } catch (error) {
      // Tagged so the caller can raise ubl_validation_failed (reason runtime) with the set named.
      throw Object.assign(new Error(`The ${rule.set} rules failed at run time: ${(error as Error).message}`), { ruleRuntime: true });
    }
    const top = Array.isArray(result) ? result[0] : result;
    for (const node of Array.from(top?.childNodes ?? [])) {
      if (node.nodeType !== 1) continue;
      // Schematron's flag is free text; the two rule files use fatal and warning. Unknown counts as fatal.
      const flag = (node.getAttribute('flag') ?? '').trim().toLowerCase();
      violations.push({
        id: node.getAttribute('id') ?? '',
        flag: flag === 'warning' || flag === 'warn' ? 'warning' : flag === 'information' || flag === 'info' ? 'information' : 'fatal',
        location: node.getAttribute('location') ?? '',
        text: (node.textContent ?? '').replace(/\s+/g, ' ').trim(),
        set: rule.set,
      });
    }
  }
  return violations;
}
