import type {
  ChannelPrice,
  Clock,
  HostInfo,
  PluginAccounts,
  Logger,
  PluginDatabase,
  SpendChannel,
  SpendOutcome,
  SpendQuote,
  SpendStepInput,
} from '@tollgate/plugin-sdk';
import { displayPhoneNumber } from './phone-number.js';
import { renderReminder } from './reminder-text.js';
import type { SmsProvider } from './twilio-sms.client.js';

export const CHANNEL_ID = 'sms-reminder';
export const CHANNEL_LABEL = 'SMS reminder';
export const STATUS_CALLBACK_PATH = '/v1/plugins/sms-reminders/status-callbacks';
const RETRY_AFTER_MS = 60_000;

/**
 * The spend's key of one reminder. The runner derives every money move from it
 * (`sms-reminder:<id>:hold|capture|release|refund`, the keys this plugin has always used), so a
 * retried request, job or callback converges on the first outcome.
 */
export const reminderSpendKey = (reminderId: string): string => `sms-reminder:${reminderId}`;

/** One reminder text, as reserved when it is scheduled and completed by the send sweep. */
export interface SmsReminderRequest {
  reminderId: string;
  meetingId: string;
  /** E.164. */
  to: string;
}

export interface SmsReminderResult {
  /** The provider's message id; null when no text was created. */
  messageSid: string | null;
  body: string;
}

interface ReminderRow {
  status: string;
  attempts: number;
  message_sid: string | null;
  body: string | null;
  first_name: string;
  phone: string;
  location: string;
  time_zone: string;
  starts_at: Date | string;
}

/**
 * The paid channel: one text = one 'message', priced by the catalog (the prices come from the
 * plugin's options). A reminder is reserved when it is scheduled (the hold fixes the price in force
 * then) and completed by the send sweep: `execute` sends the text, and the runner captures the hold
 * when the provider accepts it or releases it when the text will not go out.
 *
 * Twilio has no idempotency keys, so a text must never be requested twice: `execute` sends only for
 * a reminder the sweep has claimed (`sending`), answers from its row when the text already exists,
 * and treats an unclear provider answer as `failed` (not retried, not charged): at most once.
 */
export class SmsReminderChannel implements SpendChannel<SmsReminderRequest, SmsReminderResult> {
  readonly id = CHANNEL_ID;
  readonly label = CHANNEL_LABEL;
  readonly unit = 'message';
  readonly settlement = 'immediate' as const;
  readonly prices: readonly ChannelPrice[];

  constructor(
    private readonly deps: {
      db: Pick<PluginDatabase, 'query'>;
      clock: Clock;
      /** The account's locale picks the text's language. */
      accounts: Pick<PluginAccounts, 'get'>;
      provider: () => SmsProvider;
      host: HostInfo;
      logger: Logger;
      maxSendAttempts: number;
      /** Minutes after sending before the reconcile job fetches a text still without a final status. */
      reconcileAfterMinutes: number;
      prices: readonly ChannelPrice[];
    },
  ) {
    this.prices = deps.prices;
  }

  quote(input: { accountId: string; request: SmsReminderRequest }): SpendQuote {
    const { request } = input;
    return {
      units: '1',
      description: `${CHANNEL_LABEL} to ${displayPhoneNumber(request.to)}`,
      metadata: { reminderId: request.reminderId, meetingId: request.meetingId },
    };
  }

  async execute(input: SpendStepInput<SmsReminderRequest>): Promise<SpendOutcome<SmsReminderResult>> {
    const id = input.request.reminderId;
    const { rows } = await this.deps.db.query<ReminderRow>(
      `select r.status, r.attempts, r.message_sid, r.body, i.first_name, i.phone, m.location, m.time_zone, m.starts_at
       from sms_reminders_reminders r join sms_reminders_invitees i on i.id = r.invitee_id join sms_reminders_meetings m on m.id = r.meeting_id
       where r.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return { status: 'failed', reason: 'reminder_not_found' };
    // Already sent (a retried step): the text exists, answer from the row.
    if (r.message_sid) return { status: 'done', result: { messageSid: r.message_sid, body: r.body ?? '' } };
    // Only the sweep's claim sends; anything else waits (the hold stays).
    if (r.status !== 'sending') return { status: 'retry', reason: 'not_claimed' };

    const account = await this.deps.accounts.get({ accountId: input.accountId });
    // Worded at the moment of sending, so "today"/"tomorrow" is true when the text arrives.
    const body = renderReminder({
      firstName: r.first_name,
      startsAt: new Date(r.starts_at),
      timeZone: r.time_zone,
      location: r.location,
      locale: account?.locale ?? 'en',
      sentAt: this.deps.clock.now(),
    });
    // Read at call time: the host learns its real port only when it listens.
    const statusCallback = `${this.deps.host.baseUrl.replace(/\/+$/, '')}${STATUS_CALLBACK_PATH}`;
    const sent = await this.deps.provider().send({ to: r.phone, body, statusCallback });
    const now = this.deps.clock.now();

    if (sent.outcome === 'accepted') {
      await this.deps.db.query(
        // check_due_at: when the reconcile job asks Twilio if no final callback has come by then.
        `update sms_reminders_reminders set status = 'sent', reason = null, message_sid = $2, body = $3, updated_at = $4, sent_at = $4, check_due_at = $5, checks = 0
         where id = $1`,
        [id, sent.sid, body, now, new Date(now.getTime() + this.deps.reconcileAfterMinutes * 60_000)],
      );
      return { status: 'done', result: { messageSid: sent.sid, body } };
    }
    if (sent.outcome === 'retry' && r.attempts < this.deps.maxSendAttempts) {
      this.deps.logger.warn(
        { reminderId: id, attempt: r.attempts, httpStatus: sent.httpStatus, message: sent.message },
        'sms-reminders: provider unavailable, will retry',
      );
      await this.deps.db.query(
        `update sms_reminders_reminders set status = 'scheduled', reason = 'provider_unavailable', due_at = $2, updated_at = $3 where id = $1`,
        [id, new Date(now.getTime() + RETRY_AFTER_MS), now],
      );
      return { status: 'retry', reason: 'provider_unavailable' };
    }
    const [status, reason] =
      sent.outcome === 'refused'
        ? ['refused', `provider_refused_${sent.code ?? sent.httpStatus}`]
        : sent.outcome === 'retry'
          ? ['refused', 'provider_unavailable']
          : // No clear answer: the text may exist, so it is not tried again — and not charged.
            ['failed', `provider_outcome_unknown${sent.httpStatus ? `_${sent.httpStatus}` : ''}`];
    this.deps.logger.warn({ reminderId: id, outcome: sent.outcome, reason, message: sent.message }, 'sms-reminders: text not sent, hold released');
    await this.deps.db.query(`update sms_reminders_reminders set status = $2, reason = $3, body = $4, updated_at = $5 where id = $1`, [
      id,
      status,
      reason,
      body,
      now,
    ]);
    return { status: 'failed', reason, result: { messageSid: null, body } };
  }

  /**
   * The spend was abandoned after `execute`: either it threw (the text's fate is unknown: never
   * retried, not charged) or the text went out but the hold could no longer be captured.
   * Nothing can call a text back; this records why the reminder was not charged.
   */
  async compensate(input: SpendStepInput<SmsReminderRequest> & { reason: string }): Promise<void> {
    const id = input.request.reminderId;
    const now = this.deps.clock.now();
    const { rows } = await this.deps.db.query<{ message_sid: string | null }>(
      `update sms_reminders_reminders set status = case when message_sid is null and status = 'sending' then 'failed' else status end,
         reason = case when message_sid is null then 'send_error' else 'capture_failed' end, updated_at = $2
       where id = $1 returning message_sid`,
      [id, now],
    );
    if (rows[0]?.message_sid) this.deps.logger.error({ reminderId: id, reason: input.reason }, 'sms-reminders: text sent but its hold could not be captured');
    else this.deps.logger.error({ reminderId: id, reason: input.reason }, 'sms-reminders: sending failed with an unknown outcome; not retried, not charged');
  }
}
