// The letter as a printer checks it, rendered by the real Chromium (/usr/bin/chromium) and read back
// with poppler-utils. One renderer for the whole file.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isTollgateError } from '@tollgate/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { LETTER_WINDOW_MM, LetterAttachmentUnreadableError, LetterTooLongError, createLetterRenderer, type RenderLetterInput } from '../src/index.js';
import { BASE_LETTER, encryptedPdf, htmlDocument, invoicePdf } from './fixtures.js';
import { bitmap, differingBox, fonts, images, overlaps, pageSizes, pageTexts, words, type Word } from './pdf-inspect.js';

const renderer = createLetterRenderer({ browsers: 1, pagesPerBrowser: 2 });
afterAll(() => renderer.close());

const letter = (more: Partial<RenderLetterInput> = {}): RenderLetterInput => ({ ...BASE_LETTER, ...more });
const A4 = { width: 595.28, height: 841.89 };
const W = LETTER_WINDOW_MM;
const returnZone = { left: W.left, top: W.top, width: W.width, height: 17.7 };
const addressZone = { left: W.left, top: W.top + 17.7, width: W.width, height: W.height - 17.7 };
const lineOf = (ws: Word[]) => ws.map((w) => w.text).join(' ');

/** The words on page 1 grouped into lines (same top), top to bottom. */
function lines(ws: Word[]): Word[][] {
  const out: Word[][] = [];
  for (const w of [...ws].sort((a, b) => a.top - b.top || a.left - b.left)) {
    const line = out.find((l) => Math.abs(l[0]!.top - w.top) < 0.5);
    if (line) line.push(w);
    else out.push([w]);
  }
  return out;
}

describe('the cover page', () => {
  it('is A4, and in the window holds only the return line and the address, where DIN 5008 form B puts them', async () => {
    const { pdf, pages } = await renderer.render(letter());
    expect(pages).toBe(1);
    for (const size of pageSizes(pdf)) {
      expect(size.width).toBeCloseTo(A4.width, 0);
      expect(size.height).toBeCloseTo(A4.height, 0);
    }
    const inWindow = words(pdf).filter((w) => w.page === 1 && overlaps(w, W));
    const [back, ...address] = lines(inWindow);
    // The return line: one line, inside the 17.7 mm zone, at least 6 pt (a word box is ~1.42 × the font size).
    expect(lineOf(back!)).toBe('Tollgate Demo NV · Stationsplein 1 · 1012 AB AMSTERDAM · NETHERLANDS');
    for (const w of back!) {
      expect(w.top).toBeGreaterThanOrEqual(returnZone.top);
      expect(w.bottom).toBeLessThanOrEqual(returnZone.top + returnZone.height);
      expect(w.right).toBeLessThanOrEqual(W.left + W.width);
      expect(((w.bottom - w.top) / 1.42) * (72 / 25.4)).toBeGreaterThanOrEqual(6);
    }
    // The address: the SDK's lines, from 62.7 mm down and 25 mm in, all inside the window.
    expect(address.map(lineOf)).toEqual(['Brouwerij De Klok BV', 'T.a.v. Boekhouding', 'Kerkstraat 12 bus 3', '9000 Gent', 'BELGIË']);
    expect(address[0]![0]!.top).toBeGreaterThanOrEqual(62.7 - 0.1);
    expect(address[0]![0]!.top).toBeLessThan(63.5);
    for (const line of address) {
      expect(line[0]!.left).toBeCloseTo(25, 0);
      for (const w of line) {
        expect(w.top).toBeGreaterThanOrEqual(addressZone.top - 0.1);
        expect(w.bottom).toBeLessThanOrEqual(addressZone.top + addressZone.height);
        expect(w.right).toBeLessThanOrEqual(W.left + W.width);
      }
    }
  });

  it('prints the longest lines the SDK allows (50 characters) whole inside the window, smaller rather than cut', async () => {
    const long = 'WWWWWWWWWW Maatschappij voor Wereldwijde Wegenbouw'.slice(0, 50);
    const street = 'Koning Albert II-laan 1234 bus 567 (gebouw Noord)'.slice(0, 50);
    const sender = { ...BASE_LETTER.sender, name: 'MMMMMMMMMM Internationale Handelsonderneming B.V.', street: 'Wilhelminakade 123' };
    const { pdf } = await renderer.render(letter({ recipient: { ...BASE_LETTER.recipient, name: long, street }, sender }));
    const inWindow = words(pdf).filter((w) => w.page === 1 && overlaps(w, W));
    const [back, ...address] = lines(inWindow);
    // Too long even at 6 pt: the name is shortened, the postal part stays whole.
    expect(lineOf(back!)).toMatch(/^MMMMMMMMMM [^·]*… · Wilhelminakade 123 · 1012 AB AMSTERDAM · NETHERLANDS$/);
    expect(address.map(lineOf)).toEqual([long, 'T.a.v. Boekhouding', street, '9000 Gent', 'BELGIË']);
    for (const w of inWindow) expect(w.right).toBeLessThanOrEqual(W.left + W.width - 1);
    // Still at least 8 pt (address) and 6 pt (return line): a word box is ~1.42 × the font size.
    const pt = (w: Word) => ((w.bottom - w.top) / 1.42) * (72 / 25.4);
    expect(Math.min(...address.flat().map(pt))).toBeGreaterThanOrEqual(7.9);
    expect(Math.min(...back!.map(pt))).toBeGreaterThanOrEqual(5.9);
  });

  it('prints the labels, date and reference in the letter language, and escapes user text', async () => {
    const fr = pageTexts((await renderer.render(letter({ locale: 'fr', subject: 'Facture <b>42</b>', bodyText: '<script>alert(1)</script> & co' }))).pdf)[0]!;
    expect(fr).toMatch(/Date\s+7 décembre 2026/);
    expect(fr).toMatch(/Référence\s+LTR-01JEX4Q2Z8K3M5N7P9R1T3V5/);
    expect(fr).toContain('Objet: Facture <b>42</b>');
    expect(fr).toContain('<script>alert(1)</script> & co');
    expect(fr).toContain('Page 1/1');
    const de = pageTexts((await renderer.render(letter({ locale: 'de', sender: { ...BASE_LETTER.sender, name: 'A & B "<i>" GmbH' } }))).pdf)[0]!;
    expect(de).toMatch(/Datum\s+7\. Dezember 2026/);
    expect(de).toContain('Betreff: Factuur 2026/0042');
    expect(de).toContain('A & B "<i>" GmbH');
    expect(de).toContain('Seite 1/1');
  });

  it('carries a Code 128 barcode of the reference only when asked, clear of the window and of the bottom 30 mm', async () => {
    const withCode = await renderer.render(letter({ barcode: true }));
    const without = await renderer.render(letter({ barcode: false }));
    // Vector bars, no image; what the barcode adds is found by comparing the two pages' pixels.
    expect(images(withCode.pdf)).toHaveLength(0);
    const box = differingBox(bitmap(withCode.pdf, 1, 72), bitmap(without.pdf, 1, 72))!;
    expect(box).not.toBeNull();
    expect(box.bottom - box.top).toBeCloseTo(10, 0);
    expect(box.right - box.left).toBeGreaterThan(40);
    expect(overlaps(box, W)).toBe(false);
    expect(box.bottom).toBeLessThanOrEqual(297 - 30);
    expect(box.right).toBeLessThanOrEqual(210 - 10);
  });

  it('embeds every font', async () => {
    const { pdf } = await renderer.render(letter({ html: htmlDocument(1), attachments: [await invoicePdf(1)] }));
    const list = fonts(pdf);
    expect(list.length).toBeGreaterThan(0);
    expect(list.filter((f) => !f.embedded)).toEqual([]);
  });
});

describe('appended pages', () => {
  it.each([1, 2, 3])('%i invoice page(s) after the cover: page count, A4 and "n/N" on every page', async (n) => {
    const { pdf, pages } = await renderer.render(letter({ attachments: [await invoicePdf(n)] }));
    expect(pages).toBe(n + 1);
    expect(pageSizes(pdf)).toHaveLength(n + 1);
    const texts = pageTexts(pdf);
    texts.forEach((text, i) => expect(text).toContain(`Pagina ${i + 1}/${n + 1}`));
    expect(texts[1]).toContain('INVOICE 2026/0042 sheet 1');
  });

  it('renders the caller html as A4 pages after the cover, before the attachments', async () => {
    const { pdf, pages } = await renderer.render(letter({ locale: 'en', html: htmlDocument(2), attachments: [await invoicePdf(1), await invoicePdf(1)] }));
    expect(pages).toBe(5);
    const texts = pageTexts(pdf);
    expect(texts[1]).toContain('Terms, part 1');
    expect(texts[2]).toContain('Terms, part 2');
    expect(texts[3]).toContain('INVOICE');
    texts.forEach((text, i) => expect(text).toContain(`Page ${i + 1}/5`));
    for (const size of pageSizes(pdf)) expect([size.width, size.height].map((v) => Math.round(v))).toEqual([595, 842]);
  });

  it('puts a page of another size (US Letter) on A4', async () => {
    const { pdf, pages } = await renderer.render(letter({ attachments: [await invoicePdf(1, [612, 792])] }));
    expect(pages).toBe(2);
    expect(pageSizes(pdf).map((s) => [Math.round(s.width), Math.round(s.height)])).toEqual([
      [595, 842],
      [595, 842],
    ]);
    expect(pageTexts(pdf)[1]).toContain('INVOICE 2026/0042 sheet 1');
  });

  it('refuses an attachment that is not a readable PDF: 422 letter_attachment_unreadable', async () => {
    const good = await invoicePdf(1);
    for (const [bad, reason] of [
      [new TextEncoder().encode('%PDF-1.7 this is not a pdf'), 'not_a_pdf'],
      [good.slice(0, 200), 'not_a_pdf'],
      [await encryptedPdf(), 'encrypted'],
    ] as const) {
      const error = await renderer.render(letter({ attachments: [good, bad] })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LetterAttachmentUnreadableError);
      expect(isTollgateError(error) && [error.status, error.code, error.details]).toEqual([422, 'letter_attachment_unreadable', { attachment: 1, reason }]);
    }
  });

  it('refuses more than 20 pages: 400 letter_too_long (from attachments, or from the html pages)', async () => {
    const fromAttachments = await renderer.render(letter({ attachments: [await invoicePdf(20)] })).catch((e: unknown) => e);
    expect(fromAttachments).toBeInstanceOf(LetterTooLongError);
    expect(isTollgateError(fromAttachments) && [fromAttachments.status, fromAttachments.code, fromAttachments.details]).toEqual([
      400,
      'letter_too_long',
      { pages: 21, maxPages: 20 },
    ]);
    const fromHtml = await renderer.render(letter({ html: htmlDocument(18), attachments: [await invoicePdf(2)] })).catch((e: unknown) => e);
    expect(isTollgateError(fromHtml) && fromHtml.code).toBe('letter_too_long');
    // Exactly 20 is fine.
    expect((await renderer.render(letter({ attachments: [await invoicePdf(19)] }))).pages).toBe(20);
  });
});

describe('the renderer', () => {
  it('fetches nothing: images, styles, fonts and frames of the caller html never reach the network; data: URLs load', async () => {
    const hits: string[] = [];
    let connections = 0;
    const server = createServer((request, response) => {
      hits.push(request.url ?? '');
      response.end('x');
    }).on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dot = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgAB4iG8MwAAAABJRU5ErkJggg==';
      const html = `<!doctype html><html><head><link rel="stylesheet" href="${base}/style.css"><style>@import url("${base}/import.css");
        @font-face { font-family: Remote; src: url("${base}/font.woff2"); } p { font-family: Remote; background: url("${base}/bg.png"); }</style></head>
        <body><p>Logo below</p><img src="${base}/logo.png"><img src="https://127.0.0.1:1/x.png"><iframe src="${base}/frame.html"></iframe>
        <iframe src="file:///etc/hostname"></iframe><object data="${base}/object.pdf"></object><img src="data:image/png;base64,${dot}" style="width:20mm"></body></html>`;
      const { pdf, pages } = await renderer.render(letter({ html }));
      expect(pages).toBe(2);
      expect(hits).toEqual([]);
      expect(connections).toBe(0); // not even a preconnect
      // The data: image (1 × 1 px) is printed; the blocked ones print as Chromium's broken-image icon.
      expect(images(pdf).filter((i) => i.page === 2 && i.width === 1 && i.height === 1)).toHaveLength(1);
      expect(pageTexts(pdf)[1]).not.toContain(readFileSync('/etc/hostname', 'utf8').trim() || 'no hostname');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses input that breaks the contract: 400 invalid_letter', async () => {
    for (const bad of [{ locale: 'es' as 'en' }, { reference: 'LTR 1' }, { reference: 'LTR-é' }, { date: new Date('nope') }, { timeZone: 'Mars/Olympus' }]) {
      const error = await renderer.render(letter(bad)).catch((e: unknown) => e);
      expect(isTollgateError(error) && [error.status, error.code]).toEqual([400, 'invalid_letter']);
    }
  });

  it('gives the same bytes for the same letter', async () => {
    const a = await renderer.render(letter({ attachments: [await invoicePdf(1)] }));
    const b = await renderer.render(letter({ attachments: [await invoicePdf(1)] }));
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
