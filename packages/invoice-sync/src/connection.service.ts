import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, sqlStateOf, type Database } from '@tollgate/db';
import { isTollgateError, ValidationError } from '@tollgate/errors';
import { inject, injectable } from 'tsyringe';
import type { SourceCustomField } from './invoice-source.js';
import {
  AlreadyConnectedError,
  ConnectionNotActiveError,
  ConnectionNotFoundError,
  CustomFieldsUnsupportedError,
  ProfileNotFoundError,
  ReconsentRequiredError,
  UnknownSourceError,
} from './invoice-sync.errors.js';
import { INVOICE_SOURCES, type Connection, type InvoiceSourceDirectory } from './invoice-sync.types.js';
import { connectionView, newId, type Row } from './invoice-sync.views.js';

export interface ConnectionSettings {
  /** S-1: the profile for customers and invoices that name none. */
  defaultProfileId?: string | null;
  /** S-1: "import invoices and update customers automatically" (webhooks and sweeps). */
  autoImport?: boolean;
  /** S-2: the source's invoice custom field that names a profile (older name of invoiceProfileFieldId). */
  profileFieldId?: string | null;
  /** S-2: the source's invoice custom field that names a profile; wins over profileFieldId when both are given. */
  invoiceProfileFieldId?: string | null;
  /** S-2: the source's subscription custom field that names a profile. */
  subscriptionProfileFieldId?: string | null;
}

/** The invoice field as given: invoiceProfileFieldId, else the older profileFieldId (undefined = not given). */
function invoiceField(input: ConnectionSettings): string | null | undefined {
  return input.invoiceProfileFieldId !== undefined ? input.invoiceProfileFieldId : input.profileFieldId;
}

/**
 * Links a Tollgate account to an account at a source (S-1). The OAuth part belongs to the source
 * plugin; it calls `create` once it knows the source account id. Reconnecting the same source
 * account revives the old connection, so customers and invoices keep their identity.
 */
@injectable()
export class ConnectionService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(INVOICE_SOURCES) private readonly sources: InvoiceSourceDirectory,
  ) {}

  async create(input: { accountId: string; sourceId: string; sourceAccountId: string } & ConnectionSettings): Promise<Connection> {
    if (!this.sources.get(input.sourceId)) throw new UnknownSourceError(input.sourceId);
    if (!input.sourceAccountId?.trim()) throw new ValidationError({ code: 'invalid_source_account', message: 'sourceAccountId is required.' });
    if (input.defaultProfileId) await this.#checkProfile(input.accountId, input.defaultProfileId);
    const now = this.clock.now();
    const live = await this.#one(`select * from sync_connections where account_id = $1 and source_id = $2 and status <> 'disconnected'`, [
      input.accountId,
      input.sourceId,
    ]);
    if (live) {
      if (live.source_account_id !== input.sourceAccountId) throw new AlreadyConnectedError(input);
      return this.#revive(live.id as string, input, now);
    }
    const old = await this.#one(
      `select * from sync_connections where account_id = $1 and source_id = $2 and source_account_id = $3 order by updated_at desc limit 1`,
      [input.accountId, input.sourceId, input.sourceAccountId],
    );
    try {
      if (old) return await this.#revive(old.id as string, input, now);
      const { rows } = await this.db.query<Row>(
        `insert into sync_connections (id, account_id, source_id, source_account_id, status, default_profile_id, auto_import, profile_field_id,
           subscription_profile_field_id, created_at, updated_at)
         values ($1, $2, $3, $4, 'connected', $5, $6, $7, $9, $8, $8) returning *`,
        [
          newId('conn'),
          input.accountId,
          input.sourceId,
          input.sourceAccountId,
          input.defaultProfileId ?? null,
          input.autoImport ?? true,
          invoiceField(input) ?? null,
          now,
          input.subscriptionProfileFieldId ?? null,
        ],
      );
      return connectionView(rows[0]!);
    } catch (error) {
      if (sqlStateOf(error) === '23505') throw new AlreadyConnectedError(input);
      throw error;
    }
  }

  async get(input: { accountId?: string; id: string }): Promise<Connection> {
    const row = await this.#one('select * from sync_connections where id = $1 and ($2::text is null or account_id = $2)', [input.id, input.accountId ?? null]);
    if (!row) throw new ConnectionNotFoundError(input.id);
    return connectionView(row);
  }

  async list(input: { accountId: string; includeDisconnected?: boolean }): Promise<Connection[]> {
    const { rows } = await this.db.query<Row>(
      `select * from sync_connections where account_id = $1 and ($2 or status <> 'disconnected') order by created_at, id`,
      [input.accountId, input.includeDisconnected ?? false],
    );
    return rows.map(connectionView);
  }

  /** The live connection a webhook is about. */
  async findBySourceAccount(input: { sourceAccountId: string; sourceId?: string }): Promise<Connection | null> {
    const row = await this.#one(
      `select * from sync_connections where source_account_id = $1 and ($2::text is null or source_id = $2) and status <> 'disconnected' order by created_at limit 1`,
      [input.sourceAccountId, input.sourceId ?? null],
    );
    return row ? connectionView(row) : null;
  }

  async updateSettings(input: { accountId: string; id: string } & ConnectionSettings): Promise<Connection> {
    const current = await this.get(input);
    if (input.defaultProfileId) await this.#checkProfile(input.accountId, input.defaultProfileId);
    const { rows } = await this.db.query<Row>(
      `update sync_connections set default_profile_id = $2, auto_import = $3, profile_field_id = $4, subscription_profile_field_id = $6, updated_at = $5
        where id = $1 returning *`,
      [
        current.id,
        input.defaultProfileId === undefined ? current.defaultProfileId : input.defaultProfileId,
        input.autoImport ?? current.autoImport,
        invoiceField(input) === undefined ? current.profileFieldId : invoiceField(input),
        this.clock.now(),
        input.subscriptionProfileFieldId === undefined ? current.subscriptionProfileFieldId : input.subscriptionProfileFieldId,
      ],
    );
    return connectionView(rows[0]!);
  }

  /**
   * The source's custom fields for invoices, read live through its plugin (S-2: pick the profile
   * field and its options by name). 404 for another account's connection; 409 reconsent_needed or
   * connection_not_active when the source cannot be read; 422 when the source lists no custom fields.
   */
  async customFields(input: { accountId: string; id: string }): Promise<SourceCustomField[]> {
    const connection = await this.get(input);
    if (connection.status === 'reconsent_needed') throw new ReconsentRequiredError({ connectionId: connection.id, status: connection.status });
    if (connection.status !== 'connected') throw new ConnectionNotActiveError({ connectionId: connection.id, status: connection.status });
    const source = this.sources.get(connection.sourceId);
    if (!source) throw new UnknownSourceError(connection.sourceId);
    if (!source.listCustomFields) throw new CustomFieldsUnsupportedError({ connectionId: connection.id, sourceId: connection.sourceId });
    const ref = {
      id: connection.id,
      accountId: connection.accountId,
      sourceAccountId: connection.sourceAccountId,
      profileFieldId: connection.profileFieldId,
      subscriptionProfileFieldId: connection.subscriptionProfileFieldId,
    };
    try {
      return await source.listCustomFields({ connection: ref });
    } catch (error) {
      // The plugin's own "consent again" refusal (e.g. teamleader_reconsent_needed) gets the core's one code.
      if (isTollgateError(error) && error.code.endsWith('reconsent_needed'))
        throw new ReconsentRequiredError({ connectionId: connection.id, status: 'reconsent_needed' }, error);
      throw error;
    }
  }

  /** The plugin calls this when the source refuses our tokens (S-1: the user must consent again). */
  async markReconsentNeeded(input: { id: string }): Promise<Connection> {
    return this.#setStatus(input.id, 'reconsent_needed', `status = 'connected'`);
  }

  async disconnect(input: { accountId: string; id: string }): Promise<Connection> {
    const current = await this.get(input);
    return this.#setStatus(current.id, 'disconnected', 'true');
  }

  async #setStatus(id: string, status: string, when: string): Promise<Connection> {
    const { rows } = await this.db.query<Row>(`update sync_connections set status = $2, updated_at = $3 where id = $1 and ${when} returning *`, [
      id,
      status,
      this.clock.now(),
    ]);
    if (rows[0]) return connectionView(rows[0]);
    return this.get({ id });
  }

  async #revive(id: string, input: ConnectionSettings, now: Date): Promise<Connection> {
    const { rows } = await this.db.query<Row>(
      `update sync_connections set status = 'connected', updated_at = $2,
         default_profile_id = coalesce($3, default_profile_id), auto_import = coalesce($4, auto_import), profile_field_id = coalesce($5, profile_field_id),
         subscription_profile_field_id = coalesce($6, subscription_profile_field_id)
       where id = $1 returning *`,
      [id, now, input.defaultProfileId ?? null, input.autoImport ?? null, invoiceField(input) ?? null, input.subscriptionProfileFieldId ?? null],
    );
    return connectionView(rows[0]!);
  }

  async #checkProfile(accountId: string, profileId: string): Promise<void> {
    if (!(await this.#one('select id from sync_profiles where id = $1 and account_id = $2', [profileId, accountId]))) throw new ProfileNotFoundError(profileId);
  }

  async #one(text: string, params: readonly unknown[]): Promise<Row | undefined> {
    const { rows } = await this.db.query<Row>(text, params);
    return rows[0];
  }
}
