import { ManualClock } from '@tollgate/clock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT, startTeamleaderSandbox, type TeamleaderSandbox } from './index.js';

const REDIRECT = 'http://127.0.0.1:3000/oauth/teamleader/callback';

describe('teamleader sandbox: OAuth2', () => {
  let clock: ManualClock;
  let sandbox: TeamleaderSandbox;

  beforeEach(async () => {
    clock = new ManualClock('2026-03-02T09:00:00.000Z');
    sandbox = await startTeamleaderSandbox({ now: () => clock.now(), accessTokenSeconds: 60 });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  async function authorize(query: Record<string, string>): Promise<{ status: number; location: URL | null; body: any }> {
    const response = await fetch(`${sandbox.url}/oauth2/authorize?${new URLSearchParams(query)}`, { redirect: 'manual' });
    const location = response.headers.get('location');
    const text = await response.text();
    return { status: response.status, location: location ? new URL(location) : null, body: text ? JSON.parse(text) : null };
  }

  async function code(state = 'st-1'): Promise<string> {
    const res = await authorize({ client_id: DEFAULT_CLIENT.clientId, response_type: 'code', redirect_uri: REDIRECT, state });
    expect(res.status).toBe(302);
    return res.location!.searchParams.get('code')!;
  }

  async function token(body: Record<string, string>, as: 'form' | 'json' = 'form'): Promise<{ status: number; body: any }> {
    const response = await fetch(`${sandbox.url}/oauth2/access_token`, {
      method: 'POST',
      headers: { 'content-type': as === 'form' ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: as === 'form' ? new URLSearchParams(body).toString() : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  const secrets = { client_id: DEFAULT_CLIENT.clientId, client_secret: DEFAULT_CLIENT.clientSecret };

  async function me(accessToken: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${sandbox.url}/users.me`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: response.status, body: await response.json() };
  }

  it('auto-consents: redirects to the whitelisted URI with a code and the state', async () => {
    const res = await authorize({ client_id: DEFAULT_CLIENT.clientId, response_type: 'code', redirect_uri: REDIRECT, state: 'xyz' });
    expect(res.status).toBe(302);
    expect(`${res.location!.origin}${res.location!.pathname}`).toBe(REDIRECT);
    expect(res.location!.searchParams.get('state')).toBe('xyz');
    expect(res.location!.searchParams.get('code')).toMatch(/^tl_code_/);
  });

  it('refuses unknown clients and redirect URIs that are not whitelisted, without redirecting', async () => {
    const unknown = await authorize({ client_id: 'nope', response_type: 'code', redirect_uri: REDIRECT });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_client');
    const elsewhere = await authorize({ client_id: DEFAULT_CLIENT.clientId, response_type: 'code', redirect_uri: 'https://evil.test/cb' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.location).toBeNull();
  });

  it('denyNextAuthorization redirects once with error=access_denied', async () => {
    sandbox.control.denyNextAuthorization();
    const denied = await authorize({ client_id: DEFAULT_CLIENT.clientId, response_type: 'code', redirect_uri: REDIRECT, state: 's' });
    expect(denied.status).toBe(302);
    expect(denied.location!.searchParams.get('error')).toBe('access_denied');
    expect(denied.location!.searchParams.get('code')).toBeNull();
    expect(denied.location!.searchParams.get('state')).toBe('s');
    expect((await code()).length).toBeGreaterThan(10);
  });

  it('exchanges a code once (form body) and the access token opens the API', async () => {
    const c = await code();
    const first = await token({ ...secrets, code: c, grant_type: 'authorization_code', redirect_uri: REDIRECT });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      token_type: 'Bearer',
      expires_in: 60,
      access_token: expect.stringMatching(/^tl_at_/),
      refresh_token: expect.stringMatching(/^tl_rt_/),
    });
    const user = await me(first.body.access_token);
    expect(user.status).toBe(200);
    expect(user.body.data.account).toEqual({ type: 'account', id: sandbox.control.ids.account });

    const again = await token({ ...secrets, code: c, grant_type: 'authorization_code', redirect_uri: REDIRECT });
    expect(again).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: expect.any(String) } });
  });

  it('checks the client secret and the redirect_uri of the code', async () => {
    const wrongSecret = await token({ ...secrets, client_secret: 'x', code: await code(), grant_type: 'authorization_code', redirect_uri: REDIRECT });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe('invalid_client');
    const wrongRedirect = await token({ ...secrets, code: await code(), grant_type: 'authorization_code', redirect_uri: 'http://127.0.0.1:3000/other' });
    expect(wrongRedirect.body.error).toBe('invalid_grant');
  });

  it('rotates refresh tokens (JSON body): the new pair works, the old refresh token is invalid_grant', async () => {
    const first = await token({ ...secrets, code: await code(), grant_type: 'authorization_code', redirect_uri: REDIRECT });
    const second = await token({ ...secrets, refresh_token: first.body.refresh_token, grant_type: 'refresh_token' }, 'json');
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(second.body.access_token).not.toBe(first.body.access_token);
    expect((await me(second.body.access_token)).status).toBe(200);

    const reused = await token({ ...secrets, refresh_token: first.body.refresh_token, grant_type: 'refresh_token' }, 'json');
    expect(reused).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: expect.any(String) } });
    const third = await token({ ...secrets, refresh_token: second.body.refresh_token, grant_type: 'refresh_token' });
    expect(third.status).toBe(200);
  });

  it('expires access tokens by the sandbox clock, and codes after 10 minutes', async () => {
    const pair = sandbox.control.issueTokens();
    clock.advance({ seconds: 59 });
    expect((await me(pair.access_token)).status).toBe(200);
    clock.advance({ seconds: 1 });
    const expired = await me(pair.access_token);
    expect(expired.status).toBe(401);
    expect(expired.body.errors[0].title).toMatch(/expired/i);
    const refreshed = await token({ ...secrets, refresh_token: pair.refresh_token, grant_type: 'refresh_token' });
    expect((await me(refreshed.body.access_token)).status).toBe(200);

    const c = await code();
    clock.advance({ minutes: 10 });
    const late = await token({ ...secrets, code: c, grant_type: 'authorization_code', redirect_uri: REDIRECT });
    expect(late.body.error).toBe('invalid_grant');
  });

  it('revokeRefreshTokens ends every refresh token; setAccessTokenSeconds shortens new tokens', async () => {
    const pair = sandbox.control.issueTokens();
    sandbox.control.revokeRefreshTokens();
    expect((await token({ ...secrets, refresh_token: pair.refresh_token, grant_type: 'refresh_token' })).body.error).toBe('invalid_grant');
    sandbox.control.setAccessTokenSeconds(5);
    expect(sandbox.control.issueTokens().expires_in).toBe(5);
  });

  it('setRefreshRefusal answers every refresh with another 4xx (a dead refresh token), also over HTTP, until turned off', async () => {
    const pair = sandbox.control.issueTokens();
    sandbox.control.setRefreshRefusal({ status: 400, error: 'invalid_request' });
    const refused = await token({ ...secrets, refresh_token: pair.refresh_token, grant_type: 'refresh_token' });
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: expect.any(String) } });
    const control = (body: unknown) => fetch(`${sandbox.url}/_sandbox/refresh-refusal`, { method: 'POST', body: JSON.stringify(body) });
    expect((await control({ status: 401, error: 'invalid_token' })).status).toBe(200);
    expect(await token({ ...secrets, refresh_token: pair.refresh_token, grant_type: 'refresh_token' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_token' },
    });
    expect((await control({ status: 500 })).status).toBe(400); // only 4xx
    expect(() => sandbox.control.setRefreshRefusal({ status: 200, error: 'x' })).toThrow(RangeError);
    expect((await control({ off: true })).status).toBe(200);
    // The refused attempts did not use the token up.
    expect((await token({ ...secrets, refresh_token: pair.refresh_token, grant_type: 'refresh_token' })).status).toBe(200);
  });

  it('answers 401 with the error body for a missing or unknown bearer token', async () => {
    const missing = await fetch(`${sandbox.url}/users.me`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ errors: [{ title: 'Missing bearer token', status: 401 }] });
    expect((await me('tl_at_made_up')).status).toBe(401);
  });

  it('accepts its own clients instead of the default one', async () => {
    const custom = await startTeamleaderSandbox({ clients: [{ clientId: 'mine', clientSecret: 'pw', redirectUris: ['https://sync.example.test/cb'] }] });
    try {
      const response = await fetch(
        `${custom.url}/oauth2/authorize?client_id=mine&response_type=code&redirect_uri=${encodeURIComponent('https://sync.example.test/cb')}`,
        { redirect: 'manual' },
      );
      expect(response.status).toBe(302);
      const defaults = await fetch(
        `${custom.url}/oauth2/authorize?client_id=${DEFAULT_CLIENT.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}`,
        { redirect: 'manual' },
      );
      expect(defaults.status).toBe(400);
    } finally {
      await custom.close();
    }
  });
});
