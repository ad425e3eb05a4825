import { startTwilioSandbox, type TwilioSandbox } from '@tollgate/sandbox-twilio';
import { createTestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voiceOptions } from './options.js';
import plugin, { resolveProvider, TWILIO_SANDBOX_DEFAULTS } from './plugin.js';

describe('voice plugin options', () => {
  it('applies the defaults', () => {
    expect(voiceOptions.parse({})).toMatchObject({
      holdMinutes: 10,
      pricePerMinute: '0.05',
      priceEffectiveFrom: '2025-01-01T00:00:00.000Z',
      defaultCountry: 'BE',
      staleAfterMinutes: 120,
      reconcileMarginMinutes: 10,
      webhookSharedKeys: {},
    });
  });

  it('refuses half credentials, unknown keys, a bad price and an unknown country', () => {
    expect(voiceOptions.safeParse({ accountSid: TWILIO_SANDBOX_DEFAULTS.accountSid }).success).toBe(false);
    expect(voiceOptions.safeParse({ holdMinute: 5 }).success).toBe(false);
    expect(voiceOptions.safeParse({ pricePerMinute: 0.05 }).success).toBe(false);
    expect(voiceOptions.safeParse({ pricePerMinute: '0.0000001' }).success).toBe(false);
    expect(voiceOptions.safeParse({ defaultCountry: 'XX' }).success).toBe(false);
    expect(voiceOptions.safeParse({ countryPrices: { be: '0.04' } }).success).toBe(false);
  });

  it('uses the sandbox defaults on a sandbox host without credentials, and refuses to guess otherwise', () => {
    const defaults = voiceOptions.parse({});
    expect(resolveProvider({ options: defaults, sandbox: true })).toEqual({ ...TWILIO_SANDBOX_DEFAULTS });
    expect(() => resolveProvider({ options: defaults, sandbox: false })).toThrow(/accountSid and authToken are required/);
    const real = voiceOptions.parse({ accountSid: `AC${'a'.repeat(32)}`, authToken: 'secret', from: '+3225550100' });
    expect(resolveProvider({ options: real, sandbox: false })).toEqual({
      accountSid: `AC${'a'.repeat(32)}`,
      authToken: 'secret',
      baseUrl: undefined,
      from: '+3225550100',
    });
  });
});

describe('voice plugin start-up', () => {
  let sandbox: TwilioSandbox;
  beforeAll(async () => {
    sandbox = await startTwilioSandbox();
  });
  afterAll(() => sandbox?.close());

  it('refuses to start on a production host without credentials', async () => {
    await expect(createTestHost({ config: { sandbox: false }, plugins: [{ plugin, options: {} }] })).rejects.toThrow(/accountSid and authToken are required/);
  });

  it('refuses unknown options with the host message', async () => {
    await expect(createTestHost({ plugins: [{ plugin, options: { holdMinutes: 0 } }] })).rejects.toThrow(/invalid options: holdMinutes/);
  });

  it('seeds country prices and holds a call to that country at its price', async () => {
    const t = await createTestHost({
      plugins: [
        {
          plugin,
          options: {
            baseUrl: sandbox.url,
            accountSid: sandbox.accountSid,
            authToken: sandbox.authToken,
            from: '+15005550006',
            countryPrices: { US: '0.02' },
            holdMinutes: 5,
          },
        },
      ],
    });
    try {
      const listed = (await t.request({ path: '/plugins' })).body.data.find((p: { id: string }) => p.id === 'voice');
      expect(listed.spendChannels[0]).toMatchObject({ id: 'voice', countries: ['US'] });
      const { ownerKey } = await t.createAccount();
      const us = await t.request({
        method: 'POST',
        path: '/v1/plugins/voice/calls',
        key: ownerKey,
        headers: { 'idempotency-key': 'us' },
        body: { to: '+1 415 555 1212' },
      });
      expect(us.body).toMatchObject({ unitPrice: '0.02', heldAmount: '0.10', maxMinutes: 5 });
      const be = await t.request({
        method: 'POST',
        path: '/v1/plugins/voice/calls',
        key: ownerKey,
        headers: { 'idempotency-key': 'be' },
        body: { to: '0470 12 34 56' },
      });
      expect(be.body).toMatchObject({ unitPrice: '0.05', heldAmount: '0.25' });
    } finally {
      await t.close();
    }
  });

  it('the host refuses a changed price for a date the catalog already has, naming the channel, the date and both prices', async () => {
    const t = await createTestHost({ plugins: [{ plugin, options: { baseUrl: sandbox.url, accountSid: sandbox.accountSid, authToken: sandbox.authToken } }] });
    try {
      await t.host.catalog.setPrice({ channel: 'voice', unit: 'minute', unitPrice: '0.07', effectiveFrom: new Date('2026-01-01T00:00:00.000Z') });
      await expect(
        createTestHost({ db: t.db, plugins: [{ plugin, options: { pricePerMinute: '0.08', priceEffectiveFrom: '2026-01-01T00:00:00.000Z' } }] }),
      ).rejects.toThrow(
        'plugin voice: spend channel "voice": declares 0.08 per minute from 2026-01-01T00:00:00.000Z, but the catalog already has 0.07 per minute from that date',
      );
    } finally {
      await t.close();
    }
  });
});
