import type { MigrationSet } from '@tollgate/db';

/**
 * Export runs (P-6). A run is unique per (account, idempotency key): two hosts starting the same key
 * race on that constraint and the loser reads the winner back. `exported_documents` is unique per
 * (target, invoice): a document is reserved for one run at a time and exported to a target once,
 * unless a run asks for re-export (which takes the row over). Holds are one row per delivery
 * attempt (the first run, then each resume), with keys derived from the run id and the attempt.
 */
export const accountingExportMigrations: MigrationSet = {
  namespace: 'accounting_exports',
  migrations: [
    {
      id: '0001_accounting_exports',
      sql: `
        create table export_targets (
          id                text primary key,
          account_id        text not null,
          exporter_id       text not null,
          name              text not null,
          options           jsonb not null,
          delivery_kind     text not null check (delivery_kind in ('download', 'email', 'sftp')),
          -- Secrets (SFTP password, private key) are sealed with the host's SecretSealer, bound to the target id.
          delivery_settings jsonb not null,
          created_at        timestamptz not null,
          updated_at        timestamptz not null,
          deleted_at        timestamptz
        );
        create index export_targets_account on export_targets (account_id, created_at desc, id desc) where deleted_at is null;

        create table export_runs (
          id                 text primary key,
          account_id         text not null,
          target_id          text not null references export_targets(id),
          idempotency_key    text not null,
          request_hash       text not null,
          selection          jsonb not null,
          reexport           boolean not null,
          status             text not null check (status in ('queued', 'running', 'delivering', 'completed', 'partially_delivered', 'failed')),
          reason             text,
          message            text,
          -- 1 for the first delivery, +1 per resume: names the hold and capture keys of that attempt.
          attempt            int not null default 1,
          prepared_at        timestamptz,
          documents_selected int not null default 0,
          documents_exported int not null default 0,
          documents_refused  int not null default 0,
          documents_skipped  int not null default 0,
          documents_undelivered int not null default 0,
          amount_held        numeric(18,2) not null default 0,
          amount_charged     numeric(18,2) not null default 0,
          amount_released    numeric(18,2) not null default 0,
          currency           text not null default 'EUR',
          lease_until        timestamptz,
          runs               int not null default 0,
          created_by         text,
          created_at         timestamptz not null,
          updated_at         timestamptz not null,
          started_at         timestamptz,
          finished_at        timestamptz,
          unique (account_id, idempotency_key)
        );
        create index export_runs_account on export_runs (account_id, created_at desc, id desc);
        create index export_runs_due on export_runs (updated_at) where status in ('queued', 'running', 'delivering');

        create table export_run_files (
          run_id        text not null references export_runs(id),
          name          text not null,
          content_type  text not null,
          size          bigint not null,
          sha256        text not null,
          file_key      text not null,
          documents     int not null,
          -- The delivery attempt that delivered it (its documents are captured under that attempt's hold).
          delivered_attempt int,
          delivered_at  timestamptz,
          primary key (run_id, name)
        );

        create table export_run_documents (
          run_id      text not null references export_runs(id),
          invoice_id  text not null,
          number      text not null,
          outcome     text not null check (outcome in ('exported', 'refused', 'skipped', 'undelivered', 'failed')),
          rule        text,
          message     text,
          file_name   text,
          seq         int not null,
          primary key (run_id, invoice_id)
        );
        create index export_run_documents_file on export_run_documents (run_id, file_name);

        create table export_run_holds (
          run_id          text not null references export_runs(id),
          attempt         int not null,
          hold_id         text not null,
          units           int not null,
          amount          numeric(18,2) not null,
          captured_units  int,
          captured        numeric(18,2),
          released        numeric(18,2),
          status          text not null check (status in ('held', 'captured', 'released')),
          transaction_id  text,
          updated_at      timestamptz not null,
          primary key (run_id, attempt)
        );

        create table exported_documents (
          account_id   text not null,
          target_id    text not null references export_targets(id),
          invoice_id   text not null,
          run_id       text not null references export_runs(id),
          reserved_at  timestamptz not null,
          -- Null while the run holding it has not delivered it yet.
          exported_at  timestamptz,
          unique (target_id, invoice_id)
        );
        create index exported_documents_run on exported_documents (run_id);
      `,
    },
  ],
};
