import type { AlertKind, AlertState, AlertWithReading } from './alert.types.js';

/** An alert as the API shows it (and as a create's first response is kept for retries). */
export interface AlertJson {
  id: string;
  kind: AlertKind;
  name: string | null;
  currency: 'EUR';
  amount: string | null;
  percent: number | null;
  days: number | null;
  burnWindowDays: number | null;
  enabled: boolean;
  state: AlertState;
  triggeredAt: string | null;
  rearmedAt: string | null;
  createdAt: string;
  updatedAt: string;
  current: { balance: string; threshold: string | null; daysLeft: string | null; burnPerDay: string | null };
}

export function alertJson(alert: AlertWithReading): AlertJson {
  const c = alert.condition;
  return {
    id: alert.id,
    kind: c.kind,
    name: alert.name,
    currency: 'EUR',
    amount: c.kind === 'balance_below' ? c.amount.toString() : null,
    percent: c.kind === 'percent_of_last_top_up' ? c.percent : null,
    days: c.kind === 'days_left' ? c.days : null,
    burnWindowDays: c.kind === 'days_left' ? c.burnWindowDays : null,
    enabled: alert.enabled,
    state: alert.state,
    triggeredAt: alert.triggeredAt?.toISOString() ?? null,
    rearmedAt: alert.rearmedAt?.toISOString() ?? null,
    createdAt: alert.createdAt.toISOString(),
    updatedAt: alert.updatedAt.toISOString(),
    current: {
      balance: alert.current.balance.toString(),
      threshold: alert.current.threshold?.toString() ?? null,
      daysLeft: alert.current.daysLeft,
      burnPerDay: alert.current.burnPerDay?.toString() ?? null,
    },
  };
}
