export { BillingDocumentService, fileName, type DocumentFile, type DocumentPage } from './billing-documents.service.js';
export { BILLING_DOCUMENT_QUEUE, DocumentIssuer } from './document-issuer.js';
export { documentHtml, DOCUMENT_LABELS } from './document-html.js';
export { accountingDocumentOf, ublOf } from './document-ubl.js';
export { registerWalletInvoices } from './registration.js';
export { validateVatNumber, vatNumberCountry, type VatNumberResult } from './vat-number.js';
export {
  EU_STANDARD_RATES,
  EU_STANDARD_RATES_AS_OF,
  isEuCountry,
  OUTSIDE_SCOPE_NOTE,
  REVERSE_CHARGE_NOTE,
  splitGross,
  vatTreatment,
  type InvoiceVatCategory,
  type VatTreatment,
} from './vat-rules.js';
export { walletInvoiceMigrations } from './wallet-invoices.migrations.js';
export { BillingDocumentNotFoundError, DocumentNotReadyError, InvalidVatNumberError, VatCountryMismatchError } from './wallet-invoices.errors.js';
export {
  BILLING_PDF_RENDERER,
  WALLET_INVOICE_OPTIONS,
  type BillingDocument,
  type BillingPdfRenderer,
  type BillingProfile,
  type BuyerSnapshot,
  type CreditedInvoice,
  type DocumentLine,
  type DocumentLocale,
  type DocumentType,
  type PartySnapshot,
  type Seller,
  type WalletInvoiceOptions,
} from './wallet-invoices.types.js';
