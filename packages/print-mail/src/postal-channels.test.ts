import { describe, expect, it } from 'vitest';
import { createPostalSpendChannels, type PostalPriceList } from './postal-channels.js';

const prices: PostalPriceList = {
  effectiveFrom: '2026-01-01',
  default: { 'postage-standard': '1.45', 'postage-priority': '2.10', 'postage-registered': '8.20', 'print-bw': '0.12', 'print-color': '0.35' },
  plans: { classic: { 'print-bw': '0.10' } },
};

describe('createPostalSpendChannels', () => {
  const channels = createPostalSpendChannels({ carrierId: 'postal-be', label: 'Letter by post (Belgium)', country: 'BE', prices });

  it('declares five deferred channels without execute, priced per country and plan', () => {
    expect(channels.map((c) => [c.id, c.unit, c.settlement, c.execute])).toEqual([
      ['postal-be-postage-standard', 'letter', 'deferred', undefined],
      ['postal-be-postage-priority', 'letter', 'deferred', undefined],
      ['postal-be-postage-registered', 'letter', 'deferred', undefined],
      ['postal-be-print-bw', 'sheet', 'deferred', undefined],
      ['postal-be-print-color', 'sheet', 'deferred', undefined],
    ]);
    expect(channels[3]!.prices).toEqual([
      { unitPrice: '0.12', effectiveFrom: '2026-01-01', country: 'BE' },
      { unitPrice: '0.10', effectiveFrom: '2026-01-01', country: 'BE', plan: 'classic' },
    ]);
    expect(channels[0]!.prices).toEqual([{ unitPrice: '1.45', effectiveFrom: '2026-01-01', country: 'BE' }]);
    expect(channels.every((c) => c.countries?.join() === 'BE')).toBe(true);
  });

  it('quotes the charge it is given (a PostalCharge), and refuses what does not belong to it', async () => {
    const print = channels[3]!;
    expect(await print.quote({ accountId: 'a', request: { channel: 'postal-be-print-bw', units: '3', description: 'Printing, 3 sheets' } })).toEqual({
      units: '3',
      country: 'BE',
      description: 'Printing, 3 sheets',
    });
    expect(() => print.quote({ accountId: 'a', request: { units: '0' } })).toThrow(/whole number/);
    expect(() => print.quote({ accountId: 'a', request: { units: '1.5' } })).toThrow(/whole number/);
    expect(() => print.quote({ accountId: 'a', request: { channel: 'postal-be-print-color', units: '1' } })).toThrow(/cannot be priced/);
    expect(() => print.quote({ accountId: 'a', request: { units: '1', country: 'NL' } })).toThrow(/priced for BE/);
  });
});
