import type { Migration } from '@tollgate/plugin-sdk';

/** The plugin's tables, in its own schema (plugin_postal_de_epost). */
export const epostMigrations: readonly Migration[] = [
  {
    id: '0001_credentials',
    sql: `
-- An account's own E-POST contract: EKP, password and secret as one JSON value sealed with
-- AES-256-GCM, bound to the account (SDK SecretSealer, envelope "eps1"); only a masked EKP in clear.
CREATE TABLE credentials (
  account_id text PRIMARY KEY,
  sealed_credentials text NOT NULL,
  ekp_masked text NOT NULL,
  verified_at timestamptz NOT NULL,
  updated_by text,
  updated_at timestamptz NOT NULL
);

-- One row per letter handed to the carrier, keyed by the caller's idempotency key: the row is
-- inserted before the upload, so a retry (on this host or another) never uploads a second time.
CREATE TABLE submissions (
  account_id text NOT NULL,
  idempotency_key text NOT NULL,
  pdf_sha256 text NOT NULL,
  file_name text NOT NULL,
  reference text,
  state text NOT NULL CHECK (state IN ('uploading', 'uploaded', 'rejected')),
  attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  letter_id bigint,
  reason text,
  -- The last status read back (getStatus), so final letters are left out of the next status query.
  last_status text,
  claimed_at timestamptz NOT NULL,
  completed_at timestamptz,
  PRIMARY KEY (account_id, idempotency_key)
);
CREATE INDEX submissions_letter ON submissions (account_id, letter_id);
CREATE INDEX submissions_in_flight ON submissions (account_id, completed_at DESC) WHERE state = 'uploaded';
`,
  },
];
