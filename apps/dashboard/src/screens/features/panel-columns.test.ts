import { describe, expect, it } from 'vitest';
import { formatCell, valueAt } from './panel-columns.js';

describe('panel table cells', () => {
  it('reaches into objects with dotted keys', () => {
    expect(valueAt({ scan: { amount: '0.25' } }, 'scan.amount')).toBe('0.25');
    expect(valueAt({ scan: null }, 'scan.amount')).toBeUndefined();
    expect(valueAt({ file: { filename: 'a.pdf' } }, 'file')).toEqual({ filename: 'a.pdf' });
  });

  it('shows money from its decimal string in the user’s language, keeping the exact amount', () => {
    const cell = formatCell({ value: '0.0125', format: 'money', locale: 'nl' });
    expect(cell).toEqual({ kind: 'money', amount: '0.0125', text: expect.stringContaining('0,0125') });
    expect(formatCell({ value: '1234.50', format: 'money', locale: 'en' })).toMatchObject({ kind: 'money', text: '€1,234.50' });
    // A big amount stays exact (a float would round it).
    expect(formatCell({ value: '90071992547409.93', format: 'money', locale: 'en' })).toMatchObject({ text: '€90,071,992,547,409.93' });
    expect(formatCell({ value: 'n/a', format: 'money', locale: 'en' })).toEqual({ kind: 'text', text: 'n/a' });
  });

  it('shows date-times in the account’s time zone', () => {
    const cell = formatCell({ value: '2026-12-07T23:30:00.000Z', format: 'datetime', locale: 'en', timeZone: 'Europe/Brussels' });
    expect(cell.kind).toBe('datetime');
    expect(cell.kind === 'datetime' && cell.text).toContain('8 Dec 2026');
    expect(formatCell({ value: 'soon', format: 'datetime', locale: 'en' })).toEqual({ kind: 'text', text: 'soon' });
  });

  it('shows a status as its translation when known, else the code in words', () => {
    const statusLabel = (code: string) => (code === 'sent' ? 'Verstuurd' : null);
    expect(formatCell({ value: 'sent', format: 'status', locale: 'nl', statusLabel })).toEqual({ kind: 'status', code: 'sent', text: 'Verstuurd' });
    expect(formatCell({ value: 'not_found', format: 'status', locale: 'nl', statusLabel })).toEqual({ kind: 'status', code: 'not_found', text: 'not found' });
  });

  it('shows empty values, booleans and plain text', () => {
    expect(formatCell({ value: null, format: 'money', locale: 'en' })).toEqual({ kind: 'empty' });
    expect(formatCell({ value: '', format: 'text', locale: 'en' })).toEqual({ kind: 'empty' });
    expect(formatCell({ value: true, format: 'status', locale: 'en' })).toEqual({ kind: 'boolean', value: true });
    expect(formatCell({ value: 42, format: undefined, locale: 'en' })).toEqual({ kind: 'text', text: '42' });
  });
});
