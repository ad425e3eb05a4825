import { PDFDocument } from 'pdf-lib';
import type { Page } from 'puppeteer-core';
import sharp, { type Sharp } from 'sharp';
import { invoiceHtml, receiptHtml } from './document-html.js';
import type { PlannedDocument } from './expense-plan.js';
import { SeededRandom } from './seeded-random.js';

/*
 * Pictures of the planned documents. Chromium lays out the HTML (its PDF keeps a text layer; its
 * screenshots are the "clean" images); sharp degrades the pictures step by step in the listed order;
 * pdf-lib wraps a scan-like picture in a PDF without text. Every random choice comes from the
 * document's own seed, so one document can be made again alone.
 */

/** 80 mm at 96 CSS px per inch. */
const RECEIPT_CSS_WIDTH = 303;
const A4_CSS_WIDTH = 794;
/** Receipts stay under this many pixels on the long side, as the brief asks (≤ ~1400). */
const RECEIPT_MAX_PX = 1400;
/** A fixed date for every PDF's metadata, so the files do not change from run to run. */
const PDF_DATE = new Date('2026-01-01T00:00:00Z');

export async function renderDocument(input: { page: Page; doc: PlannedDocument }): Promise<Buffer> {
  const { page, doc } = input;
  const random = new SeededRandom(doc.seed);
  const receipt = doc.truth.layout === 'receipt';
  const html = receipt ? receiptHtml(doc) : invoiceHtml(doc);
  switch (doc.truth.kind) {
    case 'text-pdf':
      return textPdf({ page, html, receipt });
    case 'clean-image': {
      const png = await screenshot({ page, html, receipt, dpi: receipt ? 192 : 160 });
      return doc.truth.contentType === 'image/png'
        ? sharp(png).png({ palette: true, colours: 32, compressionLevel: 9, effort: 8 }).toBuffer()
        : sharp(png).jpeg({ quality: 82, mozjpeg: true }).toBuffer();
    }
    case 'degraded-image':
      return degradedImage({ page, html, receipt, degradations: doc.truth.degradations, random });
    case 'scanned-pdf':
      return scannedPdf({ page, html, receipt, random });
  }
}

async function textPdf(input: { page: Page; html: string; receipt: boolean }): Promise<Buffer> {
  const { page, html, receipt } = input;
  await page.setViewport({ width: receipt ? RECEIPT_CSS_WIDTH : A4_CSS_WIDTH, height: 800, deviceScaleFactor: 1 });
  await page.setContent(html, { waitUntil: 'load' });
  const bytes = receipt
    ? await page.pdf({ width: '80mm', height: `${(await contentHeight(page)) + 4}px`, printBackground: true, pageRanges: '1' })
    : await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true, pageRanges: '1' });
  // Chromium stamps the time and a random id; set them so the file is the same every run.
  const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
  pdf.setCreationDate(PDF_DATE);
  pdf.setModificationDate(PDF_DATE);
  pdf.setProducer('Tollgate expense corpus');
  pdf.setCreator('Chromium');
  delete (pdf.context.trailerInfo as { ID?: unknown }).ID;
  return Buffer.from(await pdf.save({ useObjectStreams: false }));
}

async function contentHeight(page: Page): Promise<number> {
  // Runs in the page, where `document` exists; this package is compiled without the DOM types.
  return page.evaluate(() => Math.ceil((globalThis as unknown as { document: { body: { scrollHeight: number } } }).document.body.scrollHeight));
}

/** A flat PNG of the document at about `dpi` (receipts capped at RECEIPT_MAX_PX long). */
async function screenshot(input: { page: Page; html: string; receipt: boolean; dpi: number }): Promise<Buffer> {
  const { page, html, receipt } = input;
  const width = receipt ? RECEIPT_CSS_WIDTH : A4_CSS_WIDTH;
  await page.setViewport({ width, height: 800, deviceScaleFactor: 1 });
  await page.setContent(html, { waitUntil: 'load' });
  const height = await contentHeight(page);
  const scale = Math.min(input.dpi / 96, receipt ? RECEIPT_MAX_PX / height : Infinity);
  await page.setViewport({ width, height, deviceScaleFactor: scale });
  return Buffer.from(await page.screenshot({ type: 'png', fullPage: true }));
}

/** A phone photo: the flat picture on a table, tilted in 3D by CSS, lit unevenly. */
async function perspectivePhoto(input: { page: Page; flat: Buffer; receipt: boolean; random: SeededRandom }): Promise<Buffer> {
  const { page, flat, receipt, random } = input;
  const meta = await sharp(flat).metadata();
  const shownWidth = receipt ? 400 : 900;
  const shownHeight = Math.round(((meta.height ?? 1) / (meta.width ?? 1)) * shownWidth);
  const sceneWidth = shownWidth + (receipt ? 160 : 220);
  const sceneHeight = shownHeight + (receipt ? 140 : 180);
  const rx = 6 + random.int(0, 8);
  const ry = (random.chance(0.5) ? -1 : 1) * (4 + random.int(0, 6));
  const rz = (random.int(-30, 30) / 10).toFixed(1);
  const html = `<!doctype html><html><body style="margin:0;width:${sceneWidth}px;height:${sceneHeight}px;overflow:hidden;
background:radial-gradient(ellipse at 30% 20%, #8a7560 0%, #5e4b3a 60%, #3f3226 100%);display:flex;align-items:center;justify-content:center;">
<div style="perspective:1200px;"><img src="data:image/png;base64,${flat.toString('base64')}" style="display:block;width:${shownWidth}px;
transform:rotateX(${rx}deg) rotateY(${ry}deg) rotateZ(${rz}deg);box-shadow:0 12px 30px rgba(0,0,0,.55);filter:brightness(0.97)"></div>
<div style="position:absolute;inset:0;background:linear-gradient(115deg, rgba(255,255,255,.10), rgba(0,0,0,.18));"></div>
</body></html>`;
  await page.setViewport({ width: sceneWidth, height: sceneHeight, deviceScaleFactor: receipt ? 1.5 : 1.3 });
  await page.setContent(html, { waitUntil: 'load' });
  return Buffer.from(await page.screenshot({ type: 'png' }));
}

interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

async function toRaw(image: Sharp): Promise<RawImage> {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

const fromRaw = (raw: RawImage) => sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });

/** Gaussian noise with standard deviation `sd` (0–255 scale), the same for each channel of a pixel (sensor grain). */
function addNoise(raw: RawImage, sd: number, random: SeededRandom): RawImage {
  const out = Buffer.from(raw.data);
  for (let p = 0; p < raw.width * raw.height; p += 1) {
    const n = random.gaussian() * sd;
    for (let c = 0; c < raw.channels; c += 1) {
      const i = p * raw.channels + c;
      out[i] = Math.max(0, Math.min(255, Math.round((out[i] as number) + n)));
    }
  }
  return { ...raw, data: out };
}

async function degradedImage(input: { page: Page; html: string; receipt: boolean; degradations: string[]; random: SeededRandom }): Promise<Buffer> {
  const { page, html, receipt, degradations, random } = input;
  let picture = await screenshot({ page, html, receipt, dpi: receipt ? 180 : 130 });
  let quality = 75;
  let raw: RawImage | null = null;
  const current = () => (raw ? fromRaw(raw) : sharp(picture));
  for (const step of degradations) {
    const [name, arg] = step.split(':') as [string, string | undefined];
    const value = Number(arg);
    switch (name) {
      case 'perspective':
        if (raw) picture = await fromRaw(raw).png().toBuffer();
        picture = await perspectivePhoto({ page, flat: picture, receipt, random });
        raw = null;
        break;
      case 'rotate':
        raw = await toRaw(current().rotate(value, { background: receipt ? '#c9c4bb' : '#f4f4f2' }));
        break;
      case 'turn':
        raw = await toRaw(current().rotate(value));
        break;
      case 'blur':
        raw = await toRaw(current().blur(value));
        break;
      case 'contrast':
        // Everything pulled toward a mid-light grey: faded thermal paper, a dim photo.
        raw = await toRaw(current().linear(value, Math.round(255 * (1 - value) * 0.7)));
        break;
      case 'noise':
        raw = addNoise(await toRaw(current()), value, random);
        break;
      case 'jpeg':
        quality = value;
        break;
      default:
        throw new Error(`unknown degradation ${step}`);
    }
  }
  return current().jpeg({ quality, mozjpeg: true }).toBuffer();
}

/** A flatbed scan at 150 dpi: grey, slightly askew, a little grain, in a PDF with no text layer. */
async function scannedPdf(input: { page: Page; html: string; receipt: boolean; random: SeededRandom }): Promise<Buffer> {
  const { page, html, receipt, random } = input;
  const flat = await screenshot({ page, html, receipt, dpi: 150 });
  const skew = (random.chance(0.5) ? -1 : 1) * (0.4 + random.int(0, 8) / 10);
  const turned = await toRaw(sharp(flat).greyscale().rotate(skew, { background: '#ffffff' }).blur(0.5));
  const grainy = addNoise(turned, 6, random);
  const jpeg = await fromRaw(grainy).jpeg({ quality: 70, mozjpeg: true }).toBuffer();
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.setCreationDate(PDF_DATE);
  pdf.setModificationDate(PDF_DATE);
  pdf.setProducer('Tollgate expense corpus');
  pdf.setCreator('Scanner');
  const image = await pdf.embedJpg(jpeg);
  // A4 in points, or the receipt's own size at 150 dpi.
  const width = receipt ? (grainy.width * 72) / 150 : 595.28;
  const height = receipt ? (grainy.height * 72) / 150 : (grainy.height / grainy.width) * 595.28;
  const sheet = pdf.addPage([width, receipt ? height : Math.max(height, 841.89)]);
  sheet.drawImage(image, { x: 0, y: sheet.getHeight() - height, width, height });
  return Buffer.from(await pdf.save({ useObjectStreams: false }));
}
