import { z } from 'zod';

/* What the SMS reminder routes answer (the `responses` of their defineRoute, for the OpenAPI document). */

export const reminderView = z.object({
  id: z.string(),
  meetingId: z.string(),
  inviteeId: z.string(),
  to: z.string().describe('E.164'),
  status: z.string().describe('holding, scheduled, sending, sent, delivered, undelivered, failed, refused, cancelled'),
  reason: z.string().nullable().describe('Why it was refused or failed, e.g. insufficient_funds'),
  sendAt: z.string(),
  amount: z.string().nullable().describe('Decimal string in euro: what the text cost, or holds'),
  messageSid: z.string().nullable(),
  createdAt: z.string(),
});

export const inviteeView = z.object({
  id: z.string(),
  firstName: z.string(),
  phone: z.string(),
  smsReminder: z.boolean(),
  reminder: reminderView.nullable(),
});

export const meetingView = z.object({
  id: z.string(),
  title: z.string(),
  location: z.string(),
  timeZone: z.string(),
  startsAt: z.string().describe('ISO 8601 date-time'),
  localTime: z.string().describe('"14:30": the start as the text will say it'),
  status: z.enum(['scheduled', 'cancelled']),
  invitees: z.array(inviteeView),
  createdAt: z.string(),
});

export const meetingsList = z.object({ data: z.array(meetingView) });
export const remindersList = z.object({ data: z.array(reminderView) });
export const callbackReceipt = z.union([
  z.object({ outcome: z.enum(['applied', 'duplicate', 'unknown']) }),
  z.object({ ignored: z.literal(true).describe('Not a message status callback') }),
]);

export const settingsView = z.object({
  daysBefore: z.number().int().describe('Calendar days before the meeting, in its time zone (0 = the same day)'),
  at: z.string().describe('"18:00": local time of the meeting’s zone'),
  from: z.string().describe('The sender: an E.164 number or an alphanumeric name'),
  maxSegments: z.number().int().describe('A longer text is refused'),
  defaultCountry: z.string().describe('ISO 3166 alpha-2: the country of numbers written without +'),
});
