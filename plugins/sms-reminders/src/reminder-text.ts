import { localTimeOf } from './meeting-time.js';
import { countSegments, type SegmentCount } from './sms-segments.js';

/** The product's wording (P-1); `%s` are the meeting's local time and its location. */
export const REMINDER_TEMPLATE = 'Dear [FIRST NAME], this is a reminder for your meeting tomorrow at %s. The location is %s.';

export function renderReminder(input: { firstName: string; startsAt: Date; timeZone: string; location: string }): string {
  const time = localTimeOf(input.startsAt, input.timeZone);
  // Replace the placeholders in one pass, so a name containing "%s" is never substituted.
  let slot = 0;
  const values = [time, input.location];
  return REMINDER_TEMPLATE.replace(/\[FIRST NAME\]|%s/g, (token) => (token === '[FIRST NAME]' ? input.firstName : values[slot++]!));
}

/** Segments the rendered text needs; the caller refuses it above its `maxSegments`. */
export function reminderSegments(input: { firstName: string; startsAt: Date; timeZone: string; location: string }): SegmentCount {
  return countSegments(renderReminder(input));
}
