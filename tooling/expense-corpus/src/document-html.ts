import { Decimal } from 'decimal.js';
import type { PlannedDocument } from './expense-plan.js';
import { formatAmount, formatDate, formatMoney, formatRate, printIban, printVatNumber, type CorpusLanguage } from './local-formats.js';

/** The words a document uses, per language. */
const LABELS: Record<
  CorpusLanguage,
  {
    receiptNo: string;
    invoice: string;
    invoiceNo: string;
    date: string;
    dueDate: string;
    customer: string;
    vatNo: string;
    description: string;
    qty: string;
    unit: string;
    amount: string;
    rate: string;
    base: string;
    vat: string;
    totalExcl: string;
    totalVat: string;
    total: string;
    paidCard: string;
    paidCash: string;
    payTo: string;
    thanks: string;
    phone: string;
    vatTable: string;
    reference: string;
  }
> = {
  nl: {
    receiptNo: 'Bonnr.',
    invoice: 'FACTUUR',
    invoiceNo: 'Factuurnummer',
    date: 'Factuurdatum',
    dueDate: 'Vervaldatum',
    customer: 'Klant',
    vatNo: 'BTW-nr.',
    description: 'Omschrijving',
    qty: 'Aantal',
    unit: 'Prijs',
    amount: 'Bedrag',
    rate: 'BTW %',
    base: 'Maatstaf',
    vat: 'BTW',
    totalExcl: 'Totaal excl. BTW',
    totalVat: 'Totaal BTW',
    total: 'TOTAAL',
    paidCard: 'Betaald met Bancontact',
    paidCash: 'Contant',
    payTo: 'Gelieve te betalen op rekening',
    thanks: 'Bedankt en tot ziens!',
    phone: 'Tel.',
    vatTable: 'BTW-overzicht',
    reference: 'Uw referentie',
  },
  fr: {
    receiptNo: 'Ticket n°',
    invoice: 'FACTURE',
    invoiceNo: 'Facture n°',
    date: 'Date de facture',
    dueDate: 'Échéance',
    customer: 'Client',
    vatNo: 'N° TVA',
    description: 'Désignation',
    qty: 'Qté',
    unit: 'Prix unit.',
    amount: 'Montant',
    rate: 'Taux TVA',
    base: 'Base HT',
    vat: 'TVA',
    totalExcl: 'Total HT',
    totalVat: 'Total TVA',
    total: 'TOTAL TTC',
    paidCard: 'Payé par carte',
    paidCash: 'Espèces',
    payTo: 'Paiement par virement sur le compte',
    thanks: 'Merci de votre visite !',
    phone: 'Tél.',
    vatTable: 'Détail TVA',
    reference: 'Votre référence',
  },
  de: {
    receiptNo: 'Beleg-Nr.',
    invoice: 'RECHNUNG',
    invoiceNo: 'Rechnungsnummer',
    date: 'Rechnungsdatum',
    dueDate: 'Zahlbar bis',
    customer: 'Kunde',
    vatNo: 'USt-IdNr.',
    description: 'Bezeichnung',
    qty: 'Menge',
    unit: 'Einzelpreis',
    amount: 'Betrag',
    rate: 'MwSt.-Satz',
    base: 'Netto',
    vat: 'MwSt.',
    totalExcl: 'Summe netto',
    totalVat: 'MwSt. gesamt',
    total: 'Gesamtbetrag',
    paidCard: 'Bezahlt mit Karte',
    paidCash: 'Bar',
    payTo: 'Bitte überweisen Sie auf',
    thanks: 'Vielen Dank für Ihren Einkauf!',
    phone: 'Tel.',
    vatTable: 'MwSt.-Aufstellung',
    reference: 'Ihre Referenz',
  },
  en: {
    receiptNo: 'Receipt no.',
    invoice: 'INVOICE',
    invoiceNo: 'Invoice no.',
    date: 'Invoice date',
    dueDate: 'Due date',
    customer: 'Bill to',
    vatNo: 'VAT no.',
    description: 'Description',
    qty: 'Qty',
    unit: 'Unit price',
    amount: 'Amount',
    rate: 'VAT rate',
    base: 'Net',
    vat: 'VAT',
    totalExcl: 'Subtotal (excl. VAT)',
    totalVat: 'Total VAT',
    total: 'TOTAL',
    paidCard: 'Paid by card',
    paidCash: 'Cash',
    payTo: 'Please pay by bank transfer to',
    thanks: 'Thank you, see you soon!',
    phone: 'Tel.',
    vatTable: 'VAT summary',
    reference: 'Your reference',
  },
};

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A till receipt, 80 mm wide, in a monospace font. */
export function receiptHtml(doc: PlannedDocument): string {
  const { truth, supplier } = doc;
  const l = LABELS[truth.language];
  const lang = truth.language;
  const f = truth.fields;
  const amount = (value: string) => formatAmount({ value, language: lang });
  const rows = doc.lines
    .map(
      (line) => `<div class="item">${escape(line.description)}</div>
<div class="row"><span>${line.quantity} x ${amount(line.unitPrice)}</span><span>${amount(line.amount)} ${rateMark(doc, line.rate)}</span></div>`,
    )
    .join('\n');
  const vatRows = f.vatAmounts
    .map(
      (v) =>
        `<tr><td>${rateMark(doc, v.rate)} ${formatRate({ rate: v.rate, language: lang })}%</td><td>${amount(v.base)}</td><td>${amount(v.amount)}</td></tr>`,
    )
    .join('');
  const vatLine = f.supplierVatNumber ? `<div class="c">${l.vatNo} ${printVatNumber({ value: f.supplierVatNumber, spaced: doc.printVatSpaced })}</div>` : '';
  const number = f.invoiceNumber ? `<div class="row"><span>${l.receiptNo} ${f.invoiceNumber}</span><span></span></div>` : '';
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><style>
  html, body { margin: 0; background: #fff; }
  body { width: 80mm; font: 12.5px/1.35 'DejaVu Sans Mono', monospace; color: #111; }
  .paper { padding: 5mm 4mm 8mm; }
  .c { text-align: center; } .name { font-size: 16px; font-weight: bold; text-align: center; margin-bottom: 2px; }
  .row { display: flex; justify-content: space-between; } .item { margin-top: 3px; }
  hr { border: 0; border-top: 1px dashed #333; margin: 6px 0; }
  .total { font-size: 15px; font-weight: bold; } table { width: 100%; border-collapse: collapse; } td { text-align: right; } td:first-child { text-align: left; }
</style></head><body><div class="paper">
<div class="name">${escape(supplier.name)}</div>
<div class="c">${escape(supplier.street)}</div>
<div class="c">${escape(supplier.postcode)} ${escape(supplier.city)}</div>
<div class="c">${l.phone} ${phone(doc)}</div>
${vatLine}
<hr>
<div class="row"><span>${formatDate({ iso: f.date, language: lang, style: doc.dateStyle })}</span><span>${doc.time}</span></div>
${number}
<hr>
${rows}
<hr>
<div class="row total"><span>${l.total}</span><span>${formatMoney({ value: f.totalInclVat, currency: f.currency, language: lang })}</span></div>
<div class="row"><span>${doc.paidBy === 'card' ? l.paidCard : l.paidCash}</span><span>${amount(f.totalInclVat)}</span></div>
<hr>
<table><tr><td>${l.rate}</td><td>${l.base}</td><td>${l.vat}</td></tr>${vatRows}</table>
<hr>
<div class="c">${l.thanks}</div>
</div></body></html>`;
}

/** An A4 invoice: supplier header, optional buyer block, lines, VAT table, totals, payment footer. */
export function invoiceHtml(doc: PlannedDocument): string {
  const { truth, supplier, buyer } = doc;
  const l = LABELS[truth.language];
  const lang = truth.language;
  const f = truth.fields;
  const amount = (value: string) => formatAmount({ value, language: lang });
  const moneyOf = (value: string) => formatMoney({ value, currency: f.currency, language: lang });
  const date = (iso: string) => formatDate({ iso, language: lang, style: doc.dateStyle });
  const lines = doc.lines
    .map(
      (line) =>
        `<tr><td>${escape(line.description)}</td><td class="r">${line.quantity}</td><td class="r">${amount(line.unitPrice)}</td><td class="r">${formatRate({ rate: line.rate, language: lang })}%</td><td class="r">${amount(line.amount)}</td></tr>`,
    )
    .join('\n');
  const vatRows = f.vatAmounts
    .map((v) => `<tr><td>${formatRate({ rate: v.rate, language: lang })}%</td><td class="r">${amount(v.base)}</td><td class="r">${amount(v.amount)}</td></tr>`)
    .join('');
  const buyerBlock = buyer
    ? `<div class="buyer"><div class="label">${l.customer}</div><b>${escape(buyer.name)}</b><br>${escape(buyer.street)}<br>${escape(buyer.postcode)} ${escape(buyer.city)}<br>${l.vatNo} ${printVatNumber({ value: buyer.vatNumber, spaced: !doc.printVatSpaced })}</div>`
    : '<div class="buyer"></div>';
  const payment = f.iban
    ? `${l.payTo} IBAN ${printIban(f.iban)} &middot; BIC ${supplier.bic}${doc.dueDate ? ` &middot; ${l.dueDate} ${date(doc.dueDate)}` : ''}`
    : `${l.paidCard} &middot; ${moneyOf(f.totalInclVat)}`;
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><style>
  @page { size: A4; margin: 0; }
  html, body { margin: 0; background: #fff; }
  body { width: 210mm; min-height: 297mm; font: 10.5pt/1.4 'Liberation Sans', Arial, sans-serif; color: #1a1a1a; }
  .page { padding: 18mm 18mm 14mm; position: relative; min-height: 265mm; }
  .head { display: flex; justify-content: space-between; align-items: flex-start; }
  .sup b { font-size: 16pt; } .title { font-size: 20pt; font-weight: bold; letter-spacing: 1px; color: #234; }
  .meta { margin-top: 10mm; display: flex; justify-content: space-between; }
  .meta table td { padding: 1px 8px 1px 0; } .label { color: #555; font-size: 9pt; text-transform: uppercase; }
  .buyer { min-width: 70mm; }
  table.lines { width: 100%; border-collapse: collapse; margin-top: 10mm; }
  table.lines th { text-align: left; border-bottom: 1.5px solid #234; padding: 4px 4px; font-size: 9.5pt; }
  table.lines td { padding: 4px; border-bottom: 0.5px solid #ccc; } .r { text-align: right; } th.r { text-align: right; }
  .sums { display: flex; justify-content: space-between; margin-top: 8mm; }
  .vat table, .totals table { border-collapse: collapse; } .vat td, .vat th, .totals td { padding: 2px 8px; }
  .totals .grand td { font-weight: bold; font-size: 12pt; border-top: 1.5px solid #234; }
  .foot { position: absolute; bottom: 0; left: 18mm; right: 18mm; border-top: 0.5px solid #999; padding-top: 3mm; font-size: 8.5pt; color: #333; }
</style></head><body><div class="page">
<div class="head"><div class="sup"><b>${escape(supplier.name)}</b><br>${escape(supplier.street)}<br>${escape(supplier.postcode)} ${escape(supplier.city)}<br>${l.phone} ${phone(doc)}<br>${l.vatNo} ${printVatNumber({ value: supplier.vatNumber, spaced: doc.printVatSpaced })}</div>
<div class="title">${l.invoice}</div></div>
<div class="meta">${buyerBlock}<table>
<tr><td class="label">${l.invoiceNo}</td><td>${f.invoiceNumber ?? ''}</td></tr>
<tr><td class="label">${l.date}</td><td>${date(f.date)}</td></tr>
${doc.dueDate && f.iban ? `<tr><td class="label">${l.dueDate}</td><td>${date(doc.dueDate)}</td></tr>` : ''}
</table></div>
<table class="lines"><tr><th>${l.description}</th><th class="r">${l.qty}</th><th class="r">${l.unit}</th><th class="r">${l.rate}</th><th class="r">${l.amount}</th></tr>
${lines}
</table>
<div class="sums"><div class="vat"><div class="label">${l.vatTable}</div><table><tr><th>${l.rate}</th><th class="r">${l.base}</th><th class="r">${l.vat}</th></tr>${vatRows}</table></div>
<div class="totals"><table>
<tr><td>${l.totalExcl}</td><td class="r">${moneyOf(f.totalExclVat)}</td></tr>
<tr><td>${l.totalVat}</td><td class="r">${moneyOf(sumVat(doc))}</td></tr>
<tr class="grand"><td>${l.total}</td><td class="r">${moneyOf(f.totalInclVat)}</td></tr>
</table></div></div>
<div class="foot">${escape(supplier.name)} &middot; ${escape(supplier.street)}, ${escape(supplier.postcode)} ${escape(supplier.city)} &middot; ${l.vatNo} ${printVatNumber({ value: supplier.vatNumber, spaced: doc.printVatSpaced })}<br>${payment}</div>
</div></body></html>`;
}

function sumVat(doc: PlannedDocument): string {
  return doc.truth.fields.vatAmounts.reduce((s, v) => s.add(v.amount), new Decimal(0)).toFixed(2);
}

/** Receipts mark each line with its rate's letter (A, B, C) as tills do. */
function rateMark(doc: PlannedDocument, rate: string): string {
  const index = doc.truth.fields.vatAmounts.findIndex((v) => v.rate === rate);
  return String.fromCharCode(65 + Math.max(index, 0));
}

function phone(doc: PlannedDocument): string {
  const p = doc.supplier.phone;
  const prefix = { BE: '+32', NL: '+31', DE: '+49', FR: '+33', LU: '+352' }[doc.supplier.country];
  return `${prefix} ${p.slice(0, 2)} ${p.slice(2, 5)} ${p.slice(5)}`;
}
