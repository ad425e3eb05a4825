/** A calendar day as people write it in a query: `2026-12-05`. */
export const CALENDAR_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

const formats = new Map<string, Intl.DateTimeFormat>();

function wallClock(at: Date, timeZone: string): number {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(at).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
}

/** true for a real calendar day (`2026-02-30` is not one). */
export function isCalendarDay(value: string): boolean {
  const m = CALENDAR_DAY.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

/**
 * The instant a calendar day starts in a time zone (00:00 there; where DST skips midnight, the
 * first minute that exists). `offsetDays` moves the day first: 1 gives the start of the next day.
 */
export function startOfDay(input: { day: string; timeZone: string; offsetDays?: number }): Date {
  const m = CALENDAR_DAY.exec(input.day);
  if (!m || !isCalendarDay(input.day)) throw new RangeError(`not a calendar day: ${input.day}`);
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]! + (input.offsetDays ?? 0));
  // The zone's offset at a first guess, then at the answer, in case a DST change lies between.
  const first = asUtc - (wallClock(new Date(asUtc), input.timeZone) - asUtc);
  const second = asUtc - (wallClock(new Date(first), input.timeZone) - first);
  return new Date(wallClock(new Date(second), input.timeZone) < asUtc ? first : second);
}
