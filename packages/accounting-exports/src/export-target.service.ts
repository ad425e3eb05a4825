import { randomUUID } from 'node:crypto';
import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, type Database } from '@tollgate/db';
import { formatIssues, type StandardSchemaV1 } from '@tollgate/plugin-sdk';
import { inject, injectable } from 'tsyringe';
import { ExporterNotFoundError, ExportTargetNotFoundError, InvalidExportTargetError, SealingKeyMissingError } from './accounting-exports.errors.js';
import {
  ACCOUNTING_EXPORTERS,
  ACCOUNTING_EXPORTS_OPTIONS,
  type AccountingExporterDirectory,
  type AccountingExportsOptions,
  type DeliveryKind,
  type DeliverySettingsInput,
  type DeliveryView,
  type ExportTarget,
} from './accounting-exports.types.js';

/** The row as stored; `delivery_settings` holds the sealed secrets under `sealed`. */
export interface TargetRow {
  id: string;
  account_id: string;
  exporter_id: string;
  name: string;
  options: Record<string, unknown> | string;
  delivery_kind: DeliveryKind;
  delivery_settings: Record<string, unknown> | string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

const SEALED_FORMAT = 'tgx1';
export { SEALED_FORMAT };
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

export function json<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/**
 * Export targets (P-6): an exporter, its options (checked with the exporter's `targetOptions`) and a
 * delivery. SFTP secrets are sealed with the host's SecretSealer, bound to the target id, and never
 * shown back.
 */
@injectable()
export class ExportTargetService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(ACCOUNTING_EXPORTERS) private readonly exporters: AccountingExporterDirectory,
    @inject(ACCOUNTING_EXPORTS_OPTIONS) private readonly options: AccountingExportsOptions,
  ) {}

  async create(input: {
    accountId: string;
    exporterId: string;
    name: string;
    options?: Record<string, unknown>;
    delivery: DeliverySettingsInput;
  }): Promise<ExportTarget> {
    const id = `ext_${randomUUID().replaceAll('-', '')}`;
    const options = await this.#checkOptions(input.exporterId, input.options ?? {});
    const name = checkName(input.name);
    const settings = this.#storeDelivery(id, input.delivery, null);
    const now = this.clock.now();
    await this.db.query(
      `insert into export_targets (id, account_id, exporter_id, name, options, delivery_kind, delivery_settings, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
      [id, input.accountId, input.exporterId, name, JSON.stringify(options), input.delivery.kind, JSON.stringify(settings), now],
    );
    return this.get({ accountId: input.accountId, id });
  }

  async update(input: {
    accountId: string;
    id: string;
    name?: string;
    options?: Record<string, unknown>;
    delivery?: DeliverySettingsInput;
  }): Promise<ExportTarget> {
    const row = await this.row(input);
    const options = input.options !== undefined ? await this.#checkOptions(row.exporter_id, input.options) : json(row.options);
    const name = input.name !== undefined ? checkName(input.name) : row.name;
    const previous = row.delivery_kind === 'sftp' ? json<Record<string, unknown>>(row.delivery_settings) : null;
    const kind = input.delivery?.kind ?? row.delivery_kind;
    const settings = input.delivery ? this.#storeDelivery(row.id, input.delivery, previous) : json<Record<string, unknown>>(row.delivery_settings);
    await this.db.query(`update export_targets set name = $2, options = $3, delivery_kind = $4, delivery_settings = $5, updated_at = $6 where id = $1`, [
      row.id,
      name,
      JSON.stringify(options),
      kind,
      JSON.stringify(settings),
      this.clock.now(),
    ]);
    return this.get(input);
  }

  /** Soft delete: runs keep naming it; it can no longer start runs. */
  async delete(input: { accountId: string; id: string }): Promise<void> {
    const row = await this.row(input);
    await this.db.query('update export_targets set deleted_at = $2, updated_at = $2 where id = $1', [row.id, this.clock.now()]);
  }

  async get(input: { accountId: string; id: string }): Promise<ExportTarget> {
    return targetView(await this.row(input));
  }

  async list(input: { accountId: string }): Promise<ExportTarget[]> {
    const { rows } = await this.db.query<TargetRow>(
      'select * from export_targets where account_id = $1 and deleted_at is null order by created_at desc, id desc',
      [input.accountId],
    );
    return rows.map(targetView);
  }

  /** The live row, or a 404. `withDeleted` for runs that name a target deleted since. */
  async row(input: { accountId: string; id: string; withDeleted?: boolean }): Promise<TargetRow> {
    const { rows } = await this.db.query<TargetRow>('select * from export_targets where account_id = $1 and id = $2', [input.accountId, input.id]);
    const row = rows[0];
    if (!row || (row.deleted_at && !input.withDeleted)) throw new ExportTargetNotFoundError(input.id);
    return row;
  }

  /** The delivery settings with the secrets opened, for the delivery only. */
  openSettings(row: TargetRow): Record<string, unknown> {
    const stored = json<Record<string, unknown>>(row.delivery_settings);
    const { sealed, ...rest } = stored;
    if (typeof sealed !== 'string') return rest;
    if (!this.options.sealer) throw new SealingKeyMissingError();
    return { ...rest, ...(JSON.parse(this.options.sealer.open({ context: row.id, sealed })) as Record<string, unknown>) };
  }

  /** Writes settings a delivery learnt (the SFTP host key on first use) into the stored settings. */
  async recordSettings(input: { targetId: string; patch: Record<string, unknown> }): Promise<void> {
    const { rows } = await this.db.query<TargetRow>('select * from export_targets where id = $1', [input.targetId]);
    if (!rows[0]) return;
    const merged = { ...json<Record<string, unknown>>(rows[0].delivery_settings), ...input.patch };
    await this.db.query('update export_targets set delivery_settings = $2, updated_at = $3 where id = $1', [
      input.targetId,
      JSON.stringify(merged),
      this.clock.now(),
    ]);
  }

  async #checkOptions(exporterId: string, options: Record<string, unknown>): Promise<Record<string, unknown>> {
    const exporter = this.exporters.get(exporterId);
    if (!exporter) throw new ExporterNotFoundError({ exporterId, available: this.exporters.list().map((e) => e.id) });
    const schema = exporter.targetOptions as StandardSchemaV1<unknown, Record<string, unknown>> | undefined;
    if (!schema) return options;
    const result = await schema['~standard'].validate(options);
    if (result.issues)
      throw new InvalidExportTargetError({
        message: `The options are not valid for exporter ${exporterId}: ${formatIssues(result.issues)}`,
        details: result.issues.map((i) => ({
          field: `options.${(i.path ?? []).map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.')}`,
          message: i.message,
        })),
      });
    return result.value;
  }

  /** Checks the delivery and seals its secrets; an SFTP update without new secrets keeps the old ones. */
  #storeDelivery(targetId: string, delivery: DeliverySettingsInput, previous: Record<string, unknown> | null): Record<string, unknown> {
    const bad = (field: string, message: string) =>
      new InvalidExportTargetError({ message: `delivery.${field}: ${message}`, details: [{ field: `delivery.${field}`, message }] });
    if (delivery.kind === 'download') return {};
    if (delivery.kind === 'email') {
      const to = Array.isArray(delivery.to) ? delivery.to : [];
      if (!to.length || to.length > 10) throw bad('to', 'one to ten e-mail addresses');
      for (const address of to)
        if (typeof address !== 'string' || !EMAIL.test(address) || address.length > 254) throw bad('to', `"${String(address)}" is not an e-mail address`);
      return { to, subject: delivery.subject ?? null };
    }
    if (delivery.kind !== 'sftp') throw bad('kind', 'download, email or sftp');
    if (!delivery.host || typeof delivery.host !== 'string' || /[\s/]/.test(delivery.host)) throw bad('host', 'a host name or IP address');
    const port = delivery.port ?? 22;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad('port', '1 to 65535');
    if (!delivery.username || typeof delivery.username !== 'string') throw bad('username', 'required');
    if (delivery.hostKeyFingerprint && !FINGERPRINT.test(delivery.hostKeyFingerprint))
      throw bad('hostKeyFingerprint', "'SHA256:' and 43 base64 characters, as ssh-keygen -l prints it");
    const directory = delivery.directory || '.';
    if (directory.split('/').includes('..')) throw bad('directory', 'must not contain ..');
    const secrets = { password: delivery.password ?? null, privateKey: delivery.privateKey ?? null, passphrase: delivery.passphrase ?? null };
    let sealed: string;
    if (secrets.password || secrets.privateKey) {
      if (!this.options.sealer) throw new SealingKeyMissingError();
      sealed = this.options.sealer.seal({ context: targetId, secret: JSON.stringify(secrets) });
    } else if (typeof previous?.sealed === 'string') {
      sealed = previous.sealed;
    } else {
      throw bad('password', 'a password or a privateKey is required');
    }
    return {
      host: delivery.host,
      port,
      username: delivery.username,
      directory,
      hostKeyFingerprint: delivery.hostKeyFingerprint ?? (previous && previous.host === delivery.host ? (previous.hostKeyFingerprint ?? null) : null),
      hasPassword: Boolean(secrets.password) || (!secrets.privateKey && Boolean(previous?.hasPassword)),
      hasPrivateKey: Boolean(secrets.privateKey) || (!secrets.password && Boolean(previous?.hasPrivateKey)),
      sealed,
    };
  }
}

function checkName(name: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (!trimmed || trimmed.length > 120)
    throw new InvalidExportTargetError({ message: 'name: 1 to 120 characters', details: [{ field: 'name', message: '1 to 120 characters' }] });
  return trimmed;
}

export function deliveryView(kind: DeliveryKind, stored: Record<string, unknown>): DeliveryView {
  if (kind === 'download') return { kind };
  if (kind === 'email') return { kind, to: (stored.to as string[]) ?? [], subject: (stored.subject as string | null) ?? null };
  return {
    kind,
    host: stored.host as string,
    port: stored.port as number,
    username: stored.username as string,
    directory: stored.directory as string,
    hostKeyFingerprint: (stored.hostKeyFingerprint as string | null) ?? null,
    hasPassword: Boolean(stored.hasPassword),
    hasPrivateKey: Boolean(stored.hasPrivateKey),
  };
}

export function targetView(row: TargetRow): ExportTarget {
  return {
    id: row.id,
    accountId: row.account_id,
    exporterId: row.exporter_id,
    name: row.name,
    options: json(row.options),
    delivery: deliveryView(row.delivery_kind, json(row.delivery_settings)),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
