import { sampleDocuments, writeUbl } from '@tollgate/ubl';
import { createUblValidator, type ValidationResult } from '@tollgate/ubl-validation';
import { afterAll, describe, expect, it } from 'vitest';

// Property-style check of the validator's fatal-only rule variant (the exporter's default) over
// generated documents: written by @tollgate/ubl, then broken at random (seeded) in ways that fire
// fatal rules of both sets. For every document, flags 'fatal' must give exactly the fatal violations
// of flags 'all' (same ids, locations, texts, order) and no warning. The ubl-validation package
// cannot import @tollgate/ubl, so this cross test lives here.

/** Small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each breaks one thing a fatal rule checks (or, for the last two, a warning-only or nothing). */
const MUTATIONS: Array<{ name: string; apply: (xml: string) => string }> = [
  { name: 'payable amount', apply: (xml) => xml.replace(/(<cbc:PayableAmount currencyID="\w+">)[^<]*/, '$11.00') },
  {
    name: 'first subtotal tax',
    apply: (xml) => xml.replace(/(<cac:TaxSubtotal>\s*<cbc:TaxableAmount[^>]*>[^<]*<\/cbc:TaxableAmount>\s*<cbc:TaxAmount[^>]*>)[^<]*/, '$1999.99'),
  },
  {
    name: 'buyer and order reference',
    apply: (xml) => xml.replace(/\s*<cbc:BuyerReference>[^<]*<\/cbc:BuyerReference>/, '').replace(/\s*<cac:OrderReference>[\s\S]*?<\/cac:OrderReference>/, ''),
  },
  { name: 'buyer endpoint', apply: (xml) => xml.replace(/(<cac:AccountingCustomerParty>\s*<cac:Party>)\s*<cbc:EndpointID[^>]*>[^<]*<\/cbc:EndpointID>/, '$1') },
  { name: 'empty note', apply: (xml) => xml.replace(/<cbc:Note>[^<]*<\/cbc:Note>/, '<cbc:Note></cbc:Note>') },
  {
    name: 'first line amount',
    apply: (xml) =>
      xml.replace(
        /(<cac:(?:Invoice|CreditNote)Line>\s*<cbc:ID>[^<]*<\/cbc:ID>\s*<cbc:(?:Invoiced|Credited)Quantity[^>]*>[^<]*<\/cbc:(?:Invoiced|Credited)Quantity>\s*<cbc:LineExtensionAmount[^>]*>)[^<]*/,
        '$10.01',
      ),
  },
  { name: 'a currency', apply: (xml) => xml.replace(/(<cbc:TaxExclusiveAmount currencyID=")\w+/, '$1USD') },
  { name: 'seller VAT number', apply: (xml) => xml.replace(/(<cac:AccountingSupplierParty>[\s\S]*?)<cac:PartyTaxScheme>[\s\S]*?<\/cac:PartyTaxScheme>/, '$1') },
  { name: 'a VAT rate', apply: (xml) => xml.replace(/(<cac:ClassifiedTaxCategory>\s*<cbc:ID>S<\/cbc:ID>\s*<cbc:Percent>)[^<]*/, '$17') },
  { name: 'type code', apply: (xml) => xml.replace(/(<cbc:(?:Invoice|CreditNote)TypeCode>)[^<]*/, '$1999') },
  { name: 'issue date', apply: (xml) => xml.replace(/(<cbc:IssueDate>)[^<]*/, '$12026-02-30') },
  {
    name: 'card number (warning only)',
    apply: (xml) =>
      xml.replace(
        /<cac:PaymentMeans>/,
        '<cac:PaymentMeans><cac:CardAccount><cbc:PrimaryAccountNumberID>1234567890123456</cbc:PrimaryAccountNumberID><cbc:NetworkID>VISA</cbc:NetworkID></cac:CardAccount>',
      ),
  },
  { name: 'none', apply: (xml) => xml },
];

const SLOW = 600_000;

describe('the fatal-only rule variant over generated documents', () => {
  // One thread each, so the two variants run side by side on a 2-core machine.
  const all = createUblValidator({ sets: ['cen', 'peppol'], threads: 1, flags: 'all' });
  const fatal = createUblValidator({ sets: ['cen', 'peppol'], threads: 1, flags: 'fatal' });
  afterAll(() => Promise.all([all.close(), fatal.close()]));

  it(
    'gives the same fatal violations as the full rules, and no warning, for 40 documents with 0–2 random breakages',
    async () => {
      const next = random(1806);
      const documents = sampleDocuments({ count: 40, seed: 77, maxLines: 6 });
      const cases = documents.map((document) => {
        let xml = writeUbl({ document }).xml;
        const applied: string[] = [];
        const count = Math.floor(next() * 3);
        for (let i = 0; i < count; i += 1) {
          const mutation = MUTATIONS[Math.floor(next() * MUTATIONS.length)]!;
          const before = xml;
          xml = mutation.apply(xml);
          if (xml !== before) applied.push(mutation.name);
        }
        return { id: document.id, xml, applied };
      });
      const results: Array<{ applied: string[]; full: ValidationResult; only: ValidationResult }> = [];
      await Promise.all(
        cases.map(async ({ id, xml, applied }) => {
          const [full, only] = await Promise.all([all.validate({ xml }), fatal.validate({ xml })]);
          expect(only.fatal, `${id} (${applied.join(', ') || 'unchanged'})`).toEqual(full.fatal);
          expect(only.valid).toBe(full.valid);
          expect(only.warnings).toEqual([]);
          results.push({ applied, full, only });
        }),
      );
      // Not vacuous: valid and invalid documents, both sets firing, warnings the fatal variant skipped.
      const invalid = results.filter((r) => !r.full.valid);
      expect(invalid.length).toBeGreaterThanOrEqual(10);
      expect(results.filter((r) => r.full.valid).length).toBeGreaterThanOrEqual(5);
      expect(new Set(invalid.flatMap((r) => r.full.fatal.map((v) => v.set)))).toEqual(new Set(['cen', 'peppol']));
      expect(new Set(invalid.flatMap((r) => r.full.fatal.map((v) => v.id))).size).toBeGreaterThanOrEqual(8);
      expect(results.some((r) => r.full.warnings.length > 0)).toBe(true);
    },
    SLOW,
  );
});
