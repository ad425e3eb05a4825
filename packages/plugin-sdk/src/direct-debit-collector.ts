/**
 * Collects invoices by SEPA direct debit for the invoice side (S-9): the invoice side picks the
 * invoices and their mandates, a collector (e.g. the payments-sepa plugin) turns them into its
 * bank's files, and hands back what the bank answered. Optional: a host without one collects nothing.
 */
export interface DirectDebitCreditor {
  name: string;
  /** Normalised: no spaces, upper case. */
  iban: string;
  bic: string;
  /** SEPA creditor identifier, e.g. BE68ZZZ0123456789. */
  creditorId: string;
}

export interface DirectDebitItem {
  /** Unique per item and stable on a retry: the bank's answers name it. At most 35 characters. */
  endToEndId: string;
  /** EUR, two decimals, as a string ('121.00'). */
  amount: string;
  mandateReference: string;
  /** 'YYYY-MM-DD' */
  signatureDate: string;
  sequence: 'FRST' | 'RCUR' | 'OOFF';
  iban: string;
  bic: string | null;
  debtorName: string;
  /** Unstructured text shown to the debtor (the invoice number). */
  remittance: string;
}

export interface DirectDebitCollected {
  /** The collector's own id of each file made (one per sequence type), in order. */
  files: Array<{ id: string; msgId: string; sequence: 'FRST' | 'RCUR' | 'OOFF'; count: number; controlSum: string }>;
  /** The collection date (SEPA RequestedCollectionDate) of these items. */
  collectionDate: string;
}

/** What the bank said about one item, in the order the collector learnt it. */
export interface DirectDebitOutcome {
  /** Increasing, opaque: pass the last one seen as `after`. */
  id: string;
  accountId: string;
  endToEndId: string;
  /** settled = the money arrived (pain.002 ACSC, camt CRDT); returned = refused or returned (R-transaction). */
  kind: 'settled' | 'returned';
  /** The R-code of a return ('AM04', 'MD06', 'SL01 (proprietary)'). */
  reason: string | null;
  amount: string;
  occurredAt: Date;
}

export interface DirectDebitCollector {
  /** Kebab-case, unique: 'payments-sepa'. */
  readonly id: string;
  readonly label: string;
  /**
   * Makes the collection files for these items and hands them to the bank. Idempotent on
   * `idempotencyKey` (same key = same files, never sent twice); an item's endToEndId is collected once.
   */
  collect(input: {
    accountId: string;
    idempotencyKey: string;
    creditor: DirectDebitCreditor;
    items: readonly DirectDebitItem[];
  }): Promise<DirectDebitCollected>;
  /** The bank's answers after `after` (null = from the start), oldest first, at most `limit`. */
  outcomes(input: { after: string | null; limit?: number }): Promise<DirectDebitOutcome[]>;
}
