import { createHash } from 'node:crypto';
import type { PostalAddress } from '@tollgate/plugin-sdk';
import { ValidationError } from '@tollgate/errors';
import { z } from 'zod';
import { assembleLetter, assertPageCount, loadAttachments } from './assemble.js';
import { code128Svg } from './barcode.js';
import { BrowserPool, type BrowserPoolStats } from './browser-pool.js';
import { coverHtml, withDefaultFont } from './cover-html.js';
import { LETTER_LABELS, type LetterLocale } from './labels.js';

export interface RenderLetterInput {
  /** Already normalised and validated (`assertPostalAddress` from the plugin SDK). */
  recipient: PostalAddress;
  sender: PostalAddress;
  locale: LetterLocale;
  /** The printed date, on the calendar of `timeZone` (the account's; default Europe/Brussels). */
  date: Date;
  timeZone?: string;
  /** The letter id, printed on the cover. */
  reference: string;
  /** A Code 128 of `reference` on the cover, clear of the window and of the bottom 30 mm. */
  barcode: boolean;
  /** "Invoice 2026/0042". */
  subject?: string;
  /** A short plain-text note (escaped, never raw HTML); blank lines separate paragraphs. */
  bodyText?: string;
  /** The caller's own HTML document, printed as A4 pages after the cover (no scripts run, nothing is fetched: inline images as data: URLs). */
  html?: string;
  /** PDFs appended after the cover (and the html pages). */
  attachments?: readonly Uint8Array[];
}

export interface RenderedLetter {
  pdf: Uint8Array;
  pages: number;
  sha256: string;
  renderMs: number;
}

export interface LetterRenderer {
  render(input: RenderLetterInput): Promise<RenderedLetter>;
  close(): Promise<void>;
}

export interface LetterRendererOptions {
  /** Default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'. */
  executablePath?: string;
  /** Browsers (Chromium processes); default 1. */
  browsers?: number;
  /** Tabs rendering at once per browser; default 4. More letters wait in a FIFO queue. */
  pagesPerBrowser?: number;
  /** Renders before a browser is replaced (drained first); default 500. */
  recycleAfter?: number;
  /** Time for Chromium's part of one letter (cover and html pages), queue time excluded; default 15000. */
  renderTimeoutMs?: number;
  /** Called as a letter's Chromium work starts (also on its retry), with the browser's process id and the letter's reference (tests, metrics). */
  onRenderStart?: (info: { browserPid: number | undefined; reference: string }) => void;
}

/** The renderer, with what its pool is doing (browser pids, counts) for benchmarks and tests. */
export interface LetterRendererPool extends LetterRenderer {
  stats(): BrowserPoolStats;
}

const address = z.object({
  name: z.string().min(1).max(200),
  attention: z.string().max(200).optional(),
  street: z.string().min(1).max(200),
  postalCode: z.string().min(1).max(20),
  city: z.string().min(1).max(200),
  country: z.string().regex(/^[A-Z]{2}$/),
});

const inputSchema = z.object({
  recipient: address,
  sender: address,
  locale: z.enum(['nl', 'fr', 'en', 'de']),
  date: z.date().refine((d) => !Number.isNaN(d.getTime()), 'an invalid date'),
  timeZone: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'not an IANA time zone')
    .optional(),
  reference: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x21-\x7e]+$/, 'the reference must be printable ASCII without spaces (it is printed as a Code 128 barcode)'),
  barcode: z.boolean(),
  subject: z.string().max(200).optional(),
  bodyText: z.string().max(5000).optional(),
  html: z.string().max(5_000_000).optional(),
  attachments: z.array(z.instanceof(Uint8Array)).max(20).optional(),
});

const optionsSchema = z.object({
  executablePath: z.string().min(1),
  browsers: z.number().int().min(1).max(16),
  pagesPerBrowser: z.number().int().min(1).max(64),
  recycleAfter: z.number().int().min(1),
  renderTimeoutMs: z.number().int().min(1),
});

/** The cover page's HTML as the renderer prints it (for previews, and the benchmark's baseline). */
export async function letterCoverHtml(input: RenderLetterInput): Promise<string> {
  return coverHtml({ ...input, barcode: input.barcode ? code128Svg(input.reference) : undefined });
}

/** Letters as print-ready PDFs, rendered by a pool of headless Chromium browsers. */
export function createLetterRenderer(options: LetterRendererOptions = {}): LetterRendererPool {
  const config = optionsSchema.parse({
    executablePath: options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    browsers: options.browsers ?? 1,
    pagesPerBrowser: options.pagesPerBrowser ?? 4,
    recycleAfter: options.recycleAfter ?? 500,
    renderTimeoutMs: options.renderTimeoutMs ?? 15_000,
  });
  const onStart = options.onRenderStart;
  const pool = new BrowserPool({ ...config, ...(onStart ? { onRenderStart: ({ browserPid, label }) => onStart({ browserPid, reference: label }) } : {}) });

  return {
    async render(raw: RenderLetterInput): Promise<RenderedLetter> {
      const started = performance.now();
      const parsed = inputSchema.safeParse(raw);
      if (!parsed.success)
        throw new ValidationError({
          code: 'invalid_letter',
          message: `The letter cannot be rendered: ${parsed.error.issues[0]?.message}`,
          details: parsed.error.issues,
        });
      const input = raw;
      // Attachments first: a broken or overlong one is refused before Chromium is asked for anything.
      const attachments = await loadAttachments(input.attachments ?? []);
      assertPageCount(1 + attachments.reduce((n, d) => n + d.getPageCount(), 0));
      const cover = await letterCoverHtml(input);
      const printed = await pool.run(input.reference, async (page) => {
        await page.setContent(cover, { waitUntil: 'load' });
        // Untagged: the accessibility tree costs time and a printer never reads it.
        const coverPdf = await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: false, outline: false });
        if (input.html === undefined) return { cover: coverPdf };
        await page.setContent(withDefaultFont(input.html), { waitUntil: 'load' });
        const htmlPdf = await page.pdf({
          format: 'A4',
          margin: { top: '20mm', right: '20mm', bottom: '20mm', left: '20mm' },
          printBackground: true,
          tagged: false,
          outline: false,
        });
        return { cover: coverPdf, html: htmlPdf };
      });
      const { pdf, pages } = await assembleLetter({
        cover: printed.cover,
        ...(printed.html ? { html: printed.html } : {}),
        attachments,
        pageLabel: LETTER_LABELS[input.locale].page,
        title: input.subject ?? input.reference,
        date: input.date,
      });
      return { pdf, pages, sha256: createHash('sha256').update(pdf).digest('hex'), renderMs: performance.now() - started };
    },
    close: () => pool.close(),
    stats: () => pool.stats(),
  };
}
