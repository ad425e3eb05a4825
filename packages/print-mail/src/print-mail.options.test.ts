import { describe, expect, it } from 'vitest';
import { PRINT_MAIL_SANDBOX_API_KEY, PRINT_MAIL_SANDBOX_BASE_URL, printMailPluginOptions, resolvePrintMailSettings } from './print-mail.options.js';

describe('print-mail plugin options', () => {
  it('defaults and refusals', () => {
    expect(printMailPluginOptions.parse({})).toEqual({ retries: 2, timeoutMs: 15_000, maxRetryAfterSeconds: 10 });
    expect(printMailPluginOptions.safeParse({ apikey: 'x' }).success).toBe(false);
    expect(printMailPluginOptions.safeParse({ baseUrl: 'ftp://x' }).success).toBe(false);
    expect(printMailPluginOptions.safeParse({ webhookSecret: 'short' }).success).toBe(false);
  });

  it('sandbox defaults only on a sandbox host', () => {
    const options = printMailPluginOptions.parse({});
    expect(resolvePrintMailSettings({ pluginId: 'postal-be', options, sandbox: true })).toMatchObject({
      baseUrl: PRINT_MAIL_SANDBOX_BASE_URL,
      apiKey: PRINT_MAIL_SANDBOX_API_KEY,
      sandboxDefaults: ['baseUrl', 'apiKey', 'webhookSecret'],
    });
    expect(() => resolvePrintMailSettings({ pluginId: 'postal-be', options, sandbox: false })).toThrow(
      'postal-be: baseUrl, apiKey, webhookSecret are required outside sandbox mode',
    );
    const full = printMailPluginOptions.parse({ baseUrl: 'https://print.example', apiKey: 'k', webhookSecret: 'whsec_12345' });
    expect(resolvePrintMailSettings({ pluginId: 'postal-be', options: full, sandbox: false })).toMatchObject({
      baseUrl: 'https://print.example',
      sandboxDefaults: [],
    });
  });
});
