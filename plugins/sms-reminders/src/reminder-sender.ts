import type { Clock, Logger, PluginDatabase, PluginWallet } from '@tollgate/plugin-sdk';
import { CHANNEL_ID, reminderSpendKey, type SmsReminderRequest, type SmsReminderResult } from './sms-reminder.channel.js';

export { STATUS_CALLBACK_PATH } from './sms-reminder.channel.js';
const BATCH = 50;

interface Claimed {
  id: string;
  account_id: string;
  meeting_id: string;
  hold_id: string | null;
  phone: string;
}

/**
 * The send sweep (job `send-due`, every minute). Twilio has no idempotency keys, so a text must
 * never be requested twice: each due reminder is first claimed in its own statement
 * (`scheduled → sending`, FOR UPDATE SKIP LOCKED), so two hosts or a retried job never pick the same
 * row, and only then is its reservation completed (`wallet.complete`: the channel's `execute` sends
 * the text, the runner captures or releases the hold). A crash between the claim and the answer
 * leaves the row in `sending` for good: at most once, never twice (its hold expires on its own).
 */
export class ReminderSender {
  constructor(
    private readonly deps: {
      db: Pick<PluginDatabase, 'query'>;
      clock: Clock;
      wallet: Pick<PluginWallet, 'complete'>;
      logger: Logger;
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
         returning r.id, r.account_id, r.meeting_id, r.invitee_id, r.hold_id
       )
       select c.id, c.account_id, c.meeting_id, c.hold_id, i.phone from claimed c join sms_reminders_invitees i on i.id = c.invitee_id`,
      [now, BATCH],
    );
    return rows;
  }

  async #send(r: Claimed): Promise<boolean> {
    const log = this.deps.logger;
    if (!r.hold_id) {
      // A scheduled reminder always has its hold; without one there is nothing to pay with.
      await this.deps.db.query(`update sms_reminders_reminders set status = 'refused', reason = 'hold_missing', updated_at = $2 where id = $1`, [
        r.id,
        this.deps.clock.now(),
      ]);
      return false;
    }
    try {
      const spent = await this.deps.wallet.complete<SmsReminderRequest, SmsReminderResult>({
        accountId: r.account_id,
        channelId: CHANNEL_ID,
        request: { reminderId: r.id, meetingId: r.meeting_id, to: r.phone },
        idempotencyKey: reminderSpendKey(r.id),
        holdId: r.hold_id,
      });
      // 'failed' and 'retry': the channel's execute has recorded why on the row; the runner released or kept the hold.
      if (spent.status !== 'completed') return false;
      await this.deps.db.query('update sms_reminders_reminders set capture_transaction_id = $2, amount = $3, updated_at = $4 where id = $1', [
        r.id,
        spent.transactionId,
        spent.amount.toString(),
        this.deps.clock.now(),
      ]);
      // A failure report may have arrived before the capture: refund it now.
      await this.deps.settle(r.id);
      return true;
    } catch (error) {
      // execute threw or the capture was refused: compensate recorded it on the row. One reminder never stops the sweep.
      log.error({ err: error, reminderId: r.id }, 'sms-reminders: completing a reminder failed');
      return false;
    }
  }
}
