// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, smsRemindersPlugin, providerSettings, SANDBOX_DEFAULTS } from './plugin.js';
export { smsRemindersOptions, type SmsRemindersOptions } from './options.js';
export { CHANNEL_ID, CHANNEL_LABEL, reminderSpendKey, SmsReminderChannel, type SmsReminderRequest, type SmsReminderResult } from './sms-reminder.channel.js';
export { countSegments, isGsm7, type SegmentCount, type SmsEncoding } from './sms-segments.js';
export { REMINDER_TEMPLATE, renderReminder, reminderSegments } from './reminder-text.js';
export { isTimeZone, localTimeOf, reminderSendTime, zonedToInstant } from './meeting-time.js';
export { displayPhoneNumber, normalisePhoneNumber } from './phone-number.js';
export { TwilioSmsClient, type SendOutcome, type SmsProvider } from './twilio-sms.client.js';
export { smsRemindersMigrations } from './sms-reminders.migrations.js';
export type { MeetingView, InviteeView, ReminderView } from './meetings.service.js';
