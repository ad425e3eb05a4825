import { createHash } from 'node:crypto';
import { CLOCK, startOfDay, type Clock } from '@tollgate/clock';
import { DATABASE, pgArray, type Database, type Queryable, type Transaction } from '@tollgate/db';
import { Money } from '@tollgate/money';
import type { EventPayloads } from '@tollgate/plugin-sdk';
import { IdempotencyKeyReusedError, WalletNotFoundError, type WalletChanges, type WalletTransactionHook } from '@tollgate/wallet';
import { inject, injectable } from 'tsyringe';
import { AlertNotFoundError, AlertParameterError, TooManyAlertsError } from './alert.errors.js';
import { readAlert, type AlertFacts } from './alert-reading.js';
import { alertJson, type AlertJson } from './alert-json.js';
import {
  ALERT_NOTIFIER,
  MAX_ALERTS_PER_ACCOUNT,
  WALLET_ALERT_OPTIONS,
  type Alert,
  type AlertCondition,
  type AlertInput,
  type AlertNotifier,
  type AlertPatch,
  type AlertWithReading,
  type WalletAlertOptions,
} from './alert.types.js';

/** Create keys are kept as long as the wallet's (at least 30 days, documented; deleted after 45). */
export const ALERT_KEY_DAYS = 45;

interface AlertRow {
  id: string;
  account_id: string;
  kind: Alert['condition']['kind'];
  name: string | null;
  amount: string | null;
  percent: number | null;
  days: number | null;
  burn_window_days: number | null;
  enabled: boolean;
  state: Alert['state'];
  crossings: number;
  triggered_at: Date | null;
  rearmed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id::text as id, account_id, kind, name, amount::text as amount, percent, days, burn_window_days, enabled, state, crossings,
                 triggered_at, rearmed_at, created_at, updated_at`;

function toAlert(r: AlertRow): Alert {
  const condition: AlertCondition =
    r.kind === 'balance_below'
      ? { kind: r.kind, amount: Money.of(r.amount!) }
      : r.kind === 'percent_of_last_top_up'
        ? { kind: r.kind, percent: r.percent! }
        : { kind: r.kind, days: r.days!, burnWindowDays: r.burn_window_days! };
  return {
    id: r.id,
    accountId: r.account_id,
    condition,
    name: r.name,
    enabled: r.enabled,
    state: r.state,
    crossings: r.crossings,
    triggeredAt: r.triggered_at,
    rearmedAt: r.rearmed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const isAlertId = (id: string) => /^[1-9]\d{0,17}$/.test(id);

/**
 * Alerts an account sets on its wallet (W-13). An alert is armed or triggered: it fires (event in
 * the wallet outbox, e-mail) when its condition becomes true while armed, and is re-armed when the
 * condition no longer holds (a top-up). Conditions are evaluated inside the wallet transaction that
 * moved the balance (the transaction hook), when an alert is made or changed, and by `sweep` for
 * days-left alerts, which time alone can cross. Every evaluation runs with the wallet row locked,
 * and only the update `where state = 'armed'` fires, so each crossing fires once across hosts.
 */
@injectable()
export class WalletAlertService {
  readonly hook: WalletTransactionHook;
  /**
   * Spending per account over a burn window of complete past days: the ledger is append-only and new
   * entries are dated now, after the window's end, so a window's sum never changes once known. Kept
   * so that a batch's alert check does not query the ledger again for every account (bounded).
   */
  readonly #burnCache = new Map<string, Money>();

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(ALERT_NOTIFIER) private readonly notifier: AlertNotifier,
    @inject(WALLET_ALERT_OPTIONS) private readonly options: WalletAlertOptions = {},
  ) {
    this.hook = { name: 'wallet-alerts', afterWrite: (input) => this.#afterWrite(input) };
  }

  /** Makes an alert and checks it at once (it fires now when its condition already holds). With a key, a retry answers the first response. */
  async create(input: { accountId: string; alert: AlertInput; idempotencyKey?: string }): Promise<{ alert: AlertJson; replayed: boolean }> {
    const { accountId, alert } = input;
    const hash = createHash('sha256')
      .update(JSON.stringify(fingerprint(alert)))
      .digest('hex');
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      // The wallet row orders this with the account's spending and with other creates (the limit).
      const wallet = await lockWallet(tx, accountId);
      if (!wallet) throw new WalletNotFoundError(accountId);
      if (input.idempotencyKey !== undefined) {
        const {
          rows: [stored],
        } = await tx.query<{ request_hash: string; response: AlertJson }>(
          'select request_hash, response from wallet_alert_keys where account_id = $1 and key = $2',
          [accountId, input.idempotencyKey],
        );
        if (stored) {
          if (stored.request_hash !== hash) throw new IdempotencyKeyReusedError({ key: input.idempotencyKey.replace(/^api:/, ''), operation: 'create alert' });
          return { alert: stored.response, replayed: true };
        }
      }
      const {
        rows: [count],
      } = await tx.query<{ n: number }>('select count(*)::int as n from wallet_alerts where account_id = $1', [accountId]);
      if (count!.n >= MAX_ALERTS_PER_ACCOUNT) throw new TooManyAlertsError({ max: MAX_ALERTS_PER_ACCOUNT });
      const c = alert;
      const {
        rows: [row],
      } = await tx.query<AlertRow>(
        `insert into wallet_alerts (account_id, kind, name, amount, percent, days, burn_window_days, enabled, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning ${COLUMNS}`,
        [
          accountId,
          c.kind,
          c.name ?? null,
          c.kind === 'balance_below' ? c.amount.toString() : null,
          c.kind === 'percent_of_last_top_up' ? c.percent : null,
          c.kind === 'days_left' ? c.days : null,
          c.kind === 'days_left' ? c.burnWindowDays : null,
          c.enabled ?? true,
          now,
        ],
      );
      const made = await this.#checkOne(tx, now, toAlert(row!), wallet);
      const json = alertJson(made);
      if (input.idempotencyKey !== undefined)
        await tx.query('insert into wallet_alert_keys (account_id, key, request_hash, response, created_at) values ($1, $2, $3, $4, $5)', [
          accountId,
          input.idempotencyKey,
          hash,
          JSON.stringify(json),
          now,
        ]);
      return { alert: json, replayed: false };
    });
  }

  /** The account's alerts, oldest first, each measured now (nothing changes). */
  async list(input: { accountId: string }): Promise<AlertWithReading[]> {
    const { rows } = await this.db.query<AlertRow>(`select ${COLUMNS} from wallet_alerts where account_id = $1 order by id`, [input.accountId]);
    return this.#measure(this.db, input.accountId, rows.map(toAlert));
  }

  async get(input: { accountId: string; alertId: string }): Promise<AlertWithReading> {
    if (!isAlertId(input.alertId)) throw new AlertNotFoundError(input.alertId);
    const { rows } = await this.db.query<AlertRow>(`select ${COLUMNS} from wallet_alerts where account_id = $1 and id = $2`, [input.accountId, input.alertId]);
    if (!rows[0]) throw new AlertNotFoundError(input.alertId);
    return (await this.#measure(this.db, input.accountId, [toAlert(rows[0])]))[0]!;
  }

  /**
   * Changes an alert's name, whether it is on, or its kind's parameters. A new threshold or
   * switching it on re-arms it and checks it at once, as a new alert is.
   */
  async update(input: { accountId: string; alertId: string; patch: AlertPatch }): Promise<AlertWithReading> {
    if (!isAlertId(input.alertId)) throw new AlertNotFoundError(input.alertId);
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const wallet = await lockWallet(tx, input.accountId);
      if (!wallet) throw new WalletNotFoundError(input.accountId);
      const { rows } = await tx.query<AlertRow>(`select ${COLUMNS} from wallet_alerts where account_id = $1 and id = $2 for update`, [
        input.accountId,
        input.alertId,
      ]);
      if (!rows[0]) throw new AlertNotFoundError(input.alertId);
      const alert = toAlert(rows[0]);
      const condition = patchCondition(alert.condition, input.patch);
      const enabled = input.patch.enabled ?? alert.enabled;
      const rearm = JSON.stringify(fingerprint(condition)) !== JSON.stringify(fingerprint(alert.condition)) || (enabled && !alert.enabled);
      const name = input.patch.name === undefined ? alert.name : input.patch.name;
      const {
        rows: [row],
      } = await tx.query<AlertRow>(
        `update wallet_alerts set name = $2, amount = $3, percent = $4, days = $5, burn_window_days = $6, enabled = $7,
                state = case when $8 then 'armed' else state end, updated_at = $9
          where id = $1 returning ${COLUMNS}`,
        [
          alert.id,
          name,
          condition.kind === 'balance_below' ? condition.amount.toString() : null,
          condition.kind === 'percent_of_last_top_up' ? condition.percent : null,
          condition.kind === 'days_left' ? condition.days : null,
          condition.kind === 'days_left' ? condition.burnWindowDays : null,
          enabled,
          rearm,
          now,
        ],
      );
      return this.#checkOne(tx, now, toAlert(row!), wallet);
    });
  }

  async delete(input: { accountId: string; alertId: string }): Promise<void> {
    if (!isAlertId(input.alertId)) throw new AlertNotFoundError(input.alertId);
    const { rowCount } = await this.db.query('delete from wallet_alerts where account_id = $1 and id = $2', [input.accountId, input.alertId]);
    if (!rowCount) throw new AlertNotFoundError(input.alertId);
  }

  /**
   * Re-checks every enabled days-left alert: the burn window moves with time, so an alert can
   * cross (or clear) without any wallet change. One short transaction per account, with its wallet
   * row locked; safe on several hosts at once. Returns what it did.
   */
  async sweep(input: { batch?: number } = {}): Promise<{ accounts: number; triggered: number; rearmed: number }> {
    const result = { accounts: 0, triggered: 0, rearmed: 0 };
    let after = '';
    for (;;) {
      const { rows } = await this.db.query<{ account_id: string }>(
        `select distinct account_id from wallet_alerts where kind = 'days_left' and enabled and account_id > $1 order by account_id limit $2`,
        [after, input.batch ?? 500],
      );
      if (!rows.length) break;
      for (const { account_id: accountId } of rows) {
        const moved = await this.db.transaction(async (tx) => {
          const wallet = await lockWallet(tx, accountId);
          if (!wallet) return { triggered: 0, rearmed: 0 };
          const { rows: alerts } = await tx.query<AlertRow>(
            `select ${COLUMNS} from wallet_alerts where account_id = $1 and kind = 'days_left' and enabled order by id`,
            [accountId],
          );
          return this.#evaluate(tx, this.clock.now(), accountId, wallet, alerts.map(toAlert));
        });
        result.accounts++;
        result.triggered += moved.triggered;
        result.rearmed += moved.rearmed;
      }
      after = rows.at(-1)!.account_id;
    }
    return result;
  }

  /** Forgets create keys older than 45 days, a bounded batch per call. */
  async deleteOldKeys(input: { batch?: number } = {}): Promise<number> {
    const before = new Date(this.clock.now().getTime() - ALERT_KEY_DAYS * 86_400_000);
    const { rowCount } = await this.db.query(
      `delete from wallet_alert_keys where (account_id, key) in (select account_id, key from wallet_alert_keys where created_at < $1 limit $2)`,
      [before, input.batch ?? 5000],
    );
    return rowCount;
  }

  /** The wallet transaction hook: the accounts whose balance moved, with their alerts, checked in the same transaction. */
  async #afterWrite(input: { tx: Transaction; now: Date; changes: readonly WalletChanges[] }): Promise<void> {
    const moved = input.changes.filter((c) => !c.available.equals(c.availableBefore));
    if (!moved.length) return;
    const accountIds = moved.map((c) => c.accountId);
    // Most batches touch accounts without alerts: one indexed read, no savepoint (measured: tooling/bench wallet-part2).
    const { rows } = await input.tx.query<AlertRow & { time_zone: string }>(
      `select ${COLUMNS}, (select w.time_zone from wallets w where w.account_id = a.account_id) as time_zone
         from wallet_alerts a where account_id = any($1::text[]) and enabled order by account_id, id`,
      [pgArray(accountIds)],
    );
    if (!rows.length) return;
    // A savepoint: a fault in alerts must never undo (or refuse) the money movement itself.
    await input.tx.query('savepoint wallet_alerts');
    try {
      const byAccount = new Map<string, { timeZone: string; alerts: Alert[] }>();
      for (const row of rows) {
        const entry = byAccount.get(row.account_id) ?? { timeZone: row.time_zone, alerts: [] };
        entry.alerts.push(toAlert(row));
        byAccount.set(row.account_id, entry);
      }
      for (const change of moved) {
        const entry = byAccount.get(change.accountId);
        if (entry) await this.#evaluate(input.tx, input.now, change.accountId, { available: change.available, timeZone: entry.timeZone }, entry.alerts);
      }
      await input.tx.query('release savepoint wallet_alerts');
    } catch (error) {
      await input.tx.query('rollback to savepoint wallet_alerts');
      this.options.onError?.(error, { accountIds });
    }
  }

  /** Checks a new or changed alert right away (when it is on and the account has a wallet). */
  async #checkOne(tx: Transaction, now: Date, alert: Alert, wallet: WalletFacts): Promise<AlertWithReading> {
    if (alert.enabled) await this.#evaluate(tx, now, alert.accountId, wallet, [alert]);
    const { rows } = await tx.query<AlertRow>(`select ${COLUMNS} from wallet_alerts where id = $1`, [alert.id]);
    return (await this.#measure(tx, alert.accountId, [toAlert(rows[0]!)], wallet))[0]!;
  }

  /**
   * Fires the armed alerts whose condition holds and re-arms the triggered ones whose condition no
   * longer does. The caller holds the wallet row lock; the state guard in each update is what makes
   * a crossing fire once even so.
   */
  async #evaluate(
    tx: Transaction,
    now: Date,
    accountId: string,
    wallet: WalletFacts,
    alerts: readonly Alert[],
  ): Promise<{ triggered: number; rearmed: number }> {
    const facts = await loadFacts(tx, { accountId, wallet, now, alerts, burnCache: this.#burnCache });
    const available = wallet.available;
    const done = { triggered: 0, rearmed: 0 };
    for (const alert of alerts) {
      const reading = readAlert({ condition: alert.condition, facts });
      if (reading.met && alert.state === 'armed') {
        const { rows } = await tx.query<{ crossings: number }>(
          `update wallet_alerts set state = 'triggered', crossings = crossings + 1, triggered_at = $2 where id = $1 and state = 'armed' and enabled returning crossings`,
          [alert.id, now],
        );
        if (!rows[0]) continue;
        done.triggered++;
        const payload: EventPayloads['wallet.alert_triggered'] = {
          alertId: alert.id,
          accountId,
          kind: alert.condition.kind,
          name: alert.name,
          threshold: reading.threshold!.toString(),
          available: available.toString(),
          ...(alert.condition.kind === 'days_left' ? { daysLeft: reading.daysLeft!, burnPerDay: reading.burnPerDay!.toString() } : {}),
          triggeredAt: now.toISOString(),
        };
        await outbox(tx, { accountId, type: 'wallet.alert_triggered', payload, now });
        await this.notifier.notify({
          tx,
          accountId,
          eventKey: `wallet_alert:${alert.id}:${rows[0].crossings}`,
          template: 'wallet_alert',
          data: {
            alertName: alert.name ?? '',
            kind: alert.condition.kind,
            available: available.toString(),
            threshold: payload.threshold,
            daysLeft: reading.daysLeft ?? '',
          },
        });
      } else if (!reading.met && alert.state === 'triggered') {
        const { rows } = await tx.query(`update wallet_alerts set state = 'armed', rearmed_at = $2 where id = $1 and state = 'triggered' returning id`, [
          alert.id,
          now,
        ]);
        if (!rows[0]) continue;
        done.rearmed++;
        const payload: EventPayloads['wallet.alert_rearmed'] = {
          alertId: alert.id,
          accountId,
          kind: alert.condition.kind,
          name: alert.name,
          threshold: reading.threshold?.toString() ?? null,
          available: available.toString(),
          rearmedAt: now.toISOString(),
        };
        await outbox(tx, { accountId, type: 'wallet.alert_rearmed', payload, now });
      }
    }
    return done;
  }

  /** Alerts with their condition measured now; `wallet` when the caller already read it under lock. */
  async #measure(q: Queryable, accountId: string, alerts: readonly Alert[], read?: WalletFacts | null): Promise<AlertWithReading[]> {
    if (!alerts.length) return [];
    let wallet = read ?? null;
    if (!wallet) {
      const { rows } = await q.query<{ available: string; time_zone: string }>(
        'select available::text as available, time_zone from wallets where account_id = $1',
        [accountId],
      );
      wallet = { available: Money.of(rows[0]?.available ?? '0'), timeZone: rows[0]?.time_zone ?? 'UTC' };
    }
    const facts = await loadFacts(q, { accountId, wallet, now: this.clock.now(), alerts, burnCache: this.#burnCache });
    return alerts.map((alert) => ({ ...alert, current: readAlert({ condition: alert.condition, facts }) }));
  }
}

/** What alerts are measured with from the wallet row: its available balance and time zone (the burn window's days). */
interface WalletFacts {
  available: Money;
  timeZone: string;
}

/** Locks the account's wallet row and reads it; null when it has no wallet. */
async function lockWallet(tx: Transaction, accountId: string): Promise<WalletFacts | null> {
  const { rows } = await tx.query<{ available: string; time_zone: string }>(
    'select available::text as available, time_zone from wallets where account_id = $1 for update',
    [accountId],
  );
  return rows[0] ? { available: Money.of(rows[0].available), timeZone: rows[0].time_zone } : null;
}

/**
 * The burn window of `days` days: the last `days` complete calendar days in the wallet's time
 * zone (today's spending counts from tomorrow), so the rate is steady within a day and moves at
 * midnight, which the sweep picks up.
 */
export function burnWindow(input: { now: Date; timeZone: string; days: number }): { from: Date; to: Date } {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: input.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(input.now);
  return { from: startOfDay({ day: today, timeZone: input.timeZone, offsetDays: -input.days }), to: startOfDay({ day: today, timeZone: input.timeZone }) };
}

/**
 * What the alerts of one account are measured against. Both reads walk the ledger by the
 * account's own indexes (account and id, account and time), joining postings and lots by key.
 */
async function loadFacts(
  q: Queryable,
  input: { accountId: string; wallet: WalletFacts; now: Date; alerts: readonly Alert[]; burnCache: Map<string, Money> },
): Promise<AlertFacts> {
  let lastTopUp: Money | null = null;
  if (input.alerts.some((a) => a.condition.kind === 'percent_of_last_top_up')) {
    const { rows } = await q.query<{ granted: string }>(
      `select l.granted::text as granted
         from ledger_transactions t
         join ledger_postings p on p.transaction_id = t.id and p.book = 'wallet'
         join credit_lots l on l.id = p.lot_id
        where t.account_id = $1 and t.type = 'grant' and l.kind = 'purchased' and l.clawed_back_at is null
        order by t.id desc limit 1`,
      [input.accountId],
    );
    lastTopUp = rows[0] ? Money.of(rows[0].granted) : null;
  }
  const spentOver = new Map<number, Money>();
  for (const a of input.alerts) {
    if (a.condition.kind !== 'days_left' || spentOver.has(a.condition.burnWindowDays)) continue;
    const window = burnWindow({ now: input.now, timeZone: input.wallet.timeZone, days: a.condition.burnWindowDays });
    const cacheKey = `${input.accountId}|${window.from.toISOString()}|${window.to.toISOString()}`;
    const cached = input.burnCache.get(cacheKey);
    if (cached) {
      spentOver.set(a.condition.burnWindowDays, cached);
      continue;
    }
    // Spending is what revenue received: charges and captures in, reversals out (holds are not spent yet).
    const { rows } = await q.query<{ spent: string }>(
      `select coalesce(sum(p.amount), 0)::text as spent
         from ledger_transactions t
         join ledger_postings p on p.transaction_id = t.id and p.book = 'revenue'
        where t.account_id = $1 and t.created_at >= $2 and t.created_at < $3 and t.type in ('charge', 'capture', 'reversal')`,
      [input.accountId, window.from, window.to],
    );
    const spent = Money.of(rows[0]!.spent);
    // Only a window that has ended is final (a clock set back could make one that has not).
    if (window.to <= input.now) {
      if (input.burnCache.size >= 50_000) input.burnCache.clear();
      input.burnCache.set(cacheKey, spent);
    }
    spentOver.set(a.condition.burnWindowDays, spent);
  }
  return { available: input.wallet.available, lastTopUp, spentOver };
}

async function outbox(tx: Transaction, input: { accountId: string; type: string; payload: object; now: Date }): Promise<void> {
  await tx.query('insert into wallet_events (account_id, type, payload, created_at) values ($1, $2, $3, $4)', [
    input.accountId,
    input.type,
    JSON.stringify(input.payload),
    input.now,
  ]);
}

/** The part of a create request that decides what is made (the idempotency fingerprint). */
function fingerprint(alert: AlertCondition & { name?: string | null; enabled?: boolean }): object {
  const base = { name: alert.name ?? null, enabled: alert.enabled ?? true };
  if (alert.kind === 'balance_below') return { kind: alert.kind, amount: alert.amount.toString(), ...base };
  if (alert.kind === 'percent_of_last_top_up') return { kind: alert.kind, percent: alert.percent, ...base };
  return { kind: alert.kind, days: alert.days, burnWindowDays: alert.burnWindowDays, ...base };
}

/** The condition with a patch's parameters; a parameter of another kind is refused. */
function patchCondition(condition: AlertCondition, patch: AlertPatch): AlertCondition {
  const own: Record<AlertCondition['kind'], Array<keyof AlertPatch>> = {
    balance_below: ['amount'],
    percent_of_last_top_up: ['percent'],
    days_left: ['days', 'burnWindowDays'],
  };
  for (const field of ['amount', 'percent', 'days', 'burnWindowDays'] as const)
    if (patch[field] !== undefined && !own[condition.kind].includes(field)) throw new AlertParameterError({ field, kind: condition.kind });
  if (condition.kind === 'balance_below') return { ...condition, amount: patch.amount ?? condition.amount };
  if (condition.kind === 'percent_of_last_top_up') return { ...condition, percent: patch.percent ?? condition.percent };
  return { ...condition, days: patch.days ?? condition.days, burnWindowDays: patch.burnWindowDays ?? condition.burnWindowDays };
}
