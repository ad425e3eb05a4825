import type { DependencyContainer } from 'tsyringe';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport.js';
import { NOTIFICATION_OPTIONS, NotificationService, type NotificationOptions } from './notification.service.js';

/** Registers the notification service in a (child) container that already has DATABASE and CLOCK. */
export function registerNotifications(input: { container: DependencyContainer; transport: MailTransport; options: NotificationOptions }): void {
  input.container.register(MAIL_TRANSPORT, { useValue: input.transport });
  input.container.register(NOTIFICATION_OPTIONS, { useValue: input.options });
  input.container.registerSingleton(NotificationService);
}
