import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RuleSet } from './violation.js';

/** The package root (src/ and dist/ both sit one level below it). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The vendored official rule files (rules/, copied byte for byte from OpenPEPPOL/peppol-bis-invoice-3 rules/sch). */
export const RULE_FILES: Record<RuleSet, string> = {
  cen: fileURLToPath(new URL('../rules/CEN-EN16931-UBL.sch', import.meta.url)),
  peppol: fileURLToPath(new URL('../rules/PEPPOL-EN16931-UBL.sch', import.meta.url)),
};

export const RULE_SETS: readonly RuleSet[] = ['cen', 'peppol'];

/**
 * The official base example (same source as the rules): validated once when a validator starts, so
 * SaxonJS prepares most of the rules' expressions before the first real document (≈1 s otherwise).
 */
export const WARM_UP_FILE = fileURLToPath(new URL('../rules/warm-up/base-example.xml', import.meta.url));

export function readRuleFile({ set }: { set: RuleSet }): string {
  return readFileSync(RULE_FILES[set], 'utf8');
}
