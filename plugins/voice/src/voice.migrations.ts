import type { Migration } from '@tollgate/plugin-sdk';

/** The plugin's tables (prefixed voice_, the database is shared). */
export const voiceMigrations: readonly Migration[] = [
  {
    id: '0001_calls',
    sql: `
CREATE TABLE voice_calls (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  -- The caller's key: a retried POST returns this call instead of dialling again (Twilio has no keys).
  idempotency_key text NOT NULL,
  to_number text NOT NULL,
  from_number text NOT NULL,
  country text,
  status text NOT NULL CHECK (status IN ('placing', 'queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled')),
  provider_sid text UNIQUE,
  -- The wallet hold: max_minutes at unit_price, captured once by what the call really lasted.
  hold_id text,
  held_amount numeric(18,2),
  max_minutes integer NOT NULL CHECK (max_minutes >= 1),
  unit_price numeric(18,6) NOT NULL,
  settlement text NOT NULL DEFAULT 'none' CHECK (settlement IN ('none', 'pending', 'captured', 'released')),
  duration_seconds integer CHECK (duration_seconds >= 0),
  minutes_charged integer,
  amount_charged numeric(18,2),
  error_code text,
  error_message text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  ended_at timestamptz,
  settled_at timestamptz,
  UNIQUE (account_id, idempotency_key)
);
CREATE INDEX voice_calls_account ON voice_calls (account_id, created_at DESC, id DESC);
CREATE INDEX voice_calls_unsettled ON voice_calls (created_at) WHERE settlement = 'pending' OR status = 'placing';
`,
  },
  {
    id: '0002_reconcile_checks',
    sql: `
-- The reconcile job claims a call by moving next_check_at forward (two hosts do not fetch it twice),
-- and a call the provider still reports as live is asked again later, the wait doubling up to an hour.
ALTER TABLE voice_calls ADD COLUMN reconcile_checks integer NOT NULL DEFAULT 0;
ALTER TABLE voice_calls ADD COLUMN next_check_at timestamptz;
`,
  },
];
