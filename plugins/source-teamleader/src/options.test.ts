import { describe, expect, it } from 'vitest';
import { resolveSettings, SANDBOX_BASE_URL, SANDBOX_CLIENT, sourceTeamleaderOptions } from './options.js';

describe('source-teamleader options', () => {
  it('are strict: a typo is refused', () => {
    expect(sourceTeamleaderOptions.safeParse({ clientID: 'x' }).success).toBe(false);
    expect(sourceTeamleaderOptions.safeParse({ apiBaseUrl: 'ftp://x' }).success).toBe(false);
  });

  it('sandbox mode without credentials → the sandbox client at 127.0.0.1:4040 and the dev key', () => {
    const settings = resolveSettings({ options: sourceTeamleaderOptions.parse({}), sandbox: true });
    expect(settings).toMatchObject({
      ...SANDBOX_CLIENT,
      authBaseUrl: SANDBOX_BASE_URL,
      apiBaseUrl: SANDBOX_BASE_URL,
      usesSandboxDefaults: { credentials: true, tokenKey: true },
    });
    expect(Buffer.from(settings.tokenKey, 'base64')).toHaveLength(32);
  });

  it('real credentials → real Teamleader (no base URLs) unless given', () => {
    const options = sourceTeamleaderOptions.parse({ clientId: 'id', clientSecret: 'secret', tokenKey: 'k' });
    expect(resolveSettings({ options, sandbox: true })).toMatchObject({
      clientId: 'id',
      authBaseUrl: undefined,
      apiBaseUrl: undefined,
      usesSandboxDefaults: { credentials: false, tokenKey: false },
    });
  });

  it('outside sandbox mode, credentials and tokenKey are required', () => {
    expect(() => resolveSettings({ options: sourceTeamleaderOptions.parse({}), sandbox: false })).toThrow(/clientId and clientSecret/);
    expect(() => resolveSettings({ options: sourceTeamleaderOptions.parse({ clientId: 'a', clientSecret: 'b' }), sandbox: false })).toThrow(/tokenKey/);
  });
});
