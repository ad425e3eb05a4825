import type { MigrationSet } from '@tollgate/db';

/**
 * The outbox of e-mails. One row per (event, recipient): the unique key is what makes an event
 * replayed any number of times one mail. A row moves pending → sending (claimed by one worker
 * until claimed_until) → sent, or back to pending with a later next_attempt_at, or → failed.
 */
export const notificationMigrations: MigrationSet = {
  namespace: 'notifications',
  migrations: [
    {
      id: '0001_notifications',
      sql: `
        create table notifications (
          id               bigserial primary key,
          account_id       text not null,
          event_key        text not null,
          recipient        text not null,
          template         text not null,
          locale           text not null,
          data             jsonb not null,
          status           text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed')),
          attempts         integer not null default 0,
          next_attempt_at  timestamptz not null,
          claimed_until    timestamptz,
          last_error       text,
          message_id       text,
          created_at       timestamptz not null,
          sent_at          timestamptz,
          unique (event_key, recipient)
        );
        create index notifications_due on notifications (next_attempt_at) where status in ('pending', 'sending');
        create index notifications_account on notifications (account_id, id desc);
      `,
    },
    {
      // Files that go with a mail (an invoice's PDF), stored with the row so the mail as queued is what leaves.
      id: '0002_attachments',
      sql: `
        create table notification_attachments (
          notification_id bigint not null references notifications (id) on delete cascade,
          position        integer not null,
          filename        text not null,
          content_type    text not null,
          content         bytea not null,
          primary key (notification_id, position)
        );
      `,
    },
  ],
};
