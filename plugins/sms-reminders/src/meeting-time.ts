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

/** When the reminder goes out: the calendar day before the meeting (in its zone) at `sendAtLocalTime`. */
export function reminderSendTime(input: { startsAt: Date; timeZone: string; sendAtLocalTime: string }): Date {
  const meeting = wallTime(input.startsAt, input.timeZone);
  const dayBefore = new Date(Date.UTC(meeting.year, meeting.month - 1, meeting.day - 1));
  const [hour, minute] = input.sendAtLocalTime.split(':').map(Number) as [number, number];
  return zonedToInstant({ year: dayBefore.getUTCFullYear(), month: dayBefore.getUTCMonth() + 1, day: dayBefore.getUTCDate(), hour, minute }, input.timeZone);
}
