import type { Queryable } from '@tollgate/db';
import type { SourceAddress } from './invoice-source.js';

/**
 * What the letter channel (issue 17) needs from an imported invoice, and where it writes back: the
 * invoice's number and customer (name and address, the default recipient of a letter made from it),
 * and `letter_<status>` entries in the invoice's event log.
 */
export interface InvoiceForLetter {
  invoiceId: string;
  number: string;
  customerName: string;
  /** The customer's address as the source has it (may be partial), or null. */
  address: SourceAddress | null;
  /** The customer's language at the source ('nl', 'fr', …), or null. */
  language: string | null;
}

/** The invoice of this account with its customer, or null when the account has no such invoice. */
export async function invoiceForLetter(q: Queryable, input: { accountId: string; invoiceId: string }): Promise<InvoiceForLetter | null> {
  const { rows } = await q.query<{ id: string; number: string; name: string; address: SourceAddress | string | null; language: string | null }>(
    `select i.id, i.number, c.name, c.address, c.language
       from sync_invoices i join sync_customers c on c.id = i.customer_id
      where i.account_id = $1 and i.id = $2`,
    [input.accountId, input.invoiceId],
  );
  const row = rows[0];
  if (!row) return null;
  const address = typeof row.address === 'string' ? (JSON.parse(row.address) as SourceAddress) : row.address;
  return { invoiceId: row.id, number: row.number, customerName: row.name, address: address ?? null, language: row.language };
}

/**
 * Writes a letter's status change into the invoice's event log as `letter_<status>` (letter_submitted,
 * letter_accepted, letter_posted, letter_returned, …) with the letter id, carrier and reason. Pass the
 * transaction that changes the letter, so the log and the letter never disagree.
 */
export async function recordLetterEvent(
  q: Queryable,
  input: { invoiceId: string; at: Date; status: string; letterId: string; carrierId: string; reason?: string | null },
): Promise<void> {
  const detail = { letterId: input.letterId, carrierId: input.carrierId, ...(input.reason ? { reason: input.reason } : {}) };
  await q.query('insert into sync_invoice_events (invoice_id, at, type, detail) values ($1, $2, $3, $4)', [
    input.invoiceId,
    input.at,
    `letter_${input.status}`,
    JSON.stringify(detail),
  ]);
}
