import { describe, expect, it } from 'vitest';
import { countSegments } from './sms-segments.js';

describe('countSegments', () => {
  it('fits 160 GSM-7 characters in one segment and splits 161 into two of at most 153', () => {
    expect(countSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(countSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts GSM-7 extension characters such as € as two septets', () => {
    expect(countSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSegments(`${'a'.repeat(159)}€`)).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(countSegments('Pay {EUR} [10] ~ now|^\\').encoding).toBe('GSM-7');
  });

  it('keeps an escape pair in one part: 152 letters then € needs a second part', () => {
    // 152 + 2 = 154 septets > 153 per part: the € moves whole to part two.
    expect(countSegments(`${'a'.repeat(152)}€${'a'.repeat(10)}`).segments).toBe(2);
    expect(countSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`).segments).toBe(3);
  });

  it('switches to UCS-2 for any character outside the GSM alphabet (70 alone, 67 per part)', () => {
    expect(countSegments('ç'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSegments(`Zażółć ${'a'.repeat(63)}`)).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSegments('a'.repeat(70) + 'ł')).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(countSegments('a'.repeat(134)).encoding).toBe('GSM-7');
    expect(countSegments('ł'.repeat(135)).segments).toBe(3);
  });

  it('counts an emoji as two UCS-2 units and never splits it', () => {
    expect(countSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    // 66 units + a 2-unit emoji would straddle the 67 boundary.
    expect(countSegments(`${'ł'.repeat(66)}😀${'ł'.repeat(66)}`)).toEqual({ encoding: 'UCS-2', units: 134, segments: 3 });
  });

  it('accepts the accented letters that GSM-7 has (é, ü, Ñ) without switching', () => {
    expect(countSegments('Café über Ñandú').encoding).toBe('UCS-2'); // ú is not GSM-7
    expect(countSegments('Café über Ñ').encoding).toBe('GSM-7');
  });
});
