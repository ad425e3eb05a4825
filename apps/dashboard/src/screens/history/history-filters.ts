import type { HistoryLineType, LotKind } from '../../api/wallet-views.js';

/** The history's filters as the URL keeps them (so a reload or a shared link shows the same lines). */
export interface HistoryFilters {
  from?: string;
  to?: string;
  channel?: string;
  kind?: LotKind;
  type?: HistoryLineType;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFromQuery(query: URLSearchParams): HistoryFilters {
  const filters: HistoryFilters = {};
  const from = query.get('from');
  const to = query.get('to');
  if (from && DAY.test(from)) filters.from = from;
  if (to && DAY.test(to)) filters.to = to;
  const channel = query.get('channel');
  if (channel) filters.channel = channel;
  const kind = query.get('kind');
  if (kind) filters.kind = kind as LotKind;
  const type = query.get('type');
  if (type) filters.type = type as HistoryLineType;
  return filters;
}

export function filtersToQuery(filters: HistoryFilters): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The first day of the month `monthsBack` months before `month` ("2026-12", 5 → "2026-07-01"). */
export function monthStart(month: string, monthsBack: number): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (number - 1) - monthsBack;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}
