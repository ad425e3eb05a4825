import type { DashboardPanelView } from './panel-types.js';
import type { AllowanceView, QuotaView } from '../../api/wallet-views.js';
export type { AllowanceView, QuotaView };

/* The paid features as cards: one per priced channel, joined with its quota, allowance, cap and panels. Pure. */

export interface PriceRow {
  id: string;
  channel: string;
  unit: string;
  country: string;
  plan: string;
  currency: string;
  unitPrice: string;
  effectiveFrom: string;
}
export interface CapView {
  kind: 'channel' | 'user';
  target: string;
  currency: string;
  limit: string;
  used: string;
  remaining: string;
  period: string;
  resetsAt: string;
}

export interface FeatureCard {
  channel: string;
  /** The price in force now for the account's plan, the general row ("*" country); null if none yet. */
  price: PriceRow | null;
  /** Country rows in force beside the general one (e.g. a letter to DE). */
  countryPrices: PriceRow[];
  quota: QuotaView | null;
  allowance: AllowanceView | null;
  cap: CapView | null;
  panels: DashboardPanelView[];
}

/**
 * The rows that price `channel` now: the plan's own rows when it has any for the channel, else the
 * default list ("*"), as the host charges (docs/wallet.md "Prices per plan"); per country the latest
 * row that has started. ISO 8601 date-times in UTC compare as text.
 */
export function pricesInForce(input: { rows: readonly PriceRow[]; channel: string; plan: string | null; now: string }): PriceRow[] {
  const forChannel = input.rows.filter((row) => row.channel === input.channel && row.effectiveFrom <= input.now);
  const own = input.plan ? forChannel.filter((row) => row.plan === input.plan) : [];
  const list = own.length > 0 ? own : forChannel.filter((row) => row.plan === '*');
  const byCountry = new Map<string, PriceRow>();
  for (const row of list) {
    const seen = byCountry.get(row.country);
    if (!seen || seen.effectiveFrom < row.effectiveFrom) byCountry.set(row.country, row);
  }
  return [...byCountry.values()].sort((a, b) => (a.country === '*' ? -1 : b.country === '*' ? 1 : a.country.localeCompare(b.country)));
}

export function featureCards(input: {
  prices: readonly PriceRow[];
  plan: string | null;
  now: string;
  quotas: readonly QuotaView[];
  allowances: readonly AllowanceView[];
  caps: readonly CapView[];
  panels: readonly DashboardPanelView[];
}): FeatureCard[] {
  const channels = new Set<string>(input.prices.map((row) => row.channel));
  for (const panel of input.panels) if (panel.placement === 'feature' && panel.channel) channels.add(panel.channel);
  return [...channels].sort().map((channel) => {
    const rows = pricesInForce({ rows: input.prices, channel, plan: input.plan, now: input.now });
    const general = rows.find((row) => row.country === '*') ?? null;
    return {
      channel,
      price: general ?? rows[0] ?? null,
      countryPrices: rows.filter((row) => row !== (general ?? rows[0])),
      quota: input.quotas.find((quota) => quota.channel === channel && quota.freeUnits !== '0') ?? null,
      allowance: input.allowances.find((allowance) => allowance.channel === channel) ?? null,
      cap: input.caps.find((cap) => cap.kind === 'channel' && cap.target === channel) ?? null,
      panels: input.panels.filter((panel) => panel.placement === 'feature' && panel.channel === channel),
    };
  });
}

/** Feature panels bound to no priced channel still get a card of their own, after the channels. */
export function panelsWithoutChannel(panels: readonly DashboardPanelView[]): DashboardPanelView[] {
  return panels.filter((panel) => panel.placement === 'feature' && !panel.channel);
}
