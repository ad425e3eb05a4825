import type { Clock, Logger, PluginDatabase, PluginWallet } from '@tollgate/plugin-sdk';
import { reminderSpendKey } from './sms-reminder.channel.js';

/** Twilio MessageStatus values that end a text's life, and the reminder status they lead to. */
const FINAL: Record<string, 'delivered' | 'undelivered' | 'failed'> = { delivered: 'delivered', undelivered: 'undelivered', failed: 'failed' };

/**
 * Applies the provider's status callbacks. Each (MessageSid, MessageStatus) is recorded once, so a
 * callback delivered twice changes nothing the second time; a text that was charged and then
 * `undelivered`/`failed` is paid back (`wallet.refund`: a reversing entry, key `sms-reminder:<id>:refund`).
 */
export class DeliveryReports {
  constructor(private readonly deps: { db: Pick<PluginDatabase, 'query'>; clock: Clock; wallet: Pick<PluginWallet, 'refund'>; logger: Logger }) {}

  /** `source`: the callback, or the reconcile job's fetch; both take this one path, so whichever comes second is a duplicate. */
  async apply(input: {
    messageSid: string;
    status: string;
    errorCode: string | null;
    source?: 'callback' | 'fetch';
  }): Promise<'applied' | 'duplicate' | 'unknown'> {
    const { rows } = await this.deps.db.query<{ id: string }>('select id from sms_reminders_reminders where message_sid = $1', [input.messageSid]);
    const reminder = rows[0];
    if (!reminder) {
      this.deps.logger.warn({ messageSid: input.messageSid, status: input.status }, 'sms-reminders: status callback for an unknown message ignored');
      return 'unknown';
    }
    const now = this.deps.clock.now();
    const recorded = await this.deps.db.query(
      'insert into sms_reminders_delivery_reports (message_sid, status, error_code, received_at, source) values ($1, $2, $3, $4, $5) on conflict do nothing',
      [input.messageSid, input.status, input.errorCode, now, input.source ?? 'callback'],
    );
    if (recorded.rowCount === 0) return 'duplicate';
    const final = FINAL[input.status];
    if (final) {
      // Only a sent text moves on; a late 'delivered' never overwrites a failure (or the reverse).
      await this.deps.db.query(
        `update sms_reminders_reminders set status = $2, reason = $3, updated_at = $4, check_due_at = null where id = $1 and status in ('sending', 'sent')`,
        [reminder.id, final, final === 'delivered' ? null : `error_${input.errorCode ?? 'unknown'}`, now],
      );
      await this.settle(reminder.id);
    }
    return 'applied';
  }

  /** Refunds a charged text that did not arrive. Safe to call any number of times. */
  async settle(reminderId: string): Promise<void> {
    const { rows } = await this.deps.db.query<{
      account_id: string;
      status: string;
      reason: string | null;
      capture_transaction_id: string | null;
      reversal_transaction_id: string | null;
    }>('select account_id, status, reason, capture_transaction_id, reversal_transaction_id from sms_reminders_reminders where id = $1', [reminderId]);
    const r = rows[0];
    if (!r || !r.capture_transaction_id || r.reversal_transaction_id || !['undelivered', 'failed'].includes(r.status)) return;
    const refund = await this.deps.wallet.refund({
      accountId: r.account_id,
      transactionId: r.capture_transaction_id,
      idempotencyKey: reminderSpendKey(reminderId),
      reason: `${r.status}: ${r.reason ?? 'unknown'}`,
    });
    await this.deps.db.query('update sms_reminders_reminders set reversal_transaction_id = $2, updated_at = $3 where id = $1', [
      reminderId,
      refund.transactionId,
      this.deps.clock.now(),
    ]);
  }
}
