import { SystemClock, type Clock } from '@tollgate/clock';
import * as oauth from 'oauth4webapi';
import { AuthorizationDeniedError, InvalidGrantError, TeamleaderError, TeamleaderUnavailableError, TokenRefusedError } from './teamleader.errors.js';
import type { TeamleaderTokens } from './token-store.js';

export const TEAMLEADER_AUTH_BASE_URL = 'https://focus.teamleader.eu';

export interface TeamleaderOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** Must be whitelisted on the Teamleader Marketplace integration. */
  redirectUri: string;
  /** Default https://focus.teamleader.eu (older integrations use https://app.teamleader.eu). */
  authBaseUrl?: string;
  clock?: Clock;
  fetch?: typeof fetch;
  /** Per token-endpoint request. Default 30 s. */
  timeoutMs?: number;
}

/**
 * Teamleader's OAuth2 authorization-code grant (oauth4webapi underneath). Plain http is allowed
 * only for loopback hosts (local sandboxes).
 */
export class TeamleaderOAuth {
  readonly #as: oauth.AuthorizationServer;
  readonly #client: oauth.Client;
  readonly #auth: oauth.ClientAuth;
  readonly #config: TeamleaderOAuthConfig;
  readonly #clock: Clock;
  readonly #insecure: boolean;

  constructor(config: TeamleaderOAuthConfig) {
    const base = new URL(config.authBaseUrl ?? TEAMLEADER_AUTH_BASE_URL);
    const root = base.href.replace(/\/+$/, '');
    this.#as = {
      issuer: root,
      authorization_endpoint: `${root}/oauth2/authorize`,
      token_endpoint: `${root}/oauth2/access_token`,
    };
    this.#client = { client_id: config.clientId };
    this.#auth = oauth.ClientSecretPost(config.clientSecret);
    this.#config = config;
    this.#clock = config.clock ?? new SystemClock();
    this.#insecure = base.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname);
  }

  /** Where to send the user. Teamleader configures scopes on the integration; `scopes` is passed only when given. */
  authorizationUrl({ state, scopes }: { state: string; scopes?: string[] }): string {
    const url = new URL(this.#as.authorization_endpoint as string);
    url.searchParams.set('client_id', this.#config.clientId);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('redirect_uri', this.#config.redirectUri);
    url.searchParams.set('state', state);
    if (scopes && scopes.length > 0) url.searchParams.set('scope', scopes.join(' '));
    return url.href;
  }

  /**
   * Handles the redirect back: checks `state`, turns `error=access_denied` into
   * AuthorizationDeniedError, and trades the single-use code for tokens.
   */
  async exchangeCode({ callback, expectedState }: { callback: string | URL | URLSearchParams; expectedState: string }): Promise<TeamleaderTokens> {
    const params = callback instanceof URLSearchParams ? callback : new URL(typeof callback === 'string' ? callback : callback.href).searchParams;
    // Teamleader's denial carries no state, so look at the error before the state check.
    const error = params.get('error');
    if (error) throw new AuthorizationDeniedError({ error, description: params.get('error_description') ?? undefined });
    let validated: URLSearchParams;
    try {
      validated = oauth.validateAuthResponse(this.#as, this.#client, params, expectedState);
    } catch (cause) {
      throw new TeamleaderError({
        code: 'teamleader_callback_invalid',
        status: 400,
        message: `Teamleader OAuth callback rejected: ${(cause as Error).message}`,
        cause,
      });
    }
    return this.#token(() =>
      oauth.authorizationCodeGrantRequest(this.#as, this.#client, this.#auth, validated, this.#config.redirectUri, oauth.nopkce, this.#options()),
    );
  }

  /**
   * Trades a (single-use) refresh token for a new pair. invalid_grant → InvalidGrantError; another
   * 4xx except 408/429 → TokenRefusedError; 408, 429, 5xx → TeamleaderUnavailableError.
   */
  async refresh({ refreshToken }: { refreshToken: string }): Promise<TeamleaderTokens> {
    return this.#token(() => oauth.refreshTokenGrantRequest(this.#as, this.#client, this.#auth, refreshToken, this.#options()));
  }

  #options(): oauth.TokenEndpointRequestOptions {
    const options: oauth.TokenEndpointRequestOptions = { signal: AbortSignal.timeout(this.#config.timeoutMs ?? 30_000) };
    if (this.#config.fetch) options[oauth.customFetch] = this.#config.fetch;
    if (this.#insecure) options[oauth.allowInsecureRequests] = true;
    return options;
  }

  async #token(request: () => Promise<Response>): Promise<TeamleaderTokens> {
    const issuedAt = this.#clock.now().getTime();
    let response: Response;
    try {
      response = await request();
    } catch (cause) {
      throw new TeamleaderUnavailableError({ message: `Teamleader token endpoint unreachable: ${(cause as Error).message}`, cause });
    }
    let result: oauth.TokenEndpointResponse;
    try {
      result = await oauth.processGenericTokenEndpointResponse(this.#as, this.#client, response);
    } catch (cause) {
      throw tokenError(cause, response);
    }
    if (!result.refresh_token) {
      throw new TeamleaderError({ code: 'teamleader_token_invalid', status: 502, message: 'Teamleader token response has no refresh_token.' });
    }
    const lifetimeSeconds = typeof result.expires_in === 'number' ? result.expires_in : 3600;
    return {
      accessToken: result.access_token,
      refreshToken: result.refresh_token,
      expiresAt: new Date(issuedAt + lifetimeSeconds * 1000).toISOString(),
    };
  }
}

/** 408 and 429 from the token endpoint are "try later", like a 5xx; any other 4xx is a refusal. */
const TRANSIENT = new Set([408, 429]);

function tokenError(cause: unknown, response: Response): Error {
  if (cause instanceof oauth.ResponseBodyError) {
    if (cause.error === 'invalid_grant') {
      return new InvalidGrantError({ message: `Teamleader refused the grant: ${cause.error_description ?? cause.error}.`, cause });
    }
    if (cause.status >= 500 || TRANSIENT.has(cause.status)) {
      return new TeamleaderUnavailableError({ message: `Teamleader token endpoint failed (${cause.status}).`, upstreamStatus: cause.status, cause });
    }
    return new TokenRefusedError({
      upstreamStatus: cause.status,
      error: cause.error,
      description: cause.error_description ?? null,
      message: `Teamleader token endpoint refused: ${cause.status} ${cause.error}${cause.error_description ? ` (${cause.error_description})` : ''}.`,
      cause,
    });
  }
  if (response.status >= 500 || TRANSIENT.has(response.status)) {
    return new TeamleaderUnavailableError({ message: `Teamleader token endpoint failed (${response.status}).`, upstreamStatus: response.status, cause });
  }
  if (response.status >= 400) {
    // A refusal without an RFC 6749 body (or with a WWW-Authenticate challenge): still a refusal.
    return new TokenRefusedError({
      upstreamStatus: response.status,
      error: 'unreadable_error',
      description: (cause as Error).message,
      message: `Teamleader token endpoint refused with ${response.status}: ${(cause as Error).message}`,
      cause,
    });
  }
  return new TeamleaderError({
    code: 'teamleader_token_invalid',
    status: 502,
    message: `Teamleader token response not understood: ${(cause as Error).message}`,
    cause,
  });
}
