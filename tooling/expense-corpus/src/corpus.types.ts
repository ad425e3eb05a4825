/** The shape of `truth.json` (version 1); the expense-scan tests and `pnpm bench:scan` read it. */

export type CorpusKind = 'text-pdf' | 'clean-image' | 'degraded-image' | 'scanned-pdf';
export type CorpusContentType = 'application/pdf' | 'image/png' | 'image/jpeg';
export type CorpusLayout = 'receipt' | 'invoice';

export interface TruthVatAmount {
  /** Percent as a decimal string: "21", "5.5". */
  rate: string;
  base: string;
  amount: string;
}

/** The true value of every field an expense scan fills; null when the document does not show it. */
export interface TruthFields {
  supplierName: string;
  supplierVatNumber: string | null;
  date: string;
  currency: string;
  totalInclVat: string;
  vatAmounts: TruthVatAmount[];
  totalExclVat: string;
  invoiceNumber: string | null;
  iban: string | null;
}

export interface TruthDocument {
  file: string;
  kind: CorpusKind;
  contentType: CorpusContentType;
  language: 'nl' | 'fr' | 'de' | 'en';
  country: 'BE' | 'NL' | 'DE' | 'FR' | 'LU';
  layout: CorpusLayout;
  /** What was done to the picture, in order: "rotate:4", "blur:1.2", "noise:14", "contrast:0.45", "perspective", "turn:90", "jpeg:70", "scan". */
  degradations: string[];
  fields: TruthFields;
}

export interface CorpusTruth {
  version: 1;
  generatedBy: 'pnpm corpus:generate';
  documents: TruthDocument[];
}

export const CORPUS_KINDS: readonly CorpusKind[] = ['text-pdf', 'clean-image', 'degraded-image', 'scanned-pdf'];
