import { describe, expect, it } from 'vitest';
import { filtersFromQuery, filtersToQuery, monthStart } from './history-filters.js';

describe('history filters', () => {
  it('round-trip through the URL, dropping malformed days', () => {
    const filters = filtersFromQuery(new URLSearchParams('from=2026-11-01&to=05/12/2026&channel=voice&kind=purchased'));
    expect(filters).toEqual({ from: '2026-11-01', channel: 'voice', kind: 'purchased' });
    expect(filtersToQuery(filters)).toBe('?from=2026-11-01&channel=voice&kind=purchased');
    expect(filtersToQuery({})).toBe('');
  });

  it('finds the start of an earlier month across a year', () => {
    expect(monthStart('2026-12', 5)).toBe('2026-07-01');
    expect(monthStart('2026-03', 5)).toBe('2025-10-01');
    expect(monthStart('2026-01', 0)).toBe('2026-01-01');
  });
});
