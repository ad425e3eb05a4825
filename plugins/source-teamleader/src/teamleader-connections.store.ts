import type { Clock, Queryable } from '@tollgate/plugin-sdk';
import type { SaveResult, StoredTokens, TokenStore } from '@tollgate/teamleader';

export interface ConnectionRow {
  id: string;
  accountId: string;
  teamleaderAccountId: string | null;
  version: number;
  reconsentReason: string | null;
  webhookToken: string;
  createdAt: string;
  /** Teamleader's strict mode as last probed (see strict-mode.ts). */
  strictMode: { state: 'on' | 'off' | 'unknown'; checkedAt: string | null; detail: string | null };
}

type Row = {
  id: string;
  account_id: string;
  teamleader_account_id: string | null;
  version: number;
  reconsent_reason: string | null;
  webhook_token: string;
  created_at: Date | string;
  strict_mode: string;
  strict_mode_checked_at: Date | string | null;
  strict_mode_detail: string | null;
};

const COLUMNS =
  'id, account_id, teamleader_account_id, version, reconsent_reason, webhook_token, created_at, strict_mode, strict_mode_checked_at, strict_mode_detail';

const toRow = (row: Row): ConnectionRow => ({
  id: row.id,
  accountId: row.account_id,
  teamleaderAccountId: row.teamleader_account_id,
  version: Number(row.version),
  reconsentReason: row.reconsent_reason,
  webhookToken: row.webhook_token,
  createdAt: new Date(row.created_at).toISOString(),
  strictMode: {
    state: row.strict_mode as 'on' | 'off' | 'unknown',
    checkedAt: row.strict_mode_checked_at === null ? null : new Date(row.strict_mode_checked_at).toISOString(),
    detail: row.strict_mode_detail,
  },
});

/**
 * `source_teamleader_connections`: one row per connected account. It is also the TokenStore of
 * the Teamleader client: sealed tokens with a version for compare-and-set and a re-consent flag.
 */
export class TeamleaderConnectionsStore implements TokenStore {
  readonly #db: Queryable;
  readonly #clock: Clock;
  readonly #onReconsentNeeded: ((input: { accountId: string }) => Promise<unknown>) | undefined;

  /** `onReconsentNeeded` tells the core that imports must wait for new consent (S-1). */
  constructor({
    database,
    clock,
    onReconsentNeeded,
  }: {
    database: Queryable;
    clock: Clock;
    onReconsentNeeded?: (input: { accountId: string }) => Promise<unknown>;
  }) {
    this.#db = database;
    this.#clock = clock;
    this.#onReconsentNeeded = onReconsentNeeded;
  }

  /** The account's connection row, created (without tokens) when missing; the id and webhook token survive a re-consent. */
  async ensure({ accountId, newId, newWebhookToken }: { accountId: string; newId: string; newWebhookToken: string }): Promise<ConnectionRow> {
    const now = this.#clock.now().toISOString();
    await this.#db.query(
      `INSERT INTO source_teamleader_connections (id, account_id, webhook_token, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (account_id) DO NOTHING`,
      [newId, accountId, newWebhookToken, now],
    );
    return (await this.byAccount({ accountId })) as ConnectionRow;
  }

  async byAccount({ accountId }: { accountId: string }): Promise<ConnectionRow | null> {
    const { rows } = await this.#db.query<Row>(`SELECT ${COLUMNS} FROM source_teamleader_connections WHERE account_id = $1`, [accountId]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async byId({ id }: { id: string }): Promise<ConnectionRow | null> {
    const { rows } = await this.#db.query<Row>(`SELECT ${COLUMNS} FROM source_teamleader_connections WHERE id = $1`, [id]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async byTeamleaderAccount({ teamleaderAccountId }: { teamleaderAccountId: string }): Promise<ConnectionRow[]> {
    const { rows } = await this.#db.query<Row>(`SELECT ${COLUMNS} FROM source_teamleader_connections WHERE teamleader_account_id = $1 AND version > 0`, [
      teamleaderAccountId,
    ]);
    return rows.map(toRow);
  }

  async byWebhookToken({ token }: { token: string }): Promise<ConnectionRow | null> {
    const { rows } = await this.#db.query<Row>(`SELECT ${COLUMNS} FROM source_teamleader_connections WHERE webhook_token = $1`, [token]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async setStrictMode({ id, state, detail, checkedAt }: { id: string; state: 'on' | 'off' | 'unknown'; detail: string; checkedAt: string }): Promise<void> {
    await this.#db.query(
      'UPDATE source_teamleader_connections SET strict_mode = $2, strict_mode_detail = $3, strict_mode_checked_at = $4, updated_at = $4 WHERE id = $1',
      [id, state, detail, checkedAt],
    );
  }

  async setTeamleaderAccount({ id, teamleaderAccountId }: { id: string; teamleaderAccountId: string }): Promise<void> {
    await this.#db.query('UPDATE source_teamleader_connections SET teamleader_account_id = $2, updated_at = $3 WHERE id = $1', [
      id,
      teamleaderAccountId,
      this.#clock.now().toISOString(),
    ]);
  }

  async remove({ id }: { id: string }): Promise<void> {
    await this.#db.query('DELETE FROM source_teamleader_connections WHERE id = $1', [id]);
  }

  // ---- TokenStore ----

  async load({ connectionId }: { connectionId: string }): Promise<StoredTokens | null> {
    const { rows } = await this.#db.query<{ version: number; sealed_tokens: string | null; reconsent_reason: string | null }>(
      'SELECT version, sealed_tokens, reconsent_reason FROM source_teamleader_connections WHERE id = $1',
      [connectionId],
    );
    const row = rows[0];
    if (!row || row.sealed_tokens === null || Number(row.version) === 0) return null;
    return {
      version: Number(row.version),
      sealed: row.sealed_tokens,
      reconsentNeeded: row.reconsent_reason === null ? null : { reason: row.reconsent_reason },
    };
  }

  async save({ connectionId, tokens, expectedVersion }: { connectionId: string; tokens: string; expectedVersion: number }): Promise<SaveResult> {
    const { rows } = await this.#db.query<{ version: number }>(
      `UPDATE source_teamleader_connections SET sealed_tokens = $2, version = version + 1, reconsent_reason = NULL, updated_at = $4
       WHERE id = $1 AND version = $3 RETURNING version`,
      [connectionId, tokens, expectedVersion, this.#clock.now().toISOString()],
    );
    return rows[0] ? { saved: true, version: Number(rows[0].version) } : { saved: false };
  }

  async markReconsentNeeded({ connectionId, reason, expectedVersion }: { connectionId: string; reason: string; expectedVersion?: number }): Promise<void> {
    const now = this.#clock.now().toISOString();
    const { rows } =
      expectedVersion === undefined
        ? await this.#db.query<{ account_id: string }>(
            'UPDATE source_teamleader_connections SET reconsent_reason = $2, updated_at = $3 WHERE id = $1 RETURNING account_id',
            [connectionId, reason, now],
          )
        : await this.#db.query<{ account_id: string }>(
            'UPDATE source_teamleader_connections SET reconsent_reason = $2, updated_at = $3 WHERE id = $1 AND version = $4 RETURNING account_id',
            [connectionId, reason, now, expectedVersion],
          );
    if (rows[0] && this.#onReconsentNeeded) await this.#onReconsentNeeded({ accountId: rows[0].account_id });
  }
}
