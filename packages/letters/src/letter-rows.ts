import { randomBytes } from 'node:crypto';
import { Money } from '@tollgate/money';
import type { PostalAddress, PostalProduct } from '@tollgate/plugin-sdk';
import type { LetterState } from './letter-lifecycle.js';
import type { Letter, LetterCharge } from './letters.types.js';

export const newLetterId = (): string => `ltr_${randomBytes(10).toString('hex')}`;

/** A `letters` row as the database returns it. */
export interface LetterRow {
  id: string;
  account_id: string;
  idempotency_key: string;
  request_hash: string;
  carrier_id: string;
  billing: 'wallet' | 'own_account';
  country: string;
  product: PostalProduct;
  color: boolean;
  duplex: boolean;
  recipient: PostalAddress | string;
  sender: PostalAddress | string;
  invoice_id: string | null;
  subject: string | null;
  pages: number;
  sheets: number;
  pdf_key: string;
  pdf_sha256: string;
  pdf_size: number;
  status: LetterState;
  reason: string | null;
  carrier_letter_id: string | null;
  amount: string | null;
  currency: string;
  attempts: number;
  last_error: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  submitted_at: Date | string | null;
}

export interface HoldRow {
  letter_id: string;
  channel: string;
  description: string;
  units: string;
  hold_id: string;
  amount: string;
  status: 'held' | 'captured' | 'released';
  transaction_id: string | null;
}

const json = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);
const date = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
/** numeric(18,6) units back as the carrier wrote them: "1", "3", "2.5". */
const units = (value: string): string =>
  String(value)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');

export function letterView(row: LetterRow, holds: readonly HoldRow[]): Letter {
  const charges: LetterCharge[] = holds.map((h) => ({
    channel: h.channel,
    units: units(h.units),
    description: h.description,
    amount: Money.of(String(h.amount)).toString(),
    holdId: h.hold_id,
    status: h.status,
  }));
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status,
    reason: row.reason,
    carrierId: row.carrier_id,
    billing: row.billing,
    country: row.country,
    product: row.product,
    color: row.color,
    duplex: row.duplex,
    recipient: json(row.recipient),
    sender: json(row.sender),
    invoiceId: row.invoice_id,
    subject: row.subject,
    pages: row.pages,
    sheets: row.sheets,
    pdf: { sha256: row.pdf_sha256, size: row.pdf_size },
    carrierLetterId: row.carrier_letter_id,
    amount: row.amount === null ? null : Money.of(String(row.amount)).toString(),
    currency: row.currency,
    charges,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    submittedAt: row.submitted_at === null ? null : date(row.submitted_at),
  };
}
