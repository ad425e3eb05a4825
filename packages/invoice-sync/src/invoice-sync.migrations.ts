import type { MigrationSet } from '@tollgate/db';

/**
 * Invoice sync (S-1…S-4, S-8, S-10): connections to a source, collection profiles, customers and
 * invoices copied one way from the source, their event log, and import runs. Every imported row is
 * keyed by the source's id (unique per connection), so replays, races and resumes update, never duplicate.
 */
export const invoiceSyncMigrations: MigrationSet = {
  namespace: 'invoice_sync',
  migrations: [
    {
      id: '0001_invoice_sync',
      sql: `
        create table sync_connections (
          id                 text primary key,
          account_id         text not null,
          source_id          text not null,
          source_account_id  text not null,
          status             text not null check (status in ('connected', 'reconsent_needed', 'disconnected')),
          default_profile_id text,
          auto_import        boolean not null default true,
          profile_field_id   text,
          created_at         timestamptz not null,
          updated_at         timestamptz not null
        );
        -- One live connection per account and source, and a source account belongs to one account (webhooks find it).
        create unique index sync_connections_one_live on sync_connections (account_id, source_id) where status <> 'disconnected';
        create unique index sync_connections_source_account on sync_connections (source_id, source_account_id) where status <> 'disconnected';

        create table sync_profiles (
          id                  text primary key,
          account_id          text not null,
          name                text not null,
          direct_debit        boolean not null,
          payment_link        boolean not null,
          transfer            boolean not null,
          source_option_value text,
          is_default          boolean not null,
          created_at          timestamptz not null,
          updated_at          timestamptz not null,
          check (direct_debit or payment_link or transfer)
        );
        create unique index sync_profiles_one_default on sync_profiles (account_id) where is_default;
        create unique index sync_profiles_option on sync_profiles (account_id, source_option_value) where source_option_value is not null;

        create table sync_customers (
          id                      text primary key,
          account_id              text not null,
          connection_id           text not null references sync_connections(id),
          source_type             text not null check (source_type in ('contact', 'company')),
          source_id               text not null,
          customer_number         text not null,
          name                    text not null,
          email                   text,
          address                 jsonb,
          vat_number              text,
          language                text,
          profile_id              text references sync_profiles(id),
          local_number_changed_at timestamptz,
          created_at              timestamptz not null,
          updated_at              timestamptz not null,
          unique (connection_id, source_type, source_id)
        );
        create index sync_customers_account on sync_customers (account_id, name, id);

        create table sync_invoices (
          id                  text primary key,
          account_id          text not null,
          connection_id       text not null references sync_connections(id),
          kind                text not null check (kind in ('invoice', 'credit_note')),
          source_id           text not null,
          source_number       text not null,
          number              text not null,
          department_id       text not null,
          customer_id         text not null references sync_customers(id),
          currency            text not null,
          total_excl_vat      numeric(18,2) not null,
          total_incl_vat      numeric(18,2) not null,
          amount_due          numeric(18,2) not null,
          issued_on           date not null,
          due_on              date not null,
          payment_term_days   int,
          status              text not null check (status in ('booked', 'paid')),
          profile_id          text not null references sync_profiles(id),
          subscription_id     text,
          credited_source_id  text,
          credited_invoice_id text references sync_invoices(id),
          source_updated_at   timestamptz not null,
          created_at          timestamptz not null,
          updated_at          timestamptz not null,
          unique (connection_id, kind, source_id),
          -- Never two invoices with one number in an account, whatever the department.
          unique (account_id, number)
        );
        create index sync_invoices_account on sync_invoices (account_id, issued_on desc, id desc);
        create index sync_invoices_credited on sync_invoices (connection_id, credited_source_id) where credited_invoice_id is null;

        create table sync_invoice_events (
          id          bigint generated always as identity primary key,
          invoice_id  text references sync_invoices(id),
          customer_id text references sync_customers(id),
          at          timestamptz not null,
          type        text not null,
          detail      jsonb not null default '{}',
          check (invoice_id is not null or customer_id is not null)
        );
        create index sync_invoice_events_invoice on sync_invoice_events (invoice_id, id);

        create table sync_import_runs (
          id            text primary key,
          seq           bigint generated always as identity unique,
          connection_id text not null references sync_connections(id),
          trigger       text not null check (trigger in ('manual', 'sweep', 'webhook')),
          issued_since  date,
          updated_since timestamptz,
          resumed_from  text,
          cursor        text,
          status        text not null check (status in ('running', 'completed', 'failed', 'interrupted')),
          new_count     int not null default 0,
          updated_count int not null default 0,
          ignored_count int not null default 0,
          failed_count  int not null default 0,
          failures      jsonb not null default '[]',
          flags         jsonb not null default '{}',
          high_water    timestamptz,
          error         text,
          started_at    timestamptz not null,
          heartbeat_at  timestamptz not null,
          finished_at   timestamptz
        );
        -- One manual import or sweep per connection at a time, whatever the number of hosts; webhooks run beside them.
        create unique index sync_import_runs_one_running on sync_import_runs (connection_id) where status = 'running' and trigger <> 'webhook';
        create index sync_import_runs_connection on sync_import_runs (connection_id, seq desc);

        create table sync_source_events (
          connection_id text not null references sync_connections(id),
          event_id      text not null,
          type          text not null,
          outcome       text not null,
          received_at   timestamptz not null,
          primary key (connection_id, event_id)
        );
      `,
    },
    {
      // Part 2 (collection): what every collection step shares. 'pending' = a collection is under way
      // (direct debit submitted); 'expired' = unpaid past its due date after a failed collection.
      id: '0003_collection_base',
      sql: `
        alter table sync_invoices drop constraint sync_invoices_status_check;
        alter table sync_invoices add constraint sync_invoices_status_check check (status in ('booked', 'pending', 'paid', 'expired'));
        alter table sync_invoices add column structured_reference text;
        alter table sync_invoices add column pay_token text;
        create unique index sync_invoices_structured_reference on sync_invoices (account_id, structured_reference) where structured_reference is not null;
        create unique index sync_invoices_pay_token on sync_invoices (pay_token) where pay_token is not null;
        create table sync_reference_counters (
          account_id text primary key,
          last_value bigint not null
        );
        -- S-6: whether the invoice's PDF is in the file store, and under which key.
        alter table sync_invoices add column pdf_status text not null default 'missing' check (pdf_status in ('missing', 'available'));
        alter table sync_invoices add column pdf_key text;
        -- S-9: a customer's signed SEPA mandate (uploaded by CSV); one active mandate per customer.
        create table sync_mandates (
          id             text primary key,
          account_id     text not null,
          customer_id    text not null references sync_customers (id),
          reference      text not null,
          iban           text not null,
          bic            text,
          signature_date date not null,
          sequence       text not null check (sequence in ('FRST', 'RCUR', 'OOFF')),
          status         text not null check (status in ('active', 'revoked')),
          created_at     timestamptz not null,
          updated_at     timestamptz not null
        );
        create unique index sync_mandates_reference on sync_mandates (account_id, reference);
        create unique index sync_mandates_one_active on sync_mandates (customer_id) where status = 'active';
      `,
    },
    {
      // Issue 14 A: the import as the real Teamleader API behaves. A profile field per context (S-2:
      // the invoice field is the old profile_field_id, the subscription field is new); a document not
      // in EUR is imported with its currency but cannot be collected (SEPA and the profiles are EUR).
      id: '0004_import_fields',
      sql: `
        alter table sync_connections add column subscription_profile_field_id text;
        alter table sync_invoices add column collectable boolean not null default true;
        alter table sync_invoices add column collection_blocked_reason text;
      `,
    },
    {
      // S-6: each imported document's PDF is fetched by a schedule kept in these columns (any host
      // claims due rows with skip locked); 'failed' = given up after the capped attempts, until a
      // user asks again (POST /v1/invoice-sync/invoices/pdfs/fetch).
      id: '0005_pdfs',
      sql: `
        alter table sync_invoices drop constraint sync_invoices_pdf_status_check;
        alter table sync_invoices add constraint sync_invoices_pdf_status_check check (pdf_status in ('missing', 'available', 'failed'));
        alter table sync_invoices add column pdf_attempts int not null default 0;
        alter table sync_invoices add column pdf_next_attempt_at timestamptz;
        alter table sync_invoices add column pdf_last_error text;
        alter table sync_invoices add column pdf_fetched_at timestamptz;
        create index sync_invoices_pdf_due on sync_invoices (pdf_next_attempt_at, id) where pdf_status = 'missing';
      `,
    },
    {
      // S-5: payments received for an invoice (link, transfer, direct debit, manual), one per
      // (account, method, external reference) so a replayed notification or statement records nothing
      // more; and the durable queue that writes each one (or its reversal) back to the source, in
      // order per invoice, leased so two hosts never write the same row at once.
      id: '0006_payments',
      sql: `
        create table sync_payments (
          id             text primary key,
          account_id     text not null,
          invoice_id     text not null references sync_invoices (id),
          method         text not null check (method in ('payment_link', 'transfer', 'direct_debit', 'manual')),
          external_ref   text not null,
          amount         numeric(18,2) not null check (amount > 0),
          currency       text not null,
          paid_at        timestamptz not null,
          status         text not null check (status in ('active', 'reversed')),
          reversed_at    timestamptz,
          reverse_reason text,
          created_at     timestamptz not null,
          unique (account_id, method, external_ref)
        );
        create index sync_payments_invoice on sync_payments (invoice_id, created_at, id);

        create table sync_writebacks (
          id              text primary key,
          seq             bigint generated always as identity unique,
          account_id      text not null,
          connection_id   text not null references sync_connections (id),
          invoice_id      text not null references sync_invoices (id),
          payment_id      text references sync_payments (id),
          action          text not null check (action in ('register', 'remove')),
          status          text not null check (status in ('pending', 'done', 'parked')),
          attempts        int not null default 0,
          next_attempt_at timestamptz not null,
          lease_owner     text,
          lease_until     timestamptz,
          last_error      text,
          created_at      timestamptz not null,
          updated_at      timestamptz not null,
          done_at         timestamptz,
          check (action = 'remove' or payment_id is not null)
        );
        create index sync_writebacks_due on sync_writebacks (next_attempt_at, seq) where status = 'pending';
        create index sync_writebacks_invoice on sync_writebacks (invoice_id, seq);
        create index sync_writebacks_parked on sync_writebacks (account_id, seq) where status = 'parked';
      `,
    },
    {
      // S-7 invitations. A profile says whether its invoices are e-mailed; the account's transfer
      // details; one invitation row per invoice: its primary key is the claim that makes the mail
      // go exactly once, whoever (job, manual send, another host) tries first.
      id: '0007_invitations',
      sql: `
        alter table sync_profiles add column send_invitation boolean not null default false;
        create table sync_collection_settings (
          account_id  text primary key,
          iban        text,
          bic         text,
          beneficiary text,
          updated_at  timestamptz not null
        );
        create table sync_invitations (
          invoice_id  text primary key references sync_invoices (id),
          account_id  text not null,
          attempt     integer not null default 1,
          trigger     text not null check (trigger in ('automatic', 'manual')),
          status      text not null check (status in ('queued', 'sent', 'failed')),
          recipient   text,
          locale      text,
          event_key   text,
          reason      text,
          queued_at   timestamptz not null,
          sent_at     timestamptz,
          failed_at   timestamptz
        );
        create index sync_invitations_queued on sync_invitations (event_key) where status = 'queued';
        create index sync_invitations_account on sync_invitations (account_id);
      `,
    },
    {
      // S-9: mandate CSV uploads with their row report, the creditor who collects, and each invoice's
      // direct-debit collection (one open collection per invoice: the claim).
      id: '0008_direct_debit',
      sql: `
        create table sync_mandate_uploads (
          id            text primary key,
          account_id    text not null,
          content_hash  text not null,
          file_name     text,
          total_rows    int not null,
          linked_rows   int not null,
          unchanged_rows int not null,
          failed_rows   int not null,
          rows          jsonb not null,
          created_at    timestamptz not null,
          -- The same file uploaded again answers the first upload.
          unique (account_id, content_hash)
        );
        alter table sync_mandates add column upload_id text references sync_mandate_uploads (id);

        create table sync_direct_debit_creditors (
          account_id  text primary key,
          name        text not null,
          iban        text not null,
          bic         text not null,
          creditor_id text not null,
          updated_at  timestamptz not null
        );

        create table sync_direct_debit_runs (
          id           text primary key,
          account_id   text not null,
          trigger      text not null check (trigger in ('manual', 'schedule')),
          collector_id text not null,
          item_count   int not null,
          control_sum  numeric(18,2) not null,
          files        jsonb not null default '[]',
          collection_date date,
          error        text,
          created_at   timestamptz not null
        );
        create index sync_direct_debit_runs_account on sync_direct_debit_runs (account_id, created_at desc);

        create table sync_direct_debit_items (
          end_to_end_id text primary key,
          account_id    text not null,
          invoice_id    text not null references sync_invoices (id),
          mandate_id    text not null references sync_mandates (id),
          run_id        text not null references sync_direct_debit_runs (id),
          amount        numeric(18,2) not null check (amount > 0),
          sequence      text not null check (sequence in ('FRST', 'RCUR', 'OOFF')),
          status        text not null check (status in ('claimed', 'submitted', 'settled', 'returned')),
          reason        text,
          created_at    timestamptz not null,
          updated_at    timestamptz not null
        );
        -- The claim: an invoice is in at most one collection that has not come back.
        create unique index sync_direct_debit_items_open on sync_direct_debit_items (invoice_id) where status <> 'returned';
        create index sync_direct_debit_items_mandate on sync_direct_debit_items (mandate_id);

        -- How far the bank's answers of each collector have been applied.
        create table sync_direct_debit_cursors (
          collector_id text primary key,
          last_id      text
        );
      `,
    },
    {
      // S-7 payment link page: card attempts (one open per invoice, for the amount due when it
      // started) and the provider events applied to them, once per event id.
      id: '0009_payment_links',
      sql: `
        create table sync_payment_links (
          id                  text primary key,
          account_id          text not null,
          invoice_id          text not null references sync_invoices (id),
          provider_id         text not null,
          amount              numeric(18,2) not null,
          currency            text not null,
          provider_payment_id text,
          status              text not null check (status in ('creating', 'open', 'succeeded', 'failed', 'reversed')),
          reason              text,
          created_at          timestamptz not null,
          updated_at          timestamptz not null
        );
        create unique index sync_payment_links_one_open on sync_payment_links (invoice_id) where status in ('creating', 'open');
        create unique index sync_payment_links_provider on sync_payment_links (provider_id, provider_payment_id) where provider_payment_id is not null;
        create index sync_payment_links_invoice on sync_payment_links (invoice_id, created_at desc, id desc);
        create table sync_payment_link_events (
          provider_id text not null,
          event_id    text not null,
          attempt_id  text not null references sync_payment_links (id),
          status      text not null,
          received_at timestamptz not null,
          primary key (provider_id, event_id)
        );
      `,
    },
    {
      // P-6: what an accounting export needs beyond the collection fields (lines, VAT breakdown,
      // parties, references), as the source gave it (AccountingDetails JSON), one row per document.
      // Backfill attempts that failed are kept apart, so a document the source cannot give does not
      // hold up the others: untried documents go first, then the least recently tried.
      id: '0010_accounting_details',
      sql: `
        create table invoice_accounting (
          invoice_id        text primary key references sync_invoices (id),
          details           jsonb not null,
          read_at           timestamptz not null,
          source_updated_at timestamptz not null
        );
        create table invoice_accounting_misses (
          invoice_id      text primary key references sync_invoices (id),
          attempts        int not null,
          last_error      text not null,
          last_attempt_at timestamptz not null
        );
      `,
    },
  ],
};
