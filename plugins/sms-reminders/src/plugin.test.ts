import { createTestHost } from '@tollgate/testing';
import { describe, expect, it } from 'vitest';
import { smsRemindersOptions } from './options.js';
import plugin, { providerSettings, SANDBOX_DEFAULTS } from './index.js';

describe('sms-reminders options', () => {
  it('documents its defaults', () => {
    expect(smsRemindersOptions.parse({})).toMatchObject({
      from: 'Tollgate',
      defaultCountry: 'BE',
      send: { daysBefore: 1, at: '18:00' },
      maxSegments: 2,
      maxSendAttempts: 3,
      reconcileAfterMinutes: 15,
      reconcileMaxChecks: 8,
      webhookSharedKeys: {},
    });
    expect(smsRemindersOptions.parse({}).prices).toEqual([
      { unitPrice: '0.15', effectiveFrom: '2025-01-01T00:00:00.000Z' },
      { unitPrice: '0.18', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      { unitPrice: '0.15', effectiveFrom: '2025-01-01T00:00:00.000Z', plan: 'classic' },
      { unitPrice: '0.18', effectiveFrom: '2025-01-01T00:00:00.000Z', plan: 'focus' },
    ]);
    expect(smsRemindersOptions.safeParse({ prices: [{ unitPrice: '0.15', effectiveFrom: '2025-01-01T00:00:00.000Z', plan: 'Classic' }] }).success).toBe(false);
  });

  it('refuses typos and malformed values', () => {
    expect(smsRemindersOptions.safeParse({ sendAt: '18:00' }).success).toBe(false);
    expect(smsRemindersOptions.safeParse({ sendAtLocalTime: '6pm' }).success).toBe(false);
    expect(smsRemindersOptions.safeParse({ accountSid: 'SK123' }).success).toBe(false);
    expect(smsRemindersOptions.safeParse({ from: 'Much too long sender' }).success).toBe(false);
  });

  it('takes the send rule, validated; the old sendAtLocalTime still sets the time', () => {
    expect(smsRemindersOptions.parse({ send: { daysBefore: 2, at: '09:30' } }).send).toEqual({ daysBefore: 2, at: '09:30' });
    expect(smsRemindersOptions.parse({ send: { at: '07:00' } }).send).toEqual({ daysBefore: 1, at: '07:00' });
    expect(smsRemindersOptions.parse({ send: { daysBefore: 0 } }).send).toEqual({ daysBefore: 0, at: '18:00' });
    expect(smsRemindersOptions.parse({ sendAtLocalTime: '17:15' }).send).toEqual({ daysBefore: 1, at: '17:15' });
    expect(smsRemindersOptions.parse({})).not.toHaveProperty('sendAtLocalTime');
    const refused = (input: unknown) => smsRemindersOptions.safeParse(input).error?.issues.map((i) => i.path.join('.'));
    expect(refused({ send: { daysBefore: -1 } })).toEqual(['send.daysBefore']);
    expect(refused({ send: { daysBefore: 1.5 } })).toEqual(['send.daysBefore']);
    expect(refused({ send: { daysBefore: 15 } })).toEqual(['send.daysBefore']);
    expect(refused({ send: { at: '24:00' } })).toEqual(['send.at']);
    expect(refused({ send: { at: '18:00', hour: 18 } })).toEqual(['send']);
    expect(refused({ send: { at: '18:00' }, sendAtLocalTime: '17:00' })).toEqual(['sendAtLocalTime']);
  });

  it('uses the sandbox defaults only in sandbox mode without credentials', () => {
    const options = smsRemindersOptions.parse({});
    expect(providerSettings(options, { baseUrl: 'http://h', sandbox: true })).toEqual(SANDBOX_DEFAULTS);
    expect(() => providerSettings(options, { baseUrl: 'http://h', sandbox: false })).toThrow(/accountSid and authToken are required/);
    const real = smsRemindersOptions.parse({ accountSid: `AC${'a'.repeat(32)}`, authToken: 'tok' });
    expect(providerSettings(real, { baseUrl: 'http://h', sandbox: true })).toEqual({ accountSid: `AC${'a'.repeat(32)}`, authToken: 'tok' });
  });

  it('a host refuses to start it with bad options, naming the option', async () => {
    await expect(createTestHost({ plugins: [{ plugin, options: { maxSegments: 0 } }] })).rejects.toThrow(/invalid options: maxSegments/);
  });
});
