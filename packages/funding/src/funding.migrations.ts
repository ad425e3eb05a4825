import type { MigrationSet } from '@tollgate/db';

/**
 * Money in and out of the wallet. A purchase is the wallet's link to a provider payment; its
 * status only moves forward (creating → pending → succeeded → reversed, or → failed), and every
 * wallet change it causes is idempotent by a key derived from the purchase id.
 */
export const fundingMigrations: MigrationSet = {
  namespace: 'funding',
  migrations: [
    {
      id: '0001_funding',
      sql: `
        create table funding_payment_methods (
          id                  text primary key,
          account_id          text not null,
          provider_id         text not null,
          provider_method_id  text not null,
          kind                text not null check (kind in ('sepa_direct_debit', 'card')),
          label               text not null,
          metadata            jsonb not null default '{}',
          status              text not null check (status in ('active', 'removed')),
          idempotency_key     text not null,
          created_at          timestamptz not null,
          removed_at          timestamptz,
          unique (account_id, idempotency_key)
        );
        create index funding_payment_methods_account on funding_payment_methods (account_id);

        create table funding_purchases (
          id                    text primary key,
          account_id            text not null,
          amount                numeric(18,2) not null check (amount > 0),
          payment_method_id     text not null references funding_payment_methods(id),
          provider_id           text not null,
          provider_payment_id   text,
          origin                text not null check (origin in ('manual', 'auto_refill')),
          status                text not null check (status in ('creating', 'pending', 'succeeded', 'failed', 'reversed')),
          reason                text,
          lot_id                bigint,
          idempotency_key       text not null,
          created_at            timestamptz not null,
          updated_at            timestamptz not null,
          settled_at            timestamptz,
          unique (account_id, idempotency_key),
          unique (provider_id, provider_payment_id)
        );
        create index funding_purchases_account on funding_purchases (account_id, created_at desc);
        -- C-3: never two refills in flight, whatever the number of hosts.
        create unique index funding_one_refill_in_flight on funding_purchases (account_id)
          where origin = 'auto_refill' and status in ('creating', 'pending');

        create table funding_provider_events (
          provider_id          text not null,
          event_id             text not null,
          provider_payment_id  text not null,
          status               text not null,
          reason               text,
          purchase_id          text,
          outcome              text not null,
          received_at          timestamptz not null,
          primary key (provider_id, event_id)
        );

        create table funding_auto_refill (
          account_id         text primary key,
          enabled            boolean not null,
          minimum            numeric(18,2) not null check (minimum >= 0),
          pack               numeric(18,2) not null check (pack > 0),
          payment_method_id  text not null references funding_payment_methods(id),
          max_per_period     int not null check (max_per_period > 0),
          period_hours       int not null check (period_hours > 0),
          paused_at          timestamptz,
          paused_reason      text,
          updated_at         timestamptz not null
        );

        create table funding_referral_codes (
          account_id  text primary key,
          code        text not null unique,
          created_at  timestamptz not null
        );
        create table funding_referrals (
          referred_account_id  text primary key,
          referrer_account_id  text not null,
          code                 text not null,
          status               text not null check (status in ('pending', 'rewarded')),
          lot_id               bigint,
          created_at           timestamptz not null,
          rewarded_at          timestamptz,
          check (referred_account_id <> referrer_account_id)
        );

        create table funding_refunds (
          id                     text primary key,
          account_id             text not null,
          credits                numeric(18,2) not null,
          fee                    numeric(18,2) not null,
          payout                 numeric(18,2) not null,
          status                 text not null check (status in ('requested', 'paid')),
          refund_transaction_id  bigint not null,
          fee_transaction_id     bigint,
          requested_by           text,
          idempotency_key        text not null,
          created_at             timestamptz not null,
          paid_at                timestamptz,
          payout_reference       text,
          unique (account_id, idempotency_key)
        );
      `,
    },
    {
      // When the provider expects a pending payment's money (SEPA: collection date + settlement window);
      // and until when the account was told its auto-refill limit is reached (one mail per pause).
      id: '0002_expected_settlement',
      sql: `
        alter table funding_purchases add column expected_settlement_date date;
        alter table funding_auto_refill add column limit_notified_until timestamptz;
      `,
    },
    {
      // C-3: top up to a target balance (one purchase of the shortfall, not a pack) and a monthly schedule.
      // A target refill needs no pack. schedule_since keeps a schedule set mid-month from buying for a day before it;
      // schedule_done_month ('YYYY-MM' in the account's time zone) is the month already handled (bought, or nothing needed).
      id: '0003_refill_target_schedule',
      sql: `
        alter table funding_auto_refill add column mode text not null default 'pack' check (mode in ('pack', 'target'));
        alter table funding_auto_refill add column target numeric(18,2) check (target > 0);
        alter table funding_auto_refill alter column pack drop not null;
        alter table funding_auto_refill add constraint funding_auto_refill_mode_amount
          check ((mode = 'pack' and pack is not null) or (mode = 'target' and target is not null));
        alter table funding_auto_refill add column schedule_day int check (schedule_day between 1 and 28);
        alter table funding_auto_refill add column schedule_since timestamptz;
        alter table funding_auto_refill add column schedule_done_month text;
      `,
    },
    {
      // Scoped packs (issue 22): the channel ids or tags the purchased credit may pay for; null = general credit.
      id: '0004_purchase_scope',
      sql: `
        alter table funding_purchases add column scope text[];
      `,
    },
    {
      // Issue 21: a pack paid on the provider's hosted page (3-D Secure there) has no stored payment method.
      // return_url is where the payer comes back (kept so a retry or the sweep asks the provider with the same one);
      // redirect_url the hosted page; locale the page's language (a retry must ask with the same parameters); checked_at when the provider was last asked (the payer's return polls at most every few seconds).
      id: '0005_hosted_checkout',
      sql: `
        alter table funding_purchases alter column payment_method_id drop not null;
        alter table funding_purchases add column hosted boolean not null default false;
        alter table funding_purchases add column return_url text;
        alter table funding_purchases add column redirect_url text;
        alter table funding_purchases add column checked_at timestamptz;
        alter table funding_purchases add column locale text;
        alter table funding_purchases add constraint funding_purchases_method_or_hosted check (hosted or payment_method_id is not null);
        create index funding_purchases_hosted_pending on funding_purchases (checked_at) where hosted and status = 'pending';
      `,
    },
  ],
};
