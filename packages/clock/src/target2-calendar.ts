import { isCalendarDay } from './calendar-day.js';

// SEPA direct debits settle through TARGET2 (T2 since 2023), which is closed on weekends and on six
// days a year, fixed by the ECB since 2002: New Year's Day, Good Friday, Easter Monday, 1 May,
// 25 and 26 December. Collection dates, lead times and return windows count its business days.

const DAY_MS = 86_400_000;

function toDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function msOf(day: string): number {
  if (!isCalendarDay(day)) throw new RangeError(`not a calendar day: ${day}`);
  return Date.parse(`${day}T00:00:00Z`);
}

/** Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return toDay(Date.UTC(year, month - 1, day));
}

const closingDaysByYear = new Map<number, readonly string[]>();

/** The six TARGET2 holidays of a year (weekends aside), in date order. */
export function target2ClosingDays(year: number): readonly string[] {
  let days = closingDaysByYear.get(year);
  if (!days) {
    const easter = msOf(easterSunday(year));
    const y = String(year).padStart(4, '0');
    days = [`${y}-01-01`, toDay(easter - 2 * DAY_MS), toDay(easter + DAY_MS), `${y}-05-01`, `${y}-12-25`, `${y}-12-26`].sort();
    closingDaysByYear.set(year, days);
  }
  return days;
}

/** true on a day TARGET2 settles: Monday to Friday and not one of its holidays. */
export function isTarget2BusinessDay(day: string): boolean {
  const weekday = new Date(msOf(day)).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !target2ClosingDays(Number(day.slice(0, 4))).includes(day);
}

/** `day` itself when TARGET2 is open that day, else the next day it is. */
export function nextTarget2BusinessDay(day: string): string {
  let current = day;
  while (!isTarget2BusinessDay(current)) current = toDay(msOf(current) + DAY_MS);
  return current;
}

/**
 * The TARGET2 business day `count` business days after `day` (before it when negative); `day`
 * itself need not be one. Zero gives `day` moved forward to a business day.
 */
export function addTarget2BusinessDays(input: { day: string; count: number }): string {
  if (!Number.isInteger(input.count)) throw new RangeError(`count must be a whole number, got ${input.count}`);
  if (input.count === 0) return nextTarget2BusinessDay(input.day);
  const step = input.count > 0 ? DAY_MS : -DAY_MS;
  let current = msOf(input.day);
  let left = Math.abs(input.count);
  while (left > 0) {
    current += step;
    if (isTarget2BusinessDay(toDay(current))) left -= 1;
  }
  return toDay(current);
}

/** How many TARGET2 business days lie after `from` up to and including `to` (0 when `to` ≤ `from`). */
export function target2BusinessDaysBetween(input: { from: string; to: string }): number {
  let count = 0;
  const end = msOf(input.to);
  for (let current = msOf(input.from) + DAY_MS; current <= end; current += DAY_MS) {
    if (isTarget2BusinessDay(toDay(current))) count += 1;
  }
  return count;
}
