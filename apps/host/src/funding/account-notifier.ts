import type { Database, Queryable, Transaction } from '@tollgate/db';
import type { FundingNotifier } from '@tollgate/funding';
import type { NotificationData, NotificationService, NotificationTemplate } from '@tollgate/notifications';

/**
 * Sends an account's e-mails (C-6) to its owners and admins, in the account's language, through
 * the notifications outbox: enqueued in the caller's transaction, each event key once.
 */
export class AccountNotifier implements FundingNotifier {
  constructor(private readonly deps: { db: Database; notifications: NotificationService }) {}

  async notify(input: { tx: Transaction; accountId: string; eventKey: string; template: string; data: Record<string, unknown> }): Promise<void> {
    const account = await recipientsOf(input.tx, input.accountId);
    if (!account || !account.recipients.length) return;
    await this.deps.notifications.enqueue({
      accountId: input.accountId,
      eventKey: input.eventKey,
      template: input.template as NotificationTemplate,
      locale: account.locale,
      recipients: account.recipients,
      // The template checks its fields at enqueue; a wrong one is refused, not sent half-filled.
      data: { accountName: account.name, ...input.data } as unknown as NotificationData[NotificationTemplate],
      tx: input.tx,
    });
  }

  /** Outside a transaction (wallet events from the queue). */
  async notifyNow(input: { accountId: string; eventKey: string; template: string; data: Record<string, unknown> }): Promise<void> {
    await this.deps.db.transaction((tx) => this.notify({ ...input, tx }));
  }
}

async function recipientsOf(q: Queryable, accountId: string): Promise<{ name: string; locale: string; recipients: string[] } | null> {
  const { rows } = await q.query<{ name: string; locale: string; email: string | null }>(
    `select a.name, a.locale, u.email from accounts a left join users u on u.account_id = a.id and u.role in ('owner', 'admin')
      where a.id = $1 order by u.created_at`,
    [accountId],
  );
  if (!rows.length) return null;
  return { name: rows[0]!.name, locale: rows[0]!.locale, recipients: rows.map((r) => r.email).filter((e): e is string => !!e) };
}
