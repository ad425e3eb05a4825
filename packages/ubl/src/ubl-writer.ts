import type { AccountingDocument, AccountingParty } from '@tollgate/plugin-sdk';
import { XMLBuilder } from 'fast-xml-parser';
import { documentModel, text, type DocumentModel, type TaxCategoryModel } from './document-model.js';
import { BELGIAN_ENTERPRISE_SCHEME, belgianEnterpriseNumber, normaliseVatNumber, peppolEndpoint } from './peppol-endpoint.js';
import { UblDocumentInconsistentError } from './ubl.errors.js';

export const PEPPOL_CUSTOMIZATION_ID = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
export const PEPPOL_PROFILE_ID = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';

const NS = {
  Invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  CreditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
} as const;

// fast-xml-parser's builder writes a prebuilt object tree as text, escaping &, <, >, " and ' (about 15
// times faster than xmlbuilder2's DOM here, which validated every name and namespace).
const builders = {
  pretty: new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: true, indentBy: '  ', processEntities: true }),
  flat: new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: false, processEntities: true }),
};

export interface UblOutput {
  xml: string;
  /** 'invoice-2026-00012.xml' / 'credit-note-CN-2026-0003.xml': the number made safe for a file name. */
  fileName: string;
  rootElement: 'Invoice' | 'CreditNote';
}

/** A document number as a file name part: letters, digits, '.', '_' and '-' only. */
export const safeFileNamePart = (value: string): string => value.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|-+$/g, '') || 'document';

/** The file name of a document's UBL: `invoice-<number>.xml` or `credit-note-<number>.xml`. */
export const ublFileName = (document: Pick<AccountingDocument, 'kind' | 'number'>): string =>
  `${document.kind === 'credit_note' ? 'credit-note' : 'invoice'}-${safeFileNamePart(document.number)}.xml`;

/** An element's content for fast-xml-parser's builder: children by name (in order; a repeated name is an array), '@_' attributes, '#text'. */
type XmlNode = Record<string, unknown>;

/** Appends children in the order they are given, leaving out every empty value (PEPPOL-EN16931-R008). */
class Writer {
  constructor(
    readonly node: XmlNode,
    readonly currency: string,
  ) {}

  /** UBL repeats an element only in one run of siblings, so a name seen again becomes an array in place. */
  #add(name: string, value: unknown): void {
    const existing = this.node[name];
    if (existing === undefined) this.node[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else this.node[name] = [existing, value];
  }

  /** cbc:<name>, when the value is not empty. */
  cbc(name: string, value: string | null | undefined, attributes?: Record<string, string>): this {
    const content = text(value);
    if (content === null) return this;
    if (attributes === undefined) this.#add(`cbc:${name}`, content);
    else {
      const element: XmlNode = { '#text': content };
      for (const [key, attribute] of Object.entries(attributes)) element[`@_${key}`] = attribute;
      this.#add(`cbc:${name}`, element);
    }
    return this;
  }

  /** cbc:<name> currencyID="…": every amount carries the document's currency (BR-CO-15, issue 383). */
  amount(name: string, value: string | null): this {
    if (value !== null) this.#add(`cbc:${name}`, { '@_currencyID': this.currency, '#text': value });
    return this;
  }

  /** cac:<name> filled by `fill`; left out when `fill` wrote nothing. */
  cac(name: string, fill: (child: Writer) => void): this {
    const child: XmlNode = {};
    fill(new Writer(child, this.currency));
    if (Object.keys(child).length > 0) this.#add(`cac:${name}`, child);
    return this;
  }
}

const taxCategory = (w: Writer, name: 'TaxCategory' | 'ClassifiedTaxCategory', tax: TaxCategoryModel): void => {
  w.cac(name, (c) => {
    c.cbc('ID', tax.category)
      .cbc('Percent', tax.percent)
      .cbc('TaxExemptionReasonCode', tax.exemptionCode)
      .cbc('TaxExemptionReason', tax.exemptionReason)
      .cac('TaxScheme', (s) => s.cbc('ID', 'VAT'));
  });
};

const party = (w: Writer, input: { party: AccountingParty; role: 'seller' | 'buyer'; document: AccountingDocument }): void => {
  const { party: p, role, document } = input;
  const endpoint = peppolEndpoint(p);
  if (endpoint === null) {
    throw new UblDocumentInconsistentError({
      rule: role === 'seller' ? 'PEPPOL-EN16931-R020' : 'PEPPOL-EN16931-R010',
      documentId: document.id,
      message: `The ${role} (${p.name}) has no Peppol electronic address: a Belgian party needs its enterprise number or BE VAT number, any other a VAT number of a country with a Peppol VAT scheme.`,
    });
  }
  const vat = normaliseVatNumber(p.vatNumber);
  const country = p.address.country.toUpperCase();
  const enterprise = country === 'BE' || vat?.startsWith('BE') === true ? belgianEnterpriseNumber(p) : null;
  w.cac('Party', (c) => {
    c.cbc('EndpointID', endpoint.id, { schemeID: endpoint.scheme });
    // BT-46: the buyer's number in the seller's books (no scheme: it is the seller's own).
    if (role === 'buyer') c.cac('PartyIdentification', (i) => i.cbc('ID', p.sourceId));
    c.cac('PartyName', (n) => n.cbc('Name', p.name));
    c.cac('PostalAddress', (a) => {
      a.cbc('StreetName', p.address.line1)
        .cbc('AdditionalStreetName', p.address.line2)
        .cbc('CityName', p.address.city)
        .cbc('PostalZone', p.address.postalCode)
        .cac('Country', (k) => k.cbc('IdentificationCode', country));
    });
    if (vat !== null) c.cac('PartyTaxScheme', (t) => t.cbc('CompanyID', vat).cac('TaxScheme', (s) => s.cbc('ID', 'VAT')));
    c.cac('PartyLegalEntity', (l) => {
      l.cbc('RegistrationName', p.name);
      if (enterprise !== null) l.cbc('CompanyID', enterprise, { schemeID: BELGIAN_ENTERPRISE_SCHEME });
    });
    c.cac('Contact', (k) => k.cbc('ElectronicMail', p.email));
  });
};

/** An IBAN or BIC without spaces, upper case; null when empty. */
const compact = (value: string | null | undefined): string | null => text(value)?.replace(/\s+/g, '').toUpperCase() ?? null;

/** BG-13: when and where delivered (intra-community supplies need both, BR-IC-11 / BR-IC-12). */
const delivery = (w: Writer, document: AccountingDocument): void => {
  const d = document.delivery;
  if (d === null || d === undefined) return;
  w.cac('Delivery', (c) => {
    c.cbc('ActualDeliveryDate', d.date);
    c.cac('DeliveryLocation', (l) => l.cac('Address', (a) => a.cac('Country', (k) => k.cbc('IdentificationCode', text(d.country)?.toUpperCase()))));
  });
};

const paymentTermsText = (document: AccountingDocument): string | null =>
  text(document.payment.termsText) ??
  (document.payment.termDays === null || document.payment.termDays === undefined ? null : `Payment within ${document.payment.termDays} days`);

const header = (w: Writer, document: AccountingDocument, isCredit: boolean): void => {
  w.cbc('CustomizationID', PEPPOL_CUSTOMIZATION_ID).cbc('ProfileID', PEPPOL_PROFILE_ID).cbc('ID', document.number).cbc('IssueDate', document.issuedOn);
  // A UBL CreditNote has no DueDate: BT-9 goes into PaymentMeans/PaymentDueDate there.
  if (!isCredit) w.cbc('DueDate', document.dueOn);
  w.cbc(isCredit ? 'CreditNoteTypeCode' : 'InvoiceTypeCode', isCredit ? '381' : '380')
    .cbc('Note', document.note)
    .cbc('DocumentCurrencyCode', document.currency)
    .cbc('BuyerReference', document.references.buyerReference)
    .cac('OrderReference', (o) => o.cbc('ID', document.references.orderReference));
  if (isCredit) {
    w.cac('BillingReference', (b) => {
      if (text(document.references.invoiceNumber) === null) return;
      b.cac('InvoiceDocumentReference', (r) => r.cbc('ID', document.references.invoiceNumber).cbc('IssueDate', document.references.invoiceIssuedOn));
    });
  }
};

const payment = (w: Writer, document: AccountingDocument, isCredit: boolean): void => {
  const pay = document.payment;
  w.cac('PaymentMeans', (m) => {
    m.cbc('PaymentMeansCode', pay.meansCode);
    if (isCredit) m.cbc('PaymentDueDate', document.dueOn);
    m.cbc('PaymentID', pay.reference);
    const iban = compact(pay.iban);
    if (iban !== null) {
      m.cac('PayeeFinancialAccount', (a) => a.cbc('ID', iban).cac('FinancialInstitutionBranch', (b) => b.cbc('ID', compact(pay.bic))));
    }
    // Direct debit: the mandate (BT-89, PEPPOL-EN16931-R061) and the buyer's debited account (BT-91).
    if (pay.meansCode === '49' || pay.meansCode === '59') {
      m.cac('PaymentMandate', (d) => d.cbc('ID', pay.mandateReference).cac('PayerFinancialAccount', (a) => a.cbc('ID', compact(pay.debitedAccount))));
    }
  });
  w.cac('PaymentTerms', (t) => t.cbc('Note', paymentTermsText(document)));
};

const totalsAndLines = (w: Writer, model: DocumentModel, isCredit: boolean): void => {
  for (const subtotal of model.subtotals) {
    if (subtotal.allowance === null) continue;
    // A document-level allowance per category and rate: the breakdown's taxable amount is its lines less this (BR-S-08…).
    w.cac('AllowanceCharge', (a) => {
      a.cbc('ChargeIndicator', 'false').cbc('AllowanceChargeReasonCode', '95').cbc('AllowanceChargeReason', 'Discount').amount('Amount', subtotal.allowance);
      // No exemption reason on an allowance's category (UBL-CR-480/481): the breakdown carries it.
      taxCategory(a, 'TaxCategory', { ...subtotal.category, exemptionCode: null, exemptionReason: null });
    });
  }
  w.cac('TaxTotal', (t) => {
    t.amount('TaxAmount', model.totals.tax);
    for (const subtotal of model.subtotals) {
      t.cac('TaxSubtotal', (s) => {
        s.amount('TaxableAmount', subtotal.taxable).amount('TaxAmount', subtotal.tax);
        taxCategory(s, 'TaxCategory', subtotal.category);
      });
    }
  });
  w.cac('LegalMonetaryTotal', (m) => {
    m.amount('LineExtensionAmount', model.totals.lineExtension)
      .amount('TaxExclusiveAmount', model.totals.taxExclusive)
      .amount('TaxInclusiveAmount', model.totals.taxInclusive)
      .amount('AllowanceTotalAmount', model.totals.allowances)
      .amount('PrepaidAmount', model.totals.prepaid)
      .amount('PayableAmount', model.totals.payable);
  });
  for (const line of model.lines) {
    w.cac(isCredit ? 'CreditNoteLine' : 'InvoiceLine', (l) => {
      l.cbc('ID', line.id)
        .cbc('Note', line.note)
        .cbc(isCredit ? 'CreditedQuantity' : 'InvoicedQuantity', line.quantity, { unitCode: line.unitCode })
        .amount('LineExtensionAmount', line.lineTotal);
      if (line.discount !== null) {
        l.cac('AllowanceCharge', (a) =>
          a.cbc('ChargeIndicator', 'false').cbc('AllowanceChargeReasonCode', '95').cbc('AllowanceChargeReason', 'Discount').amount('Amount', line.discount),
        );
      }
      l.cac('Item', (i) => {
        i.cbc('Name', line.name);
        taxCategory(i, 'ClassifiedTaxCategory', line.tax);
      });
      l.cac('Price', (p) => p.amount('PriceAmount', line.price));
    });
  }
};

/**
 * Writes one AccountingDocument as UBL 2.1 in Peppol BIS Billing 3.0: an Invoice (380) or a
 * CreditNote (381, with the credited invoice in BillingReference), elements in the UBL schema's
 * order, amounts exact with their currency. Throws UblDocumentInconsistentError (with the rule)
 * when the document does not add up or a party has no Peppol address. It does not run the
 * Schematron: `@tollgate/ubl-validation` does.
 */
export const writeUbl = (input: { document: AccountingDocument; prettyPrint?: boolean }): UblOutput => {
  const tree = ublTree({ document: input.document });
  const xml = serialiseUblTree({ tree, prettyPrint: input.prettyPrint ?? true });
  return { xml, fileName: ublFileName(input.document), rootElement: input.document.kind === 'credit_note' ? 'CreditNote' : 'Invoice' };
};

/**
 * The document as the object tree `writeUbl` serialises (checked, numbers formatted, empty values
 * left out). Exposed for the bench, which times serialising prebuilt trees as its baseline.
 */
export const ublTree = (input: { document: AccountingDocument }): Record<string, unknown> => {
  const { document } = input;
  const isCredit = document.kind === 'credit_note';
  const rootElement = isCredit ? 'CreditNote' : 'Invoice';
  const model = documentModel(document);
  const root: XmlNode = { '@_xmlns': NS[rootElement], '@_xmlns:cac': NS.cac, '@_xmlns:cbc': NS.cbc };
  const w = new Writer(root, document.currency);
  header(w, document, isCredit);
  w.cac('AccountingSupplierParty', (s) => party(s, { party: document.seller, role: 'seller', document }));
  w.cac('AccountingCustomerParty', (s) => party(s, { party: document.buyer, role: 'buyer', document }));
  delivery(w, document);
  payment(w, document, isCredit);
  totalsAndLines(w, model, isCredit);
  return { '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, [rootElement]: root };
};

/** A tree from `ublTree` as XML text. */
export const serialiseUblTree = (input: { tree: Record<string, unknown>; prettyPrint?: boolean }): string =>
  ((input.prettyPrint ?? true) ? builders.pretty : builders.flat).build(input.tree).trimEnd();
