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
 * greyscale and a contrast stretch. No threshold: tesseract binarises itself (Otsu), and a fixed
 * threshold lost faint print on the low-contrast fixtures.
 */
export async function prepareForOcr({ image }: { image: Sharp }): Promise<OcrImage> {
  const oriented = await image.rotate().greyscale().normalise().png({ compressionLevel: 1 }).toBuffer({ resolveWithObject: true });
  const { width, height } = oriented.info;
  const scale = Math.min(Math.max(1, MIN_WIDTH / width), MAX_SIDE / Math.max(width, height));
  if (Math.abs(scale - 1) < 0.05) return { png: oriented.data, width, height };
  const resized = await sharp(oriented.data)
    .resize({ width: Math.round(width * scale), height: Math.round(height * scale), kernel: scale > 1 ? 'cubic' : 'lanczos3' })
    .png({ compressionLevel: 1 })
    .toBuffer({ resolveWithObject: true });
  return { png: resized.data, width: resized.info.width, height: resized.info.height };
}

/** The prepared image turned clockwise by a multiple of 90°. */
export async function turn({ image, degrees }: { image: OcrImage; degrees: number }): Promise<OcrImage> {
  if (degrees === 0) return image;
  const turned = await sharp(image.png).rotate(degrees).png({ compressionLevel: 1 }).toBuffer({ resolveWithObject: true });
  return { png: turned.data, width: turned.info.width, height: turned.info.height };
}
