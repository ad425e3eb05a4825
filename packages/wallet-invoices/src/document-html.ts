import { Money } from '@tollgate/money';
import { escapeHtml } from '@tollgate/notifications';
import type { BillingDocument, DocumentLocale, PartySnapshot } from './wallet-invoices.types.js';

interface Labels {
  invoice: string;
  creditNote: string;
  number: string;
  date: string;
  seller: string;
  buyer: string;
  vatNumber: string;
  description: string;
  net: string;
  vatRate: string;
  vat: string;
  total: string;
  totalNet: string;
  totalVat: string;
  totalGross: string;
  paid: string;
  refunded: string;
  credits: string;
  reverseCharge: string;
  outsideScope: string;
  vatIncluded: string;
}

/** The printed words per language (the account's language, else English). */
export const DOCUMENT_LABELS: Readonly<Record<DocumentLocale, Labels>> = {
  en: {
    invoice: 'Invoice',
    creditNote: 'Credit note',
    number: 'Number',
    date: 'Date',
    seller: 'Seller',
    buyer: 'Buyer',
    vatNumber: 'VAT number',
    description: 'Description',
    net: 'Net',
    vatRate: 'VAT rate',
    vat: 'VAT',
    total: 'Total',
    totalNet: 'Total excl. VAT',
    totalVat: 'VAT',
    totalGross: 'Total incl. VAT',
    paid: 'Paid with the purchase — nothing is due.',
    refunded: 'Paid out with the refund.',
    credits: 'Credits invoice',
    reverseCharge: 'Reverse charge — Article 196 Directive 2006/112/EC',
    outsideScope: 'Not subject to EU VAT (customer outside the EU)',
    vatIncluded: 'Prices include VAT.',
  },
  nl: {
    invoice: 'Factuur',
    creditNote: 'Creditnota',
    number: 'Nummer',
    date: 'Datum',
    seller: 'Verkoper',
    buyer: 'Koper',
    vatNumber: 'Btw-nummer',
    description: 'Omschrijving',
    net: 'Netto',
    vatRate: 'Btw-tarief',
    vat: 'Btw',
    total: 'Totaal',
    totalNet: 'Totaal excl. btw',
    totalVat: 'Btw',
    totalGross: 'Totaal incl. btw',
    paid: 'Betaald bij de aankoop — er is niets verschuldigd.',
    refunded: 'Uitbetaald met de terugbetaling.',
    credits: 'Crediteert factuur',
    reverseCharge: 'Btw verlegd — artikel 196 Richtlijn 2006/112/EG',
    outsideScope: 'Niet onderworpen aan EU-btw (klant buiten de EU)',
    vatIncluded: 'Prijzen inclusief btw.',
  },
  fr: {
    invoice: 'Facture',
    creditNote: 'Note de crédit',
    number: 'Numéro',
    date: 'Date',
    seller: 'Vendeur',
    buyer: 'Acheteur',
    vatNumber: 'Numéro de TVA',
    description: 'Description',
    net: 'Net',
    vatRate: 'Taux de TVA',
    vat: 'TVA',
    total: 'Total',
    totalNet: 'Total HTVA',
    totalVat: 'TVA',
    totalGross: 'Total TVAC',
    paid: 'Payé lors de l’achat — rien n’est dû.',
    refunded: 'Versé avec le remboursement.',
    credits: 'Crédite la facture',
    reverseCharge: 'Autoliquidation — article 196 de la directive 2006/112/CE',
    outsideScope: 'Hors champ de la TVA UE (client hors UE)',
    vatIncluded: 'Prix TVA comprise.',
  },
  de: {
    invoice: 'Rechnung',
    creditNote: 'Gutschrift',
    number: 'Nummer',
    date: 'Datum',
    seller: 'Verkäufer',
    buyer: 'Käufer',
    vatNumber: 'USt-IdNr.',
    description: 'Beschreibung',
    net: 'Netto',
    vatRate: 'USt-Satz',
    vat: 'USt',
    total: 'Gesamt',
    totalNet: 'Summe netto',
    totalVat: 'USt',
    totalGross: 'Summe brutto',
    paid: 'Mit dem Kauf bezahlt — es ist nichts fällig.',
    refunded: 'Mit der Erstattung ausgezahlt.',
    credits: 'Gutschrift zu Rechnung',
    reverseCharge: 'Steuerschuldnerschaft des Leistungsempfängers — Artikel 196 Richtlinie 2006/112/EG',
    outsideScope: 'Nicht der EU-Umsatzsteuer unterliegend (Kunde außerhalb der EU)',
    vatIncluded: 'Preise inklusive USt.',
  },
};

const money = (value: string, locale: DocumentLocale) => Money.of(value).format(locale);

const partyHtml = (p: PartySnapshot, l: Labels) =>
  [p.name, ...p.addressLines, `${p.postcode} ${p.city}`.trim(), p.country, p.vatNumber ? `${l.vatNumber}: ${p.vatNumber}` : '', p.email ?? '']
    .filter((s) => s !== '')
    .map((s) => escapeHtml(s))
    .join('<br>');

/** The document as one self-contained A4 page (no scripts, no external resources) for Chromium's PDF. */
export function documentHtml(doc: BillingDocument): string {
  const locale = doc.locale;
  const l = DOCUMENT_LABELS[locale];
  const title = doc.type === 'invoice' ? l.invoice : l.creditNote;
  const rows = doc.lines
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.description)}</td><td class="n">${money(line.net, locale)}</td><td class="n">${line.category === 'O' ? '—' : `${escapeHtml(line.rate)} %`}</td><td class="n">${money(line.vat, locale)}</td><td class="n">${money(line.gross, locale)}</td></tr>`,
    )
    .join('');
  const notes: string[] = [];
  if (doc.lines.some((x) => x.category === 'AE')) notes.push(l.reverseCharge);
  if (doc.lines.some((x) => x.category === 'O')) notes.push(l.outsideScope);
  if (doc.lines.some((x) => x.category === 'S')) notes.push(l.vatIncluded);
  notes.push(doc.type === 'invoice' ? l.paid : l.refunded);
  const credited = doc.credited
    .filter((c) => c.number)
    .map((c) => `<p>${escapeHtml(l.credits)} ${escapeHtml(c.number!)} (${escapeHtml(c.issuedOn ?? '')})</p>`)
    .join('');
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(title)} ${escapeHtml(doc.number)}</title>
<style>
@page { size: A4; margin: 20mm; }
body { font-family: sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 18pt; margin: 0 0 4mm; }
.parties { display: flex; justify-content: space-between; margin: 8mm 0; }
.parties div { width: 45%; }
table { width: 100%; border-collapse: collapse; margin-top: 6mm; }
th, td { border-bottom: 1px solid #ccc; padding: 2mm; text-align: left; }
.n { text-align: right; white-space: nowrap; }
.totals { width: 50%; margin-left: 50%; }
</style></head><body>
<h1>${escapeHtml(title)} ${escapeHtml(doc.number)}</h1>
<p>${escapeHtml(l.number)}: ${escapeHtml(doc.number)}<br>${escapeHtml(l.date)}: ${escapeHtml(doc.issuedOn)}</p>
${credited}
<div class="parties"><div><strong>${escapeHtml(l.seller)}</strong><br>${partyHtml(doc.seller, l)}</div><div><strong>${escapeHtml(l.buyer)}</strong><br>${partyHtml(doc.buyer, l)}</div></div>
<table><thead><tr><th>${escapeHtml(l.description)}</th><th class="n">${escapeHtml(l.net)}</th><th class="n">${escapeHtml(l.vatRate)}</th><th class="n">${escapeHtml(l.vat)}</th><th class="n">${escapeHtml(l.total)}</th></tr></thead><tbody>${rows}</tbody></table>
<table class="totals"><tbody>
<tr><td>${escapeHtml(l.totalNet)}</td><td class="n">${money(doc.net, locale)}</td></tr>
<tr><td>${escapeHtml(l.totalVat)}</td><td class="n">${money(doc.vat, locale)}</td></tr>
<tr><td><strong>${escapeHtml(l.totalGross)}</strong></td><td class="n"><strong>${money(doc.gross, locale)}</strong></td></tr>
</tbody></table>
${notes.map((n) => `<p>${escapeHtml(n)}</p>`).join('')}
</body></html>`;
}
