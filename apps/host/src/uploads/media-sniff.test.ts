import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, sniffMediaType } from './media-sniff.js';

const heif = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}`, 'latin1'), Buffer.alloc(12)]);

describe('sniffMediaType', () => {
  it('knows PDF, JPEG, PNG and the HEIF brands by their first bytes', () => {
    expect(sniffMediaType(Buffer.from('%PDF-1.7\n%âãÏÓ\n', 'latin1'))).toBe('application/pdf');
    expect(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]))).toBe('image/jpeg');
    expect(sniffMediaType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]))).toBe('image/png');
    for (const brand of ['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1']) expect(sniffMediaType(heif(brand)), brand).toBe('image/heic');
  });

  it('is null for anything else, whatever it looks like at a glance', () => {
    expect(sniffMediaType(Buffer.alloc(0))).toBeNull();
    expect(sniffMediaType(Buffer.from('%PDF'))).toBeNull(); // cut short
    expect(sniffMediaType(Buffer.from(' %PDF-1.4'))).toBeNull(); // not at the start
    expect(sniffMediaType(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(sniffMediaType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x00]))).toBeNull(); // one byte off
    expect(sniffMediaType(heif('avif'))).toBeNull(); // AVIF is ISO-BMFF too, but not HEIC
    expect(sniffMediaType(heif('isom'))).toBeNull(); // an MP4
    expect(sniffMediaType(Buffer.from('GIF89a\x01\x00\x01\x00'))).toBeNull();
    expect(sniffMediaType(Buffer.from('MZ\x90\x00 this program'))).toBeNull();
    expect(sniffMediaType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
  });

  it('decides from SNIFF_BYTES bytes at most', () => {
    expect(sniffMediaType(heif('heic').subarray(0, SNIFF_BYTES))).toBe('image/heic');
    expect(sniffMediaType(heif('heic').subarray(0, SNIFF_BYTES - 1))).toBeNull();
  });
});
