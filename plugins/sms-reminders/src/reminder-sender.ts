import type { Clock, PluginDatabase, HostInfo, Logger } from '@tollgate/plugin-sdk';
import type { ReminderBilling } from './reminder-billing.js';
import { renderReminder } from './reminder-text.js';
import type { SmsProvider } from './twilio-sms.client.js';

export const STATUS_CALLBACK_PATH = '/v1/plugins/sms-reminders/status-callbacks';
const RETRY_AFTER_MS = 60_000;
const BATCH = 50;

interface Claimed {
  id: string;
  account_id: string;
  meeting_id: string;
  hold_id: string | null;
  attempts: number;
  first_name: string;
  phone: string;
  location: string;
  time_zone: string;
  starts_at: Date | string;
}

/**
 * The send sweep (job `send-due`, every minute). Twilio has no idempotency keys, so a text must
 * never be requested twice: each due reminder is first claimed in its own statement
 * (`scheduled → sending`, FOR UPDATE SKIP LOCKED), so two hosts or a retried job never pick the same
 * row, and only then is the provider called. A crash between the claim and the answer leaves the
 * row in `sending` for good: at most once, never twice (its hold expires on its own, so nothing is kept).
 */
export class ReminderSender {
  constructor(
    private readonly deps: {
      db: Pick<PluginDatabase, 'query'>;
      clock: Clock;
      provider: () => SmsProvider;
      billing: ReminderBilling;
      host: HostInfo;
      logger: Logger;
      maxSendAttempts: number;
      settle: (reminderId: string) => Promise<void>;
    },
  ) {}

  /** Sends everything due; returns how many texts the provider accepted. */
  async sendDue(): Promise<{ accepted: number; claimed: number }> {
    let accepted = 0;
    let claimed = 0;
    for (;;) {
      const batch = await this.#claim();
      claimed += batch.length;
      for (const r of batch) if (await this.#send(r)) accepted += 1;
      if (batch.length < BATCH) return { accepted, claimed };
    }
  }

  async #claim(): Promise<Claimed[]> {
    const now = this.deps.clock.now();
    const { rows } = await this.deps.db.query<Claimed>(
      `with due as (
         select id from sms_reminders_reminders where status = 'scheduled' and due_at <= $1 order by due_at, id limit $2 for update skip locked
       ), claimed as (
         update sms_reminders_reminders r set status = 'sending', attempts = r.attempts + 1, updated_at = $1 from due where r.id = due.id
         returning r.id, r.account_id, r.meeting_id, r.invitee_id, r.hold_id, r.attempts
       )
       select c.*, i.first_name, i.phone, m.location, m.time_zone, m.starts_at
       from claimed c join sms_reminders_invitees i on i.id = c.invitee_id join sms_reminders_meetings m on m.id = c.meeting_id`,
      [now, BATCH],
    );
    return rows;
  }

  async #send(r: Claimed): Promise<boolean> {
    const body = renderReminder({ firstName: r.first_name, startsAt: new Date(r.starts_at), timeZone: r.time_zone, location: r.location });
    // Read at call time: the host learns its real port only when it listens.
    const statusCallback = `${this.deps.host.baseUrl.replace(/\/+$/, '')}${STATUS_CALLBACK_PATH}`;
    const result = await this.deps.provider().send({ to: r.phone, body, statusCallback });
    const now = this.deps.clock.now();
    const log = this.deps.logger;

    if (result.outcome === 'accepted') {
      await this.deps.db.query(`update sms_reminders_reminders set status = 'sent', reason = null, message_sid = $2, body = $3, updated_at = $4 where id = $1`, [r.id, result.sid, body, now]);
      await this.#capture(r);
      return true;
    }
    if (result.outcome === 'retry' && r.attempts < this.deps.maxSendAttempts) {
      log.warn({ reminderId: r.id, attempt: r.attempts, httpStatus: result.httpStatus, message: result.message }, 'sms-reminders: provider unavailable, will retry');
      await this.deps.db.query(`update sms_reminders_reminders set status = 'scheduled', reason = 'provider_unavailable', due_at = $2, updated_at = $3 where id = $1`, [
        r.id,
        new Date(now.getTime() + RETRY_AFTER_MS),
        now,
      ]);
      return false;
    }
    const [status, reason] =
      result.outcome === 'refused'
        ? ['refused', `provider_refused_${result.code ?? result.httpStatus}`]
        : result.outcome === 'retry'
          ? ['refused', 'provider_unavailable']
          : // No clear answer: the text may exist, so it is not tried again — and not charged.
            ['failed', `provider_outcome_unknown${result.httpStatus ? `_${result.httpStatus}` : ''}`];
    log.warn({ reminderId: r.id, outcome: result.outcome, reason, message: result.message }, 'sms-reminders: text not sent, hold released');
    await this.deps.db.query(`update sms_reminders_reminders set status = $2, reason = $3, body = $4, updated_at = $5 where id = $1`, [r.id, status, reason, body, now]);
    await this.deps.billing.release({ accountId: r.account_id, reminderId: r.id, holdId: r.hold_id });
    return false;
  }

  /** The provider accepted the text: now it is paid for (the hold's price, fixed when it was placed). */
  async #capture(r: Claimed): Promise<void> {
    if (!r.hold_id) return;
    try {
      const captured = await this.deps.billing.capture({ accountId: r.account_id, reminderId: r.id, holdId: r.hold_id });
      await this.deps.db.query('update sms_reminders_reminders set capture_transaction_id = $2, amount = $3, updated_at = $4 where id = $1', [
        r.id,
        captured.transactionId,
        captured.amount,
        this.deps.clock.now(),
      ]);
      // A failure report may have arrived before the capture: refund it now.
      await this.deps.settle(r.id);
    } catch (error) {
      this.deps.logger.error({ err: error, reminderId: r.id }, 'sms-reminders: text sent but its hold could not be captured');
      await this.deps.db.query(`update sms_reminders_reminders set reason = 'capture_failed' where id = $1`, [r.id]);
    }
  }
}
