import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUblValidator, UblValidationFailedError, type UblValidator, type ValidationResult } from '../src/index.js';

const EXAMPLES = fileURLToPath(new URL('./fixtures/examples/', import.meta.url));
const example = (name: string) => readFileSync(join(EXAMPLES, name), 'utf8');
const fatalIds = (result: ValidationResult) => [...new Set(result.fatal.map((v) => v.id))].sort();

/** Replaces exactly one occurrence, so a mutation that silently does nothing fails the test. */
function mutate(xml: string, pattern: RegExp, replacement: string): string {
  const matches = xml.match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`));
  expect(matches?.length, `mutation ${pattern} must hit exactly once`).toBe(1);
  return xml.replace(pattern, replacement);
}

let full: UblValidator;
let fatalOnly: UblValidator;
/** Fatal-only results checked against the full run's, per document. */
let compared = 0;

/**
 * Every document of this file goes through both variants: the full rules (whose result the tests
 * check) and the fatal-only rules, whose fatal violations must be exactly the same (ids,
 * locations, texts, order) with no warning at all. So each official example and each mutation
 * below is also an equivalence case for flags 'fatal'.
 */
const validator: Pick<UblValidator, 'validate'> = {
  async validate(input) {
    const [all, fatal] = await Promise.all([full.validate(input), fatalOnly.validate(input)]);
    expect(fatal.fatal).toEqual(all.fatal);
    expect(fatal.valid).toBe(all.valid);
    expect(fatal.warnings).toEqual([]);
    compared += 1;
    return all;
  },
};

// The first run on a fresh checkout compiles the rule sets (SaxonJS xslt3, ~45 s a set) into
// node_modules/.cache; after that, and whenever `pnpm build` made dist/rules, loading takes ~0.2 s.
beforeAll(async () => {
  full = createUblValidator();
  fatalOnly = createUblValidator({ flags: 'fatal' });
  await Promise.all([full.ready(), fatalOnly.ready()]);
}, 480_000);

afterAll(async () => {
  await Promise.all([full.close(), fatalOnly.close()]);
  // 9 examples + 14 mutated or odd documents went through both variants.
  expect(compared).toBeGreaterThanOrEqual(23);
});

describe('the official examples', () => {
  const names = readdirSync(EXAMPLES).filter((name) => name.endsWith('.xml'));

  it('are all there', () => {
    expect(names.length).toBe(9);
  });

  it.each(names)('%s passes CEN and PEPPOL with no fatal violation', async (name) => {
    const result = await validator.validate({ xml: example(name) });
    expect(result.fatal).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('mutations give the exact rule', () => {
  const base = example('base-example.xml');

  it('payable amount changed → BR-CO-16', async () => {
    const xml = mutate(base, /<cbc:PayableAmount currencyID="EUR">[^<]*</, '<cbc:PayableAmount currencyID="EUR">1.00<');
    const result = await validator.validate({ xml });
    expect(result.valid).toBe(false);
    expect(fatalIds(result)).toEqual(['BR-CO-16']);
    const violation = result.fatal[0]!;
    expect(violation).toMatchObject({ set: 'cen', flag: 'fatal', location: '/Invoice[1]/cac:LegalMonetaryTotal[1]' });
    expect(violation.text).toMatch(/^\[BR-CO-16\]-Amount due for payment \(BT-115\)/);
  });

  it('buyer reference and order reference removed → PEPPOL-EN16931-R003', async () => {
    let xml = mutate(base, /\s*<cbc:BuyerReference>[^<]*<\/cbc:BuyerReference>/, '');
    xml = xml.replace(/\s*<cac:OrderReference>[\s\S]*?<\/cac:OrderReference>/, '');
    expect(xml).not.toContain('OrderReference');
    const result = await validator.validate({ xml });
    expect(fatalIds(result)).toEqual(['PEPPOL-EN16931-R003']);
    expect(result.fatal[0]).toMatchObject({ set: 'peppol', location: '/Invoice[1]', text: 'A buyer reference or purchase order reference MUST be provided.' });
  });

  it('buyer EndpointID removed → PEPPOL-EN16931-R010', async () => {
    const customer = base.slice(base.indexOf('<cac:AccountingCustomerParty>'));
    const endpoint = /\s*<cbc:EndpointID[^>]*>[^<]*<\/cbc:EndpointID>/.exec(customer)![0];
    const xml = base.replace(customer, customer.replace(endpoint, ''));
    const result = await validator.validate({ xml });
    expect(fatalIds(result)).toEqual(['PEPPOL-EN16931-R010']);
    expect(result.fatal[0]).toMatchObject({ set: 'peppol', location: '/Invoice[1]/cac:AccountingCustomerParty[1]/cac:Party[1]' });
  });

  // What the rules really say: BR-CO-17 (amount = taxable × rate, ±1), BR-S-09 (the same for category S,
  // exact to the cent) on the subtotal, and BR-CO-14 (total VAT = Σ subtotals) on the TaxTotal.
  it('a TaxSubtotal tax amount changed → BR-CO-17, BR-S-09 and BR-CO-14', async () => {
    const subtotal = /(<cac:TaxSubtotal>\s*<cbc:TaxableAmount currencyID="EUR">[^<]*<\/cbc:TaxableAmount>\s*<cbc:TaxAmount currencyID="EUR">)([^<]*)</;
    const xml = mutate(base, subtotal, '$1999.99<');
    const result = await validator.validate({ xml });
    expect(fatalIds(result)).toEqual(['BR-CO-14', 'BR-CO-17', 'BR-S-09']);
    expect(result.fatal.find((v) => v.id === 'BR-CO-17')?.location).toBe('/Invoice[1]/cac:TaxTotal[1]/cac:TaxSubtotal[1]');
  });

  it('an empty element → PEPPOL-EN16931-R008', async () => {
    const xml = mutate(base, /<cbc:Note>[^<]*<\/cbc:Note>/, '<cbc:Note></cbc:Note>');
    const result = await validator.validate({ xml });
    expect(fatalIds(result)).toEqual(['PEPPOL-EN16931-R008']);
    expect(result.fatal[0]?.location).toBe('/Invoice[1]/cac:PaymentTerms[1]/cbc:Note[1]');
  });

  it('a credit note: payable amount changed → BR-CO-16, buyer endpoint removed → PEPPOL-EN16931-R010', async () => {
    const note = example('base-creditnote-correction.xml');
    expect(note).toContain('<CreditNote');
    const payable = await validator.validate({
      xml: mutate(note, /<cbc:PayableAmount currencyID="EUR">[^<]*</, '<cbc:PayableAmount currencyID="EUR">1.00<'),
    });
    expect(fatalIds(payable)).toEqual(['BR-CO-16']);
    expect(payable.fatal[0]?.location).toBe('/CreditNote[1]/cac:LegalMonetaryTotal[1]');

    const customer = note.slice(note.indexOf('<cac:AccountingCustomerParty>'));
    const endpoint = /\s*<cbc:EndpointID[^>]*>[^<]*<\/cbc:EndpointID>/.exec(customer)![0];
    const noEndpoint = await validator.validate({ xml: note.replace(customer, customer.replace(endpoint, '')) });
    expect(fatalIds(noEndpoint)).toEqual(['PEPPOL-EN16931-R010']);
  });

  it("the PEPPOL file's own xsl:functions run: a GLN with a wrong check digit → PEPPOL-COMMON-R040 (u:gln), a Norwegian number → R041 (u:mod11)", async () => {
    // The example's seller endpoint is a valid GLN: it passes only because u:gln said so.
    const gln = mutate(base, /<cbc:EndpointID schemeID="0088">9482348239847239874</, '<cbc:EndpointID schemeID="0088">9482348239847239875<');
    expect(fatalIds(await validator.validate({ xml: gln }))).toEqual(['PEPPOL-COMMON-R040']);
    const norway = (id: string) => mutate(base, /<cbc:EndpointID schemeID="0088">9482348239847239874</, `<cbc:EndpointID schemeID="0192">${id}<`);
    expect((await validator.validate({ xml: norway('123456785') })).fatal).toEqual([]);
    expect(fatalIds(await validator.validate({ xml: norway('123456789') }))).toEqual(['PEPPOL-COMMON-R041']);
  });

  it('a warning does not make a document invalid', async () => {
    // BR-51 (warning): at most 10 digits of a card number.
    const xml = mutate(
      base,
      /<cac:PaymentMeans>/,
      '<cac:PaymentMeans><cac:CardAccount><cbc:PrimaryAccountNumberID>1234567890123456</cbc:PrimaryAccountNumberID><cbc:NetworkID>VISA</cbc:NetworkID></cac:CardAccount>',
    );
    const result = await validator.validate({ xml });
    expect(result.warnings.map((v) => v.id)).toContain('BR-51');
    // The fatal-only variant does not even run it (checked above by the comparing validator: no warnings).
    expect(result.warnings.find((v) => v.id === 'BR-51')?.flag).toBe('warning');
  });
});

describe('inputs the rules cannot judge', () => {
  it('not well-formed → one fatal xml-well-formed violation', async () => {
    const result = await validator.validate({ xml: '<Invoice><cbc:ID>1</Invoice>' });
    expect(result.valid).toBe(false);
    expect(fatalIds(result)).toEqual(['xml-well-formed']);
  });

  it('external entities are not resolved (no file is read): the document is not well-formed', async () => {
    const xml =
      '<!DOCTYPE Invoice [<!ENTITY e SYSTEM "file:///etc/hostname">]><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&e;</Invoice>';
    const result = await validator.validate({ xml });
    expect(fatalIds(result)).toEqual(['xml-well-formed']);
    expect(result.fatal[0]?.text).toMatch(/unknown entity/);
  });

  it('well-formed but not UBL → ubl-root (rules would silently pass it)', async () => {
    const result = await validator.validate({ xml: '<Invoice xmlns="urn:example"><ID>1</ID></Invoice>' });
    expect(result.valid).toBe(false);
    expect(result.fatal).toMatchObject([{ id: 'ubl-root', set: 'xsd' }]);
  });

  it("flags must be 'all' or 'fatal'", () => {
    expect(() => createUblValidator({ flags: 'warning' as never })).toThrow(RangeError);
  });

  it('a set can be chosen: CEN only does not report PEPPOL rules', async () => {
    const cen = createUblValidator({ sets: ['cen'] });
    const xml = mutate(example('base-example.xml'), /<cbc:Note>[^<]*<\/cbc:Note>/, '<cbc:Note></cbc:Note>');
    expect((await cen.validate({ xml })).valid).toBe(true);
    await cen.close();
    await expect(cen.validate({ xml })).rejects.toBeInstanceOf(UblValidationFailedError);
  });
});
