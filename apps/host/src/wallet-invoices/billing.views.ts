import type { BillingDocument, BillingProfile, PartySnapshot } from '@tollgate/wallet-invoices';

const partyView = (p: PartySnapshot) => ({
  name: p.name,
  addressLines: p.addressLines,
  postcode: p.postcode,
  city: p.city,
  country: p.country,
  vatNumber: p.vatNumber,
  email: p.email,
});

export function documentView(d: BillingDocument) {
  return {
    id: d.id,
    accountId: d.accountId,
    type: d.type,
    number: d.number,
    issuedAt: d.issuedAt.toISOString(),
    issuedOn: d.issuedOn,
    currency: 'EUR' as const,
    net: d.net,
    vat: d.vat,
    gross: d.gross,
    vatCategory: d.vatCategory,
    vatRate: d.vatRate,
    seller: partyView(d.seller),
    buyer: partyView(d.buyer),
    lines: d.lines.map((l) => ({
      id: l.id,
      description: l.description,
      net: l.net,
      vat: l.vat,
      gross: l.gross,
      category: l.category,
      rate: l.rate,
      exemptionReason: l.exemptionReason,
    })),
    purchaseId: d.purchaseId,
    lotId: d.lotId,
    transactionId: d.transactionId,
    credits: d.credited.map((c) => ({ documentId: c.documentId, number: c.number, issuedOn: c.issuedOn, amount: c.amount })),
    ready: d.ready,
    mailedAt: d.mailedAt?.toISOString() ?? null,
  };
}

/** The profile, or what documents use without one: the account's name, a consumer in Belgium. */
export function profileView(p: BillingProfile | null, fallback: { accountName: string; ownerEmail: string | null }) {
  if (!p) {
    return {
      legalName: fallback.accountName,
      addressLines: [],
      postcode: '',
      city: '',
      country: 'BE',
      vatNumber: null,
      email: fallback.ownerEmail,
      updatedAt: null,
      fromProfile: false,
    };
  }
  return {
    legalName: p.legalName,
    addressLines: p.addressLines,
    postcode: p.postcode,
    city: p.city,
    country: p.country,
    vatNumber: p.vatNumber,
    email: p.email,
    updatedAt: p.updatedAt.toISOString(),
    fromProfile: true,
  };
}
