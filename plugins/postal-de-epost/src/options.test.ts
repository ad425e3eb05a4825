import { describe, expect, it } from 'vitest';
import { epostOptions, resolveSettings, SANDBOX_BASE_URL, SANDBOX_VENDOR_ID } from './options.js';

describe('postal-de-epost options', () => {
  it('fills the sandbox defaults on a sandbox host only', () => {
    const options = epostOptions.parse({});
    expect(options).toMatchObject({ testMode: false, registeredLetter: 'Einschreiben', registeredCoverSheet: true, retries: 2 });
    expect(resolveSettings({ options, sandbox: true })).toMatchObject({
      baseUrl: SANDBOX_BASE_URL,
      vendorId: SANDBOX_VENDOR_ID,
      usesSandboxDefaults: { vendorId: true, sealingKey: true },
    });
    expect(() => resolveSettings({ options, sandbox: false })).toThrow(/baseUrl and vendorId are required/);
    const live = epostOptions.parse({ baseUrl: 'https://api.epost.docuguide.com', vendorId: 'V1' });
    expect(() => resolveSettings({ options: live, sandbox: false })).toThrow(/sealingKey/);
  });

  it('refuses unknown options and products', () => {
    expect(epostOptions.safeParse({ apiKey: 'x' }).success).toBe(false);
    expect(epostOptions.safeParse({ registeredLetter: 'Express' }).success).toBe(false);
    expect(epostOptions.safeParse({ baseUrl: 'ftp://x' }).success).toBe(false);
  });
});
