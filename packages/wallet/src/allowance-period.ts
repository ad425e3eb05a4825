import { Money } from '@tollgate/money';

/*
 * Plan allowances (issue 22): a monthly number of units per channel that a plan includes, with
 * optional rollover. Pure month arithmetic, no I/O: the snapshot loads the last stored month and
 * the plan's rule, these functions say what this month holds. Months are calendar months in the
 * wallet's time zone, written as their first day ('2026-12-01'), the same keys as the W-8 quota.
 */

const ZERO = Money.zero();

/** A plan's allowance for one channel, as stored in plan_allowances. */
export interface AllowanceRule {
  /** Units granted every month. */
  units: Money;
  /** Most units that may roll over in total; null = no rollover. */
  rolloverMax: Money | null;
  /** Rolled-over units can be used this many months after the month they were granted in; null = until used. */
  rolloverMonths: number | null;
}

/** Units that rolled over from the month `from`. */
export interface CarriedUnits {
  from: string;
  units: Money;
}

/** One account's allowance for one channel in one month (a row of allowance_periods). */
export interface AllowanceMonth {
  period: string;
  /** The plan's units when the month's row was made; a plan move changes the next month, not this one. */
  granted: Money;
  /** What rolled over into this month, oldest first. */
  carried: CarriedUnits[];
  /** Units used this month: taken from the carried units oldest first, then from `granted`. */
  used: Money;
}

/** '2026-12-01' + 2 → '2027-02-01'. */
export function addMonths(period: string, months: number): string {
  const year = Number(period.slice(0, 4));
  const month = Number(period.slice(5, 7)) - 1 + months;
  const y = year + Math.floor(month / 12);
  const m = ((month % 12) + 12) % 12;
  return `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}-01`;
}

/** The last month rolled-over units from `from` can be used in; null when they never expire. */
export function expiresAfter(input: { from: string; rule: AllowanceRule }): string | null {
  return input.rule.rolloverMonths === null ? null : addMonths(input.from, input.rule.rolloverMonths);
}

/** Units a month still has: carried plus granted, minus what was used. */
export function remainingUnits(month: AllowanceMonth): Money {
  return Money.max(ZERO, totalUnits(month).minus(month.used));
}

/** Everything the month started with: carried plus granted. */
export function totalUnits(month: AllowanceMonth): Money {
  return Money.sum([...month.carried.map((c) => c.units), month.granted]);
}

/**
 * What is left of each part of the month, in spending order: the carried units oldest first, then
 * this month's grant (from = the month itself). Parts used up are left out.
 */
export function leftParts(month: AllowanceMonth): CarriedUnits[] {
  const parts = [...month.carried, { from: month.period, units: month.granted }];
  const out: CarriedUnits[] = [];
  let used = month.used;
  for (const part of parts) {
    const taken = Money.min(part.units, used);
    used = used.minus(taken);
    const left = part.units.minus(taken);
    if (left.isPositive()) out.push({ from: part.from, units: left });
  }
  return out;
}

/**
 * What rolls over into the month after `month`: the unused parts that have not expired by then,
 * at most `rolloverMax` in total. The cap is filled oldest first: units already carried keep
 * their place and the month's own leftover tops it up, so a cap never pushes out units that are
 * about to expire in favour of newer ones (their expiry is what ends them).
 */
export function rollOver(input: { month: AllowanceMonth; rule: AllowanceRule }): CarriedUnits[] {
  const { month, rule } = input;
  if (rule.rolloverMax === null || !rule.rolloverMax.isPositive()) return [];
  const next = addMonths(month.period, 1);
  const alive = leftParts(month).filter((part) => {
    const last = expiresAfter({ from: part.from, rule });
    return last === null || last >= next;
  });
  const kept: CarriedUnits[] = [];
  let room = rule.rolloverMax;
  for (const part of alive) {
    if (!room.isPositive()) break;
    const units = Money.min(part.units, room);
    room = room.minus(units);
    kept.push({ from: part.from, units });
  }
  return kept;
}

/**
 * The allowance of the month `period`, from the last stored month before or at it (null: none
 * stored). A stored month of `period` is returned as is; otherwise each month from the stored one
 * on is rolled over in turn, months without use included, each granted the rule's units. Without a
 * rule, only a stored month of `period` itself counts (the plan changed mid-month): null otherwise.
 */
export function monthFor(input: { last: AllowanceMonth | null; rule: AllowanceRule | null; period: string }): AllowanceMonth | null {
  const { last, rule, period } = input;
  if (last && last.period === period) return last;
  if (!rule) return null;
  const fresh = (carried: CarriedUnits[]): AllowanceMonth => ({ period, granted: rule.units, carried, used: ZERO });
  if (!last || last.period > period || rule.rolloverMax === null) return fresh([]);
  // Month by month: an idle month's grant rolls over too. A gap is at most the months since the
  // last use, so this stays a short loop.
  let month = last;
  while (month.period < period) {
    month = { period: addMonths(month.period, 1), granted: rule.units, carried: rollOver({ month, rule }), used: ZERO };
  }
  return month;
}

/** Units the month can still cover of `units`. */
export function coverable(input: { month: AllowanceMonth | null; units: Money }): Money {
  return input.month ? Money.min(remainingUnits(input.month), input.units) : ZERO;
}
