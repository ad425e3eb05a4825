import { SystemClock, type Clock } from '@tollgate/clock';
import { InvalidGrantError, ReconsentNeededError, TeamleaderUnavailableError, TokenRefusedError } from './teamleader.errors.js';
import type { TokenCipher } from './token-cipher.js';
import type { StoredTokens, TeamleaderTokens, TokenStore } from './token-store.js';

export interface TokenManagerConfig {
  store: TokenStore;
  cipher: TokenCipher;
  oauth: { refresh(input: { refreshToken: string }): Promise<TeamleaderTokens> };
  clock?: Clock;
  /** Refresh this long before the access token expires. Default 300 s. */
  refreshEarlySeconds?: number;
}

/** How often one refresh may lose a race (compare-and-set, or another host's rotation) before giving up. */
const MAX_ROUNDS = 3;

/**
 * Hands out valid access tokens per connection. Refresh tokens are single-use, so:
 * - one refresh per connection at a time in this process (others await the same promise);
 * - across hosts the store's compare-and-set decides; the loser reloads the winner's pair;
 * - the new pair is saved before its access token is handed out;
 * - a refused refresh marks the connection "re-consent needed" (ReconsentNeededError): invalid_grant, and
 *   any other 4xx but 408/429 (TokenRefusedError; Teamleader does not document its error answers).
 */
export class TeamleaderTokenManager {
  readonly #config: TokenManagerConfig;
  readonly #clock: Clock;
  readonly #earlyMs: number;
  readonly #inflight = new Map<string, Promise<string>>();

  constructor(config: TokenManagerConfig) {
    this.#config = config;
    this.#clock = config.clock ?? new SystemClock();
    this.#earlyMs = (config.refreshEarlySeconds ?? 300) * 1000;
  }

  /** Stores the pair of a fresh consent (after TeamleaderOAuth.exchangeCode); it replaces whatever was there. */
  async connect({ connectionId, tokens }: { connectionId: string; tokens: TeamleaderTokens }): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.#config.store.load({ connectionId });
      const sealed = this.#config.cipher.seal({ connectionId, tokens });
      const result = await this.#config.store.save({ connectionId, tokens: sealed, expectedVersion: current?.version ?? 0 });
      if (result.saved) return;
    }
    throw new TeamleaderUnavailableError({ message: `Could not store Teamleader tokens for ${connectionId}: the record kept changing.` });
  }

  /** A usable access token, refreshed first when it expires within `refreshEarlySeconds`. */
  async accessToken({ connectionId }: { connectionId: string }): Promise<string> {
    const running = this.#inflight.get(connectionId);
    if (running) return running;
    const { tokens } = await this.#load(connectionId);
    if (!this.#expiring(tokens)) return tokens.accessToken;
    return this.#serialised(connectionId, tokens.accessToken);
  }

  /** Teamleader answered 401 to `rejectedAccessToken`: refresh (unless someone already replaced it). */
  async refreshAfterRejection({ connectionId, rejectedAccessToken }: { connectionId: string; rejectedAccessToken: string }): Promise<string> {
    return this.#serialised(connectionId, rejectedAccessToken);
  }

  #serialised(connectionId: string, staleAccessToken: string): Promise<string> {
    const running = this.#inflight.get(connectionId);
    if (running) return running;
    const flight = this.#refresh(connectionId, staleAccessToken).finally(() => this.#inflight.delete(connectionId));
    this.#inflight.set(connectionId, flight);
    return flight;
  }

  async #refresh(connectionId: string, staleAccessToken: string): Promise<string> {
    const { store, cipher, oauth } = this.#config;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { record, tokens } = await this.#load(connectionId);
      // Another host (or an earlier flight) already rotated: use its pair.
      if (tokens.accessToken !== staleAccessToken && !this.#expiring(tokens)) return tokens.accessToken;
      let fresh: TeamleaderTokens;
      try {
        fresh = await oauth.refresh({ refreshToken: tokens.refreshToken });
      } catch (error) {
        const reason = error instanceof InvalidGrantError ? 'invalid_grant' : error instanceof TokenRefusedError ? error.reason : null;
        if (reason === null) throw error;
        // A host that rotated a moment ago used up our refresh token: not a lost consent.
        const after = await store.load({ connectionId });
        if (after && after.version !== record.version && !after.reconsentNeeded) continue;
        await store.markReconsentNeeded({ connectionId, reason, expectedVersion: record.version });
        throw new ReconsentNeededError({ connectionId, reason, cause: error });
      }
      const saved = await store.save({ connectionId, tokens: cipher.seal({ connectionId, tokens: fresh }), expectedVersion: record.version });
      if (saved.saved) return fresh.accessToken;
      // Lost the compare-and-set: the next round reloads the winner's pair instead of refreshing again.
    }
    throw new TeamleaderUnavailableError({ message: `Teamleader token refresh for ${connectionId} kept losing races; try again.` });
  }

  async #load(connectionId: string): Promise<{ record: StoredTokens; tokens: TeamleaderTokens }> {
    const record = await this.#config.store.load({ connectionId });
    if (!record) throw new ReconsentNeededError({ connectionId, reason: 'not_connected' });
    if (record.reconsentNeeded) throw new ReconsentNeededError({ connectionId, reason: record.reconsentNeeded.reason });
    return { record, tokens: this.#config.cipher.open({ connectionId, sealed: record.sealed }) };
  }

  #expiring(tokens: TeamleaderTokens): boolean {
    return Date.parse(tokens.expiresAt) - this.#earlyMs <= this.#clock.now().getTime();
  }
}
