import { z } from 'zod';

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24h local time such as "18:00"');
const price = z.strictObject({
  unitPrice: z.string().regex(/^\d{1,6}(\.\d{1,6})?$/, 'must be a decimal string such as "0.18"'),
  effectiveFrom: z.iso.datetime({ offset: true }),
  /** The plan (edition) the row prices; absent = the default list, for plans without rows of their own. */
  plan: z
    .string()
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a plan id such as "classic"')
    .optional(),
});

/**
 * Options of the sms-reminders plugin (the "options" of its entry in tollgate.config.json).
 * Strict, so a typo is refused at start instead of ignored.
 */
const sendRule = z
  .strictObject({
    /** Calendar days before the meeting, in the meeting's zone: 1 = the day before, 0 = the same day. */
    daysBefore: z.number().int().min(0).max(14).default(1),
    /** Local time (meeting's zone) on that day; absent = `sendAtLocalTime`, else 18:00. */
    at: localTime.optional(),
  })
  .prefault({});

export const smsRemindersOptions = z
  .strictObject({
    /** Twilio account SID ('AC…'). Absent with `coreServices.host.sandbox` on: the sandbox's default. */
    accountSid: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC + 32 hex)')
      .optional(),
    /** Twilio auth token: signs requests and status callbacks. Keep it out of the repository. */
    authToken: z.string().min(1).optional(),
    /** Sender: an E.164 number or an alphanumeric sender id (max 11 characters). */
    from: z
      .string()
      .regex(/^(\+[1-9]\d{6,14}|[A-Za-z0-9 ]{1,11})$/, 'must be an E.164 number or an alphanumeric sender (max 11)')
      .default('Tollgate'),
    /** Provider API root; absent = real Twilio (or the sandbox at http://127.0.0.1:4030 in sandbox mode without credentials). */
    baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** Country assumed for numbers written without +country code. */
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code')
      .default('BE'),
    /** When the reminder goes out: `daysBefore` days before the meeting at `at`, in the meeting's zone. Default: the day before at 18:00. */
    send: sendRule,
    /** Deprecated (kept for existing configurations): the same as `send.at`. */
    sendAtLocalTime: localTime.optional(),
    /** A text longer than this many SMS segments is refused (it would cost more than one message). */
    maxSegments: z.number().int().min(1).max(10).default(2),
    /** Attempts per reminder while the provider answers 429/503 or cannot be reached (a minute apart); then the hold is released. */
    maxSendAttempts: z.number().int().min(1).max(10).default(3),
    /**
     * A sent text whose final status callback has not come this many minutes after it was sent is
     * fetched from Twilio (the reconcile job): Twilio does not retry a lost callback.
     */
    reconcileAfterMinutes: z.number().int().min(1).max(1440).default(15),
    /** Fetches per text while Twilio still says queued/sent (each wait twice the last, at most 12 h); then it stays `sent`. */
    reconcileMaxChecks: z.number().int().min(1).max(20).default(8),
    /**
     * SharedKey secrets by key id, for callbacks signed under a Twilio Webhook Setting
     * (`X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256`). Two ids while rotating.
     */
    webhookSharedKeys: z.record(z.string().min(1).max(100), z.string().min(1)).default({}),
    /**
     * Catalog prices of the 'sms-reminder' channel seeded at start (a row per plan and date; seeding
     * twice is harmless). The editions' own pages: €0.15 on classic, €0.18 on focus. The default list
     * (plans without rows of their own) keeps the rows earlier versions seeded: a catalog never
     * changes a row, and a start that declared a row differently would be refused.
     */
    prices: z
      .array(price)
      .min(1)
      .default([
        { unitPrice: '0.15', effectiveFrom: '2025-01-01T00:00:00.000Z' },
        { unitPrice: '0.18', effectiveFrom: '2026-01-01T00:00:00.000Z' },
        { unitPrice: '0.15', effectiveFrom: '2025-01-01T00:00:00.000Z', plan: 'classic' },
        { unitPrice: '0.18', effectiveFrom: '2025-01-01T00:00:00.000Z', plan: 'focus' },
      ]),
  })
  .superRefine((o, ctx) => {
    if (o.sendAtLocalTime !== undefined && o.send.at !== undefined)
      ctx.addIssue({ code: 'custom', path: ['sendAtLocalTime'], message: 'give the send time once: use send.at (sendAtLocalTime is its old name)' });
  })
  // One resolved send rule for the code; the old name feeds it.
  .transform(({ sendAtLocalTime, send, ...rest }) => ({ ...rest, send: { daysBefore: send.daysBefore, at: send.at ?? sendAtLocalTime ?? '18:00' } }));

export type SmsRemindersOptions = z.output<typeof smsRemindersOptions>;
