import type { InvoiceVatCategory, VatTreatment } from './vat-rules.js';

/** The seller (issuer) of every wallet document, from the host's config. */
export interface Seller {
  name: string;
  addressLines: string[];
  postcode: string;
  city: string;
  /** ISO 3166 alpha-2; the VAT rules are Belgium's. */
  country: string;
  /** With its prefix: 'BE0123456749'. */
  vatNumber: string;
  iban: string;
  bic?: string | null;
  email: string;
}

export interface WalletInvoiceOptions {
  seller: Seller;
  /** Number prefixes: `TG2026-000001`, `TGCN2026-000001`. */
  prefixes?: { invoice?: string; creditNote?: string };
  /** The time zone the issue date and the series' year are read in. Default Europe/Brussels. */
  timeZone?: string;
  /** Render attempts before a document is left for an operator. Default 5. */
  maxRenderAttempts?: number;
}

export const WALLET_INVOICE_OPTIONS = Symbol.for('tollgate.WalletInvoiceOptions');
/** The HTML → PDF renderer (the host's Chromium). */
export const BILLING_PDF_RENDERER = Symbol.for('tollgate.BillingPdfRenderer');

export interface BillingPdfRenderer {
  render(input: { html: string }): Promise<Uint8Array>;
}

export type DocumentType = 'invoice' | 'credit_note';
export type DocumentLocale = 'nl' | 'fr' | 'en' | 'de';

/** A party as printed on a document (snapshot at issue). */
export interface PartySnapshot {
  name: string;
  addressLines: string[];
  postcode: string;
  city: string;
  country: string;
  vatNumber: string | null;
  email: string | null;
}

export interface BuyerSnapshot extends PartySnapshot {
  /** true when a billing profile gave it; false: the account's name (B2C treatment). */
  fromProfile: boolean;
  accountId: string;
}

export interface DocumentLine {
  id: string;
  description: string;
  gross: string;
  net: string;
  vat: string;
  category: InvoiceVatCategory;
  rate: string;
  exemptionReason: string | null;
  /** Credit notes: the invoice this line credits. */
  creditsDocumentId?: string | null;
}

/** One invoice a credit note refers to. */
export interface CreditedInvoice {
  documentId: string | null;
  number: string | null;
  issuedOn: string | null;
  lotId: string;
  amount: string;
}

export interface BillingDocument {
  id: string;
  accountId: string;
  type: DocumentType;
  number: string;
  issuedAt: Date;
  issuedOn: string;
  currency: string;
  net: string;
  vat: string;
  gross: string;
  seller: PartySnapshot;
  buyer: BuyerSnapshot;
  lines: DocumentLine[];
  locale: DocumentLocale;
  transactionId: string;
  lotId: string | null;
  purchaseId: string | null;
  credited: CreditedInvoice[];
  /** VAT treatment of the first line (every invoice has one), for lists. */
  vatCategory: InvoiceVatCategory;
  vatRate: string;
  ready: boolean;
  mailedAt: Date | null;
}

export interface BillingProfile {
  accountId: string;
  legalName: string;
  addressLines: string[];
  postcode: string;
  city: string;
  country: string;
  vatNumber: string | null;
  email: string | null;
  updatedAt: Date;
}

export type { VatTreatment };
