import { randomBytes } from 'node:crypto';
import { DATABASE, type Database } from '@tollgate/db';
import { inject, injectable } from 'tsyringe';
import { InvoiceNotFoundError } from './invoice-sync.errors.js';
import { formatStructuredCommunication, structuredCommunication } from './structured-communication.js';

/** What a customer needs to pay one invoice: the transfer reference and the payment link's token. */
export interface CollectionRefs {
  invoiceId: string;
  /** +++123/4567/89002+++, unique in the account. */
  structuredReference: string;
  /** The unguessable token of the invoice's payment link page (`/pay/<token>`). */
  payToken: string;
}

/**
 * Hands out each invoice's structured communication and payment-link token, once: the first caller
 * assigns them (a per-account counter for the reference), every later caller and every other host
 * reads the same values.
 */
@injectable()
export class CollectionRefService {
  constructor(@inject(DATABASE) private readonly db: Database) {}

  async ensure({ accountId, invoiceId }: { accountId: string; invoiceId: string }): Promise<CollectionRefs> {
    const existing = await this.#read({ accountId, invoiceId });
    if (existing) return existing;
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ structured_reference: string | null; pay_token: string | null }>(
        'select structured_reference, pay_token from sync_invoices where id = $1 and account_id = $2 for update',
        [invoiceId, accountId],
      );
      const row = rows[0];
      if (!row) throw new InvoiceNotFoundError(invoiceId);
      if (row.structured_reference && row.pay_token)
        return { invoiceId, structuredReference: formatStructuredCommunication(row.structured_reference), payToken: row.pay_token };
      const counter = await tx.query<{ last_value: string }>(
        `insert into sync_reference_counters (account_id, last_value) values ($1, 1)
           on conflict (account_id) do update set last_value = sync_reference_counters.last_value + 1
         returning last_value::text as last_value`,
        [accountId],
      );
      const digits = structuredCommunication(BigInt(counter.rows[0]!.last_value)).replace(/\D/g, '');
      const token = row.pay_token ?? `pay_${randomBytes(24).toString('base64url')}`;
      const reference = row.structured_reference ?? digits;
      await tx.query('update sync_invoices set structured_reference = $2, pay_token = $3 where id = $1', [invoiceId, reference, token]);
      return { invoiceId, structuredReference: formatStructuredCommunication(reference), payToken: token };
    });
  }

  /** The invoice a structured communication (12 digits or any written form's digits) names in an account. */
  async invoiceByReference({ accountId, digits }: { accountId: string; digits: string }): Promise<string | null> {
    const { rows } = await this.db.query<{ id: string }>('select id from sync_invoices where account_id = $1 and structured_reference = $2', [
      accountId,
      digits,
    ]);
    return rows[0]?.id ?? null;
  }

  /** The invoice behind a payment-link token (any account), or null. */
  async invoiceByPayToken({ token }: { token: string }): Promise<{ accountId: string; invoiceId: string } | null> {
    const { rows } = await this.db.query<{ id: string; account_id: string }>('select id, account_id from sync_invoices where pay_token = $1', [token]);
    return rows[0] ? { accountId: rows[0].account_id, invoiceId: rows[0].id } : null;
  }

  async #read({ accountId, invoiceId }: { accountId: string; invoiceId: string }): Promise<CollectionRefs | null> {
    const { rows } = await this.db.query<{ structured_reference: string | null; pay_token: string | null }>(
      'select structured_reference, pay_token from sync_invoices where id = $1 and account_id = $2',
      [invoiceId, accountId],
    );
    const row = rows[0];
    if (!row) throw new InvoiceNotFoundError(invoiceId);
    return row.structured_reference && row.pay_token
      ? { invoiceId, structuredReference: formatStructuredCommunication(row.structured_reference), payToken: row.pay_token }
      : null;
  }
}
