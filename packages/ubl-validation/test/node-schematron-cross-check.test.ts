import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUblValidator, RULE_FILES, type UblValidator } from '../src/index.js';

// A second, independent Schematron implementation (node-schematron: fontoxpath, no XSLT) on the CEN
// set must fire the same asserts, the same number of times, as the compiled XSLT. It takes 5–15 s a
// document, so only two: an invoice and a credit note, mutated to fire fatal rules and warnings.
const require = createRequire(import.meta.url);
const { Schema } = require('node-schematron') as {
  Schema: { fromString(sch: string): { validateString(xml: string, options: { debug: boolean }): { assertId: string | null }[] } };
};

const example = (name: string) => readFileSync(new URL(`./fixtures/examples/${name}`, import.meta.url), 'utf8');
const base = example('base-example.xml');
const DOCUMENTS: [string, string][] = [
  [
    'base-example.xml, payable and a TaxSubtotal amount changed, a card number, an unknown country',
    base
      .replace(/<cbc:PayableAmount currencyID="EUR">[^<]*</, '<cbc:PayableAmount currencyID="EUR">1.00<')
      .replace(/(<cac:TaxSubtotal>\s*<cbc:TaxableAmount currencyID="EUR">[^<]*<\/cbc:TaxableAmount>\s*<cbc:TaxAmount currencyID="EUR">)[^<]*</, '$1999.99<')
      .replace(
        '<cac:PaymentMeans>',
        '<cac:PaymentMeans><cac:CardAccount><cbc:PrimaryAccountNumberID>1234567890123456</cbc:PrimaryAccountNumberID></cac:CardAccount>',
      )
      .replace(/<cbc:IdentificationCode>[A-Z]{2}</, '<cbc:IdentificationCode>QQ<'),
  ],
  [
    'base-creditnote-correction.xml, payable amount changed',
    example('base-creditnote-correction.xml').replace(/<cbc:PayableAmount currencyID="EUR">[^<]*</, '<cbc:PayableAmount currencyID="EUR">1.00<'),
  ],
];

const tally = (ids: (string | null)[]) => ids.reduce<Record<string, number>>((counts, id) => ({ ...counts, [id ?? '?']: (counts[id ?? '?'] ?? 0) + 1 }), {});

describe('cross-check with node-schematron on the CEN set', () => {
  let validator: UblValidator;
  const reference = Schema.fromString(readFileSync(RULE_FILES.cen, 'utf8'));

  beforeAll(async () => {
    validator = createUblValidator({ sets: ['cen'] });
    await validator.ready();
  }, 240_000);

  afterAll(async () => {
    await validator.close();
  });

  it.each(DOCUMENTS)(
    '%s: the same asserts fire',
    async (_, xml) => {
      const ours = await validator.validate({ xml });
      const theirs = reference.validateString(xml, { debug: false });
      expect(tally([...ours.fatal, ...ours.warnings].map((v) => v.id))).toEqual(tally(theirs.map((r) => r.assertId)));
    },
    60_000,
  );

  it('the mutations did fire something (the comparison is not of two empty lists)', async () => {
    const fired = await Promise.all(DOCUMENTS.map(([, xml]) => validator.validate({ xml })));
    expect(fired.map((r) => r.fatal.length + r.warnings.length)).not.toContain(0);
    expect(fired[0]!.warnings.map((v) => v.id)).toContain('BR-51');
  });
});
