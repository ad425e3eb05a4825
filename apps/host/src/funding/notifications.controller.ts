import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NotificationService } from '@tollgate/notifications';
import { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { Auth, CurrentCaller } from '../http/auth.js';
import { notificationsPage } from './funding.responses.js';

const notificationsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z
    .string()
    .regex(/^\d{1,18}$/, 'a notification id')
    .optional(),
});

/** The e-mails sent (or waiting) for the caller's account (C-6), newest first. */
@ApiTags('funding')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/notifications')
export class NotificationsController {
  constructor(@Inject(NotificationService) private readonly notifications: NotificationService) {}

  @ApiResponse({ status: 200, standardSchema: notificationsPage })
  @Get()
  @ApiOperation({ summary: 'E-mails to the account: template, recipient, subject, status (pending, sending, sent, failed); pass the last id as `before`' })
  async list(@CurrentCaller() caller: AccountCaller, @Query({ schema: notificationsQuery }) query: z.output<typeof notificationsQuery>) {
    const rows = await this.notifications.list({ accountId: caller.accountId, limit: query.limit, ...(query.before ? { before: query.before } : {}) });
    return {
      data: rows.map((n) => ({
        id: n.id,
        template: n.template,
        recipient: n.recipient,
        subject: n.subject,
        status: n.status,
        attempts: n.attempts,
        createdAt: n.createdAt.toISOString(),
        sentAt: n.sentAt?.toISOString() ?? null,
      })),
      nextCursor: rows.length === query.limit ? rows.at(-1)!.id : null,
    };
  }
}
