import { EPostClient, EPostInvalidCredentialsError, EPostUnavailableError, maskEkp, type EPostCredentials } from '@tollgate/epost';
import type { Clock, PluginDatabase, SecretSealer } from '@tollgate/plugin-sdk';
import { credentialsInvalid, credentialsMissing, epostUnavailable } from './epost.errors.js';

/** What an account stores: its own contract's login (the vendor ID is the platform's, from the options). */
export type AccountCredentials = Omit<EPostCredentials, 'vendorId'>;

export interface CredentialsView {
  configured: boolean;
  /** "******5678", never the whole number. */
  ekp: string | null;
  verifiedAt: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

interface CredentialsRow {
  sealed_credentials: string;
  ekp_masked: string;
  verified_at: Date | string;
  updated_by: string | null;
  updated_at: Date | string;
}

/** Makes a client for one account's credentials (tests and the plugin pass the same factory shape). */
export type EPostClientFactory = (credentials: AccountCredentials) => EPostClient;

/**
 * The accounts' E-POST credentials: checked with a login before they are stored, sealed at rest
 * (bound to the account, so a row copied to another account does not open), and one cached client
 * per account so its token is reused until it expires or the credentials change.
 */
export class CredentialsStore {
  readonly #db: PluginDatabase;
  readonly #clock: Clock;
  readonly #sealer: SecretSealer;
  readonly #client: EPostClientFactory;
  readonly #clients = new Map<string, { sealed: string; client: EPostClient }>();

  constructor(deps: { db: PluginDatabase; clock: Clock; sealer: SecretSealer; client: EPostClientFactory }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#sealer = deps.sealer;
    this.#client = deps.client;
  }

  /** Logs in with the credentials; stores them sealed only when E-POST takes them. */
  async put(input: { accountId: string; credentials: AccountCredentials; userId: string | null }): Promise<CredentialsView> {
    const client = this.#client(input.credentials);
    try {
      await client.login();
    } catch (error) {
      if (error instanceof EPostInvalidCredentialsError) throw credentialsInvalid(error.vendorCode);
      if (error instanceof EPostUnavailableError) throw epostUnavailable();
      throw error;
    }
    const now = this.#clock.now();
    const sealed = this.#sealer.seal({ context: input.accountId, secret: JSON.stringify(input.credentials) });
    await this.#db.query(
      `INSERT INTO credentials (account_id, sealed_credentials, ekp_masked, verified_at, updated_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, $4)
       ON CONFLICT (account_id) DO UPDATE SET sealed_credentials = $2, ekp_masked = $3, verified_at = $4, updated_by = $5, updated_at = $4`,
      [input.accountId, sealed, maskEkp(input.credentials.ekp), now, input.userId],
    );
    // The verified client (with its fresh token) serves the next letters.
    this.#clients.set(input.accountId, { sealed, client });
    return this.get({ accountId: input.accountId });
  }

  async get(input: { accountId: string }): Promise<CredentialsView> {
    const row = await this.#row(input.accountId);
    if (!row) return { configured: false, ekp: null, verifiedAt: null, updatedAt: null, updatedBy: null };
    return { configured: true, ekp: row.ekp_masked, verifiedAt: iso(row.verified_at), updatedAt: iso(row.updated_at), updatedBy: row.updated_by };
  }

  async delete(input: { accountId: string }): Promise<CredentialsView> {
    await this.#db.query(`DELETE FROM credentials WHERE account_id = $1`, [input.accountId]);
    this.#clients.delete(input.accountId);
    return this.get(input);
  }

  async has(input: { accountId: string }): Promise<boolean> {
    return (await this.#row(input.accountId)) !== null;
  }

  /** The account's client; 422 epost_credentials_missing when it stored none. */
  async client(input: { accountId: string }): Promise<EPostClient> {
    const row = await this.#row(input.accountId);
    if (!row) throw credentialsMissing();
    const cached = this.#clients.get(input.accountId);
    if (cached && cached.sealed === row.sealed_credentials) return cached.client;
    const credentials = JSON.parse(this.#sealer.open({ context: input.accountId, sealed: row.sealed_credentials })) as AccountCredentials;
    const client = this.#client(credentials);
    this.#clients.set(input.accountId, { sealed: row.sealed_credentials, client });
    return client;
  }

  /** Drops the cached client (after E-POST refused its credentials). */
  forget(input: { accountId: string }): void {
    this.#clients.delete(input.accountId);
  }

  async #row(accountId: string): Promise<CredentialsRow | null> {
    const { rows } = await this.#db.query<CredentialsRow>(
      `SELECT sealed_credentials, ekp_masked, verified_at, updated_by, updated_at FROM credentials WHERE account_id = $1`,
      [accountId],
    );
    return rows[0] ?? null;
  }
}

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
