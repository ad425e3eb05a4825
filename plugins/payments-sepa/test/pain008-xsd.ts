import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { validateXML } from 'xmllint-wasm';

const XSD = readFileSync(new URL('./fixtures/pain.008.001.02.xsd', import.meta.url), 'utf8');

/** Validates a file against the official pain.008.001.02 schema with xmllint (WebAssembly). */
export async function validatePain008(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const result = await validateXML({ xml: [{ fileName: 'file.xml', contents: xml }], schema: [{ fileName: 'pain.008.001.02.xsd', contents: XSD }] });
  return { valid: result.valid, errors: result.errors.map((e) => e.message) };
}

export async function expectValidPain008(xml: string): Promise<void> {
  const result = await validatePain008(xml);
  expect(result.errors).toEqual([]);
  expect(result.valid).toBe(true);
}
