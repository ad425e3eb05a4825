import type { MigrationSet } from '@tollgate/db';

/**
 * The letter channel's tables. A letter is unique per (account, idempotency key): two hosts sending
 * the same request race on that constraint and the loser reads the winner back. Holds are one row per
 * charge (spend channel); carrier events are unique per (carrier, event id), so a replayed webhook
 * changes nothing. Amounts are exact numerics.
 */
export const letterMigrations: MigrationSet = {
  namespace: 'letters',
  migrations: [
    {
      id: '0001_letters',
      sql: `
        create table letters (
          id                 text primary key,
          account_id         text not null,
          idempotency_key    text not null,
          request_hash       text not null,
          carrier_id         text not null,
          billing            text not null check (billing in ('wallet', 'own_account')),
          country            text not null,
          product            text not null,
          color              boolean not null,
          duplex             boolean not null,
          recipient          jsonb not null,
          sender             jsonb not null,
          invoice_id         text,
          subject            text,
          pages              int not null,
          sheets             int not null,
          pdf_key            text not null,
          pdf_sha256         text not null,
          pdf_size           int not null,
          status             text not null check (status in ('holding', 'held', 'ready', 'submitted', 'accepted', 'rejected', 'printed', 'posted', 'delivered', 'returned', 'cancelled', 'failed')),
          reason             text,
          carrier_letter_id  text,
          amount             numeric(18,2),
          currency           text not null default 'EUR',
          attempts           int not null default 0,
          last_error         text,
          next_attempt_at    timestamptz,
          lease_until        timestamptz,
          next_poll_at       timestamptz,
          created_by         text,
          created_at         timestamptz not null,
          updated_at         timestamptz not null,
          submitted_at       timestamptz,
          unique (account_id, idempotency_key)
        );
        create index letters_account on letters (account_id, created_at desc, id desc);
        create index letters_invoice on letters (account_id, invoice_id) where invoice_id is not null;
        create index letters_due on letters (next_attempt_at) where status in ('held', 'ready');
        create index letters_poll on letters (next_poll_at) where status in ('submitted', 'accepted', 'printed', 'posted');
        create index letters_carrier on letters (carrier_id, carrier_letter_id) where carrier_letter_id is not null;

        create table letter_holds (
          letter_id    text not null references letters(id),
          channel      text not null,
          description  text not null,
          units        numeric(18,6) not null,
          hold_id      text not null,
          amount       numeric(18,2) not null,
          status       text not null check (status in ('held', 'captured', 'released')),
          -- The capture's ledger transaction (a cancellation after acceptance reverses it).
          transaction_id text,
          updated_at   timestamptz not null,
          primary key (letter_id, channel)
        );

        create table letter_events (
          id           bigint generated always as identity primary key,
          letter_id    text not null references letters(id),
          carrier_id   text not null,
          event_id     text not null,
          status       text not null,
          reason       text,
          occurred_at  timestamptz not null,
          received_at  timestamptz not null,
          applied      boolean not null,
          unique (carrier_id, event_id)
        );
        create index letter_events_letter on letter_events (letter_id, id);

        create table letter_settings (
          account_id   text primary key,
          sender       jsonb not null,
          updated_at   timestamptz not null
        );
      `,
    },
  ],
};
