/** The file types an upload route may take (`PluginRoute.upload.types`), by what their bytes are. */
export const UPLOAD_MEDIA_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/heic'] as const;
export type UploadMediaType = (typeof UPLOAD_MEDIA_TYPES)[number];

/** How many leading bytes `sniffMediaType` needs to decide (the HEIC brand ends at byte 12). */
export const SNIFF_BYTES = 12;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** ISO-BMFF major brands of HEIF/HEIC stills and sequences (AVIF's 'avif' is not among them). */
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1']);

/**
 * What the first bytes of a file say it is, or null when it is none of the upload types. The
 * client's Content-Type is not trusted: a renamed .exe called application/pdf is still a 415.
 */
export function sniffMediaType(head: Buffer): UploadMediaType | null {
  if (head.length >= 5 && head.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(PNG)) return 'image/png';
  // ISO-BMFF: a 4-byte box size, then the 'ftyp' box with the major brand.
  if (head.length >= 12 && head.subarray(4, 8).toString('latin1') === 'ftyp' && HEIC_BRANDS.has(head.subarray(8, 12).toString('latin1'))) return 'image/heic';
  return null;
}
