import bwipjs from 'bwip-js';

/** A Code 128 barcode of `text` as a PNG and its width in modules (bars and spaces), for sizing it on paper. */
export async function code128Png(text: string): Promise<{ png: Buffer; modules: number }> {
  const scale = 3;
  const png = await bwipjs.toBuffer({ bcid: 'code128', text, scale, height: 10, includetext: false, paddingwidth: 0, paddingheight: 0 });
  // PNG IHDR: the width is the big-endian u32 at byte 16.
  return { png, modules: png.readUInt32BE(16) / scale };
}
