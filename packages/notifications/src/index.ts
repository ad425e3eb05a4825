export { MAIL_TRANSPORT, type MailAttachment, type MailTransport, type OutgoingMail } from './mail-transport.js';
export { InvalidNotificationDataError, UnknownTemplateError } from './notification.errors.js';
export { notificationMigrations } from './notification.migrations.js';
export {
  MAX_ATTACHMENT_BYTES,
  NOTIFICATION_OPTIONS,
  NotificationService,
  RETRY_BACKOFF_SECONDS,
  type DeliveryResult,
  type NotificationOptions,
  type NotificationStatus,
  type NotificationSummary,
} from './notification.service.js';
export {
  NOTIFICATION_LOCALES,
  NOTIFICATION_TEMPLATES,
  escapeHtml,
  renderNotification,
  resolveLocale,
  type NotificationData,
  type NotificationLocale,
  type NotificationTemplate,
  type RenderedNotification,
} from './notification.templates.js';
export { registerNotifications } from './registration.js';
export { SmtpMailTransport, type SmtpOptions } from './smtp-mail.transport.js';
