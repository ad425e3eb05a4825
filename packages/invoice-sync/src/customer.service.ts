import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, type Database, type Queryable } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import { inject, injectable } from 'tsyringe';
import type { SourceCustomer } from './invoice-source.js';
import { CustomerNotFoundError, ProfileNotFoundError } from './invoice-sync.errors.js';
import type { Customer } from './invoice-sync.types.js';
import { clampLimit, customerView, newId, type Row } from './invoice-sync.views.js';

/**
 * Customers, 1:1 with the source's (S-4): the customer number is the source id. Data flows one way
 * (source → us); a number changed here is put back to the source id at the next import.
 */
@injectable()
export class CustomerService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(input: {
    accountId: string;
    connectionId?: string;
    search?: string;
    limit?: number;
    before?: string;
  }): Promise<{ data: Customer[]; nextCursor: string | null }> {
    const limit = clampLimit(input.limit);
    const { rows } = await this.db.query<Row>(
      `select * from sync_customers
        where account_id = $1 and ($2::text is null or connection_id = $2)
          and ($3::text is null or name ilike '%' || $3 || '%' or customer_number = $3 or email ilike $3)
          and ($4::text is null or (name, id) > (select name, id from sync_customers where id = $4))
        order by name, id limit $5`,
      [input.accountId, input.connectionId ?? null, input.search?.trim() || null, input.before ?? null, limit + 1],
    );
    const data = rows.slice(0, limit).map(customerView);
    return { data, nextCursor: rows.length > limit ? data.at(-1)!.id : null };
  }

  async get(input: { accountId: string; id: string }): Promise<Customer> {
    const { rows } = await this.db.query<Row>('select * from sync_customers where id = $1 and account_id = $2', [input.id, input.accountId]);
    if (!rows[0]) throw new CustomerNotFoundError(input.id);
    return customerView(rows[0]);
  }

  /**
   * Local changes: the customer's default profile, and the customer number (which the next import
   * resets to the source id: S-4 keeps the 1:1 link). Nothing is written back to the source.
   */
  async update(input: { accountId: string; id: string; customerNumber?: string; profileId?: string | null }): Promise<Customer> {
    const current = await this.get(input);
    if (input.profileId) {
      const { rows } = await this.db.query('select id from sync_profiles where id = $1 and account_id = $2', [input.profileId, input.accountId]);
      if (!rows[0]) throw new ProfileNotFoundError(input.profileId);
    }
    let number = current.customerNumber;
    if (input.customerNumber !== undefined) {
      number = typeof input.customerNumber === 'string' ? input.customerNumber.trim() : '';
      if (!number || number.length > 100)
        throw new ValidationError({ code: 'invalid_customer_number', message: 'customerNumber is required, at most 100 characters.' });
    }
    const now = this.clock.now();
    const changed = number !== current.customerNumber;
    const { rows } = await this.db.query<Row>(
      `update sync_customers set customer_number = $2, profile_id = $3, updated_at = $4,
         local_number_changed_at = case when $2 = source_id then null when $5 then $4 else local_number_changed_at end
       where id = $1 returning *`,
      [current.id, number, input.profileId === undefined ? current.profileId : input.profileId, now, changed],
    );
    return customerView(rows[0]!);
  }

  /**
   * Creates or refreshes a customer from the source, inside the caller's transaction; resets a
   * locally changed number and logs that on the customer. Concurrent imports meet at the unique key.
   */
  async syncFromSource(
    q: Queryable,
    input: { accountId: string; connectionId: string; customer: SourceCustomer },
  ): Promise<{ customer: Customer; created: boolean; resetFrom: string | null }> {
    const c = input.customer;
    const now = this.clock.now();
    const data = [c.name, c.email ?? null, c.address ? JSON.stringify(c.address) : null, c.vatNumber ?? null, c.language ?? null];
    const inserted = await q.query<Row>(
      `insert into sync_customers (id, account_id, connection_id, source_type, source_id, customer_number, name, email, address, vat_number, language, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $11)
       on conflict (connection_id, source_type, source_id) do nothing returning *`,
      [newId('cus'), input.accountId, input.connectionId, c.type, c.sourceId, ...data, now],
    );
    if (inserted.rows[0]) return { customer: customerView(inserted.rows[0]), created: true, resetFrom: null };
    const { rows: locked } = await q.query<Row>('select * from sync_customers where connection_id = $1 and source_type = $2 and source_id = $3 for update', [
      input.connectionId,
      c.type,
      c.sourceId,
    ]);
    const before = customerView(locked[0]!);
    const resetFrom = before.customerNumber !== before.sourceId ? before.customerNumber : null;
    const { rows } = await q.query<Row>(
      `update sync_customers set customer_number = source_id, local_number_changed_at = null, name = $2, email = $3, address = $4, vat_number = $5, language = $6, updated_at = $7
       where id = $1 returning *`,
      [before.id, ...data, now],
    );
    if (resetFrom !== null) {
      await q.query(`insert into sync_invoice_events (customer_id, at, type, detail) values ($1, $2, 'customer_reset', $3)`, [
        before.id,
        now,
        JSON.stringify({ from: resetFrom, to: before.sourceId }),
      ]);
    }
    return { customer: customerView(rows[0]!), created: false, resetFrom };
  }
}
