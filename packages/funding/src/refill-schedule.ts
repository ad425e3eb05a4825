import { startOfDay } from '@tollgate/clock';

const formats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day `at` falls on in the time zone. */
function localDay(at: Date, timeZone: string): { year: number; month: number; day: number } {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(at).map((x) => [x.type, x.value]));
  return { year: +p.year!, month: +p.month!, day: +p.day! };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 00:00 on `dayOfMonth` of the month (1-based, may be 13: the next year's January) in the time zone. */
function dueAt(input: { year: number; month: number; dayOfMonth: number; timeZone: string }): Date {
  const year = input.year + Math.floor((input.month - 1) / 12);
  const month = ((input.month - 1) % 12) + 1;
  return startOfDay({ day: `${year}-${pad(month)}-${pad(input.dayOfMonth)}`, timeZone: input.timeZone });
}

/**
 * Where a monthly refill stands now. `month` ('YYYY-MM', in the account's time zone) is the key of this month's
 * refill. It is due from 00:00 on its day to the month's end (a day missed while no host ran is caught up, never
 * in the next month), unless this month was handled already or the schedule was set after this month's day.
 */
export function scheduleState(input: { now: Date; timeZone: string; dayOfMonth: number; since: Date | null; doneMonth: string | null }): {
  month: string;
  due: boolean;
  nextAt: Date;
} {
  const today = localDay(input.now, input.timeZone);
  const month = `${today.year}-${pad(today.month)}`;
  const thisMonth = dueAt({ year: today.year, month: today.month, dayOfMonth: input.dayOfMonth, timeZone: input.timeZone });
  const open = input.doneMonth !== month && (input.since === null || thisMonth.getTime() >= input.since.getTime());
  const due = open && input.now.getTime() >= thisMonth.getTime();
  const nextAt = open ? thisMonth : dueAt({ year: today.year, month: today.month + 1, dayOfMonth: input.dayOfMonth, timeZone: input.timeZone });
  return { month, due, nextAt };
}
