/**
 * The labels of an expense's fields in nl/fr/de/en, matched against `fold`ed text (lower case,
 * no accents). Each list is ordered from the most to the least telling.
 */

/** Lower case without accents, character for character (offsets stay valid). */
export function fold(text: string): string {
  return [...text]
    .map((char) => {
      const base = char
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase();
      return base.length === 1 ? base : char === 'ß' ? 's' : char.toLowerCase().length === 1 ? char.toLowerCase() : '?';
    })
    .join('');
}

/** 'base': the base of one VAT rate (a VAT table's "Maatstaf"), not the total excluding VAT. */
export type TotalKind = 'incl' | 'excl' | 'vat' | 'base';

const VAT_WORD = String.raw`(?:btw|tva|mwst|ust|vat|mehrwertsteuer|umsatzsteuer|omzetbelasting|taxe?s?|tax)`;
export const VAT_WORD_RE = new RegExp(String.raw`(?<![a-z])${VAT_WORD}(?![a-z])`);

const INCLUDED = String.raw`(?:incl|inkl|including|inclusief|inklusive|ttc|tvac|tva comprise|tva incluse|brutto|gross)`;
const EXCLUDED = String.raw`(?:excl|exkl|exclusief|excluding|htva|hors tva|hors taxes?|ht|netto|net|ohne|zonder|before tax|sans tva|pre-tax|without)`;

const EXCL_LABELS = [
  String.raw`sub[- ]?tota(?:a)?l`,
  String.raw`zwischensumme`,
  String.raw`tota(?:a)?l\s*${EXCLUDED}`,
  String.raw`${EXCLUDED}\.?\s*${VAT_WORD}`,
  String.raw`montant\s*(?:ht|htva|hors)`,
  String.raw`netto(?:betrag|summe|bedrag)?`,
  String.raw`(?:summe|gesamt)\s*netto`,
  String.raw`net (?:amount|total)`,
  String.raw`htva|(?<![a-z])ht(?![a-z])`,
  String.raw`tota(?:a)?l\s*net`,
  String.raw`(?<![a-z])net(?![a-z])`,
];

const INCL_STRONG = [
  String.raw`(?:totaal|total)\s*(?:bedrag\s*)?${INCLUDED}`,
  String.raw`${INCLUDED}\.?\s*${VAT_WORD}`,
  String.raw`(?:totaal\s*)?te (?:betalen|voldoen)`,
  String.raw`(?:net|total|montant|reste)\s*a payer`,
  String.raw`a payer`,
  String.raw`montant\s*(?:total|ttc)`,
  String.raw`total\s*ttc|(?<![a-z])ttc(?![a-z])|tvac`,
  String.raw`gesamtbetrag|rechnungsbetrag|endbetrag|zahlbetrag|bruttobetrag|gesamtsumme|zu zahlen|(?:summe|gesamt)\s*brutto`,
  String.raw`amount (?:due|payable)|total (?:due|amount|payable)|balance due|grand total|total to pay`,
  String.raw`totaalbedrag|totaal bedrag|te betalen bedrag`,
];
const INCL_PLAIN = [
  String.raw`(?<![a-z])(?:totaal|total|summe|gesamt|som|brutto|bar|cash|contant|especes|kaart|card|betaald|paid|paye|bezahlt|gegeven)(?![a-z])`,
  String.raw`(?<![a-z])(?:bedrag|betrag|montant|amount)(?![a-z])`,
];

const BASE_RE = /maatstaf|grondslag|(?<![a-z])basis(?![a-z])|(?<![a-z])base(?: imposable| ht)?(?![a-z])|bemessungsgrundlage|taxable amount/;

const compile = (sources: string[]): RegExp => new RegExp(sources.map((source) => `(?:${source})`).join('|'));
const EXCL_RE = compile(EXCL_LABELS);
const INCL_STRONG_RE = compile(INCL_STRONG);
const INCL_TOTAL_RE = compile([INCL_PLAIN[0]!]);
const INCL_WEAK_RE = compile([INCL_PLAIN[1]!]);
const PAYMENT_RE =
  /(?<![a-z])(?:bar|cash|contant|especes|kaart|card|betaald|paid|paye|bezahlt|gegeven|rendu|wisselgeld|terug|change|ruckgeld|visa|mastercard|maestro|bancontact|payconiq|ec-karte|girocard)(?![a-z])/;

/** What kind of total a label (folded) names, and how clearly (0–1); null when it names none. */
export function totalKind(label: string): { kind: TotalKind; strength: number } | null {
  if (/(?<![a-z])(?:korting|remise|rabatt|discount|fooi|pourboire|trinkgeld|tip|statiegeld|consigne|pfand|deposit)(?![a-z])/.test(label)) return null;
  if (INCL_STRONG_RE.test(label) && !EXCL_RE.test(label.replace(/\bnet a payer\b/, ''))) return { kind: 'incl', strength: 1 };
  if (BASE_RE.test(label) && !/tota/.test(label)) return { kind: 'base', strength: 1 };
  if (EXCL_RE.test(label)) return { kind: 'excl', strength: VAT_WORD_RE.test(label) || /sub|zwischen|tota/.test(label) ? 1 : 0.85 };
  if (VAT_WORD_RE.test(label)) return { kind: 'vat', strength: 1 };
  if (PAYMENT_RE.test(label)) return { kind: 'incl', strength: 0.5 };
  if (INCL_TOTAL_RE.test(label)) return { kind: 'incl', strength: 0.9 };
  if (INCL_WEAK_RE.test(label)) return { kind: 'incl', strength: 0.6 };
  return null;
}

/** Labels of the invoice or receipt date (folded). */
export const DATE_LABEL_RE =
  /factuurdatum|datum factuur|date de (?:la )?facture|date facture|date d'emission|rechnungsdatum|belegdatum|invoice date|date of issue|issue date|date issued|kassabon|datum|date|le(?= \d)/;
/** Labels of the other dates of a document, which are not the one wanted. */
export const OTHER_DATE_LABEL_RE =
  /verval|due|echeance|fallig|faellig|zahlbar|zahlungsziel|leverdatum|levering|delivery|livraison|lieferdatum|liefer|leistung|periode|period|geldig|valid|uiterlijk|before|voor |avant|bis |bestel|commande|order|auftrag|payable|betaaldatum|te betalen|a payer|until|tot |jusqu|from|van |du |vom |start|end|bestelldatum/;

/** Labels of the invoice/receipt number (folded): strong ones name it, weak ones only precede it. */
export const INVOICE_NUMBER_LABELS: { re: RegExp; strength: number }[] = [
  {
    re: /factuur\s*(?:nummer|nr\.?|n°|no\.?|#)|factuurnr\.?|(?:n°|no|numero|num\.?)\s*(?:de\s*)?(?:la\s*)?facture|facture\s*(?:n°|no\.?|numero|nr|#)|rechnungs?\s*-?\s*(?:nummer|nr\.?|no\.?|#)|invoice\s*(?:number|no\.?|nr\.?|n°|#|num)|creditnota\s*(?:nr\.?|nummer)|credit note\s*(?:no\.?|number)|note de credit\s*(?:n°|no)|gutschrift\s*(?:nr\.?|nummer)|(?:bon|ticket|beleg|kassenbon|kassabon|receipt|quittung|recu|transactie|transaction)\s*-?\s*(?:nummer|nr\.?|n°|no\.?|#|number|num)|bonnummer|ticketnummer|belegnummer|bonnr\.?|ticketnr\.?|belegnr\.?/,
    strength: 1,
  },
  {
    re: /(?<![a-z])(?:factuur|facture|rechnung|invoice|creditnota|gutschrift|ticket|bon|beleg|receipt|quittung|recu|kassenbon|kassabon)(?![a-z])/,
    strength: 0.75,
  },
  { re: /(?<![a-z])(?:nummer|numero|number|nr\.?|no\.?|n°|#)(?![a-z])/, strength: 0.5 },
];

/** Labels that start the buyer's block (folded). */
export const BUYER_LABEL_RE =
  /(?<![a-z])(?:klant(?!en?\s*(?:nr|nummer|no))(?:gegevens)?|client(?!\s*(?:n°|no|nr|number|id))|kunde(?!n\s*-?\s*(?:nr|nummer))|customer(?!\s*(?:no|number|id|#))|bill(?:ed)? to|invoice to|sold to|ship to|factuuradres|facturatieadres|leveringsadres|afleveradres|adresse de (?:facturation|livraison)|facture a|factureé a|destinataire|rechnungsadresse|rechnungsempfanger|lieferadresse|empfanger|aan|a l'attention de|attn|t\.a\.v\.|z\.hd\.|buyer|koper|acheteur|kaufer|afnemer|debiteur)(?![a-z])/;

/** Words on a line that mark a VAT number or IBAN as the buyer's (folded). */
export const BUYER_OWN_RE = /(?<![a-z])(?:uw|votre|vos|ihre?|your|kunden|klant|client|customer|kunde|buyer|acheteur|koper)(?![a-z])/;

/** Labels that name the seller (folded). */
export const SELLER_LABEL_RE =
  /(?<![a-z])(?:(?:leverancier|verkoper|fournisseur|vendeur|emetteur|lieferant|verkaufer|rechnungssteller|seller|supplier|vendor|issued by)(?![a-z])\s*:?|(?:from|van|de la part de)\s*:)/;

/** Legal forms of companies in BE/NL/DE/FR/LU/UK/US, matched on the original (not folded) text. */
export const LEGAL_FORM_RE =
  /(?<![\p{L}])(?:B\.?V\.?B\.?A|B\.?V|N\.?V|S\.?R\.?L|S\.?P\.?R\.?L|S\.?A\.?R\.?L|S\.?A\.?S\.?U?|S\.?A|E\.?U\.?R\.?L|S\.?N\.?C|V\.?O\.?F|C\.?V\.?B\.?A|C\.?V|Comm\.?V|VZW|ASBL|GmbH(?: & Co\.? KG)?|UG(?: \(haftungsbeschränkt\))?|KG|AG|OHG|e\.\s?K\.|Ltd|Limited|LLC|Inc|PLC|plc|LLP|S\.à r\.l\.|Sàrl|SCS|SCRL|SRL|SA)\.?(?![\p{L}])/u;

/** Document titles and other lines that are never the supplier's name (folded). */
export const NOT_A_NAME_RE =
  /^(?:factuur|facture|invoice|rechnung|tax invoice|creditnota|credit note|note de credit|gutschrift|kassabon|kasbon|kassenbon|ticket|ticket de caisse|recu|receipt|quittung|bon|bestelbon|offerte|devis|angebot|quote|pagina|page|seite|duplicate|duplicata|kopie|copy|original|welkom|bienvenue|willkommen|welcome)\b/;
