import { describe, expect, it } from 'vitest';
import { postalNlPlugin, POSTAL_NL_PRICES } from './index.js';

describe('postal-nl descriptor', () => {
  it('is a plugin for API ^2.5.0 with strict options', () => {
    expect(postalNlPlugin).toMatchObject({ id: 'postal-nl', compatibility: '^2.5.0', $$type: '@tollgate/Plugin' });
    const options = postalNlPlugin.options!;
    expect(options.safeParse({ baseUrl: 'https://print.example', apiKey: 'k', webhookSecret: 'whsec_12345678' }).success).toBe(true);
    expect(options.safeParse({ apiKey: '' }).success).toBe(false);
    expect(options.safeParse({ secret: 'x' }).success).toBe(false);
  });

  it('prices every channel from 2026-01-01 as decimal strings; classic prints for less, postage is the same', () => {
    expect(POSTAL_NL_PRICES.effectiveFrom).toBe('2026-01-01');
    for (const price of Object.values(POSTAL_NL_PRICES.default)) expect(price).toMatch(/^\d+\.\d{2}$/);
    const classic = POSTAL_NL_PRICES.plans!.classic!;
    expect(Object.keys(classic).sort()).toEqual(['print-bw', 'print-color']);
    expect(Number(classic['print-bw'])).toBeLessThan(Number(POSTAL_NL_PRICES.default['print-bw']));
    expect(Number(classic['print-color'])).toBeLessThan(Number(POSTAL_NL_PRICES.default['print-color']));
    const d = POSTAL_NL_PRICES.default;
    expect(Number(d['postage-standard'])).toBeLessThan(Number(d['postage-priority']));
    expect(Number(d['postage-priority'])).toBeLessThan(Number(d['postage-registered']));
  });
});
