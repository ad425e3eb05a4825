import { TollgateError, type Logger, type PluginWallet } from '@tollgate/plugin-sdk';
import { displayPhoneNumber } from './phone-number.js';
import { CHANNEL_ID, CHANNEL_LABEL } from './sms-reminder.channel.js';

/**
 * Money moves of one reminder, each keyed by the reminder id (`sms-reminder:<id>:hold|capture|
 * release|refund`), so a retried request, job or callback converges on the first outcome.
 * The hold fixes the price: the catalog price in force when the reminder is scheduled is what
 * the capture takes, even if the price changes before the text goes out.
 */
export class ReminderBilling {
  constructor(private readonly deps: { wallet: PluginWallet; logger: Logger }) {}

  /** Reserves one message. Refusals (no credit, blocked wallet) come back as a reason, not an error. */
  async hold(input: { accountId: string; reminderId: string; to: string; expiresAt: Date; meetingId: string }): Promise<{ ok: true; holdId: string; amount: string } | { ok: false; reason: string }> {
    try {
      const hold = await this.deps.wallet.hold({
        accountId: input.accountId,
        channel: CHANNEL_ID,
        units: '1',
        idempotencyKey: `sms-reminder:${input.reminderId}:hold`,
        description: `${CHANNEL_LABEL} to ${displayPhoneNumber(input.to)}`,
        expiresAt: input.expiresAt,
        metadata: { reminderId: input.reminderId, meetingId: input.meetingId },
      });
      return { ok: true, holdId: String(hold.holdId), amount: String(hold.amount) };
    } catch (error) {
      if (error instanceof TollgateError && error.status < 500) return { ok: false, reason: error.code };
      throw error;
    }
  }

  /** Gives the reservation back; a hold that is already settled or expired needs nothing more. */
  async release(input: { accountId: string; reminderId: string; holdId: string | null }): Promise<void> {
    if (!input.holdId) return;
    try {
      await this.deps.wallet.release({ accountId: input.accountId, holdId: input.holdId, idempotencyKey: `sms-reminder:${input.reminderId}:release` });
    } catch (error) {
      if (error instanceof TollgateError && ['hold_not_pending', 'hold_expired', 'not_found'].includes(error.code)) return;
      throw error;
    }
  }

  async capture(input: { accountId: string; reminderId: string; holdId: string }): Promise<{ transactionId: string; amount: string }> {
    const result = await this.deps.wallet.capture({ accountId: input.accountId, holdId: input.holdId, idempotencyKey: `sms-reminder:${input.reminderId}:capture` });
    return { transactionId: String(result.transactionId), amount: String(result.captured) };
  }

  /** A reversing entry for a text that was charged but never reached the handset. */
  async refund(input: { accountId: string; reminderId: string; transactionId: string; reason: string }): Promise<{ transactionId: string }> {
    const result = await this.deps.wallet.reverse({ accountId: input.accountId, transactionId: input.transactionId, idempotencyKey: `sms-reminder:${input.reminderId}:refund`, reason: input.reason });
    return { transactionId: String(result.transactionId) };
  }
}
