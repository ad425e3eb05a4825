import { UnprocessableError, type SpendChannel, type SpendOutcome, type SpendQuote } from '@tollgate/plugin-sdk';

export const CHANNEL_ID = 'sms-reminder';
export const CHANNEL_LABEL = 'SMS reminder';

/**
 * The paid channel as the wallet and GET /plugins see it: one text = one 'message', priced by the
 * catalog. Settlement is deferred: the hold is placed when the reminder is scheduled and captured
 * by the send sweep when the provider accepts the text, so `execute` is not the way in.
 */
export class SmsReminderChannel implements SpendChannel<{ to?: string }, never> {
  readonly id = CHANNEL_ID;
  readonly label = CHANNEL_LABEL;
  readonly unit = 'message';
  readonly settlement = 'deferred' as const;

  async quote(input: { accountId: string; request: { to?: string } }): Promise<SpendQuote> {
    return { units: '1', description: input.request?.to ? `${CHANNEL_LABEL} to ${input.request.to}` : CHANNEL_LABEL };
  }

  async execute(): Promise<SpendOutcome<never>> {
    // Refuse loudly rather than report a text that was never scheduled.
    throw new UnprocessableError({ code: 'use_meetings_api', message: 'SMS reminders are scheduled through /v1/plugins/sms-reminders/meetings, not spent directly.' });
  }
}
