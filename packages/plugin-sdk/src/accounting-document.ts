/**
 * An invoice or credit note with everything an accounting export needs (P-6, since API 2.6): lines,
 * the VAT breakdown per rate, both parties, payment terms and references. The shape follows EN 16931
 * (the semantic model behind UBL / Peppol BIS Billing 3.0), so a UBL writer maps it field for field
 * and a program format (WinBooks, Twinfield) takes what it needs.
 *
 * Amounts are exact decimal strings in the document's currency ("121.00"); a credit note's amounts
 * are positive, as in UBL (the kind says which way the money goes). Rates are percentages ("21").
 */

/** EN 16931 VAT category (UNCL5305 subset Peppol allows). */
export type VatCategory = 'S' | 'Z' | 'E' | 'AE' | 'K' | 'G' | 'O' | 'L' | 'M';

/** UNCL4461 payment means Peppol uses most: 30 credit transfer, 31 debit transfer, 48 card, 49 direct debit, 58 SEPA credit transfer, 59 SEPA direct debit. */
export type PaymentMeansCode = '30' | '31' | '48' | '49' | '58' | '59';

export interface AccountingAddress {
  line1?: string | null;
  line2?: string | null;
  postalCode?: string | null;
  city?: string | null;
  /** ISO 3166 alpha-2; required by EN 16931 for both parties (BR-09, BR-11). */
  country: string;
}

export interface AccountingParty {
  name: string;
  /** With its country prefix: 'BE0123456749', 'NL002455799B11'. */
  vatNumber?: string | null;
  /** Belgium: the 10-digit enterprise number (KBO/BCE) '0123456749'; Peppol endpoint scheme 0208. */
  enterpriseNumber?: string | null;
  address: AccountingAddress;
  email?: string | null;
  /** The party's id at the source (the customer number in the seller's books; the department for a seller). */
  sourceId?: string | null;
}

export interface AccountingLine {
  /** Unique within the document: '1', '2', … */
  id: string;
  /** The section the source grouped the line under, if any ("Consultancy"). */
  section?: string | null;
  description: string;
  /** Decimal string; negative for a correction line on an invoice. */
  quantity: string;
  /** UN/ECE Recommendation 20 code: 'C62' (one), 'HUR' (hour), 'DAY', 'KGM'… Default 'C62'. */
  unitCode: string;
  /** Net unit price, excl. VAT, after the line's discount is applied to the total (not here). */
  unitPrice: string;
  /** The line's discount amount excl. VAT ("0.00" when none). */
  discount: string;
  /** quantity × unitPrice − discount, rounded to the cent (BR-CO-10 sums these). */
  lineTotal: string;
  vatCategory: VatCategory;
  /** Percent: '21', '6', '0'. */
  vatRate: string;
  /** Required for E, AE, K, G, O (BR-E-10, BR-AE-10…): 'Reverse charge', 'Intra-community supply'. */
  vatExemptionReason?: string | null;
}

export interface AccountingVatSubtotal {
  vatCategory: VatCategory;
  vatRate: string;
  taxableAmount: string;
  taxAmount: string;
  vatExemptionReason?: string | null;
}

export interface AccountingTotals {
  /** Sum of the line totals (BT-106). */
  lineExtension: string;
  /** Document-level allowances excl. VAT (BT-107), "0.00" when none. */
  allowances: string;
  /** BT-109 = lineExtension − allowances. */
  taxExclusive: string;
  /** BT-110: the VAT total. */
  tax: string;
  /** BT-112 = taxExclusive + tax. */
  taxInclusive: string;
  /** BT-113: already paid. */
  prepaid: string;
  /** BT-115 = taxInclusive − prepaid. */
  payable: string;
}

export interface AccountingPayment {
  meansCode: PaymentMeansCode;
  /** BT-83, remittance information; Belgium: the structured communication '+++123/4567/89002+++'. */
  reference?: string | null;
  /** The seller's account to pay into (BT-84). */
  iban?: string | null;
  bic?: string | null;
  /** The days of the payment term, when the source has one. */
  termDays?: number | null;
  /** BT-20, as text: 'Payment within 30 days'. */
  termsText?: string | null;
  /** Direct debit (49, 59): the mandate reference, BT-89 (PEPPOL-EN16931-R061 requires it). */
  mandateReference?: string | null;
  /** Direct debit: the debited account (the buyer's IBAN), BT-91. */
  debitedAccount?: string | null;
}

/** Where and when the goods or services were delivered (BG-13); intra-community supplies need both (BR-IC-11, BR-IC-12). */
export interface AccountingDelivery {
  /** BT-72, YYYY-MM-DD. */
  date?: string | null;
  /** BT-80, ISO 3166 alpha-2. */
  country?: string | null;
}

export interface AccountingReferences {
  /** BT-10. Peppol needs this or an order reference (PEPPOL-EN16931-R003). */
  buyerReference?: string | null;
  /** BT-13, the purchase order number. */
  orderReference?: string | null;
  /** Credit notes: the number and date of the invoice credited (BT-25, BT-26). */
  invoiceNumber?: string | null;
  invoiceIssuedOn?: string | null;
}

/** What a source reads beyond the collection fields, so the document can be exported (SourceDocument.accounting). */
export interface AccountingDetails {
  seller: AccountingParty;
  buyer: AccountingParty;
  lines: AccountingLine[];
  vatBreakdown: AccountingVatSubtotal[];
  totals: AccountingTotals;
  payment: AccountingPayment;
  references: AccountingReferences;
  /** Optional (the source may not know it). */
  delivery?: AccountingDelivery | null;
  note?: string | null;
}

/** One document as exporters receive it: the invoice-sync record plus its accounting details. */
export interface AccountingDocument extends AccountingDetails {
  /** Our invoice id (invoice-sync). */
  id: string;
  kind: 'invoice' | 'credit_note';
  /** As imported: credit notes start with "CN" (S-10). */
  number: string;
  issuedOn: string; // YYYY-MM-DD
  dueOn: string | null; // YYYY-MM-DD
  /** ISO 4217. */
  currency: string;
  /** Where it was imported from. */
  source: { id: string; documentId: string };
}
