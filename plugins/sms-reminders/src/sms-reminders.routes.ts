import { ForbiddenError, defineRoute, type HostInfo, type Logger, type PluginRoute } from '@tollgate/plugin-sdk';
import { z } from 'zod';
import type { DeliveryReports } from './delivery-reports.js';
import type { MeetingsService } from './meetings.service.js';
import { STATUS_CALLBACK_PATH } from './reminder-sender.js';
import { callbackReceipt, inviteeView, meetingsList, meetingView, remindersList, settingsView } from './sms-reminders.responses.js';
import type { SmsProvider } from './twilio-sms.client.js';
import { firstValue, parseForm, SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, type FormParams } from './twilio-webhook-signature.js';

const startsAt = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
const invitee = z.strictObject({
  firstName: z.string().trim().min(1).max(100),
  phone: z.string().min(3).max(40),
  smsReminder: z.boolean().default(false),
});
const meetingFields = {
  title: z.string().trim().min(1).max(200),
  location: z.string().trim().min(1).max(500),
  timeZone: z.string().min(1).max(64),
  startsAt,
};
const meetingParams = z.object({ meetingId: z.string().min(1).max(64) });
const inviteeParams = z.object({ meetingId: z.string().min(1).max(64), inviteeId: z.string().min(1).max(64) });
const REMINDER_STATUSES = ['holding', 'scheduled', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'refused', 'cancelled'] as const;

/** Form-encoded callback parameters as Twilio signed them (a repeated key keeps every value). */
function callbackParams(input: { body: unknown; rawBody: Buffer | undefined }): FormParams {
  if (input.rawBody && input.rawBody.length > 0) return parseForm(input.rawBody.toString('utf8'));
  if (input.body && typeof input.body === 'object')
    return Object.fromEntries(Object.entries(input.body).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
  return {};
}

/** The plugin's HTTP API, under /v1/plugins/sms-reminders. Account routes see only the caller's meetings. */
export function smsRemindersRoutes(input: {
  meetings: MeetingsService;
  reports: DeliveryReports;
  provider: () => SmsProvider;
  host: HostInfo;
  logger: Logger;
  /** The send rule and sender from the plugin options (what GET /settings shows). */
  settings: { daysBefore: number; at: string; from: string; maxSegments: number; defaultCountry: string };
}): PluginRoute[] {
  const { meetings, reports, logger } = input;
  return [
    defineRoute({
      method: 'POST',
      path: '/meetings',
      auth: 'account',
      // Holds money and schedules texts: the default role for a write (admin) stands.
      idempotency: 'optional',
      summary: 'Create a meeting (optionally with invitees); invitees with smsReminder get a text the day before (Idempotency-Key header: safe to retry)',
      responses: {
        201: { description: 'The meeting, created', body: meetingView },
        200: { description: 'The meeting this Idempotency-Key already created', body: meetingView },
      },
      body: z.strictObject({ ...meetingFields, invitees: z.array(invitee).max(200).default([]) }),
      async handler({ caller, body, idempotencyKey }) {
        const { invitees, ...meeting } = body;
        // The host replays a stored response; the key on the meeting row covers a retry after a 5xx.
        const result = await meetings.create({ accountId: caller.accountId, meeting, invitees, ...(idempotencyKey ? { idempotencyKey } : {}) });
        return { status: result.created ? 201 : 200, body: result.meeting };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/meetings',
      auth: 'account',
      summary: "The account's meetings, soonest first",
      responses: { 200: { description: 'The meetings', body: meetingsList } },
      query: z.object({ status: z.enum(['scheduled', 'cancelled']).optional() }),
      async handler({ caller, query }) {
        return { body: { data: await meetings.list({ accountId: caller.accountId, ...(query.status ? { status: query.status } : {}) }) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/meetings/:meetingId',
      auth: 'account',
      summary: 'One meeting with its invitees and their reminders',
      responses: { 200: { description: 'The meeting', body: meetingView } },
      params: meetingParams,
      async handler({ caller, params }) {
        return { body: await meetings.get({ accountId: caller.accountId, meetingId: params.meetingId }) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/meetings/:meetingId',
      auth: 'account',
      summary: 'Reschedule, relocate or rename a meeting; its reminders move with it',
      responses: { 200: { description: 'The meeting', body: meetingView }, 409: { description: 'meeting_cancelled' } },
      params: meetingParams,
      body: z.strictObject({
        title: meetingFields.title.optional(),
        location: meetingFields.location.optional(),
        timeZone: meetingFields.timeZone.optional(),
        startsAt: startsAt.optional(),
      }),
      async handler({ caller, params, body }) {
        const changes = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
        return { body: await meetings.update({ accountId: caller.accountId, meetingId: params.meetingId, changes }) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/meetings/:meetingId/cancel',
      auth: 'account',
      summary: 'Cancel a meeting: its pending reminders are cancelled and their holds released',
      responses: { 200: { description: 'The cancelled meeting', body: meetingView } },
      params: meetingParams,
      async handler({ caller, params }) {
        return { body: await meetings.cancel({ accountId: caller.accountId, meetingId: params.meetingId }) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/meetings/:meetingId/invitees',
      auth: 'account',
      summary: 'Invite a contact; with smsReminder a text is scheduled and one message held in the wallet',
      responses: {
        201: { description: 'The invitee', body: inviteeView },
        200: { description: 'The same contact was already invited', body: inviteeView },
        409: { description: 'meeting_cancelled' },
      },
      params: meetingParams,
      body: invitee,
      async handler({ caller, params, body }) {
        const result = await meetings.addInvitee({ accountId: caller.accountId, meetingId: params.meetingId, invitee: body });
        return { status: result.created ? 201 : 200, body: result.invitee };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/meetings/:meetingId/invitees/:inviteeId',
      auth: 'account',
      summary: 'Tick or untick the SMS reminder box (or fix the first name)',
      responses: { 200: { description: 'The invitee', body: inviteeView }, 409: { description: 'meeting_cancelled' } },
      params: inviteeParams,
      body: z.strictObject({ smsReminder: z.boolean().optional(), firstName: invitee.shape.firstName.optional() }),
      async handler({ caller, params, body }) {
        const changes = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
        return { body: await meetings.updateInvitee({ accountId: caller.accountId, meetingId: params.meetingId, inviteeId: params.inviteeId, changes }) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/meetings/:meetingId/invitees/:inviteeId',
      auth: 'account',
      summary: 'Remove an invitee: a pending reminder is cancelled and its hold released',
      responses: { 204: { description: 'Removed' } },
      params: inviteeParams,
      async handler({ caller, params }) {
        await meetings.removeInvitee({ accountId: caller.accountId, meetingId: params.meetingId, inviteeId: params.inviteeId });
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/reminders',
      auth: 'account',
      summary: "The account's reminders with their status and reason (e.g. refused: insufficient_funds)",
      responses: { 200: { description: 'The reminders', body: remindersList } },
      query: z.object({ status: z.enum(REMINDER_STATUSES).optional(), meetingId: z.string().max(64).optional() }),
      async handler({ caller, query }) {
        return { body: { data: await meetings.reminders({ accountId: caller.accountId, ...query }) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/settings',
      auth: 'account',
      summary: 'When reminders are sent and by whom: the platform’s configuration, the same for every account (read only)',
      responses: { 200: { description: 'The settings', body: settingsView } },
      async handler() {
        return { body: input.settings };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/status-callbacks',
      auth: 'public',
      summary:
        "Twilio message status callbacks (X-Twilio-Signature checked with the account's auth token, or with a SharedKey when X-Twilio-Webhooks-Signature-Settings names one)",
      responses: { 200: { description: 'Received', body: callbackReceipt }, 403: { description: 'invalid_signature' } },
      async handler({ headers, body, rawBody }) {
        const params = callbackParams({ body, rawBody });
        // The URL Twilio signed is the one we gave it: built from the host's base URL, read now.
        const url = `${input.host.baseUrl.replace(/\/+$/, '')}${STATUS_CALLBACK_PATH}`;
        const check = input.provider().verifySignature({ signature: headers[SIGNATURE_HEADER], settings: headers[SIGNATURE_SETTINGS_HEADER], url, params });
        const messageSid = firstValue(params, 'MessageSid');
        if (!check.valid) {
          logger.warn({ url, messageSid, reason: check.reason }, 'sms-reminders: status callback with a bad signature refused');
          throw new ForbiddenError({ code: 'invalid_signature', message: 'X-Twilio-Signature does not match' });
        }
        const status = firstValue(params, 'MessageStatus');
        if (!messageSid || !status) return { status: 200, body: { ignored: true } };
        const outcome = await reports.apply({ messageSid, status, errorCode: firstValue(params, 'ErrorCode') || null });
        return { status: 200, body: { outcome } };
      },
    }),
  ] as PluginRoute[];
}
