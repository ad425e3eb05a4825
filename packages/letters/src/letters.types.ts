import type { PostalAddress, PostalCarrier, PostalProduct } from '@tollgate/plugin-sdk';
import type { LetterState } from './letter-lifecycle.js';

/*
 * The renderer's contract (lane render's `@tollgate/letter-render`, issue 17): the letter channel
 * depends on this shape only, through LETTER_RENDERER, so the host decides which renderer (and how
 * big a browser pool) backs it, and tests can hand in a fast one.
 */
export interface RenderLetterInput {
  recipient: PostalAddress;
  sender: PostalAddress;
  locale: 'nl' | 'fr' | 'en' | 'de';
  date: Date;
  timeZone?: string;
  reference: string;
  barcode: boolean;
  subject?: string;
  bodyText?: string;
  html?: string;
  attachments?: readonly Uint8Array[];
}
export interface RenderedLetter {
  pdf: Uint8Array;
  pages: number;
  sha256: string;
  renderMs: number;
}
export interface LetterRenderer {
  render(input: RenderLetterInput): Promise<RenderedLetter>;
  close(): Promise<void>;
}

/** The carriers this host loaded (the plugins' `postalCarriersExtensionPoint` items). */
export interface PostalCarrierDirectory {
  get(id: string): PostalCarrier | undefined;
  list(): readonly PostalCarrier[];
}

export interface LettersOptions {
  /** The countries the account's plan allows for post (`countriesFor(rules, 'post')`); null = no limit. */
  planCountries(input: { accountId: string }): Promise<readonly string[] | null>;
  /** The account's language and time zone (the cover's language and printed date). */
  account(input: { accountId: string }): Promise<{ locale: 'nl' | 'fr' | 'en' | 'de'; timeZone: string } | null>;
  /** The host's public address: callbacks go to `<baseUrl>/webhooks/postal/<carrier id>`. */
  baseUrl(): string;
  /** Submit attempts (a thrown carrier error) before the letter is `failed` and its holds released. Default 5. */
  maxSubmitAttempts?: number;
  /** First retry wait in seconds, doubling per attempt. Default 60. */
  retrySeconds?: number;
  /** A letter in flight is polled this long after its last change (and again as long). Default 15 minutes. */
  pollMinutes?: number;
  /** How long wallet holds last: long enough for a slow acceptance. Default 14 days. */
  holdDays?: number;
}

export const LETTER_RENDERER = Symbol.for('tollgate.LetterRenderer');
export const POSTAL_CARRIERS = Symbol.for('tollgate.PostalCarriers');
export const LETTERS_OPTIONS = Symbol.for('tollgate.LettersOptions');
/** The durable job that submits one letter: `{ letterId }`. */
export const LETTER_SUBMIT_QUEUE = 'letters.submit';

export interface LetterRequest {
  accountId: string;
  userId?: string | null;
  idempotencyKey: string;
  /** Default: the invoice customer's address, when invoiceId is given and the customer has one. */
  recipient?: PostalAddress;
  /** Default: the account's return address (letter settings). */
  sender?: PostalAddress;
  invoiceId?: string;
  pdf?: Uint8Array;
  html?: string;
  subject?: string;
  bodyText?: string;
  color: boolean;
  duplex: boolean;
  product: PostalProduct;
}

export interface LetterCharge {
  channel: string;
  units: string;
  description: string;
  /** Decimal string (EUR) as held; null for own-account letters (no charges). */
  amount: string;
  holdId: string;
  status: 'held' | 'captured' | 'released';
}

export interface Letter {
  id: string;
  accountId: string;
  status: LetterState;
  reason: string | null;
  carrierId: string;
  billing: 'wallet' | 'own_account';
  country: string;
  product: PostalProduct;
  color: boolean;
  duplex: boolean;
  recipient: PostalAddress;
  sender: PostalAddress;
  invoiceId: string | null;
  subject: string | null;
  pages: number;
  sheets: number;
  pdf: { sha256: string; size: number };
  carrierLetterId: string | null;
  /** Sum of the charges (EUR), null for own-account letters. */
  amount: string | null;
  currency: string;
  charges: LetterCharge[];
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
}

export interface LetterEventRecord {
  eventId: string;
  carrierId: string;
  status: string;
  reason: string | null;
  occurredAt: Date;
  receivedAt: Date;
  applied: boolean;
}

/** What a letter would cost now, without holding anything. */
export interface LetterQuote {
  carrierId: string;
  billing: 'wallet' | 'own_account';
  country: string;
  pages: number;
  sheets: number;
  charges: Array<{ channel: string; units: string; description: string; unitPrice: string; amount: string }>;
  /** Sum of the charges; "0.00" for own-account carriers. */
  amount: string;
  currency: string;
  affordable: boolean;
  reason: 'insufficient_funds' | 'wallet_blocked' | null;
}
