import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { isValidIBAN } from 'ibantools';
import { describe, expect, it } from 'vitest';
import { isValidVatNumber } from './check-digits.js';
import { CORPUS_DIR, readCorpusTruth } from './corpus-files.js';
import { planCorpus } from './expense-plan.js';
import { VAT_RATES } from './expense-catalogue.js';

/*
 * The committed corpus (plugins/expense-scan/test/fixtures/corpus) against its truth.json: the truth
 * adds up, its numbers have right check digits, every file is there with its type and within size,
 * and there are enough documents of each kind and language. No Chromium: it reads the files only.
 */
const truth = readCorpusTruth();
const docs = truth.documents;
const AMOUNT = /^\d+\.\d{2}$/;
const MAX_FILE_BYTES = 300 * 1024;
const MAX_CORPUS_BYTES = 8 * 1024 * 1024;

const MAGIC: Record<string, (bytes: Buffer) => boolean> = {
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
};

describe('expense corpus truth.json', () => {
  it('has the agreed header', () => {
    expect(truth.version).toBe(1);
    expect(truth.generatedBy).toBe('pnpm corpus:generate');
  });

  it('is what the generator plans for its seed (the truth does not depend on Chromium)', () => {
    expect(planCorpus({ seed: 16 }).map((d) => d.truth)).toEqual(docs);
  });

  it('meets the minimum counts per kind, language and country', () => {
    const count = (key: (d: (typeof docs)[number]) => string) => docs.reduce<Record<string, number>>((m, d) => ({ ...m, [key(d)]: (m[key(d)] ?? 0) + 1 }), {});
    expect(docs.length).toBeGreaterThanOrEqual(40);
    const kinds = count((d) => d.kind);
    expect(kinds['text-pdf']).toBeGreaterThanOrEqual(12);
    expect(kinds['clean-image']).toBeGreaterThanOrEqual(10);
    expect(kinds['degraded-image']).toBeGreaterThanOrEqual(14);
    expect(kinds['scanned-pdf']).toBeGreaterThanOrEqual(4);
    const languages = count((d) => d.language);
    for (const language of ['nl', 'fr', 'de']) expect(languages[language]).toBeGreaterThanOrEqual(10);
    expect(languages.en).toBeGreaterThanOrEqual(3);
    expect(Object.keys(count((d) => d.country)).sort()).toEqual(['BE', 'DE', 'FR', 'LU', 'NL']);
    expect(Object.keys(count((d) => d.layout)).sort()).toEqual(['invoice', 'receipt']);
    expect(docs.filter((d) => d.fields.currency !== 'EUR').length).toBeGreaterThanOrEqual(1);
    const degradations = new Set(docs.flatMap((d) => d.degradations.map((s) => s.split(':')[0])));
    for (const name of ['rotate', 'turn', 'blur', 'noise', 'contrast', 'perspective', 'jpeg']) expect(degradations.has(name), name).toBe(true);
    expect(new Set(docs.map((d) => d.file)).size).toBe(docs.length);
  });

  it('has every file, of its declared type and within the size limits', () => {
    let total = 0;
    for (const doc of docs) {
      const bytes = readFileSync(join(CORPUS_DIR, doc.file));
      total += bytes.length;
      expect(MAGIC[doc.contentType]?.(bytes), `${doc.file} is ${doc.contentType}`).toBe(true);
      expect(bytes.length, doc.file).toBeLessThanOrEqual(MAX_FILE_BYTES);
      const pdf = doc.kind === 'text-pdf' || doc.kind === 'scanned-pdf';
      expect(doc.contentType === 'application/pdf', doc.file).toBe(pdf);
    }
    total += statSync(join(CORPUS_DIR, 'truth.json')).size;
    expect(total).toBeLessThanOrEqual(MAX_CORPUS_BYTES);
  });

  it.each(docs.map((d) => [d.file, d] as const))('%s adds up and has valid numbers', (_file, doc) => {
    const f = doc.fields;
    for (const value of [f.totalInclVat, f.totalExclVat, ...f.vatAmounts.flatMap((v) => [v.base, v.amount])]) expect(value).toMatch(AMOUNT);
    const bases = f.vatAmounts.reduce((s, v) => s.add(v.base), new Decimal(0));
    const vat = f.vatAmounts.reduce((s, v) => s.add(v.amount), new Decimal(0));
    expect(bases.toFixed(2)).toBe(f.totalExclVat);
    expect(bases.add(vat).toFixed(2)).toBe(f.totalInclVat);
    const rates = Object.values(VAT_RATES[doc.country]);
    for (const v of f.vatAmounts) {
      expect(rates).toContain(v.rate);
      // Rounded once: on the VAT (invoices) or on the base (receipts, prices incl. VAT).
      expect(new Decimal(v.base).mul(v.rate).div(100).sub(v.amount).abs().toNumber()).toBeLessThanOrEqual(0.01 * (1 + Number(v.rate) / 100));
    }
    expect(new Set(f.vatAmounts.map((v) => v.rate)).size).toBe(f.vatAmounts.length);
    if (f.supplierVatNumber !== null) {
      expect(f.supplierVatNumber).toMatch(/^[A-Z]{2}[0-9A-Z]+$/);
      expect(f.supplierVatNumber.slice(0, 2)).toBe(doc.country);
      expect(isValidVatNumber(f.supplierVatNumber)).toBe(true);
    }
    if (f.iban !== null) {
      expect(f.iban).toMatch(/^[A-Z]{2}\d{2}[0-9A-Z]+$/);
      expect(isValidIBAN(f.iban)).toBe(true);
    }
    expect(f.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(new Date(`${f.date}T00:00:00Z`).toISOString().slice(0, 10)).toBe(f.date);
    expect(['EUR', 'USD', 'GBP']).toContain(f.currency);
    expect(f.supplierName.trim()).not.toBe('');
    if (doc.layout === 'invoice') expect(f.invoiceNumber).not.toBeNull();
  });
});
