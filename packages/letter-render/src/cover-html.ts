import { postalAddressLines, type PostalAddress } from '@tollgate/plugin-sdk';
import { FONT_FAMILY, fontFaceCss } from './fonts.js';
import { LETTER_LABELS, formatLetterDate, type LetterLocale } from './labels.js';
import { ADDRESS_MM, BARCODE_MM, LETTER_WINDOW_MM, RETURN_ZONE_MM } from './letter-layout.js';
import { fittingSize, textWidthMm } from './text-fit.js';

/** Text for HTML: every character that could open markup or an attribute is escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface CoverInput {
  recipient: PostalAddress;
  sender: PostalAddress;
  locale: LetterLocale;
  date: Date;
  timeZone?: string;
  reference: string;
  subject?: string;
  bodyText?: string;
  /** The Code 128 of the reference, when asked for. */
  barcode?: { svg: string; modules: number };
}

/** The sender on one line for the return-line zone: "Acme NV · Kerkstraat 1 · 1000 Brussel". */
export function returnLine(sender: PostalAddress, recipientCountry: string): string {
  // The country is printed when the letter would come back from abroad, as on the address itself.
  return postalAddressLines({ address: sender, fromCountry: recipientCountry, locale: 'en' }).join(' · ');
}

/**
 * The return line and its size within `widthMm`: 7 pt, down to 6 pt (the least DIN 5008 allows); a line
 * still too long keeps its postal part (street, postcode, city, country) whole and shortens the name.
 */
export function fittedReturnLine(sender: PostalAddress, recipientCountry: string, widthMm: number): { text: string; sizePt: number } {
  const full = returnLine(sender, recipientCountry);
  const sizePt = fittingSize([full], widthMm, 7, 6);
  if (textWidthMm(full, sizePt) <= widthMm) return { text: full, sizePt };
  const rest = full.slice(postalAddressLines({ address: sender, fromCountry: recipientCountry, locale: 'en' })[0]!.length);
  let name = sender.name;
  while (name.length > 1 && textWidthMm(`${name}…${rest}`, sizePt) > widthMm) name = name.slice(0, -1).trimEnd();
  return { text: `${name}…${rest}`, sizePt };
}

/**
 * The cover/address page: letterhead (sender) at the top, the DIN 5008 form B window with the return
 * line and the recipient, date/reference/subject and the barcode right of the window, the subject and
 * the note below. Everything positioned in mm; only the recipient and the return line in the window.
 */
export function coverHtml(input: CoverInput): string {
  const labels = LETTER_LABELS[input.locale];
  const e = escapeHtml;
  const address = postalAddressLines({ address: input.recipient, fromCountry: input.sender.country, locale: input.locale });
  const letterhead = postalAddressLines({ address: input.sender, fromCountry: input.recipient.country, locale: input.locale });
  // Both fit the window's width: a long line gets a smaller size (the address down to 8 pt, the return
  // line down to 6 pt, the least DIN 5008 allows) rather than being cut at the window's edge.
  const w = LETTER_WINDOW_MM;
  const lineWidth = w.left + w.width - ADDRESS_MM.left - 2;
  const addressSize = fittingSize(address, lineWidth, 10, 8);
  const { text: back, sizePt: backSize } = fittedReturnLine(input.sender, input.recipient.country, lineWidth);
  const date = formatLetterDate(input.date, input.locale, input.timeZone);
  // ~0.3 mm a module (narrower for long references, to stay within the column).
  const barcode = input.barcode
    ? input.barcode.svg.replace(
        '<svg ',
        `<svg class="barcode" preserveAspectRatio="none" style="width:${Math.min(BARCODE_MM.maxWidth, input.barcode.modules * 0.3).toFixed(2)}mm" `,
      )
    : '';
  const body = (input.bodyText ?? '')
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${e(p).replace(/\r?\n/g, '<br>')}</p>`)
    .join('');
  const printed = [...address, ...letterhead, back, date, input.reference, input.subject ?? '', input.bodyText ?? '', ...Object.values(labels)].join('\n');
  return `<!doctype html>
<html lang="${input.locale}"><head><meta charset="utf-8"><title>${e(input.reference)}</title>
<style>
${fontFaceCss(printed)}
@page { size: A4; margin: 20mm 20mm 30mm 25mm; }
@page :first { margin: 0; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: '${FONT_FAMILY}'; font-size: 10pt; line-height: 13pt; color: #000; }
.abs { position: absolute; margin: 0; }
.letterhead { left: ${ADDRESS_MM.left}mm; top: 14mm; width: 90mm; font-size: 9pt; line-height: 11pt; }
.letterhead b { font-weight: 600; font-size: 11pt; line-height: 14pt; }
.back { left: ${ADDRESS_MM.left}mm; top: ${w.top + RETURN_ZONE_MM - 5}mm; width: ${lineWidth}mm; height: 4.5mm;
  font-size: ${backSize}pt; line-height: 4mm; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; border-bottom: 0.2mm solid #000; }
.address { left: ${ADDRESS_MM.left}mm; top: ${ADDRESS_MM.top}mm; width: ${lineWidth}mm; padding-top: ${(0.15 * addressSize).toFixed(2)}pt;
  font-size: ${addressSize}pt; line-height: ${(1.15 * addressSize).toFixed(2)}pt; white-space: nowrap; overflow: hidden; }
.meta { left: ${BARCODE_MM.left}mm; top: ${w.top + 5}mm; width: 70mm; font-size: 9pt; line-height: 12pt; border-collapse: collapse; }
.meta th { text-align: left; font-weight: 600; padding: 0 3mm 0 0; vertical-align: top; white-space: nowrap; }
.meta td { padding: 0; overflow-wrap: anywhere; }
.barcode { position: absolute; left: ${BARCODE_MM.left}mm; top: ${BARCODE_MM.top}mm; height: ${BARCODE_MM.height}mm; }
.flow { padding: 105mm 20mm 0 ${ADDRESS_MM.left}mm; }
.flow h1 { font-size: 12pt; line-height: 15pt; font-weight: 600; margin: 0 0 5mm; }
.flow p { margin: 0 0 3mm; overflow-wrap: anywhere; }
</style></head><body>
<div class="abs letterhead"><b>${e(letterhead[0] ?? '')}</b><br>${letterhead.slice(1).map(e).join('<br>')}</div>
<div class="abs back">${e(back)}</div>
<div class="abs address">${address.map(e).join('<br>')}</div>
<table class="abs meta">
<tr><th>${e(labels.date)}</th><td>${e(date)}</td></tr>
<tr><th>${e(labels.reference)}</th><td>${e(input.reference)}</td></tr>
</table>
${barcode}
<div class="flow">${input.subject ? `<h1>${e(labels.subject)}: ${e(input.subject)}</h1>` : ''}${body}</div>
</body></html>`;
}

/**
 * The caller's HTML with the bundled font as its default (its own CSS still wins), so text without a
 * font of its own prints the same everywhere.
 */
export function withDefaultFont(html: string): string {
  const style = `<style>${fontFaceCss()}\nhtml { font-family: '${FONT_FAMILY}'; }</style>`;
  const head = /<head(\s[^>]*)?>/i.exec(html) ?? /<html(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + style + html.slice(head.index + head[0].length);
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  return doctype ? doctype[0] + style + html.slice(doctype[0].length) : style + html;
}
