import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';

/** The schemas in ../schemas (see README for where each comes from). */
export type SchemaName = 'pain.008.001.02.xsd' | 'camt.054.001.02.xsd' | 'pain.002.001.03.dk.xsd';

const schemas = new Map<SchemaName, string>();

// ../schemas from src/ (tests) and from dist/ (the built package) alike.
function schema(name: SchemaName): string {
  let text = schemas.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`../schemas/${name}`, import.meta.url), 'utf8');
    schemas.set(name, text);
  }
  return text;
}

/** Validates a document against one of the bundled XSDs with xmllint compiled to WebAssembly. */
export async function validateXsd(xml: string, name: SchemaName): Promise<{ valid: boolean; errors: string[] }> {
  const result = await validateXML({ xml: [{ fileName: 'document.xml', contents: xml }], schema: [{ fileName: name, contents: schema(name) }] });
  return { valid: result.valid, errors: result.errors.map((e) => e.message) };
}

/** Validates against the official pain.008.001.02 XSD, about 130 ms a file. */
export function validatePain008Xsd(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  return validateXsd(xml, 'pain.008.001.02.xsd');
}
