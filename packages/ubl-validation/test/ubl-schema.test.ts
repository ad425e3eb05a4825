import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UBL_XSD_DIR_ENV, UblValidationFailedError, validateUblSchema } from '../src/index.js';

// A hand-written schema pair laid out like the OASIS tree (maindoc/ imports ../common/): the real
// UBL 2.1 XSDs are not shipped. Real xmllint-wasm runs, real libxml2 messages come back.
const MINI = fileURLToPath(new URL('./fixtures/xsd/', import.meta.url));
const NS = 'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"';
const invoice = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Invoice ${NS}>\n${body}\n</Invoice>\n`;
const GOOD = '<cbc:ID>INV-1</cbc:ID>\n<cbc:IssueDate>2026-12-07</cbc:IssueDate>\n<cbc:PayableAmount currencyID="EUR">12.10</cbc:PayableAmount>';

describe('validateUblSchema (hand-written XSD in fixtures)', () => {
  it('a document that follows the schema is valid', async () => {
    expect(await validateUblSchema({ xml: invoice(GOOD), schemaDir: MINI })).toEqual({ valid: true, fatal: [], warnings: [] });
  });

  it('a credit note is checked against maindoc/UBL-CreditNote-2.1.xsd', async () => {
    const note = invoice(GOOD).replace(/Invoice/g, 'CreditNote');
    expect((await validateUblSchema({ xml: note, schemaDir: MINI })).valid).toBe(true);
    const wrongNamespace = note.replace('xsd:CreditNote-2"', 'xsd:Invoice-2"');
    const result = await validateUblSchema({ xml: wrongNamespace, schemaDir: MINI });
    expect(result.valid).toBe(false);
    expect(result.fatal[0]?.text).toMatch(/No matching global declaration available for the validation root/);
  });

  it('a missing element and a bad date give libxml2 messages with their line', async () => {
    const xml = invoice('<cbc:IssueDate>07/12/2026</cbc:IssueDate>\n<cbc:PayableAmount currencyID="EUR">12.10</cbc:PayableAmount>');
    const result = await validateUblSchema({ xml, schemaDir: MINI });
    expect(result.valid).toBe(false);
    expect(result.fatal).toHaveLength(1);
    expect(result.fatal[0]).toMatchObject({ id: 'xsd', flag: 'fatal', set: 'xsd', location: 'line 3' });
    expect(result.fatal[0]?.text).toMatch(/IssueDate': This element is not expected\. Expected is one of \( \{[^}]+\}CustomizationID, \{[^}]+\}ID \)/);

    const badDate = await validateUblSchema({ xml: invoice(GOOD.replace('2026-12-07', '07/12/2026')), schemaDir: MINI });
    expect(badDate.fatal[0]?.text).toMatch(/IssueDate': '07\/12\/2026' is not a valid value of the atomic type 'xs:date'/);
  });

  it('a missing required attribute', async () => {
    const result = await validateUblSchema({ xml: invoice(GOOD.replace(' currencyID="EUR"', '')), schemaDir: MINI });
    expect(result.fatal.map((v) => v.text).join('\n')).toMatch(/The attribute 'currencyID' is required but missing/);
  });

  it('not UBL, no schema folder, a folder without the main schema', async () => {
    expect((await validateUblSchema({ xml: '<Order/>', schemaDir: MINI })).fatal).toMatchObject([{ id: 'ubl-root' }]);
    const saved = process.env[UBL_XSD_DIR_ENV];
    delete process.env[UBL_XSD_DIR_ENV];
    try {
      await expect(validateUblSchema({ xml: invoice(GOOD) })).rejects.toBeInstanceOf(UblValidationFailedError);
    } finally {
      if (saved !== undefined) process.env[UBL_XSD_DIR_ENV] = saved;
    }
    const common = fileURLToPath(new URL('./fixtures/xsd/common/', import.meta.url));
    await expect(validateUblSchema({ xml: invoice(GOOD), schemaDir: common })).rejects.toThrow(/maindoc\/UBL-Invoice-2\.1\.xsd is not under/);
  });
});

// The OASIS UBL 2.1 schemas (the `xsd/` folder of the release) when the machine has them:
//   UBL_XSD_DIR=/path/to/UBL-2.1/xsd pnpm exec vitest run packages/ubl-validation/test/ubl-schema.test.ts
const ublXsdDir = process.env[UBL_XSD_DIR_ENV];
describe.runIf(ublXsdDir !== undefined)(`validateUblSchema with the real UBL 2.1 XSDs (${UBL_XSD_DIR_ENV}=${ublXsdDir ?? 'unset'})`, () => {
  const examples = fileURLToPath(new URL('./fixtures/examples/', import.meta.url));
  const names = readdirSync(examples).filter((name) => name.endsWith('.xml'));

  it.each(names)('%s is schema-valid', async (name) => {
    const result = await validateUblSchema({ xml: readFileSync(`${examples}${name}`, 'utf8') });
    expect(result.fatal).toEqual([]);
  });

  it('an element out of order is not', async () => {
    const xml = readFileSync(`${examples}base-example.xml`, 'utf8');
    const swapped = xml.replace(/(<cbc:IssueDate>[^<]*<\/cbc:IssueDate>)(\s*)(<cbc:DueDate>[^<]*<\/cbc:DueDate>)/, '$3$2$1');
    expect(swapped).not.toBe(xml);
    const result = await validateUblSchema({ xml: swapped });
    expect(result.valid).toBe(false);
    expect(result.fatal[0]?.text).toMatch(/This element is not expected/);
  });
});
