import type { MigrationSet } from '@tollgate/db';

/**
 * The alerts an account sets (W-13). `state` is what makes an alert fire once per crossing: only
 * the update that moves it from armed to triggered fires, so two hosts evaluating the same change
 * fire once. `crossings` counts the firings and keys each one's e-mail. Idempotency keys of
 * creates keep the first response, as the wallet's do.
 */
export const walletAlertMigrations: MigrationSet = {
  namespace: 'wallet_alerts',
  migrations: [
    {
      id: '0001_alerts',
      sql: `
        create table wallet_alerts (
          id                 bigserial primary key,
          account_id         text not null,
          kind               text not null check (kind in ('balance_below', 'percent_of_last_top_up', 'days_left')),
          name               text,
          amount             numeric(18,2) check (amount > 0),
          percent            integer check (percent between 1 and 100),
          days               integer check (days between 1 and 365),
          burn_window_days   integer check (burn_window_days between 1 and 90),
          enabled            boolean not null default true,
          state              text not null default 'armed' check (state in ('armed', 'triggered')),
          crossings          integer not null default 0,
          triggered_at       timestamptz,
          rearmed_at         timestamptz,
          created_at         timestamptz not null,
          updated_at         timestamptz not null,
          check ((kind = 'balance_below') = (amount is not null)),
          check ((kind = 'percent_of_last_top_up') = (percent is not null)),
          check ((kind = 'days_left') = (days is not null and burn_window_days is not null))
        );
        create index wallet_alerts_account on wallet_alerts (account_id, id);
        -- The sweep re-checks days-left alerts as time moves the burn window.
        create index wallet_alerts_days_left on wallet_alerts (account_id) where kind = 'days_left' and enabled;

        create table wallet_alert_keys (
          account_id    text not null,
          key           text not null,
          request_hash  text not null,
          response      jsonb not null,
          created_at    timestamptz not null,
          primary key (account_id, key)
        );
        create index wallet_alert_keys_age on wallet_alert_keys (created_at);
      `,
    },
  ],
};
