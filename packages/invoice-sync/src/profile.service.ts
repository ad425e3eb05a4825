import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, sqlStateOf, type Database, type Queryable } from '@tollgate/db';
import { ConflictError, ValidationError } from '@tollgate/errors';
import { inject, injectable } from 'tsyringe';
import { ProfileInUseError, ProfileNotFoundError } from './invoice-sync.errors.js';
import type { Profile } from './invoice-sync.types.js';
import { newId, profileView, type Row } from './invoice-sync.views.js';

export interface ProfileInput {
  name: string;
  directDebit: boolean;
  paymentLink: boolean;
  transfer: boolean;
  /** The source custom-field option id or text that selects this profile (S-2); null = none. */
  sourceOptionValue?: string | null;
  isDefault?: boolean;
  /** S-7: invite the customer by e-mail once the PDF is there. Default false. */
  sendInvitation?: boolean;
}

/**
 * Collection profiles (S-2): a set of payment options. An account has exactly one default profile
 * once it has any: the first one is the default, and making another the default moves the flag.
 */
@injectable()
export class ProfileService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(input: { accountId: string } & ProfileInput): Promise<Profile> {
    const clean = validate(input);
    const now = this.clock.now();
    return this.#unique(() =>
      this.db.transaction(async (tx) => {
        const { rows: existing } = await tx.query<Row>('select id from sync_profiles where account_id = $1 limit 1', [input.accountId]);
        const isDefault = existing.length === 0 || input.isDefault === true;
        if (isDefault)
          await tx.query('update sync_profiles set is_default = false, updated_at = $2 where account_id = $1 and is_default', [input.accountId, now]);
        const { rows } = await tx.query<Row>(
          `insert into sync_profiles (id, account_id, name, direct_debit, payment_link, transfer, source_option_value, is_default, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning *`,
          [newId('prof'), input.accountId, clean.name, clean.directDebit, clean.paymentLink, clean.transfer, clean.sourceOptionValue, isDefault, now],
        );
        return profileView(await this.#setInvitation(tx, rows[0]!, input.sendInvitation));
      }),
    );
  }

  async get(input: { accountId: string; id: string }): Promise<Profile> {
    return profileView(await this.#row(this.db, input));
  }

  async list(input: { accountId: string }): Promise<Profile[]> {
    const { rows } = await this.db.query<Row>('select * from sync_profiles where account_id = $1 order by name, id', [input.accountId]);
    return rows.map(profileView);
  }

  /** The profile a source custom-field value selects, if any. */
  async findByOptionValue(input: { accountId: string; value: string }): Promise<Profile | null> {
    const { rows } = await this.db.query<Row>('select * from sync_profiles where account_id = $1 and source_option_value = $2', [
      input.accountId,
      input.value.trim(),
    ]);
    return rows[0] ? profileView(rows[0]) : null;
  }

  async update(input: { accountId: string; id: string } & Partial<ProfileInput>): Promise<Profile> {
    const now = this.clock.now();
    return this.#unique(() =>
      this.db.transaction(async (tx) => {
        const current = profileView(await this.#row(tx, input, true));
        const clean = validate({
          name: input.name ?? current.name,
          directDebit: input.directDebit ?? current.directDebit,
          paymentLink: input.paymentLink ?? current.paymentLink,
          transfer: input.transfer ?? current.transfer,
          sourceOptionValue: input.sourceOptionValue === undefined ? current.sourceOptionValue : input.sourceOptionValue,
        });
        if (input.isDefault === false && current.isDefault) {
          throw new ValidationError({
            code: 'default_profile_required',
            message: 'An account always has one default profile: make another profile the default instead.',
          });
        }
        if (input.isDefault === true && !current.isDefault)
          await tx.query('update sync_profiles set is_default = false, updated_at = $2 where account_id = $1 and is_default', [input.accountId, now]);
        const { rows } = await tx.query<Row>(
          `update sync_profiles set name = $2, direct_debit = $3, payment_link = $4, transfer = $5, source_option_value = $6, is_default = $7, updated_at = $8 where id = $1 returning *`,
          [current.id, clean.name, clean.directDebit, clean.paymentLink, clean.transfer, clean.sourceOptionValue, input.isDefault ?? current.isDefault, now],
        );
        return profileView(await this.#setInvitation(tx, rows[0]!, input.sendInvitation));
      }),
    );
  }

  /** Refused while invoices, customers or a connection use it, and for the default while others exist. */
  async delete(input: { accountId: string; id: string }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = profileView(await this.#row(tx, input, true));
      const uses = await tx.query<{ what: string }>(
        `select 'invoices' as what from sync_invoices where profile_id = $1
         union all select 'customers' from sync_customers where profile_id = $1
         union all select 'a connection default' from sync_connections where default_profile_id = $1 and status <> 'disconnected'
         limit 1`,
        [current.id],
      );
      if (uses.rows[0]) throw new ProfileInUseError({ profileId: current.id, reason: `${uses.rows[0].what} use it` });
      if (current.isDefault) {
        const others = await tx.query('select 1 from sync_profiles where account_id = $1 and id <> $2 limit 1', [input.accountId, current.id]);
        if (others.rows.length > 0) throw new ProfileInUseError({ profileId: current.id, reason: 'it is the default; make another profile the default first' });
      }
      await tx.query('delete from sync_profiles where id = $1', [current.id]);
    });
  }

  async #setInvitation(q: Queryable, row: Row, sendInvitation: boolean | undefined): Promise<Row> {
    if (sendInvitation === undefined) return row;
    if (typeof sendInvitation !== 'boolean') throw new ValidationError({ code: 'invalid_payment_options', message: 'sendInvitation must be true or false.' });
    const { rows } = await q.query<Row>('update sync_profiles set send_invitation = $2 where id = $1 returning *', [row.id, sendInvitation]);
    return rows[0]!;
  }

  async #row(q: Queryable, input: { accountId: string; id: string }, lock = false): Promise<Row> {
    const { rows } = await q.query<Row>(`select * from sync_profiles where id = $1 and account_id = $2${lock ? ' for update' : ''}`, [
      input.id,
      input.accountId,
    ]);
    if (!rows[0]) throw new ProfileNotFoundError(input.id);
    return rows[0];
  }

  async #unique<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (sqlStateOf(error) === '23505')
        throw new ConflictError({
          code: 'profile_option_taken',
          message: 'Another profile of this account already uses that source option value (or became the default at the same time).',
        });
      throw error;
    }
  }
}

function validate(input: ProfileInput): { name: string; directDebit: boolean; paymentLink: boolean; transfer: boolean; sourceOptionValue: string | null } {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name || name.length > 100) throw new ValidationError({ code: 'invalid_profile_name', message: 'name is required, at most 100 characters.' });
  for (const key of ['directDebit', 'paymentLink', 'transfer'] as const) {
    if (typeof input[key] !== 'boolean') throw new ValidationError({ code: 'invalid_payment_options', message: `${key} must be true or false.` });
  }
  if (!input.directDebit && !input.paymentLink && !input.transfer) {
    throw new ValidationError({ code: 'no_payment_option', message: 'A profile needs at least one payment option: direct debit, payment link or transfer.' });
  }
  const raw = input.sourceOptionValue;
  if (raw !== undefined && raw !== null && typeof raw !== 'string')
    throw new ValidationError({ code: 'invalid_source_option_value', message: 'sourceOptionValue must be a string or null.' });
  const sourceOptionValue = raw?.trim() || null;
  if (sourceOptionValue && sourceOptionValue.length > 200)
    throw new ValidationError({ code: 'invalid_source_option_value', message: 'sourceOptionValue is at most 200 characters.' });
  return { name, directDebit: input.directDebit, paymentLink: input.paymentLink, transfer: input.transfer, sourceOptionValue };
}
