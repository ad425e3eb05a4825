import type { Migration } from '@tollgate/plugin-sdk';

/** The plugin's tables, in its own schema (plugin_company_data_trendstop). */
export const companyDataMigrations: readonly Migration[] = [
  {
    id: '0001_companies',
    sql: `
-- An account's companies (its CRM contacts' companies). Data bought from Trends Top lands in
-- "data": one entry per field with its value, source and time.
CREATE TABLE companies (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  name text NOT NULL,
  country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  -- Normalised (10 digits) for Belgian companies; as given for others.
  enterprise_number text,
  vat_number text,
  address jsonb,
  -- The free availability lookup: 'found' (availability set), 'not_found', 'unknown' (lookup failed), 'none' (not Belgian or no number).
  lookup text NOT NULL CHECK (lookup IN ('found', 'not_found', 'unknown', 'none')),
  availability jsonb,
  availability_checked_at timestamptz,
  data jsonb,
  data_purchase_id text,
  data_filled_at timestamptz,
  ignored_at timestamptz,
  ignored_by text,
  created_by text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX companies_account ON companies (account_id, created_at DESC, id DESC);
CREATE INDEX companies_number ON companies (account_id, enterprise_number);

-- One purchase per account, enterprise number and period (generation): the row that makes "never
-- pay twice" hold across users and hosts. The spend's key is derived from it
-- (company-data:<number>:g<generation>:a<attempt>); a failed attempt is retried with the next attempt.
CREATE TABLE data_purchases (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  enterprise_number text NOT NULL,
  generation integer NOT NULL CHECK (generation >= 1),
  status text NOT NULL CHECK (status IN ('open', 'failed', 'completed')),
  attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  paid_by text CHECK (paid_by IN ('wallet', 'subscription')),
  amount numeric(18,2),
  transaction_id text,
  export_id text,
  data jsonb,
  retrieved_at timestamptz,
  last_failure text,
  bought_by text,
  created_at timestamptz NOT NULL,
  completed_at timestamptz,
  UNIQUE (account_id, enterprise_number, generation)
);

-- Users the feature is switched on for (Settings > Users, or Settings > HR on classic).
CREATE TABLE enabled_users (
  account_id text NOT NULL,
  user_id text NOT NULL,
  enabled_by text,
  enabled_at timestamptz NOT NULL,
  PRIMARY KEY (account_id, user_id)
);

-- An account's own Trends Top subscription: its key, sealed (AES-256-GCM, bound to the account).
CREATE TABLE subscriptions (
  account_id text PRIMARY KEY,
  sealed_api_key text NOT NULL,
  customer_id text NOT NULL,
  formula text NOT NULL,
  export_rights boolean NOT NULL,
  linked_by text,
  linked_at timestamptz NOT NULL
);
`,
  },
];
