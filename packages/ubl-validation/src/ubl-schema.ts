import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';
import { UblValidationFailedError } from './ubl-validation.errors.js';
import type { ValidationResult, Violation } from './violation.js';

/** Environment variable naming the UBL 2.1 schema tree (the OASIS `xsd/` folder holding maindoc/ and common/). */
export const UBL_XSD_DIR_ENV = 'UBL_XSD_DIR';

const MAIN_SCHEMAS: Record<string, string> = {
  Invoice: 'maindoc/UBL-Invoice-2.1.xsd',
  CreditNote: 'maindoc/UBL-CreditNote-2.1.xsd',
};

/** Schema files by folder, read once: the UBL tree is a few MB and xmllint-wasm gets it in memory at each run. */
const schemaTrees = new Map<string, Promise<XMLFileInfo[]>>();

/**
 * Validates a UBL 2.1 Invoice or CreditNote against its XSD (maindoc/UBL-Invoice-2.1.xsd or
 * maindoc/UBL-CreditNote-2.1.xsd under `schemaDir`, default $UBL_XSD_DIR) with xmllint (libxml2 in WebAssembly).
 * Every XSD error is a fatal violation of set `xsd`, located by line.
 */
export async function validateUblSchema(input: { xml: string; schemaDir?: string }): Promise<ValidationResult> {
  const schemaDir = input.schemaDir ?? process.env[UBL_XSD_DIR_ENV];
  if (!schemaDir) {
    throw new UblValidationFailedError({ reason: 'schema_missing', message: `No UBL schema folder: pass schemaDir or set ${UBL_XSD_DIR_ENV}.` });
  }
  const root = rootName(input.xml);
  const main = root === undefined ? undefined : MAIN_SCHEMAS[root];
  if (main === undefined) {
    const fatal: Violation[] = [
      { id: 'ubl-root', flag: 'fatal', location: '/', text: `The document element is ${root ?? 'missing'}, not a UBL Invoice or CreditNote.`, set: 'xsd' },
    ];
    return { valid: false, fatal, warnings: [] };
  }
  const tree = (await schemaTree(schemaDir)).filter((file) => file.fileName === main || !file.fileName.startsWith('maindoc/'));
  const schema = tree.find((file) => file.fileName === main);
  if (!schema) {
    throw new UblValidationFailedError({ reason: 'schema_missing', message: `${main} is not under ${schemaDir}.` });
  }
  const result = await validateXML({
    xml: { fileName: 'document.xml', contents: input.xml },
    schema,
    preload: tree.filter((file) => file !== schema),
    // The UBL schemas with a large invoice need more than the default 32 MB.
    maxMemoryPages: 4096,
  });
  const fatal = result.errors.map((error): Violation => ({
    id: 'xsd',
    flag: 'fatal',
    location: error.loc ? `line ${error.loc.lineNumber}` : '',
    text: error.message.replace(/\s+/g, ' ').trim(),
    set: 'xsd',
  }));
  if (!result.valid && fatal.length === 0) {
    fatal.push({ id: 'xsd', flag: 'fatal', location: '', text: result.rawOutput.trim() || 'xmllint rejected the document.', set: 'xsd' });
  }
  return { valid: result.valid && fatal.length === 0, fatal, warnings: [] };
}

/** The document element's local name, read without a full parse (comments, PIs and a doctype may precede it). */
function rootName(xml: string): string | undefined {
  const body = xml.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/g, '');
  const match = /<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]/.exec(body);
  return match?.[1];
}

function schemaTree(dir: string): Promise<XMLFileInfo[]> {
  let tree = schemaTrees.get(dir);
  if (!tree) {
    tree = readTree(dir);
    tree.catch(() => schemaTrees.delete(dir));
    schemaTrees.set(dir, tree);
  }
  return tree;
}

async function readTree(dir: string): Promise<XMLFileInfo[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
    throw new UblValidationFailedError({ reason: 'schema_missing', message: `Cannot read the UBL schema folder ${dir}.`, cause: error });
  });
  // Everything but the other maindoc schemas (the OASIS tree has ~65 of them, 3 MB no invoice imports).
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.xsd'));
  return Promise.all(
    files.map(async (entry) => {
      const path = join(entry.parentPath, entry.name);
      return { fileName: relative(dir, path).split(sep).join('/'), contents: await readFile(path, 'utf8') };
    }),
  );
}
