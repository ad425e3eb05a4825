import type { MigrationSet } from '@tollgate/db';

/**
 * Billing documents of the wallet (W-13): buyers' billing profiles, the number series (one row per
 * issuer, document type and year, bumped in the wallet transaction that grants or refunds, so a
 * rolled-back purchase uses no number), and the documents with the seller and buyer as they were.
 */
export const walletInvoiceMigrations: MigrationSet = {
  namespace: 'wallet_invoices',
  migrations: [
    {
      id: '0001_documents',
      sql: `
        create table billing_profiles (
          account_id     text primary key,
          legal_name     text not null,
          address_lines  jsonb not null,
          postcode       text not null,
          city           text not null,
          country        text not null,
          vat_number     text,
          email          text,
          updated_at     timestamptz not null
        );

        create table billing_document_series (
          issuer    text not null,
          doc_type  text not null check (doc_type in ('invoice', 'credit_note')),
          year      integer not null,
          next      bigint not null,
          primary key (issuer, doc_type, year)
        );

        create table billing_documents (
          id                text primary key,
          account_id        text not null,
          doc_type          text not null check (doc_type in ('invoice', 'credit_note')),
          issuer            text not null,
          number            text not null,
          issued_at         timestamptz not null,
          issued_on         date not null,
          currency          text not null,
          net               numeric(20, 2) not null,
          vat               numeric(20, 2) not null,
          gross             numeric(20, 2) not null,
          seller            jsonb not null,
          buyer             jsonb not null,
          lines             jsonb not null,
          locale            text not null,
          transaction_id    text not null unique,
          lot_id            text,
          purchase_id       text,
          credited          jsonb not null default '[]',
          pdf_key           text,
          ubl_key           text,
          rendered_at       timestamptz,
          mailed_at         timestamptz,
          render_attempts   integer not null default 0,
          last_error        text,
          unique (issuer, doc_type, number)
        );
        create index billing_documents_account on billing_documents (account_id, issued_at desc, id desc);
        create index billing_documents_lot on billing_documents (lot_id) where lot_id is not null;
        create index billing_documents_unrendered on billing_documents (issued_at) where rendered_at is null or mailed_at is null;
      `,
    },
  ],
};
