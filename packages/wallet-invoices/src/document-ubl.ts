import { Money } from '@tollgate/money';
import type { AccountingDocument, AccountingLine, AccountingParty, AccountingVatSubtotal } from '@tollgate/plugin-sdk';
import { serialiseUblTree, ublTree } from '@tollgate/ubl';
import type { BillingDocument, PartySnapshot } from './wallet-invoices.types.js';

/** A placeholder Peppol address for a consumer while the tree is built; removed again below. */
const PLACEHOLDER_VAT = 'BE0000000097';

const partyOf = (p: PartySnapshot, extra: Partial<AccountingParty> = {}): AccountingParty => ({
  name: p.name,
  vatNumber: p.vatNumber,
  address: { line1: p.addressLines[0] ?? null, line2: p.addressLines[1] ?? null, postalCode: p.postcode || null, city: p.city || null, country: p.country },
  email: p.email,
  ...extra,
});

/** The document as an EN 16931 AccountingDocument: VAT-inclusive amounts split per line, already paid (prepaid = gross). */
export function accountingDocumentOf(doc: BillingDocument, seller: { iban: string; bic?: string | null }): AccountingDocument {
  const lines: AccountingLine[] = doc.lines.map((l) => ({
    id: l.id,
    description: l.description,
    quantity: '1',
    unitCode: 'C62',
    unitPrice: l.net,
    discount: '0.00',
    lineTotal: l.net,
    vatCategory: l.category,
    vatRate: l.category === 'O' ? '0' : l.rate,
    vatExemptionReason: l.exemptionReason,
  }));
  const groups = new Map<string, AccountingVatSubtotal>();
  for (const l of doc.lines) {
    const key = `${l.category}|${l.rate}`;
    const g = groups.get(key);
    if (g) {
      g.taxableAmount = Money.of(g.taxableAmount).plus(Money.of(l.net)).toString();
      g.taxAmount = Money.of(g.taxAmount).plus(Money.of(l.vat)).toString();
    } else {
      groups.set(key, {
        vatCategory: l.category,
        vatRate: l.category === 'O' ? '0' : l.rate,
        taxableAmount: l.net,
        taxAmount: l.vat,
        vatExemptionReason: l.exemptionReason,
      });
    }
  }
  const outsideScope = doc.lines.some((l) => l.category === 'O');
  const first = doc.credited.find((c) => c.number !== null);
  return {
    id: doc.id,
    kind: doc.type,
    number: doc.number,
    issuedOn: doc.issuedOn,
    dueOn: null,
    currency: doc.currency,
    source: { id: 'wallet', documentId: doc.transactionId },
    // BR-O-02: a document outside the scope of VAT carries no seller VAT number (the enterprise number identifies the seller).
    seller: partyOf(doc.seller, outsideScope ? { vatNumber: null, enterpriseNumber: doc.seller.vatNumber?.replace(/^BE/, '') ?? null } : {}),
    buyer: partyOf(doc.buyer, { sourceId: doc.accountId, ...(outsideScope ? { vatNumber: null } : {}) }),
    lines,
    vatBreakdown: [...groups.values()],
    totals: {
      lineExtension: doc.net,
      allowances: '0.00',
      taxExclusive: doc.net,
      tax: doc.vat,
      taxInclusive: doc.gross,
      prepaid: doc.gross,
      payable: '0.00',
    },
    payment: {
      meansCode: '30',
      iban: seller.iban,
      bic: seller.bic ?? null,
      termsText: doc.type === 'invoice' ? 'Paid with the purchase' : 'Paid out with the refund',
    },
    references: {
      buyerReference: doc.accountId,
      orderReference: doc.purchaseId,
      invoiceNumber: first?.number ?? null,
      invoiceIssuedOn: first?.issuedOn ?? null,
    },
    note: doc.lines.find((l) => l.exemptionReason)?.exemptionReason ?? null,
  };
}

type Node = Record<string, unknown>;

/**
 * The document as Peppol BIS 3 UBL (Invoice 380 / CreditNote 381). A credit note lists every invoice it
 * corrects in BillingReference. A consumer has no Peppol address (BT-49 needs a VAT or enterprise
 * number): the file is then EN 16931 without the buyer's endpoint, for the buyer's records.
 */
export function ublOf(doc: BillingDocument, seller: { iban: string; bic?: string | null }): string {
  const document = accountingDocumentOf(doc, seller);
  const consumer = !document.buyer.vatNumber;
  const tree = ublTree({ document: consumer ? { ...document, buyer: { ...document.buyer, vatNumber: PLACEHOLDER_VAT } } : document });
  const root = (tree.Invoice ?? tree.CreditNote) as Node;
  if (consumer) {
    const party = (root['cac:AccountingCustomerParty'] as Node)['cac:Party'] as Node;
    delete party['cbc:EndpointID'];
    delete party['cac:PartyTaxScheme'];
    const legal = party['cac:PartyLegalEntity'] as Node;
    delete legal['cbc:CompanyID'];
  }
  const refs = doc.credited.filter((c) => c.number !== null);
  if (doc.type === 'credit_note' && refs.length > 1) {
    root['cac:BillingReference'] = refs.map((c) => ({ 'cac:InvoiceDocumentReference': { 'cbc:ID': c.number, 'cbc:IssueDate': c.issuedOn } }));
  }
  return serialiseUblTree({ tree, prettyPrint: true });
}
