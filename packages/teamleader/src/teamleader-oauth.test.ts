import { ManualClock } from '@tollgate/clock';
import { describe, expect, it } from 'vitest';
import { AuthorizationDeniedError, InvalidGrantError, TeamleaderError, TeamleaderUnavailableError, TokenRefusedError } from './teamleader.errors.js';
import { TeamleaderOAuth } from './teamleader-oauth.js';

function oauthWith(answer: (body: URLSearchParams) => Response) {
  const bodies: URLSearchParams[] = [];
  const oauth = new TeamleaderOAuth({
    clientId: 'client-1',
    clientSecret: 'secret-1',
    redirectUri: 'https://sync.example.test/oauth/teamleader/callback',
    authBaseUrl: 'https://auth.example.test',
    clock: new ManualClock('2026-03-01T10:00:00.000Z'),
    fetch: async (_url, init) => {
      const body = new URLSearchParams(String(init?.body));
      bodies.push(body);
      return answer(body);
    },
  });
  return { oauth, bodies };
}

describe('TeamleaderOAuth', () => {
  it('builds the authorization URL with state (and scopes only when given)', () => {
    const { oauth } = oauthWith(() => new Response());
    const url = new URL(oauth.authorizationUrl({ state: 'st-1' }));
    expect(url.origin + url.pathname).toBe('https://auth.example.test/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'client-1',
      response_type: 'code',
      redirect_uri: 'https://sync.example.test/oauth/teamleader/callback',
      state: 'st-1',
    });
    expect(new URL(oauth.authorizationUrl({ state: 's', scopes: ['invoices', 'contacts'] })).searchParams.get('scope')).toBe('invoices contacts');
    expect(new TeamleaderOAuth({ clientId: 'c', clientSecret: 's', redirectUri: 'https://x.test/cb' }).authorizationUrl({ state: 's' })).toMatch(
      /^https:\/\/focus\.teamleader\.eu\/oauth2\/authorize\?/,
    );
  });

  it('exchanges the code (client_secret_post) and dates the expiry by the clock', async () => {
    const { oauth, bodies } = oauthWith(() => Response.json({ token_type: 'Bearer', expires_in: 3600, access_token: 'at-1', refresh_token: 'rt-1' }));
    const tokens = await oauth.exchangeCode({ callback: 'https://sync.example.test/cb?code=code-1&state=st-1', expectedState: 'st-1' });
    expect(tokens).toEqual({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: '2026-03-01T11:00:00.000Z' });
    expect(Object.fromEntries(bodies[0] ?? [])).toMatchObject({
      grant_type: 'authorization_code',
      code: 'code-1',
      client_id: 'client-1',
      client_secret: 'secret-1',
      redirect_uri: 'https://sync.example.test/oauth/teamleader/callback',
    });
  });

  it('refuses a denied consent and a wrong state without calling the token endpoint', async () => {
    const { oauth, bodies } = oauthWith(() => new Response());
    await expect(oauth.exchangeCode({ callback: 'https://x.test/cb?error=access_denied', expectedState: 'st-1' })).rejects.toBeInstanceOf(
      AuthorizationDeniedError,
    );
    await expect(oauth.exchangeCode({ callback: 'https://x.test/cb?code=c&state=other', expectedState: 'st-1' })).rejects.toMatchObject({
      code: 'teamleader_callback_invalid',
    });
    expect(bodies).toHaveLength(0);
  });

  it('maps refresh failures: invalid_grant, other OAuth errors, outages', async () => {
    const grant = oauthWith(() => Response.json({ error: 'invalid_grant' }, { status: 400 }));
    await expect(grant.oauth.refresh({ refreshToken: 'rt-1' })).rejects.toBeInstanceOf(InvalidGrantError);
    expect(grant.bodies[0]?.get('grant_type')).toBe('refresh_token');
    expect(grant.bodies[0]?.get('refresh_token')).toBe('rt-1');

    const client = oauthWith(() => Response.json({ error: 'invalid_client' }, { status: 401 }));
    const error = await client.oauth.refresh({ refreshToken: 'rt-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeamleaderError);
    expect(error).not.toBeInstanceOf(InvalidGrantError);

    expect(error).toBeInstanceOf(TokenRefusedError);
    expect(error).toMatchObject({ code: 'teamleader_token_refused', upstreamStatus: 401, error: 'invalid_client', reason: 'HTTP 401 invalid_client' });

    const request = oauthWith(() => Response.json({ error: 'invalid_request', error_description: 'refresh token is dead' }, { status: 400 }));
    expect(await request.oauth.refresh({ refreshToken: 'rt-1' }).catch((e: unknown) => e)).toMatchObject({
      code: 'teamleader_token_refused',
      upstreamStatus: 400,
      reason: 'HTTP 400 invalid_request (refresh token is dead)',
    });
    // A 4xx without an OAuth body is a refusal too.
    const bare = oauthWith(() => new Response('Forbidden', { status: 403 }));
    expect(await bare.oauth.refresh({ refreshToken: 'rt-1' }).catch((e: unknown) => e)).toMatchObject({
      code: 'teamleader_token_refused',
      upstreamStatus: 403,
    });

    const down = oauthWith(() => new Response('oops', { status: 502 }));
    await expect(down.oauth.refresh({ refreshToken: 'rt-1' })).rejects.toBeInstanceOf(TeamleaderUnavailableError);
    // 408 and 429 are "try later", not a lost consent.
    for (const status of [408, 429]) {
      const later = oauthWith(() => Response.json({ error: 'slow_down' }, { status }));
      expect(await later.oauth.refresh({ refreshToken: 'rt-1' }).catch((e: unknown) => e)).toBeInstanceOf(TeamleaderUnavailableError);
    }
  });
});
