import type { AccountingDocument } from '@tollgate/plugin-sdk';
import { buildSampleDocument, sampleDocuments, SAMPLE_BUYER } from '@tollgate/ubl';
import { createUblValidator } from '@tollgate/ubl-validation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeppolExporter, type UblDocumentValidator } from './index.js';

const decoder = new TextDecoder();

/** Every document ends in exactly one file or in `refused`, never both, never neither (the exporter contract). */
const expectAccounted = (documents: readonly AccountingDocument[], result: Awaited<ReturnType<PeppolExporter['render']>>): void => {
  const placed = [...result.files.flatMap((f) => f.documentIds), ...result.refused.map((r) => r.documentId)].sort();
  expect(placed).toEqual(documents.map((d) => d.id).sort());
};

// The Schematron runs in SaxonJS: a few hundred ms per document, more on a busy machine, and the
// first call may compile the rule sets. Slow, not flaky: the timeouts only leave room for that.
const SLOW = 300_000;

describe('peppol-ubl exporter with the real EN 16931 and Peppol Schematron', () => {
  /** Every validation the exporter asked for, with its answer. */
  const checked: Array<{ xml: string; fatal: number }> = [];
  let exporter: PeppolExporter;
  const real = createUblValidator({ sets: ['cen', 'peppol'], threads: 2 });
  afterAll(() => exporter.close());
  beforeAll(async () => {
    // Warm-up outside the tests' time: compiles (or loads) both rule sets.
    await real.validate({ xml: '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>' });
    const recording: UblDocumentValidator = {
      validate: async (input) => {
        const result = await real.validate(input);
        checked.push({ xml: input.xml, fatal: result.fatal.length });
        return result;
      },
      close: () => real.close(),
    };
    // Two threads, two documents at once: the files still come out in the documents' order.
    exporter = new PeppolExporter({ validate: true, concurrency: 2, createValidator: () => recording });
  }, SLOW);

  // 24 documents: 21 invoices and 3 credit notes; reverse charge to NL/DE/FR/LU buyers, Z, E, 21/12/6.
  const fixtures = sampleDocuments({ count: 24, seed: 18 });

  it('the fixture set is as varied as it claims (so the next test cannot pass on easy documents)', () => {
    const categories = new Set(fixtures.flatMap((d) => d.lines.map((l) => `${l.vatCategory}${l.vatCategory === 'S' ? l.vatRate : ''}`)));
    expect([...categories].sort()).toEqual(['AE', 'E', 'S12', 'S21', 'S6', 'Z']);
    expect(fixtures.filter((d) => d.kind === 'invoice').length).toBeGreaterThanOrEqual(20);
    expect(fixtures.filter((d) => d.kind === 'credit_note').length).toBeGreaterThanOrEqual(3);
    expect(fixtures.filter((d) => d.buyer.address.country !== 'BE').length).toBeGreaterThanOrEqual(4);
    expect(fixtures.some((d) => d.lines.some((l) => l.discount !== '0.00'))).toBe(true);
    expect(fixtures.some((d) => d.totals.allowances !== '0.00')).toBe(true);
    expect(fixtures.some((d) => d.lines.some((l) => l.quantity.startsWith('-')))).toBe(true);
    expect(fixtures.some((d) => new Set(d.vatBreakdown.map((v) => `${v.vatCategory}${v.vatRate}`)).size >= 3)).toBe(true);
  });

  it(
    'exports every fixture, each file passing both rule sets with no fatal violation',
    async () => {
      checked.length = 0;
      const result = await exporter.render({ accountId: 'acc-1', documents: fixtures, options: {} });
      expect(result.refused).toEqual([]);
      expect(result.files).toHaveLength(fixtures.length);
      expectAccounted(fixtures, result);
      // Each file is exactly what the validator saw and passed, in the documents' order.
      expect(checked).toHaveLength(fixtures.length);
      const verdicts = new Map(checked.map((c) => [c.xml, c.fatal]));
      expect(result.files.map((f) => f.documentIds[0])).toEqual(fixtures.map((d) => d.id));
      for (const file of result.files) {
        expect(file.contentType).toBe('application/xml');
        expect(file.name).toMatch(/^(invoice|credit-note)-[A-Za-z0-9._-]+\.xml$/);
        expect(verdicts.get(decoder.decode(file.body)), file.name).toBe(0);
      }
      expect(result.files.filter((f) => f.name.startsWith('credit-note-'))).toHaveLength(3);
    },
    SLOW,
  );

  it(
    'refuses an intra-community supply to a buyer without a VAT number with BR-IC-02 (the Schematron, not the writer)',
    async () => {
      const doc = buildSampleDocument({
        id: 'ic-no-vat',
        number: 'IC-1',
        buyer: { ...SAMPLE_BUYER, vatNumber: null, enterpriseNumber: SAMPLE_BUYER.vatNumber!.slice(2) },
        lines: [{ description: 'Goods', quantity: '1', unitPrice: '100.00', vatCategory: 'K', vatRate: '0', vatExemptionReason: 'Intra-community supply' }],
      });
      const result = await exporter.render({ accountId: 'acc-1', documents: [doc], options: {} });
      expect(result.files).toEqual([]);
      expect(result.refused).toHaveLength(1);
      const [refusal] = result.refused;
      expect(refusal!.documentId).toBe('ic-no-vat');
      expect(refusal!.message).toContain('BR-IC-02');
      // The first fatal rule names the refusal; the message lists every rule that failed.
      expect(refusal!.rule).toBe('BR-IC-02');
      // K also needs a delivery date and country (BR-IC-11, BR-IC-12), which the contract does not carry.
      expect(refusal!.message.startsWith('BR-IC-02, BR-IC-11, BR-IC-12: ')).toBe(true);
    },
    SLOW,
  );

  it(
    'exports an intra-community supply with the buyer VAT number and the delivery date and country, and a direct debit with its mandate',
    async () => {
      const ic = buildSampleDocument({
        id: 'ic-ok',
        number: 'IC-2',
        buyer: {
          name: 'Müller & Söhne GmbH',
          vatNumber: 'DE123456789',
          address: { line1: 'Hauptstraße 7', postalCode: '10115', city: 'Berlin', country: 'DE' },
        },
        lines: [{ description: 'Goods', quantity: '4', unitPrice: '25.00', vatCategory: 'K', vatRate: '0', vatExemptionReason: 'Intra-community supply' }],
        delivery: { date: '2026-02-27', country: 'DE' },
      });
      const dd = buildSampleDocument({
        id: 'dd-ok',
        number: 'DD-2',
        lines: [{ description: 'Subscription', quantity: '1', unitPrice: '49.00' }],
        payment: { meansCode: '59', reference: null, mandateReference: 'MANDATE-0042', debitedAccount: 'BE71096123456769' },
      });
      const noMandate = { ...dd, id: 'dd-no-mandate', number: 'DD-3', payment: { ...dd.payment, mandateReference: null } };
      const result = await exporter.render({ accountId: 'acc-1', documents: [ic, dd, noMandate], options: {} });
      expect(result.files.map((f) => f.name)).toEqual(['invoice-IC-2.xml', 'invoice-DD-2.xml']);
      expect(result.refused).toEqual([{ documentId: 'dd-no-mandate', rule: 'PEPPOL-EN16931-R061', message: expect.stringContaining('PEPPOL-EN16931-R061') }]);
    },
    SLOW,
  );

  it(
    'refuses reverse charge without the seller VAT number with BR-AE-02',
    async () => {
      const doc = buildSampleDocument({
        id: 'ae-no-seller-vat',
        number: 'AE-2',
        seller: { name: 'Tollgate Demo BV', enterpriseNumber: '0123456749', address: { country: 'BE', city: 'Gent' } },
        buyer: { name: 'Handel B.V.', vatNumber: 'NL002455799B11', address: { country: 'NL', city: 'Amsterdam' } },
        lines: [{ description: 'Consultancy', quantity: '2', unitPrice: '100.00', vatCategory: 'AE', vatRate: '0', vatExemptionReason: 'Reverse charge' }],
      });
      const result = await exporter.render({ accountId: 'acc-1', documents: [doc], options: {} });
      expect(result.files).toEqual([]);
      expect(result.refused.map((r) => r.rule)).toEqual(['BR-AE-02']);
    },
    SLOW,
  );

  it('refuses reverse charge to a foreign buyer without VAT number: no Peppol address (PEPPOL-EN16931-R010), from the writer', async () => {
    const doc = buildSampleDocument({
      id: 'ae-no-buyer-vat',
      number: 'AE-3',
      buyer: { name: 'Handel B.V.', address: { country: 'NL', city: 'Amsterdam' } },
      lines: [{ description: 'Consultancy', quantity: '2', unitPrice: '100.00', vatCategory: 'AE', vatRate: '0', vatExemptionReason: 'Reverse charge' }],
    });
    const result = await exporter.render({ accountId: 'acc-1', documents: [doc], options: {} });
    expect(result.refused).toEqual([
      { documentId: 'ae-no-buyer-vat', rule: 'PEPPOL-EN16931-R010', message: expect.stringContaining('buyer (Handel B.V.) has no Peppol electronic address') },
    ]);
  });

  it(
    'refuses a document without buyer reference and order reference with PEPPOL-EN16931-R003 (the Peppol set runs too)',
    async () => {
      const doc = buildSampleDocument({ id: 'no-ref', number: 'R-1', buyerReference: null, lines: [{ description: 'a', quantity: '1', unitPrice: '10.00' }] });
      const result = await exporter.render({ accountId: 'acc-1', documents: [doc], options: {} });
      expect(result.refused).toEqual([{ documentId: 'no-ref', rule: 'PEPPOL-EN16931-R003', message: expect.stringContaining('PEPPOL-EN16931-R003') }]);
    },
    SLOW,
  );

  it(
    'refuses exempt lines without an exemption reason with BR-E-10',
    async () => {
      const doc = buildSampleDocument({
        id: 'e-no-reason',
        number: 'E-1',
        lines: [{ description: 'Medical', quantity: '1', unitPrice: '30.00', vatCategory: 'E', vatRate: '0' }],
      });
      const result = await exporter.render({ accountId: 'acc-1', documents: [doc], options: {} });
      expect(result.refused.map((r) => r.rule)).toEqual(['BR-E-10']);
    },
    SLOW,
  );

  it(
    'in a mixed batch: good documents become files, bad ones refusals, names unique',
    async () => {
      const good = fixtures.slice(0, 3);
      const twin = { ...good[0]!, id: 'twin' };
      const broken = { ...good[1]!, id: 'broken', totals: { ...good[1]!.totals, lineExtension: '1.00' } };
      const documents = [...good, twin, broken];
      const result = await exporter.render({ accountId: 'acc-1', documents, options: {} });
      expectAccounted(documents, result);
      expect(result.refused).toEqual([{ documentId: 'broken', rule: 'BR-CO-10', message: expect.stringContaining('[BR-CO-10]') }]);
      expect(result.files.map((f) => f.name)).toEqual([
        'invoice-2026-00001.xml',
        'invoice-2026-00002.xml',
        'invoice-2026-00003.xml',
        'invoice-2026-00001-2.xml',
      ]);
    },
    SLOW,
  );
});

describe('peppol-ubl exporter without validation', () => {
  it('exports what the rules would refuse and never makes a validator', async () => {
    let made = 0;
    const exporter = new PeppolExporter({
      validate: false,
      createValidator: () => {
        made += 1;
        throw new Error('not wanted');
      },
    });
    const doc = buildSampleDocument({
      id: 'e',
      number: 'E-9',
      lines: [{ description: 'Medical', quantity: '1', unitPrice: '30.00', vatCategory: 'E', vatRate: '0' }],
    });
    const result = await exporter.render({ accountId: 'a', documents: [doc], options: {} });
    expect(result.files.map((f) => [f.name, f.documentIds])).toEqual([['invoice-E-9.xml', ['e']]]);
    expect(made).toBe(0);
  });

  it('a document the writer chokes on (malformed, not merely inconsistent) is refused as ubl-writer; the others are exported', async () => {
    const exporter = new PeppolExporter({ validate: false, createValidator: () => ({ validate: () => Promise.reject(new Error('unused')) }) });
    const [good] = sampleDocuments({ count: 1 });
    const malformed = { ...good!, id: 'malformed', buyer: null } as unknown as AccountingDocument;
    const result = await exporter.render({ accountId: 'a', documents: [malformed, good!], options: {} });
    expect(result.refused).toEqual([{ documentId: 'malformed', rule: 'ubl-writer', message: expect.stringContaining('The UBL writer failed') }]);
    expect(result.files.map((f) => f.documentIds)).toEqual([[good!.id]]);
  });

  it("validates `concurrency` documents at once, never more, and keeps the documents' order", async () => {
    let inFlight = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const validator: UblDocumentValidator = {
      validate: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => releases.push(resolve));
        inFlight -= 1;
        return { valid: true, fatal: [] };
      },
    };
    const exporter = new PeppolExporter({ validate: true, concurrency: 3, createValidator: () => validator });
    const documents = sampleDocuments({ count: 10 });
    const rendering = exporter.render({ accountId: 'a', documents, options: {} });
    // Release the validations one by one, newest first, as they arrive (no timers: each turn of the loop lets the lanes move).
    let released = 0;
    while (released < documents.length) {
      await Promise.resolve();
      const release = releases.pop();
      if (release === undefined) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      release();
      released += 1;
    }
    const result = await rendering;
    expect(most).toBe(3);
    expect(result.files.map((f) => f.documentIds[0])).toEqual(documents.map((d) => d.id));
  });

  it('a validator that cannot run fails the render (the run is retried), it does not refuse documents', async () => {
    const exporter = new PeppolExporter({ validate: true, createValidator: () => ({ validate: () => Promise.reject(new Error('saxon broke')) }) });
    await expect(exporter.render({ accountId: 'a', documents: sampleDocuments({ count: 1 }), options: {} })).rejects.toThrow('saxon broke');
  });
});
