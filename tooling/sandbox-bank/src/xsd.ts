import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';

// ../schemas from src/ (tests, tsx) and from dist/ (the built package) alike.
const schemaFile = (name: string): string => readFileSync(new URL(`../schemas/${name}`, import.meta.url), 'utf8');

let pain008Xsd: string | undefined;

/** Validates against the official pain.008.001.02 XSD (schemas/, see README) with xmllint compiled to WebAssembly. */
export async function validatePain008Xsd(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  pain008Xsd ??= schemaFile('pain.008.001.02.xsd');
  const result = await validateXML({ xml: [{ fileName: 'pain.008.xml', contents: xml }], schema: [{ fileName: 'pain.008.001.02.xsd', contents: pain008Xsd }] });
  return { valid: result.valid, errors: result.errors.map((e) => e.message) };
}
