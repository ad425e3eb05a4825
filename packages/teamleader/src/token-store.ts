/** A Teamleader access + refresh pair. Refresh tokens are single-use: every refresh returns a new pair. */
export interface TeamleaderTokens {
  accessToken: string;
  refreshToken: string;
  /** ISO time the access token stops working (issue time + expires_in). */
  expiresAt: string;
}

/** What a TokenStore holds for one connection. `sealed` is TokenCipher output, never plain tokens. */
export interface StoredTokens {
  /** Starts at 1 with the first save and grows by one on every save. */
  version: number;
  sealed: string;
  /** Set by markReconsentNeeded, cleared by the next save. */
  reconsentNeeded: { reason: string } | null;
}

export type SaveResult = { saved: true; version: number } | { saved: false };

/**
 * Persistence of a connection's tokens, implemented by the host (a row per connection).
 * `save` is a compare-and-set: it writes only when the stored version is still `expectedVersion`
 * (0 = nothing stored yet), so two hosts refreshing at once cannot both win.
 */
export interface TokenStore {
  load(input: { connectionId: string }): Promise<StoredTokens | null>;
  save(input: { connectionId: string; tokens: string; expectedVersion: number }): Promise<SaveResult>;
  /** With `expectedVersion`, only when the record is still at that version (a newer pair wins). */
  markReconsentNeeded(input: { connectionId: string; reason: string; expectedVersion?: number }): Promise<void>;
}

/** TokenStore in a Map, for tests and single-process tools. */
export class InMemoryTokenStore implements TokenStore {
  readonly #records = new Map<string, StoredTokens>();
  /** Every successful save, in order (tests assert on it). */
  readonly saves: Array<{ connectionId: string; version: number }> = [];

  async load({ connectionId }: { connectionId: string }): Promise<StoredTokens | null> {
    const record = this.#records.get(connectionId);
    return record ? { ...record, reconsentNeeded: record.reconsentNeeded ? { ...record.reconsentNeeded } : null } : null;
  }

  async save({ connectionId, tokens, expectedVersion }: { connectionId: string; tokens: string; expectedVersion: number }): Promise<SaveResult> {
    const current = this.#records.get(connectionId)?.version ?? 0;
    if (current !== expectedVersion) return { saved: false };
    const version = current + 1;
    this.#records.set(connectionId, { version, sealed: tokens, reconsentNeeded: null });
    this.saves.push({ connectionId, version });
    return { saved: true, version };
  }

  async markReconsentNeeded({ connectionId, reason, expectedVersion }: { connectionId: string; reason: string; expectedVersion?: number }): Promise<void> {
    const record = this.#records.get(connectionId);
    if (!record) return;
    if (expectedVersion !== undefined && record.version !== expectedVersion) return;
    record.reconsentNeeded = { reason };
  }
}
