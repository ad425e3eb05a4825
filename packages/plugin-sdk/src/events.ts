/**
 * Events out (W-10, W-12): what happened to an account's wallet, its purchases and its imported
 * invoices, as plugins (coreServices.events) and the SaaS's webhook endpoints receive it. Every
 * event has a stable id (dedupe on it: delivery is at least once) and a sequence per account
 * (1, 2, 3… in the order the events were recorded: order on it). Payloads are versioned: a
 * change that is not a new optional field is a new `version`, announced in the SDK's changelog.
 * Amounts are decimal strings in euros, never numbers.
 */

/** Every event type, with the version of its payload that this SDK describes. */
export const EVENT_TYPES = {
  'wallet.topped_up': 1,
  'wallet.charged': 1,
  'wallet.hold_placed': 1,
  'wallet.hold_captured': 1,
  'wallet.hold_released': 1,
  'wallet.hold_expired': 1,
  'wallet.refunded': 1,
  'wallet.credits_refunded': 1,
  'wallet.credit_expired': 1,
  'wallet.low_balance': 1,
  'wallet.depleted': 1,
  'wallet.clawed_back': 1,
  'wallet.blocked': 1,
  'wallet.unblocked': 1,
  'wallet.debt_settled': 1,
  'wallet.cap_reached': 1,
  /** Since API 2.8: an alert the account set fired (W-13). */
  'wallet.alert_triggered': 1,
  /** Since API 2.8: a fired alert's condition no longer holds (a top-up); it can fire again. */
  'wallet.alert_rearmed': 1,
  'purchase.succeeded': 1,
  'purchase.failed': 1,
  'purchase.reversed': 1,
  'invoice.imported': 1,
  'invoice.paid': 1,
  'invoice.pdf_available': 1,
  'invoice.invitation_sent': 1,
  'invoice.payment_removed': 1,
  'invoice_sync.run_finished': 1,
  'account.plan_changed': 1,
  'letter.status_changed': 1,
  'accounting_export.run_finished': 1,
} as const;

export type EventType = keyof typeof EVENT_TYPES;

export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && Object.hasOwn(EVENT_TYPES, type);
}

/** A decimal amount in euros, e.g. "12.50". */
type Amount = string;

interface HoldData {
  holdId: string;
  accountId: string;
  channel: string;
  description: string;
  units: string;
  country: string | null;
  unitPrice: Amount;
  freeUnits: string;
  amount: Amount;
  captured: Amount;
  status: string;
  expiresAt: string;
  createdAt: string;
}

/** The payload (`data`) of each event type, version 1. Fields may be added; none is removed or changes meaning within a version. */
export interface EventPayloads {
  /** Credit added: a purchased pack, a promotion, the trial credit. */
  'wallet.topped_up': {
    transactionId: string;
    lotId: string;
    accountId: string;
    kind: string;
    amount: Amount;
    expiresAt: string | null;
    balanceAfter: Amount;
    createdAt: string;
  };
  /**
   * Money spent: a direct charge (with `units`, `freeUnits`, `unitPrice`, `createdAt`), or a capture
   * of a hold (with `holdId`; the hold's own event, `wallet.hold_captured`, carries its units).
   */
  'wallet.charged': {
    transactionId: string;
    accountId: string;
    channel: string;
    amount: Amount;
    balanceAfter: Amount;
    holdId?: string;
    units?: string;
    freeUnits?: string;
    unitPrice?: Amount;
    createdAt?: string;
  };
  'wallet.hold_placed': HoldData;
  'wallet.hold_captured': HoldData & { transactionId: string; balanceAfter: Amount };
  'wallet.hold_released': HoldData & { transactionId: string; balanceAfter: Amount };
  'wallet.hold_expired': HoldData & { transactionId: string; balanceAfter: Amount };
  /** A charge or capture paid back (an undelivered text). */
  'wallet.refunded': { transactionId: string; reversesId: string; accountId: string; amount: Amount; balanceAfter: Amount; reason: string; createdAt: string };
  /** Purchased credit paid out to the account (C-5), less the fee. */
  'wallet.credits_refunded': {
    refundTransactionId: string;
    accountId: string;
    credits: Amount;
    fee: Amount;
    payout: Amount;
    balanceAfter: Amount;
    createdAt: string;
  };
  'wallet.credit_expired': { transactionId: string; accountId: string; lotId: string; kind: string; amount: Amount; balanceAfter: Amount };
  'wallet.low_balance': { accountId: string; available: Amount; threshold: Amount };
  'wallet.depleted': { accountId: string; available: Amount };
  /** A purchase's payment was reversed after its credit was granted (a SEPA return, a chargeback). */
  'wallet.clawed_back': {
    transactionId: string;
    accountId: string;
    lotId: string;
    amount: Amount;
    recovered: Amount;
    shortfall: Amount;
    owed: Amount;
    balanceAfter: Amount;
    reason: string;
    createdAt: string;
  };
  'wallet.blocked': { accountId: string; owed: Amount };
  'wallet.unblocked': { accountId: string };
  'wallet.debt_settled': { transactionId: string; accountId: string; amount: Amount; owed: Amount; balanceAfter: Amount };
  /** A monthly spending cap was reached: the month's spend on the channel (or by the user) is now at its limit. Since API 2.8. */
  'wallet.cap_reached': { accountId: string; kind: 'channel' | 'user'; target: string; limit: Amount; used: Amount; period: string };
  /**
   * Since API 2.8. An alert the account set (docs/wallet.md, alerts) crossed: once per crossing, in
   * the transaction that moved the balance (or, for days left, when time alone moved the burn
   * window). `threshold` is the balance under which it fires; days-left alerts add `daysLeft` (one
   * decimal) and `burnPerDay`.
   */
  'wallet.alert_triggered': {
    alertId: string;
    accountId: string;
    kind: 'balance_below' | 'percent_of_last_top_up' | 'days_left';
    name: string | null;
    threshold: Amount;
    available: Amount;
    daysLeft?: string;
    burnPerDay?: Amount;
    triggeredAt: string;
  };
  /** Since API 2.8. A triggered alert's condition no longer holds (a top-up): it is armed again. `threshold` null when there is none now. */
  'wallet.alert_rearmed': {
    alertId: string;
    accountId: string;
    kind: 'balance_below' | 'percent_of_last_top_up' | 'days_left';
    name: string | null;
    threshold: Amount | null;
    available: Amount;
    rearmedAt: string;
  };
  'purchase.succeeded': PurchaseData;
  'purchase.failed': PurchaseData & { reason: string | null };
  'purchase.reversed': PurchaseData & { reason: string | null };
  'invoice.imported': {
    invoiceId: string;
    connectionId: string;
    kind: 'invoice' | 'credit_note';
    number: string;
    status: string;
    totalInclVat: Amount;
    amountDue: Amount;
    currency: string;
    issuedOn: string;
    dueOn: string | null;
  };
  /** An imported invoice is paid in full (its source says so, or the payments recorded here add up to it). */
  'invoice.paid': { invoiceId: string; connectionId: string; kind: 'invoice' | 'credit_note'; number: string; totalInclVat: Amount; amountDue: Amount };
  /** An imported invoice's PDF is in the file store (S-6): `GET /v1/invoice-sync/invoices/:id/pdf` serves it. */
  'invoice.pdf_available': {
    invoiceId: string;
    connectionId: string;
    kind: 'invoice' | 'credit_note';
    number: string;
    /** Bytes, and the SHA-256 (hex) of the stored file. */
    size: number;
    sha256: string;
    /** How many tries it took (1 = the first). */
    attempts: number;
  };
  /** S-7: the invoice's payment invitation was accepted by the mail server (once per invoice). */
  'invoice.invitation_sent': {
    invoiceId: string;
    connectionId: string;
    number: string;
    recipient: string;
    locale: string;
    trigger: 'automatic' | 'manual';
    sentAt: string;
  };
  /** A payment recorded for an imported invoice was reversed (refusal, chargeback, return); `status` is the invoice's status now. */
  'invoice.payment_removed': {
    invoiceId: string;
    connectionId: string;
    number: string;
    paymentId: string;
    method: 'payment_link' | 'transfer' | 'direct_debit' | 'manual';
    amount: Amount;
    currency: string;
    reason: string;
    status: 'booked' | 'pending' | 'paid' | 'expired';
    amountDue: Amount;
  };
  'invoice_sync.run_finished': {
    runId: string;
    connectionId: string;
    trigger: 'manual' | 'sweep' | 'webhook';
    status: 'completed' | 'interrupted' | 'failed';
    newCount: number;
    updatedCount: number;
    ignoredCount: number;
    failedCount: number;
    error: string | null;
  };
  /**
   * The account was moved to another plan (edition, W-11), like a subscription's plan changing: its
   * prices and rules are the new plan's from `changedAt` on. Only real moves: the same plan again, a
   * retried move and the plan a wallet is opened on are not events.
   */
  'account.plan_changed': {
    accountId: string;
    plan: string;
    /** The plan before the move; never null (a move always has one: opening a wallet is not a move). */
    previousPlan: string;
    /** When the move took effect (ISO 8601). */
    changedAt: string;
    /** Who moved it, as the host records it (`admin:<api key id>` for the admin route, `cli` for the CLI); null when not named. */
    changedBy: string | null;
  };
  /**
   * A letter by post moved (docs/letters.md), like a print-and-mail service's per-status webhook: its
   * first status (`held`, or `ready` for a carrier billed on the account's own contract), then
   * `submitted`, `accepted`, `printed`, `posted`, `delivered`, or `rejected` / `failed` / `cancelled` /
   * `returned`. Only real moves: a replayed or late carrier event, or one that does not move the letter,
   * is not an event.
   */
  'letter.status_changed': {
    letterId: string;
    accountId: string;
    carrierId: string;
    /** The recipient's country (ISO 3166-1 alpha-2). */
    country: string;
    /** The imported invoice the letter posts, or null. */
    invoiceId: string | null;
    status: 'held' | 'ready' | 'submitted' | 'accepted' | 'rejected' | 'printed' | 'posted' | 'delivered' | 'returned' | 'cancelled' | 'failed';
    /** The status before the move; null for the letter's first status. */
    previousStatus: 'held' | 'ready' | 'submitted' | 'accepted' | 'rejected' | 'printed' | 'posted' | 'delivered' | 'returned' | 'cancelled' | 'failed' | null;
    /** The carrier's or Tollgate's reason for this move (`address_undeliverable`, `cancelled_by_user`, …), or null. */
    reason: string | null;
    /** When the letter moved at Tollgate (ISO 8601). */
    occurredAt: string;
    /**
     * For a wallet-billed letter, the price the wallet captured once the letter is accepted (the move
     * that captures carries it; the capture follows it at once); null before, for a letter billed on
     * the carrier's own contract, and on a move that gives the money back (rejected, failed, cancelled).
     */
    amount: Amount | null;
  };
  /**
   * An accounting export run ended (P-6, docs/accounting-exports.md): completed, partially delivered
   * or failed. A resumed run that ends again is a new event (with the counts and amounts then).
   */
  'accounting_export.run_finished': {
    runId: string;
    accountId: string;
    targetId: string;
    /** The exporter of the run's target: 'peppol-ubl', 'winbooks', 'twinfield', … */
    exporterId: string;
    status: 'completed' | 'partially_delivered' | 'failed';
    /** Why the run did not complete (`undelivered`, a delivery or exporter error code); null when completed. */
    reason: string | null;
    /** Documents delivered in a file, refused by the exporter's rules, skipped (already exported, failed), not delivered. */
    exported: number;
    refused: number;
    skipped: number;
    undelivered: number;
    /** What the wallet took for the delivered documents, and what it gave back of the holds. */
    charged: Amount;
    released: Amount;
  };
}

interface PurchaseData {
  purchaseId: string;
  accountId: string;
  amount: Amount;
  providerId: string;
  origin: string;
}

/** One event as handlers and webhook endpoints receive it. */
export interface TollgateEvent<T extends EventType = EventType> {
  /** Stable across redeliveries and replays: 'evt_…'. */
  id: string;
  type: T;
  /** The payload's version (EVENT_TYPES[type] when it was recorded). */
  version: number;
  accountId: string;
  /** 1, 2, 3… per account, in the order the events were recorded. */
  sequence: number;
  /** When it happened (ISO 8601). */
  occurredAt: string;
  data: EventPayloads[T];
}

/** What a handler gets: any one of the types it subscribed to. */
export type EventOf<T extends EventType> = { [K in T]: TollgateEvent<K> }[T];

/**
 * coreServices.events: subscribe during init. Each subscription gets every event of its types
 * recorded from then on, from the durable log through the job queue, at least once: dedupe on
 * `event.id`, order on `event.sequence`. A handler that throws is retried with backoff
 * (`maxAttempts`, default 8) and then parked: the operator sees it (`GET /admin/events/parked`)
 * and can retry it. A failing or slow subscription never holds up another.
 */
export interface PluginEvents {
  subscribe<T extends EventType>(input: {
    /** Unique within the plugin, kebab-case: it names the subscription's deliveries ('<plugin>/<name>'). */
    name: string;
    types: readonly T[];
    handler: (event: EventOf<T>) => Promise<void>;
    maxAttempts?: number;
  }): void;
}
