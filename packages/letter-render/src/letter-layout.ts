/*
 * Where things sit on the cover page, in millimetres from the top-left corner of an A4 sheet.
 * DIN 5008 form B (window envelopes): the address field is 85 × 45 mm, 20 mm from the left and
 * 45 mm from the top; its first 17.7 mm hold the return line, the address starts below it.
 */

/** The DIN 5008 form B address field (the envelope window), mm from the top-left corner. */
export const LETTER_WINDOW_MM = { left: 20, top: 45, width: 85, height: 45 } as const;

/** The return-line zone at the top of the window. */
export const RETURN_ZONE_MM = 17.7;

/** Where the first address line starts: 25 mm from the left (5 mm inside the window), 62.7 mm from the top. */
export const ADDRESS_MM = { left: 25, top: LETTER_WINDOW_MM.top + RETURN_ZONE_MM } as const;

/** The bottom strip kept clear of the barcode (bpost prints its own sorting code at the envelope's bottom). */
export const BOTTOM_CLEAR_MM = 30;

/** Where the barcode of the reference goes: right of the window, well above the bottom strip. */
export const BARCODE_MM = { left: 120, top: 75, maxWidth: 70, height: 10 } as const;

/** A4 portrait in PDF points (1 pt = 1/72 in). */
export const A4_PT = { width: 595.28, height: 841.89 } as const;

/** At most this many pages in a letter (cover included): what a print service takes in one envelope. */
export const MAX_LETTER_PAGES = 20;

export const mmToPt = (mm: number): number => (mm * 72) / 25.4;
export const ptToMm = (pt: number): number => (pt * 25.4) / 72;
