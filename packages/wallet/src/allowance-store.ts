import { pgArray, type Queryable } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import { Money } from '@tollgate/money';
import type { AllowanceStatus, PlanAllowance } from '@tollgate/plugin-sdk';
import { addMonths, expiresAfter, leftParts, monthFor, remainingUnits, totalUnits, type AllowanceMonth, type AllowanceRule } from './allowance-period.js';
import { monthStart } from './quota-period.js';
import { checkChannel, checkPlan, checkUnits } from './wallet-input.js';
import { trimUnits } from './wallet-rules.js';
import { WalletNotFoundError } from './wallet.errors.js';

/*
 * Plan allowances (issue 22) outside the batch path: the host writes each plan's allowances here
 * when it loads its plans (the wallet does not know plans), and the account reads its months.
 * Charges, holds and quotes read and write them in the batch (wallet-snapshot, wallet-writer).
 */

const UNITS_OR_ZERO = /^\d{1,12}(\.\d{1,6})?$/;

/** Replaces a plan's allowances with `allowances` (a channel left out has none); the same again changes nothing. */
export async function writePlanAllowances(db: Queryable, input: { plan: string; allowances: Readonly<Record<string, PlanAllowance>> }): Promise<void> {
  const plan = checkPlan(input.plan);
  const channels: string[] = [];
  const units: string[] = [];
  const maxes: Array<string | null> = [];
  const months: Array<number | null> = [];
  for (const [channel, allowance] of Object.entries(input.allowances)) {
    channels.push(checkChannel(channel));
    units.push(checkUnits(allowance.units));
    const rollover = allowance.rollover;
    if (rollover && !UNITS_OR_ZERO.test(rollover.max))
      throw new ValidationError({ code: 'invalid_units', message: `rollover.max must be a decimal string such as "10"; got ${JSON.stringify(rollover.max)}` });
    const expiry = rollover?.expiresAfterMonths;
    if (expiry !== undefined && (!Number.isInteger(expiry) || expiry < 1 || expiry > 120))
      throw new ValidationError({ code: 'invalid_expiry', message: `rollover.expiresAfterMonths must be a whole number from 1 to 120; got ${expiry}` });
    maxes.push(rollover ? rollover.max : null);
    months.push(expiry ?? null);
  }
  await db.query(
    `with gone as (delete from plan_allowances where plan = $1 and not (channel = any($2::text[])))
     insert into plan_allowances (plan, channel, units, rollover_max, rollover_months)
     select $1, * from unnest($2::text[], $3::numeric[], $4::numeric[], $5::int[])
     on conflict (plan, channel) do update set units = excluded.units, rollover_max = excluded.rollover_max, rollover_months = excluded.rollover_months`,
    [plan, pgArray(channels), pgArray(units), pgArray(maxes), pgArray(months)],
  );
}

/**
 * A plan move keeps the month as it started (issue 22): every channel either plan has an allowance
 * for gets this month's row now, if it has none yet, under the plan the account is leaving (units
 * the new plan adds start next month: granted 0 this month). Runs in the move's transaction, after
 * the wallet row was locked.
 */
export async function keepAllowanceMonth(tx: Queryable, input: { accountId: string; fromPlan: string; toPlan: string; now: Date }): Promise<void> {
  const {
    rows: [row],
  } = await tx.query<{ time_zone: string; rules: Array<AllowancesRow['rules'][number] & { plan: string }>; months: AllowancesRow['months'] }>(
    `select w.time_zone,
       (select coalesce(json_agg(json_build_object('plan', plan, 'channel', channel, 'units', units::text, 'rolloverMax', rollover_max::text,
                                                   'rolloverMonths', rollover_months)), '[]')
          from plan_allowances where plan in ($2, $3)) as rules,
       (select coalesce(json_agg(json_build_object('channel', a.channel, 'period', a.period::text, 'granted', a.granted::text,
                                                   'carried', a.carried, 'used', a.used::text)), '[]')
          from (select distinct on (channel) * from allowance_periods where account_id = $1 order by channel, period desc) a) as months
       from wallets w where w.account_id = $1`,
    [input.accountId, input.fromPlan, input.toPlan],
  );
  if (!row) return;
  const period = monthStart(input.now, row.time_zone);
  const leaving = new Map(row.rules.filter((r) => r.plan === input.fromPlan).map((r) => [r.channel, toRule(r)]));
  const stored = new Map(row.months.filter((m) => m.period <= period).map((m) => [m.channel, toMonth(m)]));
  const months: Array<[string, AllowanceMonth]> = [];
  for (const channel of new Set(row.rules.map((r) => r.channel))) {
    const last = stored.get(channel) ?? null;
    if (last?.period === period) continue;
    const month = monthFor({ last, rule: leaving.get(channel) ?? null, period }) ?? { period, granted: Money.zero(), carried: [], used: Money.zero() };
    months.push([channel, month]);
  }
  if (!months.length) return;
  await tx.query(
    `insert into allowance_periods (account_id, channel, period, granted, carried, used)
     select $1, * from unnest($2::text[], $3::date[], $4::numeric[], $5::jsonb[], $6::numeric[])
     on conflict (account_id, channel, period) do nothing`,
    [
      input.accountId,
      pgArray(months.map(([channel]) => channel)),
      pgArray(months.map(([, m]) => m.period)),
      pgArray(months.map(([, m]) => m.granted.toString())),
      pgArray(months.map(([, m]) => JSON.stringify(m.carried.map((c) => ({ from: c.from, units: c.units.toString() }))))),
      pgArray(months.map(([, m]) => m.used.toString())),
    ],
  );
}

interface AllowancesRow {
  time_zone: string;
  plan: string;
  rules: Array<{ channel: string; units: string; rolloverMax: string | null; rolloverMonths: number | null }>;
  months: Array<{ channel: string; period: string; granted: string; carried: Array<{ from: string; units: string }>; used: string }>;
  units: Array<{ channel: string; unit: string }>;
}

/**
 * The account's allowances this month, by channel: its plan's channels, and a channel whose month
 * was started on the plan it was on before (a plan move applies from the next month).
 */
export async function readAllowances(db: Queryable, input: { accountId: string; now: Date }): Promise<AllowanceStatus[]> {
  const {
    rows: [wallet],
  } = await db.query<{ time_zone: string; plan: string }>('select time_zone, plan from wallets where account_id = $1', [input.accountId]);
  if (!wallet) throw new WalletNotFoundError(input.accountId);
  const period = monthStart(input.now, wallet.time_zone);
  const {
    rows: [row],
  } = await db.query<Pick<AllowancesRow, 'rules' | 'months' | 'units'>>(
    `select
       (select coalesce(json_agg(json_build_object('channel', channel, 'units', units::text, 'rolloverMax', rollover_max::text,
                                                   'rolloverMonths', rollover_months)), '[]')
          from plan_allowances where plan = $2) as rules,
       (select coalesce(json_agg(json_build_object('channel', a.channel, 'period', a.period::text, 'granted', a.granted::text,
                                                   'carried', a.carried, 'used', a.used::text)), '[]')
          from (select distinct on (channel) * from allowance_periods where account_id = $1 and period <= $3::date order by channel, period desc) a) as months,
       (select coalesce(json_agg(json_build_object('channel', u.channel, 'unit', u.unit)), '[]')
          from (select distinct on (channel) channel, unit from prices order by channel, effective_from desc) u) as units`,
    [input.accountId, wallet.plan, period],
  );
  const rules = new Map(row!.rules.map((r) => [r.channel, toRule(r)]));
  const stored = new Map(row!.months.map((m) => [m.channel, toMonth(m)]));
  const unitOf = new Map(row!.units.map((u) => [u.channel, u.unit]));
  const channels = [...new Set([...rules.keys(), ...[...stored].filter(([, m]) => m.period === period).map(([channel]) => channel)])].sort();
  const out: AllowanceStatus[] = [];
  for (const channel of channels) {
    const rule = rules.get(channel) ?? null;
    const month = monthFor({ last: stored.get(channel) ?? null, rule, period });
    if (month) out.push(statusOf({ channel, month, rule, unit: unitOf.get(channel) ?? 'unit' }));
  }
  return out;
}

function statusOf(input: { channel: string; month: AllowanceMonth; rule: AllowanceRule | null; unit: string }): AllowanceStatus {
  const { channel, month, rule, unit } = input;
  const left = new Map(leftParts(month).map((p) => [p.from, p.units]));
  const remaining = trimUnits(remainingUnits(month));
  const total = trimUnits(totalUnits(month));
  return {
    channel,
    period: month.period,
    granted: trimUnits(month.granted),
    carried: month.carried.map((c) => ({
      from: c.from,
      units: trimUnits(c.units),
      left: trimUnits(left.get(c.from) ?? Money.zero()),
      expiresAfter: rule ? expiresAfter({ from: c.from, rule }) : null,
    })),
    used: trimUnits(month.used),
    remaining,
    resetsAt: addMonths(month.period, 1),
    label: `${remaining} of ${total} ${total === '1' || unit.endsWith('s') ? unit : `${unit}s`} left`,
  };
}

function toRule(r: AllowancesRow['rules'][number]): AllowanceRule {
  return { units: Money.of(r.units), rolloverMax: r.rolloverMax === null ? null : Money.of(r.rolloverMax), rolloverMonths: r.rolloverMonths };
}

function toMonth(m: AllowancesRow['months'][number]): AllowanceMonth {
  return {
    period: m.period,
    granted: Money.of(m.granted),
    carried: m.carried.map((c) => ({ from: c.from, units: Money.of(c.units) })),
    used: Money.of(m.used),
  };
}
