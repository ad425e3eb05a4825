import type { Migration } from '@tollgate/plugin-sdk';

/** The plugin's tables, in its own schema (plugin_expense_scan). */
export const expenseScanMigrations: readonly Migration[] = [
  {
    id: '0001_expenses',
    sql: `
-- One uploaded expense: its file (stored through coreServices.files under file_key), what the last
-- scan read (fields: ExpenseFields of @tollgate/expense-fields, with confidences) and the user's
-- corrections, kept apart.
CREATE TABLE expenses (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  file_key text NOT NULL,
  filename text,
  content_type text NOT NULL,
  size integer NOT NULL CHECK (size >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  -- not_scanned (never read, or refused), scanned, failed (the last scan could not read the file).
  status text NOT NULL CHECK (status IN ('not_scanned', 'scanned', 'failed')),
  -- Scanned and a required field neither filled (valid, confident) nor corrected.
  needs_review boolean NOT NULL DEFAULT false,
  fields jsonb,
  corrections jsonb NOT NULL DEFAULT '{}'::jsonb,
  read_method text,
  language text,
  -- How the last good scan was paid: 'wallet' (a spend: quota or money), 'already_paid' (this content was paid before: free).
  paid_by text CHECK (paid_by IN ('wallet', 'already_paid')),
  amount numeric(18,2),
  transaction_id text,
  spend_key text,
  scanned_at timestamptz,
  -- The last attempt that did not scan: failed (unreadable) or refused (no credit), with its code and message.
  last_error jsonb,
  scan_queued boolean NOT NULL DEFAULT false,
  uploaded_by text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX expenses_account ON expenses (account_id, created_at DESC, id DESC);
CREATE INDEX expenses_content ON expenses (account_id, sha256);

-- Contents an account has paid a scan of (or had covered by its free quota): re-scanning the same
-- bytes is free. Written by the channel's execute, in the step that reads the file.
CREATE TABLE paid_contents (
  account_id text NOT NULL,
  sha256 text NOT NULL,
  spend_key text NOT NULL,
  paid_at timestamptz NOT NULL,
  PRIMARY KEY (account_id, sha256)
);

-- Scans per content that did not scan (failed to read, or refused by the wallet): part of the spend
-- key, so a scan after a failure gets a fresh key while concurrent scans of the same bytes converge on one.
CREATE TABLE content_failures (
  account_id text NOT NULL,
  sha256 text NOT NULL,
  failures integer NOT NULL CHECK (failures >= 0),
  PRIMARY KEY (account_id, sha256)
);

-- Per-account settings; an account without a row has the plugin's defaults.
CREATE TABLE account_settings (
  account_id text PRIMARY KEY,
  auto_scan boolean NOT NULL,
  updated_by text,
  updated_at timestamptz NOT NULL
);
`,
  },
];
