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
  {
    // Issue 12: reports applied by level (file, batch, transaction), proprietary reasons kept, bank
    // statements (camt.053/camt.054) read, report lines naming nothing we know kept for operators,
    // and the postal address non-EEA debtors must carry.
    id: '0003_report_levels_statements_addresses',
    sql: `
ALTER TABLE payments_sepa_collections ADD COLUMN reason_type text CHECK (reason_type IN ('Cd', 'Prtry'));
-- When the bank confirmed the money arrived (pain.002 ACSC, camt CRDT) before the return window closed.
ALTER TABLE payments_sepa_collections ADD COLUMN bank_settled_at timestamptz;
ALTER TABLE payments_sepa_events ADD COLUMN reason_type text CHECK (reason_type IN ('Cd', 'Prtry'));

-- The PmtInfId of the file's one batch (pain.002 OrgnlPmtInfId); files built so far got '<MsgId>.0'.
ALTER TABLE payments_sepa_batches ADD COLUMN pmt_inf_id text;
UPDATE payments_sepa_batches SET pmt_inf_id = COALESCE(substring(xml from '<PmtInfId>([^<]+)</PmtInfId>'), msg_id || '.0');
CREATE UNIQUE INDEX payments_sepa_batches_pmt_inf_id ON payments_sepa_batches (pmt_inf_id);

-- What a report said at file level, and which kind of document it was.
ALTER TABLE payments_sepa_reports ADD COLUMN kind text NOT NULL DEFAULT 'pain.002' CHECK (kind IN ('pain.002', 'camt.053', 'camt.054'));
ALTER TABLE payments_sepa_reports ADD COLUMN group_status text;
ALTER TABLE payments_sepa_reports ADD COLUMN group_reason text;

-- Report and statement lines that name a file, batch or collection we do not know: never dropped.
CREATE TABLE payments_sepa_unmatched (
  id bigserial PRIMARY KEY,
  report_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('pain.002', 'camt.053', 'camt.054')),
  level text NOT NULL CHECK (level IN ('file', 'batch', 'transaction', 'entry')),
  reference text NOT NULL,
  status text,
  reason text,
  reason_type text CHECK (reason_type IN ('Cd', 'Prtry')),
  amount numeric(18,2),
  received_at timestamptz NOT NULL,
  UNIQUE (report_id, level, reference)
);
CREATE INDEX payments_sepa_unmatched_received ON payments_sepa_unmatched (received_at);

ALTER TABLE payments_sepa_mandates ADD COLUMN address_country text;
ALTER TABLE payments_sepa_mandates ADD COLUMN address_lines text;
`,
  },
  {
    // Events go to the funding service in the order they were recorded: a return's occurred_at is
    // the bank's file date, which may be earlier than the settlement it undoes.
    id: '0004_events_in_recorded_order',
    sql: `
ALTER TABLE payments_sepa_events ADD COLUMN seq bigserial;
CREATE INDEX payments_sepa_events_unreported_seq ON payments_sepa_events (seq) WHERE reported_at IS NULL;
`,
  },
  {
    // Issue 14 (S-9): invoices collected for the invoice side (directDebitCollectorsExtensionPoint).
    // Their files share payments_sepa_batches (so reports find them); their lines and what the bank
    // said about them live apart from wallet top-ups, which the funding service credits.
    id: '0005_invoice_collections',
    sql: `
ALTER TABLE payments_sepa_batches DROP CONSTRAINT IF EXISTS payments_sepa_batches_sequence_type_check;
ALTER TABLE payments_sepa_batches ADD CONSTRAINT payments_sepa_batches_sequence_type_check CHECK (sequence_type IN ('FRST', 'RCUR', 'OOFF'));

-- One request of the invoice side (its idempotency key) and the files it made.
CREATE TABLE payments_sepa_invoice_runs (
  account_id text NOT NULL,
  idempotency_key text NOT NULL,
  result jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (account_id, idempotency_key)
);

CREATE TABLE payments_sepa_invoice_items (
  end_to_end_id text PRIMARY KEY,
  account_id text NOT NULL,
  batch_id text NOT NULL REFERENCES payments_sepa_batches (id),
  mandate_reference text NOT NULL,
  amount numeric(18,2) NOT NULL CHECK (amount > 0),
  status text NOT NULL CHECK (status IN ('submitted', 'settled', 'returned')),
  reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX payments_sepa_invoice_items_batch ON payments_sepa_invoice_items (batch_id);

-- What the bank said, in the order we learnt it: the invoice side reads it with a cursor (seq).
CREATE TABLE payments_sepa_invoice_outcomes (
  seq bigserial PRIMARY KEY,
  end_to_end_id text NOT NULL REFERENCES payments_sepa_invoice_items (end_to_end_id),
  account_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('settled', 'returned')),
  reason text,
  amount numeric(18,2) NOT NULL,
  occurred_at timestamptz NOT NULL,
  UNIQUE (end_to_end_id, kind)
);
`,
  },
];
