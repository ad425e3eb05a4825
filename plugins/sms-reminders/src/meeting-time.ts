/**
 * Wall-clock arithmetic in IANA time zones with Intl only (no date library): the meeting's local
 * time for the text, and "the day before at 18:00 local" for the send time, correct across DST.
 */
interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** true for an IANA zone name the runtime knows ('Europe/Brussels', 'UTC'). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function wallTime(at: Date, timeZone: string): WallTime & { second: number } {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { year: +parts.year!, month: +parts.month!, day: +parts.day!, hour: +parts.hour!, minute: +parts.minute!, second: +parts.second! };
}

/** Milliseconds the zone is ahead of UTC at `at`. */
function offsetAt(at: Date, timeZone: string): number {
  const w = wallTime(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant a wall-clock time happens in `timeZone`. A time skipped by DST moves forward by the gap. */
export function zonedToInstant(wall: WallTime, timeZone: string): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const first = asUtc - offsetAt(new Date(asUtc), timeZone);
  // The offset at the guess may differ from the offset at the answer when DST changes in between.
  const second = asUtc - offsetAt(new Date(first), timeZone);
  return new Date(second);
}

/** "14:30": the meeting's start in its own time zone, 24h. */
export function localTimeOf(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
}

/** The calendar date of `at` in `timeZone` ('2026-03-29' as numbers). */
export function localDate(at: Date, timeZone: string): { year: number; month: number; day: number; weekday: number } {
  const w = wallTime(at, timeZone);
  // Day of the week of the local date (0 = Sunday), from the date alone so the zone cannot shift it.
  return { year: w.year, month: w.month, day: w.day, weekday: new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() };
}

/** Calendar days from `from`'s local date to `to`'s, both read in `timeZone`: 0 = same day, 1 = the next. */
export function calendarDaysBetween(input: { from: Date; to: Date; timeZone: string }): number {
  const a = localDate(input.from, input.timeZone);
  const b = localDate(input.to, input.timeZone);
  // Whole UTC days between two midnights: exact, no DST hour to round away.
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

/**
 * When the reminder goes out: `daysBefore` calendar days before the meeting (in its zone) at `at`
 * local time. A time at or after the meeting's start (daysBefore 0, a morning meeting) moves a day earlier.
 */
export function reminderSendTime(input: { startsAt: Date; timeZone: string; daysBefore?: number; at: string }): Date {
  const meeting = wallTime(input.startsAt, input.timeZone);
  const [hour, minute] = input.at.split(':').map(Number) as [number, number];
  for (let days = input.daysBefore ?? 1; ; days += 1) {
    const day = new Date(Date.UTC(meeting.year, meeting.month - 1, meeting.day - days));
    const sendAt = zonedToInstant({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour, minute }, input.timeZone);
    if (sendAt < input.startsAt) return sendAt;
  }
}
