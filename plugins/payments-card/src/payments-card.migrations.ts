import type { Migration } from '@tollgate/plugin-sdk';

/** The plugin's tables (prefixed with its id: the database is shared). */
export const paymentsCardMigrations: readonly Migration[] = Object.freeze([
  {
    id: '0001_customers',
    // One processor customer per account; the unique key makes racing set-ups converge on one row.
    sql: `CREATE TABLE payments_card_customers (
  account_id text PRIMARY KEY,
  customer_id text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL
)`,
  },
]);
