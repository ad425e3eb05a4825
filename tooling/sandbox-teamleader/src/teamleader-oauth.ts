import { randomBytes } from 'node:crypto';

/** An integration registered on the (fake) Marketplace. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** Whitelisted redirect URIs: exact strings, or a prefix ending in `*` (`http://127.0.0.1:*`). */
  redirectUris: string[];
}

/** The integration every sandbox knows unless `clients` is given. */
export const DEFAULT_CLIENT: OAuthClient = {
  clientId: 'tl-sandbox-client',
  clientSecret: 'tl-sandbox-secret',
  redirectUris: ['http://127.0.0.1:*', 'http://localhost:*'],
};

/** The token endpoint's answer, as Teamleader sends it. */
export interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  refresh_token: string;
}

/** RFC 6749 style failure of the token endpoint. */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;

  constructor(input: { status: number; error: string; description: string }) {
    super(input.description);
    this.status = input.status;
    this.error = input.error;
  }

  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

/** Authorization codes live 10 minutes (Teamleader's documented lifetime). */
const CODE_TTL_MS = 10 * 60_000;

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  expiresAt: number;
}

interface AccessGrant {
  clientId: string;
  expiresAt: number;
}

export interface OAuthState {
  codes: Array<[string, { clientId: string; redirectUri: string; expiresAt: number }]>;
  accessTokens: Array<[string, { clientId: string; expiresAt: number }]>;
  /** [refresh token, client id] */
  refreshTokens: Array<[string, string]>;
}

/** Codes, access tokens and single-use refresh tokens, timed by the sandbox clock. */
export class OAuthServer {
  readonly #now: () => Date;
  readonly #clients: Map<string, OAuthClient>;
  #accessTokenSeconds: number;
  #codes = new Map<string, CodeGrant>();
  #accessTokens = new Map<string, AccessGrant>();
  /** refresh token → client id; a token leaves the map on its one use. */
  #refreshTokens = new Map<string, string>();
  #denyNext = 0;
  /** When set, every refresh_token grant is answered with this (a dead refresh token, as some servers say it). */
  #refreshRefusal: { status: number; error: string } | null = null;

  constructor(input: { now: () => Date; clients: OAuthClient[]; accessTokenSeconds: number }) {
    this.#now = input.now;
    this.#clients = new Map(input.clients.map((client) => [client.clientId, { ...client, redirectUris: [...client.redirectUris] }]));
    this.#accessTokenSeconds = positive(input.accessTokenSeconds, 'accessTokenSeconds');
  }

  get accessTokenSeconds(): number {
    return this.#accessTokenSeconds;
  }

  setAccessTokenSeconds(seconds: number): void {
    this.#accessTokenSeconds = positive(seconds, 'accessTokenSeconds');
  }

  setRefreshRefusal(refusal: { status: number; error: string } | null): void {
    if (refusal && (!Number.isInteger(refusal.status) || refusal.status < 400 || refusal.status > 499 || !/^[a-z_]+$/.test(refusal.error))) {
      throw new RangeError(`refresh refusal must be a 4xx status and an OAuth error code, got ${refusal.status} ${JSON.stringify(refusal.error)}`);
    }
    this.#refreshRefusal = refusal ? { ...refusal } : null;
  }

  denyNextAuthorizations(n: number): void {
    this.#denyNext = n;
  }

  /** GET /oauth2/authorize: the redirect to send the browser to, or an error when the request cannot be trusted. */
  authorize(query: URLSearchParams): { location: string } | OAuthError {
    const clientId = query.get('client_id') ?? '';
    const redirectUri = query.get('redirect_uri') ?? '';
    const client = this.#clients.get(clientId);
    if (!client) return new OAuthError({ status: 400, error: 'invalid_client', description: `Unknown client_id ${JSON.stringify(clientId)}` });
    if (!redirectUri || !allowedRedirect(client, redirectUri)) {
      return new OAuthError({
        status: 400,
        error: 'invalid_request',
        description: `redirect_uri ${JSON.stringify(redirectUri)} is not whitelisted for this integration`,
      });
    }
    const target = new URL(redirectUri);
    const state = query.get('state');
    if (query.get('response_type') !== 'code') {
      target.searchParams.set('error', 'unsupported_response_type');
    } else if (this.#denyNext > 0) {
      this.#denyNext -= 1;
      target.searchParams.set('error', 'access_denied');
    } else {
      const code = token('code');
      this.#codes.set(code, { clientId, redirectUri, expiresAt: this.#now().getTime() + CODE_TTL_MS });
      target.searchParams.set('code', code);
    }
    if (state !== null) target.searchParams.set('state', state);
    return { location: target.toString() };
  }

  /** POST /oauth2/access_token with the already-parsed form or JSON body. */
  exchange(body: Record<string, string>): TokenResponse {
    const client = this.#clients.get(body.client_id ?? '');
    if (!client || client.clientSecret !== body.client_secret) {
      throw new OAuthError({ status: 401, error: 'invalid_client', description: 'Client authentication failed' });
    }
    const now = this.#now().getTime();
    if (body.grant_type === 'authorization_code') {
      const code = body.code ?? '';
      const grant = this.#codes.get(code);
      // Single use: a code is gone once presented, even when the exchange fails.
      this.#codes.delete(code);
      if (!grant || grant.clientId !== client.clientId) throw invalidGrant('The authorization code is invalid or was already used');
      if (grant.expiresAt <= now) throw invalidGrant('The authorization code has expired');
      if (grant.redirectUri !== body.redirect_uri) throw invalidGrant('redirect_uri does not match the one used to authorize');
      return this.issue(client.clientId);
    }
    if (body.grant_type === 'refresh_token') {
      if (this.#refreshRefusal) {
        const { status, error } = this.#refreshRefusal;
        throw new OAuthError({ status, error, description: 'The refresh token is no longer accepted' });
      }
      const refresh = body.refresh_token ?? '';
      const owner = this.#refreshTokens.get(refresh);
      if (owner === undefined || owner !== client.clientId) throw invalidGrant('The refresh token is invalid, revoked or was already used');
      this.#refreshTokens.delete(refresh);
      return this.issue(client.clientId);
    }
    if (!body.grant_type) throw new OAuthError({ status: 400, error: 'invalid_request', description: 'grant_type is required' });
    throw new OAuthError({ status: 400, error: 'unsupported_grant_type', description: `Unsupported grant_type ${JSON.stringify(body.grant_type)}` });
  }

  /** A fresh access + refresh pair (also used by control.issueTokens to skip the browser step). */
  issue(clientId: string): TokenResponse {
    if (!this.#clients.has(clientId)) throw new RangeError(`unknown client ${clientId}`);
    const accessToken = token('at');
    const refreshToken = token('rt');
    this.#accessTokens.set(accessToken, { clientId, expiresAt: this.#now().getTime() + this.#accessTokenSeconds * 1000 });
    this.#refreshTokens.set(refreshToken, clientId);
    return { token_type: 'Bearer', expires_in: this.#accessTokenSeconds, access_token: accessToken, refresh_token: refreshToken };
  }

  /** The client behind a bearer token, or why it is refused. */
  authenticate(header: string | undefined): { clientId: string } | { error: string } {
    const given = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (!given) return { error: 'Missing bearer token' };
    const grant = this.#accessTokens.get(given);
    if (!grant) return { error: 'Invalid access token' };
    if (grant.expiresAt <= this.#now().getTime()) return { error: 'Access token expired' };
    return { clientId: grant.clientId };
  }

  /** Codes and tokens in force, JSON-able (expiry times are epoch milliseconds). Clients come from the sandbox's options. */
  exportState(): OAuthState {
    return {
      codes: [...this.#codes.entries()].map(([code, grant]) => [code, { ...grant }]),
      accessTokens: [...this.#accessTokens.entries()].map(([token, grant]) => [token, { ...grant }]),
      refreshTokens: [...this.#refreshTokens.entries()],
    };
  }

  importState(state: OAuthState): void {
    this.#codes = new Map(state.codes.map(([code, grant]) => [code, { ...grant }]));
    this.#accessTokens = new Map(state.accessTokens.map(([token, grant]) => [token, { ...grant }]));
    this.#refreshTokens = new Map(state.refreshTokens);
  }

  revokeRefreshTokens(): void {
    this.#refreshTokens.clear();
  }

  revokeAccessTokens(): void {
    this.#accessTokens.clear();
  }

  reset(input: { accessTokenSeconds: number }): void {
    this.#codes.clear();
    this.#accessTokens.clear();
    this.#refreshTokens.clear();
    this.#denyNext = 0;
    this.#refreshRefusal = null;
    this.#accessTokenSeconds = input.accessTokenSeconds;
  }
}

function allowedRedirect(client: OAuthClient, uri: string): boolean {
  return client.redirectUris.some((allowed) => (allowed.endsWith('*') ? uri.startsWith(allowed.slice(0, -1)) : uri === allowed));
}

function invalidGrant(description: string): OAuthError {
  return new OAuthError({ status: 400, error: 'invalid_grant', description });
}

function token(prefix: string): string {
  return `tl_${prefix}_${randomBytes(24).toString('base64url')}`;
}

function positive(n: number, name: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name} must be a whole number > 0, got ${n}`);
  return n;
}
