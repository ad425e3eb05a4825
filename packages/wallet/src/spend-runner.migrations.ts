import type { Migration } from '@tollgate/db';

/**
 * What the spend runner remembers of each spend whose `execute` ran: its outcome, written before
 * the capture or release that follows it, so a replay with the same key moves the same money and
 * answers the same way without doing the work again (part of the wallet's migration set).
 */
export const spendRunsMigration: Migration = {
  id: '0003_spend_runs',
  sql: `
    create table spend_runs (
      account_id  text not null,
      spend_key   text not null,
      channel     text not null,
      hold_id     text not null,
      outcome     text not null check (outcome in ('done', 'failed', 'error')),
      units       text,
      reason      text,
      result      jsonb,
      created_at  timestamptz not null,
      primary key (account_id, spend_key)
    );
  `,
};
