/** The rule sets a document is checked against: the two Schematron files, and the UBL 2.1 XSD. */
export type RuleSet = 'cen' | 'peppol';
export type ViolationSet = RuleSet | 'xsd';
export type ViolationFlag = 'fatal' | 'warning' | 'information';

/** One failed assert (or fired report) of a rule set, or one XSD error. */
export interface Violation {
  /** The rule id as the rule file names it: BR-CO-16, PEPPOL-EN16931-R003; for XSD errors `xsd`. */
  id: string;
  flag: ViolationFlag;
  /** XPath of the node the rule fired on, with the document's own prefixes: /Invoice[1]/cac:LegalMonetaryTotal[1]. */
  location: string;
  /** The rule's message, whitespace normalised. */
  text: string;
  set: ViolationSet;
}

export interface ValidationResult {
  /** No fatal violation. */
  valid: boolean;
  fatal: Violation[];
  /** Warnings and information: they never make a document invalid. */
  warnings: Violation[];
}
