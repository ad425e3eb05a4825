import { describe, expect, it } from 'vitest';
import { BASE_LETTER } from '../test/fixtures.js';
import { coverHtml, escapeHtml, fittedReturnLine, returnLine, withDefaultFont } from './cover-html.js';
import { formatLetterDate } from './labels.js';
import { fittingSize, textWidthMm } from './text-fit.js';

describe('cover html', () => {
  it('escapes everything that could open markup', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&\``)).toBe('&#60;img src=x onerror=&#34;a(&#39;b&#39;)&#34;&#62;&#38;&#96;');
  });

  it('never lets user text become markup', () => {
    const html = coverHtml({
      ...BASE_LETTER,
      barcode: undefined,
      recipient: { ...BASE_LETTER.recipient, name: '<script>x()</script>' },
      subject: '</h1><iframe>',
      bodyText: '<b>bold</b>\n\n<i>',
      reference: '"><svg onload=1>',
    });
    expect(html).not.toMatch(/<script>|<iframe>|<b>bold|<i>|<svg/);
    expect(html).toContain('&#60;script&#62;x()&#60;/script&#62;');
  });

  it('writes the return line on one line, with the country when posted abroad', () => {
    expect(returnLine(BASE_LETTER.sender, 'BE')).toBe('Tollgate Demo NV · Stationsplein 1 · 1012 AB  AMSTERDAM · NETHERLANDS');
    expect(returnLine(BASE_LETTER.sender, 'NL')).toBe('Tollgate Demo NV · Stationsplein 1 · 1012 AB  AMSTERDAM');
  });

  it('dates the letter in its language and the account time zone', () => {
    const lateEvening = new Date('2026-12-31T23:30:00Z');
    expect(formatLetterDate(lateEvening, 'nl', 'Europe/Brussels')).toBe('1 januari 2027');
    expect(formatLetterDate(lateEvening, 'en', 'Europe/London')).toBe('31 December 2026');
    expect(formatLetterDate(lateEvening, 'de', 'Europe/Berlin')).toBe('1. Januar 2027');
    expect(formatLetterDate(lateEvening, 'fr')).toBe('1 janvier 2027');
  });

  it("gives the caller's html the bundled font as default, after its <head> (its own css still wins)", () => {
    const out = withDefaultFont('<!DOCTYPE html><html lang="nl"><head><title>t</title></head><body>x</body></html>');
    expect(out.startsWith('<!DOCTYPE html><html lang="nl"><head><style>@font-face')).toBe(true);
    expect(out.indexOf('<style>')).toBeLessThan(out.indexOf('<title>'));
    expect(withDefaultFont('<p>bare</p>').startsWith('<style>')).toBe(true);
    expect(withDefaultFont('<!doctype html><p>x</p>').startsWith('<!doctype html><style>')).toBe(true);
    expect(withDefaultFont('<html><header>h</header></html>').startsWith('<html><style>')).toBe(true);
  });
});

describe('the inlined font', () => {
  it('carries the Latin Extended faces only when the text needs them', () => {
    const faces = (html: string) => html.match(/@font-face/g)?.length;
    expect(faces(coverHtml({ ...BASE_LETTER, barcode: undefined }))).toBe(2);
    expect(faces(coverHtml({ ...BASE_LETTER, barcode: undefined, recipient: { ...BASE_LETTER.recipient, name: 'Łukasz Wąsowski' } }))).toBe(4);
    expect(faces(coverHtml({ ...BASE_LETTER, barcode: undefined, bodyText: 'Zahlbar in € – „bitte“' }))).toBe(2);
  });
});

describe('fitting the window', () => {
  it('keeps the return line at 7 pt when it fits, shrinks it to 6 pt, and then shortens the name, never the postal part', () => {
    expect(fittedReturnLine(BASE_LETTER.sender, 'NL', 78)).toEqual({ text: 'Tollgate Demo NV · Stationsplein 1 · 1012 AB  AMSTERDAM', sizePt: 7 });
    const long = { ...BASE_LETTER.sender, name: 'Internationale Handelsonderneming Van Der Berg-Janssens B.V.' };
    const fitted = fittedReturnLine(long, 'BE', 78);
    expect(fitted.sizePt).toBe(6);
    expect(fitted.text).toMatch(/^Internationale Handels\S*… · Stationsplein 1 · 1012 AB {2}AMSTERDAM · NETHERLANDS$/);
    expect(textWidthMm(fitted.text, 6)).toBeLessThanOrEqual(78);
  });

  it('gives long address lines a smaller size, never under 8 pt', () => {
    expect(fittingSize(['Jan Janssens'], 78, 10, 8)).toBe(10);
    const wide = 'W'.repeat(50);
    expect(fittingSize([wide], 78, 10, 8)).toBe(8);
    const size = fittingSize(['Brouwerij en Mouterij De Klok van Oost-Vlaanderen BV'], 78, 10, 8);
    expect(size).toBeLessThan(10);
    expect(textWidthMm('Brouwerij en Mouterij De Klok van Oost-Vlaanderen BV', size)).toBeLessThanOrEqual(78);
  });
});
