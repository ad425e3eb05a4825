import type { Transaction } from '@tollgate/db';
import type { Money } from '@tollgate/money';

export const ALERT_KINDS = ['balance_below', 'percent_of_last_top_up', 'days_left'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export type AlertState = 'armed' | 'triggered';

/** At most this many alerts per account. */
export const MAX_ALERTS_PER_ACCOUNT = 20;
/** The burn window of a days-left alert when none is given. */
export const DEFAULT_BURN_WINDOW_DAYS = 7;

/** What an alert watches: one of three conditions. */
export type AlertCondition =
  { kind: 'balance_below'; amount: Money } | { kind: 'percent_of_last_top_up'; percent: number } | { kind: 'days_left'; days: number; burnWindowDays: number };

/** What a caller sets; `kind` is fixed once made. */
export type AlertInput = AlertCondition & { name?: string | null; enabled?: boolean };

/** A change to an alert: its name, whether it is on, and its kind's own parameters. */
export interface AlertPatch {
  name?: string | null;
  enabled?: boolean;
  amount?: Money;
  percent?: number;
  days?: number;
  burnWindowDays?: number;
}

/** The alert's condition measured now. */
export interface AlertReading {
  /** The wallet's available balance. */
  balance: Money;
  /** The balance under which the alert fires; null when there is none (no top-up yet, no spending). */
  threshold: Money | null;
  /** Days the balance lasts at the burn rate (one decimal, rounded down); null: no spending, or not a days-left alert. */
  daysLeft: string | null;
  /** Spending per day over the burn window (days-left alerts). */
  burnPerDay: Money | null;
  /** Whether the condition holds. */
  met: boolean;
}

export interface Alert {
  id: string;
  accountId: string;
  condition: AlertCondition;
  name: string | null;
  enabled: boolean;
  state: AlertState;
  /** How many times it has fired. */
  crossings: number;
  triggeredAt: Date | null;
  rearmedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type AlertWithReading = Alert & { current: AlertReading };

/**
 * Tells the account that an alert fired (an e-mail to its owners and admins), in the caller's
 * transaction, once per `eventKey`. The host implements it with its notifications outbox.
 */
export interface AlertNotifier {
  notify(input: { tx: Transaction; accountId: string; eventKey: string; template: 'wallet_alert'; data: Record<string, unknown> }): Promise<void>;
}
export const ALERT_NOTIFIER = Symbol.for('tollgate.AlertNotifier');

export interface WalletAlertOptions {
  /** Called when evaluating alerts failed inside a wallet transaction: the wallet's change still commits. */
  onError?: (error: unknown, context: { accountIds: string[] }) => void;
}
export const WALLET_ALERT_OPTIONS = Symbol.for('tollgate.WalletAlertOptions');
