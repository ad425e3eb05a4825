import type { MigrationSet } from '@tollgate/db';

/** The host's own tables: accounts (tenants), their users and API keys; plugin routes' idempotency keys. */
export const hostMigrations: MigrationSet = {
  namespace: 'host',
  migrations: [
    {
      id: '0001_accounts_users_api_keys',
      sql: `
        create table accounts (
          id          text primary key,
          name        text not null check (length(name) between 1 and 200),
          status      text not null default 'trial' check (status in ('trial', 'active', 'closed')),
          locale      text not null default 'en' check (locale in ('nl', 'fr', 'en', 'de')),
          time_zone   text not null default 'Europe/Brussels',
          created_at  timestamptz not null
        );
        create table users (
          id          text primary key,
          account_id  text not null references accounts(id),
          email       text not null,
          name        text not null,
          role        text not null check (role in ('owner', 'admin', 'member')),
          created_at  timestamptz not null,
          unique (account_id, email)
        );
        -- Keys are shown once and stored as a SHA-256 of the whole key (they carry 192 random bits,
        -- so a slow hash adds nothing); the prefix is kept to recognise a key in lists.
        create table api_keys (
          id           text primary key,
          account_id   text references accounts(id),
          name         text not null,
          role         text not null check (role in ('owner', 'admin', 'member', 'platform_admin')),
          prefix       text not null,
          secret_hash  text not null unique,
          created_by   text,
          created_at   timestamptz not null,
          last_used_at timestamptz,
          revoked_at   timestamptz,
          check ((role = 'platform_admin') = (account_id is null))
        );
        create index api_keys_account on api_keys (account_id);
      `,
    },
    {
      // Idempotency keys of plugin routes (apps/host/src/http/route-idempotency.ts): while the first
      // request runs, lock_token/locked_at are set and response is null; then response holds it.
      id: '0002_route_idempotency_keys',
      sql: `
        create table route_idempotency_keys (
          account_id   text not null references accounts(id) on delete cascade,
          key          text not null,
          operation    text not null,
          fingerprint  text not null,
          lock_token   text,
          locked_at    timestamptz,
          response     jsonb,
          created_at   timestamptz not null,
          primary key (account_id, key),
          check ((response is null) = (lock_token is not null))
        );
        create index route_idempotency_keys_created on route_idempotency_keys (created_at);
      `,
    },
    {
      // Which person a key acts for (per-user settings such as a feature switched on for one user).
      // created_by held a user id (the owner's first key) or the creating key's id: the backfill
      // follows that chain to the user at its start.
      id: '0003_api_key_users',
      sql: `
        alter table api_keys add column user_id text references users(id) on delete set null;
        with recursive chain(id, user_id) as (
          select k.id, u.id from api_keys k join users u on u.id = k.created_by
          union all
          select k.id, c.user_id from api_keys k join chain c on k.created_by = c.id
        )
        update api_keys k set user_id = chain.user_id from chain where chain.id = k.id;
        create index api_keys_user on api_keys (user_id);
      `,
    },
    {
      // Sessions for people (the dashboard, issue 21): a password per user (scrypt, params + salt + hash
      // in one string), failed sign-ins per e-mail (kept for unknown e-mails too, so a lockout does not
      // tell which exist), and sessions stored by the SHA-256 of their 256-bit token, never the token.
      id: '0004_sessions',
      sql: `
        alter table users add column password_hash text;
        create table login_failures (
          email         text primary key,
          window_start  timestamptz not null,
          failures      int not null,
          locked_until  timestamptz
        );
        create index login_failures_window on login_failures (window_start);
        create table sessions (
          id            text primary key,
          token_hash    text not null unique,
          kind          text not null check (kind in ('account', 'admin')),
          account_id    text references accounts(id) on delete cascade,
          user_id       text references users(id) on delete cascade,
          api_key_id    text references api_keys(id) on delete cascade,
          csrf_token    text not null,
          created_at    timestamptz not null,
          last_seen_at  timestamptz not null,
          expires_at    timestamptz not null,
          idle_seconds  int not null check (idle_seconds > 0),
          revoked_at    timestamptz,
          check ((kind = 'admin') = (account_id is null)),
          check (user_id is not null or api_key_id is not null)
        );
        create index sessions_user on sessions (user_id);
        create index sessions_expires on sessions (expires_at);
      `,
    },
  ],
};
