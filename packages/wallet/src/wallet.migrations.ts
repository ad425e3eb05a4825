import type { MigrationSet } from '@tollgate/db';
import { spendRunsMigration } from './spend-runner.migrations.js';

/**
 * The wallet's tables. Money is numeric (exact): amounts in cents precision, unit prices to 6 places.
 * The ledger is append-only; `wallets` and `credit_lots.remaining` are maintained in the same
 * transaction as the postings and checked against them by the invariant check.
 */
export const walletMigrations: MigrationSet = {
  namespace: 'wallet',
  migrations: [
    {
      id: '0001_ledger',
      sql: `
        create table wallets (
          account_id      text primary key,
          currency        text not null default 'EUR',
          available       numeric(18,2) not null default 0 check (available >= 0),
          pending         numeric(18,2) not null default 0 check (pending >= 0),
          time_zone       text not null default 'Europe/Brussels',
          low_balance     numeric(18,2) not null default 1.00,
          created_at      timestamptz not null,
          updated_at      timestamptz not null
        );

        create table credit_lots (
          id              bigserial primary key,
          account_id      text not null references wallets(account_id),
          kind            text not null check (kind in ('trial', 'promo', 'referral', 'purchased')),
          granted         numeric(18,2) not null check (granted > 0),
          remaining       numeric(18,2) not null check (remaining >= 0),
          expires_at      timestamptz,
          created_at      timestamptz not null,
          transaction_id  bigint not null
        );
        create index credit_lots_spendable on credit_lots (account_id) where remaining > 0;
        create index credit_lots_expiry on credit_lots (expires_at) where remaining > 0 and expires_at is not null;

        create table ledger_transactions (
          id               bigserial primary key,
          account_id       text not null,
          type             text not null check (type in ('grant', 'charge', 'hold', 'capture', 'release', 'expire_lot', 'reversal')),
          channel          text,
          description      text not null,
          amount           numeric(18,2) not null,
          balance_after    numeric(18,2) not null,
          hold_id          bigint,
          reverses_id      bigint references ledger_transactions(id),
          idempotency_key  text,
          metadata         jsonb not null default '{}',
          created_at       timestamptz not null
        );
        create index ledger_transactions_history on ledger_transactions (account_id, created_at desc, id desc);
        create unique index ledger_transactions_one_reversal on ledger_transactions (reverses_id) where reverses_id is not null;

        -- Double entry: the postings of a transaction sum to zero. Books: wallet and holds belong to an
        -- account (and a lot); revenue, grants, funding and expired are the platform's side.
        create table ledger_postings (
          transaction_id  bigint not null references ledger_transactions(id),
          seq             smallint not null,
          book            text not null check (book in ('wallet', 'holds', 'revenue', 'grants', 'funding', 'expired')),
          account_id      text,
          lot_id          bigint references credit_lots(id),
          channel         text,
          amount          numeric(18,2) not null check (amount <> 0),
          primary key (transaction_id, seq)
        );
        create index ledger_postings_lot on ledger_postings (lot_id) where lot_id is not null;

        create table holds (
          id               bigserial primary key,
          account_id       text not null references wallets(account_id),
          channel          text not null,
          description      text not null,
          units            numeric(18,6) not null,
          country          text,
          unit_price       numeric(18,6) not null,
          amount           numeric(18,2) not null check (amount >= 0),
          captured         numeric(18,2) not null default 0,
          free_units       numeric(18,6) not null default 0,
          status           text not null check (status in ('pending', 'captured', 'released', 'expired')),
          expires_at       timestamptz not null,
          created_at       timestamptz not null,
          settled_at       timestamptz
        );
        create index holds_expiry on holds (expires_at) where status = 'pending';
        create table hold_lots (
          hold_id  bigint not null references holds(id),
          lot_id   bigint not null references credit_lots(id),
          amount   numeric(18,2) not null check (amount > 0),
          primary key (hold_id, lot_id)
        );

        create table idempotency_keys (
          account_id    text not null,
          key           text not null,
          operation     text not null,
          request_hash  text not null,
          response      jsonb not null,
          created_at    timestamptz not null,
          primary key (account_id, key)
        );
        create index idempotency_keys_age on idempotency_keys (created_at);

        create table prices (
          id              bigserial primary key,
          channel         text not null,
          unit            text not null,
          country         text not null default '*',
          unit_price      numeric(18,6) not null check (unit_price >= 0),
          effective_from  timestamptz not null,
          created_at      timestamptz not null,
          unique (channel, country, effective_from)
        );

        create table channel_quotas (
          channel       text primary key,
          free_units    numeric(18,6) not null check (free_units >= 0)
        );
        create table quota_usage (
          account_id  text not null,
          channel     text not null,
          period      date not null,
          used        numeric(18,6) not null default 0,
          primary key (account_id, channel, period)
        );

        -- Outbox: written in the same transaction as the change, relayed afterwards.
        create table wallet_events (
          id            bigserial primary key,
          account_id    text not null,
          type          text not null,
          payload       jsonb not null,
          created_at    timestamptz not null,
          published_at  timestamptz
        );
        create index wallet_events_unpublished on wallet_events (id) where published_at is null;
      `,
    },
    {
      // Funding (C-1, C-5): a clawed-back purchase whose credit was already spent leaves the wallet owing
      // (receivables book; spending is blocked until it is settled), refunds pay purchased credit back out
      // with the administrative fee as its own entry.
      id: '0002_funding',
      sql: `
        alter table wallets add column owed numeric(18,2) not null default 0 check (owed >= 0);
        alter table ledger_transactions drop constraint ledger_transactions_type_check;
        alter table ledger_transactions add constraint ledger_transactions_type_check
          check (type in ('grant', 'charge', 'hold', 'capture', 'release', 'expire_lot', 'reversal', 'clawback', 'settle', 'refund', 'fee'));
        alter table ledger_postings drop constraint ledger_postings_book_check;
        alter table ledger_postings add constraint ledger_postings_book_check
          check (book in ('wallet', 'holds', 'revenue', 'grants', 'funding', 'expired', 'receivables'));
        alter table credit_lots add column clawed_back_at timestamptz;
      `,
    },
    spendRunsMigration,
    {
      // The history as lines (one per use): a page walks an account's entries newest first by id, and
      // each hold on the page finds its capture or release by hold id.
      id: '0004_history_lines',
      sql: `
        create index ledger_transactions_account_id on ledger_transactions (account_id, id desc);
        create index ledger_transactions_hold on ledger_transactions (hold_id) where hold_id is not null;
      `,
    },
    {
      // Plans (editions, W-11): each wallet is on one plan, which selects its price list. Wallets
      // that exist already are on focus (the current edition). Every move is a history row (the
      // first row is the plan the wallet was opened with), so what an account paid can be explained.
      // A price row belongs to a plan or to the default list ('*'); the unique key gains the plan.
      id: '0005_plans',
      sql: `
        alter table wallets add column plan text not null default 'focus';
        create table wallet_plan_changes (
          id               bigserial primary key,
          account_id       text not null references wallets(account_id),
          plan             text not null,
          from_plan        text,
          changed_at       timestamptz not null,
          changed_by       text,
          idempotency_key  text,
          unique (account_id, idempotency_key)
        );
        create index wallet_plan_changes_account on wallet_plan_changes (account_id, id);
        insert into wallet_plan_changes (account_id, plan, from_plan, changed_at) select account_id, plan, null, created_at from wallets;
        alter table prices add column plan text not null default '*';
        alter table prices drop constraint prices_channel_country_effective_from_key;
        alter table prices add constraint prices_channel_country_plan_effective_from_key unique (channel, country, plan, effective_from);
      `,
    },
    {
      // Scoped credit and spending caps (issue 22). A lot's scope lists channel ids or tags (null =
      // general credit). Tags group channels ('postal'). Caps are the owner's monthly limits per
      // channel or per user; spend_usage counts what was spent per month (wallet time zone), written
      // by the batch with the postings like quota_usage. A hold remembers the user who placed it so
      // its capture, release or reversal gives back to the right counter.
      id: '0006_scoped_credit_caps',
      sql: `
        alter table credit_lots add column scope text[];
        create table channel_tags (
          channel  text not null,
          tag      text not null,
          primary key (channel, tag)
        );
        create index channel_tags_tag on channel_tags (tag);
        create table spending_caps (
          account_id     text not null references wallets(account_id),
          kind           text not null check (kind in ('channel', 'user')),
          target         text not null,
          monthly_limit  numeric(18,2) not null check (monthly_limit >= 0),
          updated_at     timestamptz not null,
          primary key (account_id, kind, target)
        );
        create table spend_usage (
          account_id  text not null,
          period      date not null,
          kind        text not null check (kind in ('channel', 'user')),
          target      text not null,
          amount      numeric(18,2) not null default 0,
          primary key (account_id, period, kind, target)
        );
        alter table holds add column user_id text;
      `,
    },
    {
      // Plan allowances (issue 22): each plan's monthly units per channel, written by the host when it
      // loads its plans (the wallet does not know plans), and each account's use per channel and month.
      // A month's row is made on first use; `carried` is what rolled over into it: [{ from, units }].
      // A hold remembers the allowance units it took, to give them back on release.
      id: '0007_allowances',
      sql: `
        create table plan_allowances (
          plan             text not null,
          channel          text not null,
          units            numeric(18,6) not null check (units >= 0),
          rollover_max     numeric(18,6) check (rollover_max >= 0),
          rollover_months  integer check (rollover_months >= 1),
          primary key (plan, channel)
        );
        create table allowance_periods (
          account_id  text not null references wallets(account_id),
          channel     text not null,
          period      date not null,
          granted     numeric(18,6) not null check (granted >= 0),
          carried     jsonb not null default '[]',
          used        numeric(18,6) not null default 0 check (used >= 0),
          primary key (account_id, channel, period)
        );
        alter table holds add column allowance_units numeric(18,6) not null default 0;
      `,
    },
  ],
};
