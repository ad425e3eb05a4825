import type { Migration } from '@tollgate/plugin-sdk';

/** The plugin's tables (prefixed sms_reminders_: the database is shared). */
export const smsRemindersMigrations: readonly Migration[] = [
  {
    id: '0001_meetings_invitees_reminders',
    sql: `
CREATE TABLE sms_reminders_meetings (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  title text NOT NULL,
  location text NOT NULL,
  time_zone text NOT NULL,
  starts_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
  idempotency_key text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (account_id, idempotency_key)
);
CREATE INDEX sms_reminders_meetings_account ON sms_reminders_meetings (account_id, starts_at);

CREATE TABLE sms_reminders_invitees (
  id text PRIMARY KEY,
  meeting_id text NOT NULL REFERENCES sms_reminders_meetings (id),
  account_id text NOT NULL,
  first_name text NOT NULL,
  phone text NOT NULL,
  sms_reminder boolean NOT NULL,
  created_at timestamptz NOT NULL,
  removed_at timestamptz
);
-- One live invitation per number and meeting: a retried POST finds the first one.
CREATE UNIQUE INDEX sms_reminders_invitees_phone ON sms_reminders_invitees (meeting_id, phone) WHERE removed_at IS NULL;

CREATE TABLE sms_reminders_reminders (
  id text PRIMARY KEY,
  -- Creation order (the clock may give several rows the same created_at): the latest tells the story.
  seq bigserial NOT NULL UNIQUE,
  account_id text NOT NULL,
  meeting_id text NOT NULL REFERENCES sms_reminders_meetings (id),
  invitee_id text NOT NULL REFERENCES sms_reminders_invitees (id),
  -- holding: hold being placed; scheduled: waiting for send_at; sending: claimed by one host;
  -- sent: accepted and charged; delivered/undelivered/failed: the handset's fate; refused: never sent.
  status text NOT NULL CHECK (status IN ('holding', 'scheduled', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'refused', 'cancelled')),
  reason text,
  send_at timestamptz NOT NULL,
  -- When the sweep may try next (send_at, or later after a provider hiccup).
  due_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  hold_id text,
  hold_expires_at timestamptz NOT NULL,
  amount numeric(18,2),
  body text,
  message_sid text UNIQUE,
  capture_transaction_id text,
  reversal_transaction_id text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX sms_reminders_reminders_due ON sms_reminders_reminders (due_at) WHERE status = 'scheduled';
CREATE INDEX sms_reminders_reminders_account ON sms_reminders_reminders (account_id, seq);
-- At most one live reminder per invitee.
CREATE UNIQUE INDEX sms_reminders_reminders_live ON sms_reminders_reminders (invitee_id) WHERE status IN ('holding', 'scheduled', 'sending');

-- Status callbacks already applied (MessageSid + status): a duplicate changes nothing.
CREATE TABLE sms_reminders_delivery_reports (
  message_sid text NOT NULL,
  status text NOT NULL,
  error_code text,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (message_sid, status)
);
`,
  },
  {
    id: '0002_reconcile_statuses',
    sql: `
-- A sent text is fetched from Twilio when its final callback is overdue (Twilio does not retry callbacks).
ALTER TABLE sms_reminders_reminders ADD COLUMN sent_at timestamptz;
-- When the reconcile job asks Twilio next (null: not waiting for a final status, or given up).
ALTER TABLE sms_reminders_reminders ADD COLUMN check_due_at timestamptz;
ALTER TABLE sms_reminders_reminders ADD COLUMN checks integer NOT NULL DEFAULT 0;
-- Texts sent in the week before this migration are checked at the next run (older ones are left as they are:
-- no burst of fetches for a long history).
UPDATE sms_reminders_reminders SET sent_at = updated_at WHERE status = 'sent' AND message_sid IS NOT NULL;
UPDATE sms_reminders_reminders SET check_due_at = updated_at WHERE status = 'sent' AND message_sid IS NOT NULL AND updated_at > now() - interval '7 days';
-- Where a status came from: the callback, or the reconcile job's fetch.
ALTER TABLE sms_reminders_delivery_reports ADD COLUMN source text NOT NULL DEFAULT 'callback' CHECK (source IN ('callback', 'fetch'));
CREATE INDEX sms_reminders_reminders_check ON sms_reminders_reminders (check_due_at) WHERE status = 'sent';
`,
  },
];
