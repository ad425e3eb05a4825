import { describe, expect, it } from 'vitest';
import { featureCards, panelsWithoutChannel, pricesInForce, type PriceRow } from './feature-catalog.js';
import type { DashboardPanelView } from './panel-types.js';

const row = (over: Partial<PriceRow>): PriceRow => ({
  id: `prc_${Math.random()}`,
  channel: 'sms-reminder',
  unit: 'message',
  country: '*',
  plan: '*',
  currency: 'EUR',
  unitPrice: '0.10',
  effectiveFrom: '2026-01-01T00:00:00.000Z',
  ...over,
});
const now = '2026-12-07T12:00:00.000Z';
const title = { en: 'T', nl: 'T', fr: 'T', de: 'T' };
const panel = (over: Partial<DashboardPanelView>): DashboardPanelView => ({ pluginId: 'p', id: 'x', placement: 'feature', title, minRole: 'member', ...over });

describe('feature cards', () => {
  it('takes the latest started row, the plan’s own rows first, per country', () => {
    const rows = [
      row({ unitPrice: '0.08' }),
      row({ unitPrice: '0.09', effectiveFrom: '2026-06-01T00:00:00.000Z' }),
      row({ unitPrice: '0.20', effectiveFrom: '2027-01-01T00:00:00.000Z' }),
      row({ unitPrice: '0.12', country: 'DE' }),
      row({ unitPrice: '0.05', plan: 'focus' }),
    ];
    expect(pricesInForce({ rows, channel: 'sms-reminder', plan: 'classic', now }).map((r) => [r.country, r.unitPrice])).toEqual([
      ['*', '0.09'],
      ['DE', '0.12'],
    ]);
    expect(pricesInForce({ rows, channel: 'sms-reminder', plan: 'focus', now }).map((r) => r.unitPrice)).toEqual(['0.05']);
    expect(pricesInForce({ rows, channel: 'voice', plan: null, now })).toEqual([]);
  });

  it('joins quota, allowance, the channel’s cap and its feature panels', () => {
    const cards = featureCards({
      prices: [row({}), row({ channel: 'expense-scan', unit: 'scan', unitPrice: '0.25' })],
      plan: 'classic',
      now,
      quotas: [{ channel: 'expense-scan', period: '2026-12-01', freeUnits: '100', used: '13', remaining: '87', resetsAt: '2027-01-01' }],
      allowances: [],
      caps: [
        { kind: 'user', target: 'expense-scan', currency: 'EUR', limit: '1.00', used: '0.00', remaining: '1.00', period: '2026-12-01', resetsAt: '2027-01-01' },
        {
          kind: 'channel',
          target: 'sms-reminder',
          currency: 'EUR',
          limit: '20.00',
          used: '1.00',
          remaining: '19.00',
          period: '2026-12-01',
          resetsAt: '2027-01-01',
        },
      ],
      panels: [
        panel({ id: 'expenses', channel: 'expense-scan' }),
        panel({ id: 'settings', channel: 'expense-scan', placement: 'settings' }),
        panel({ id: 'other' }),
      ],
    });
    expect(cards.map((c) => c.channel)).toEqual(['expense-scan', 'sms-reminder']);
    expect(cards[0]).toMatchObject({ price: { unitPrice: '0.25' }, quota: { remaining: '87' }, cap: null });
    expect(cards[0]!.panels.map((p) => p.id)).toEqual(['expenses']);
    expect(cards[1]).toMatchObject({ cap: { limit: '20.00' }, quota: null, panels: [] });
  });

  it('gives a feature panel with an unpriced channel a card, and lists panels without a channel apart', () => {
    const panels = [panel({ id: 'a', channel: 'voice' }), panel({ id: 'b' })];
    const cards = featureCards({ prices: [], plan: null, now, quotas: [], allowances: [], caps: [], panels });
    expect(cards).toMatchObject([{ channel: 'voice', price: null, panels: [{ id: 'a' }] }]);
    expect(panelsWithoutChannel(panels).map((p) => p.id)).toEqual(['b']);
  });
});
