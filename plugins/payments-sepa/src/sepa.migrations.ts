import type { Migration } from '@tollgate/plugin-sdk';

/** The plugin's tables (prefixed payments_sepa_, the database is shared). Dates are UTC calendar days. */
export const sepaMigrations: readonly Migration[] = [
  {
    id: '0001_mandates_collections_batches',
    sql: `
CREATE TABLE payments_sepa_mandates (
  mandate_id text PRIMARY KEY,
  account_id text NOT NULL,
  iban text NOT NULL,
  bic text,
  holder text NOT NULL,
  signature_date date NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'revoked')),
  idempotency_key text NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  UNIQUE (account_id, idempotency_key)
);
CREATE INDEX payments_sepa_mandates_account ON payments_sepa_mandates (account_id);

CREATE TABLE payments_sepa_batches (
  id text PRIMARY KEY,
  msg_id text NOT NULL UNIQUE,
  collection_date date NOT NULL,
  sequence_type text NOT NULL CHECK (sequence_type IN ('FRST', 'RCUR')),
  xml text NOT NULL,
  transaction_count integer NOT NULL,
  control_sum numeric(18,2) NOT NULL,
  status text NOT NULL DEFAULT 'built' CHECK (status IN ('built', 'submitted', 'rejected')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  claimed_until timestamptz,
  created_at timestamptz NOT NULL,
  submitted_at timestamptz
);
CREATE INDEX payments_sepa_batches_unsubmitted ON payments_sepa_batches (created_at) WHERE status = 'built';

CREATE TABLE payments_sepa_collections (
  provider_payment_id text PRIMARY KEY,
  -- Creation order (the clock may give several rows the same created_at): FRST goes to the first.
  seq bigserial NOT NULL UNIQUE,
  account_id text NOT NULL,
  mandate_id text NOT NULL REFERENCES payments_sepa_mandates (mandate_id),
  reference text NOT NULL,
  description text NOT NULL,
  amount numeric(18,2) NOT NULL CHECK (amount > 0),
  end_to_end_id text NOT NULL UNIQUE,
  collection_date date NOT NULL,
  sequence_type text CHECK (sequence_type IN ('FRST', 'RCUR')),
  status text NOT NULL CHECK (status IN ('pending', 'submitted', 'succeeded', 'failed', 'reversed')),
  reason text,
  batch_id text REFERENCES payments_sepa_batches (id),
  idempotency_key text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (account_id, idempotency_key)
);
CREATE INDEX payments_sepa_collections_status ON payments_sepa_collections (status, collection_date);
CREATE INDEX payments_sepa_collections_mandate ON payments_sepa_collections (mandate_id);
CREATE INDEX payments_sepa_collections_batch ON payments_sepa_collections (batch_id);

-- Status reports (pain.002) already applied: a report read twice changes nothing the second time.
CREATE TABLE payments_sepa_reports (
  report_id text PRIMARY KEY,
  source text NOT NULL CHECK (source IN ('bank', 'import')),
  original_msg_id text,
  xml text NOT NULL,
  received_at timestamptz NOT NULL
);

-- Outbox of payment events: written with the status change, handed to the sink afterwards.
CREATE TABLE payments_sepa_events (
  event_id text PRIMARY KEY,
  provider_payment_id text NOT NULL,
  status text NOT NULL,
  reason text,
  occurred_at timestamptz NOT NULL,
  reported_at timestamptz
);
CREATE INDEX payments_sepa_events_unreported ON payments_sepa_events (occurred_at) WHERE reported_at IS NULL;

-- Small named values, e.g. the id of the last report read from the bank.
CREATE TABLE payments_sepa_state (
  key text PRIMARY KEY,
  value text NOT NULL
);
`,
  },
  {
    // A collection moved to a later date tells the host its new expected settlement day (plugin API 2.1.0).
    id: '0002_event_expected_settlement',
    sql: `ALTER TABLE payments_sepa_events ADD COLUMN expected_settlement_date date;`,
  },
];
