import { describe, expect, it } from 'vitest';
import { countSegments, isGsm7 } from './sms-segments.js';

describe('countSegments', () => {
  it('GSM-7: 160 characters in one segment, 161 in two, 153 per part after that', () => {
    expect(countSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1, remaining: 0 });
    expect(countSegments('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    expect(countSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('GSM-7 extension characters count two septets', () => {
    expect(countSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSegments('a'.repeat(159) + '€')).toMatchObject({ units: 161, segments: 2 });
    expect(countSegments('[]{}~^|\\').units).toBe(16);
  });

  it('never splits an escape pair across two parts', () => {
    // 306 septets would fit in two parts, but the € cannot straddle the first boundary.
    expect(countSegments('a'.repeat(152) + '€' + 'a'.repeat(152))).toMatchObject({ units: 306, segments: 3 });
  });

  it('accented letters of the GSM basic table stay GSM-7; others switch the whole text to UCS-2', () => {
    expect(isGsm7('Ça, é è à ñ ü Ø Δ')).toBe(true);
    expect(isGsm7('Łukasz')).toBe(false);
    expect(countSegments('Łukasz').encoding).toBe('UCS-2');
  });

  it('UCS-2: 70 per single message, 67 per part; a surrogate pair counts two and is not split', () => {
    expect(countSegments('ł'.repeat(70))).toMatchObject({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSegments('ł'.repeat(71)).segments).toBe(2);
    expect(countSegments('ł'.repeat(134)).segments).toBe(2);
    expect(countSegments('ł'.repeat(135)).segments).toBe(3);
    expect(countSegments('😀').units).toBe(2);
    expect(countSegments('ł'.repeat(66) + '😀' + 'ł'.repeat(66))).toMatchObject({ units: 134, segments: 3 });
  });

  it('an empty text is one segment', () => {
    expect(countSegments('')).toMatchObject({ encoding: 'GSM-7', units: 0, segments: 1 });
  });
});
