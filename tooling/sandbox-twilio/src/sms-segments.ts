/** GSM 03.38 default alphabet (ESC excluded): one septet each. */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** The extension table: ESC + one septet, so two each. */
const GSM7_EXTENDED = new Set('^{}\\[~]|€\f');

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the body takes. */
  units: number;
  segments: number;
}

/**
 * How many SMS parts a body is sent as, as a carrier counts them: GSM-7 when every character is in the
 * GSM alphabet (160 septets alone, 153 per part when concatenated, extension characters take 2),
 * otherwise UCS-2 (70 code units alone, 67 per part). A two-unit character is never split across parts.
 */
export function countSegments(body: string): SegmentCount {
  const chars = [...body];
  const gsm = chars.every((char) => GSM7_BASIC.has(char) || GSM7_EXTENDED.has(char));
  const sizes = chars.map((char) => (gsm ? (GSM7_EXTENDED.has(char) ? 2 : 1) : char.length));
  const units = sizes.reduce((sum, size) => sum + size, 0);
  const [single, perPart] = gsm ? [160, 153] : [70, 67];
  if (units <= single) return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > perPart) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments };
}
