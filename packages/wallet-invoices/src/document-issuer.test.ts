import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { PriceCatalog, WalletService, walletMigrations } from '@tollgate/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentIssuer } from './document-issuer.js';
import { walletInvoiceMigrations } from './wallet-invoices.migrations.js';
import type { WalletInvoiceOptions } from './wallet-invoices.types.js';

const OPTIONS: WalletInvoiceOptions = {
  seller: {
    name: 'Tollgate Demo BV',
    addressLines: ['Kerkstraat 1'],
    postcode: '9000',
    city: 'Gent',
    country: 'BE',
    vatNumber: 'BE0123456749',
    iban: 'BE68539007547034',
    email: 'billing@tollgate.example',
  },
};

/** The host's accounts and users, as far as the issuer reads them (the host owns these tables). */
const HOST_TABLES = {
  namespace: 'test-host-accounts',
  migrations: [
    {
      id: '0001',
      sql: `create table accounts (id text primary key, name text not null, locale text not null default 'en');
            create table users (id text primary key, account_id text not null, email text not null, role text not null, created_at timestamptz not null);`,
    },
  ],
};

for (const engine of testEngines()) {
  describe(`DocumentIssuer in the wallet transaction [${engine.name}]`, () => {
    let db: TestDatabase;
    let wallet: WalletService;
    let failNext = 0;
    const clock = new ManualClock('2026-12-31T23:30:00.000Z');

    const numbers = async (type: string) =>
      (await db.query<{ number: string }>('select number from billing_documents where doc_type = $1 order by number', [type])).rows.map((r) => r.number);
    const buy = (accountId: string, key: string, amount = '25.00') =>
      wallet.grant({ accountId, kind: 'purchased', amount, idempotencyKey: key, description: 'Cash pack', metadata: { purchaseId: `pur_${key}` } });

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [HOST_TABLES, walletMigrations, walletInvoiceMigrations] });
      wallet = new WalletService(db, clock, {});
      wallet.addTransactionHook(new DocumentIssuer({ options: OPTIONS, jobs: null }));
      // A later hook that fails on demand: the batch, the invoice and its number roll back together.
      wallet.addTransactionHook({
        name: 'fails-on-demand',
        afterWrite: async () => {
          if (failNext > 0) {
            failNext -= 1;
            throw new Error('a fault after the invoice was written');
          }
        },
      });
      for (const id of ['acc_1', 'acc_2']) {
        await db.query('insert into accounts (id, name) values ($1, $2)', [id, `Account ${id}`]);
        await wallet.openWallet({ accountId: id });
      }
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('numbers by the year in Brussels (23:30 on 31 December UTC is already 2027 there), one invoice per grant, none for trial credit', async () => {
      await buy('acc_1', 'a');
      expect(await numbers('invoice')).toEqual(['TG2027-000001']);
      await buy('acc_1', 'a'); // a replayed grant: the wallet's idempotency key, no new transaction
      expect(await numbers('invoice')).toEqual(['TG2027-000001']);
      const { rows } = await db.query<{ n: number }>('select count(*)::int as n from billing_documents');
      expect(rows[0]!.n).toBe(1); // the two trial grants have none
    });

    it('a rolled-back purchase uses no number: the next one takes it', async () => {
      failNext = 1;
      await expect(buy('acc_2', 'b')).rejects.toThrow('a fault after the invoice was written');
      expect(await numbers('invoice')).toEqual(['TG2027-000001']);
      await buy('acc_2', 'c');
      expect(await numbers('invoice')).toEqual(['TG2027-000001', 'TG2027-000002']);
    });

    it('a refund gets a credit note for the payout only, per invoiced lot, with the invoice’s treatment', async () => {
      const refund = await wallet.refund({ accountId: 'acc_1', credits: '20.00', fee: '5.00', idempotencyKey: 'r1', description: 'Refund' });
      const { rows } = await db.query<{ number: string; gross: string; credited: Array<{ number: string; amount: string }>; lines: Array<{ rate: string }> }>(
        `select number, gross::text as gross, credited, lines from billing_documents where doc_type = 'credit_note' and transaction_id = $1`,
        [refund.refundTransactionId],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        number: 'TGCN2027-000001',
        gross: '15.00',
        credited: [{ number: 'TG2027-000001', amount: '15.00' }],
        lines: [{ rate: '21' }],
      });
    });

    it('a scoped pack’s invoice line says what the credit is for; a general one does not', async () => {
      const catalog = new PriceCatalog(db, clock);
      await catalog.setPrice({ channel: 'letter-be', unit: 'letter', unitPrice: '1.20', effectiveFrom: new Date('2026-01-01T00:00:00Z') });
      await catalog.setTags({ channel: 'letter-be', tags: ['postal'] });
      const scoped = await wallet.grant({
        accountId: 'acc_2',
        kind: 'purchased',
        amount: '25.00',
        idempotencyKey: 'scoped',
        description: 'Cash pack €25.00',
        metadata: { purchaseId: 'pur_scoped' },
        scope: ['postal'],
      });
      const line = async (transactionId: string) =>
        (
          await db.query<{ lines: Array<{ description: string }> }>(`select lines from billing_documents where doc_type = 'invoice' and transaction_id = $1`, [
            transactionId,
          ])
        ).rows.map((r) => r.lines.map((l) => l.description));
      expect(await line(scoped.transactionId)).toEqual([['Prepaid wallet credit (Cash pack €25.00) — for: postal']]);
      const general = await buy('acc_2', 'general');
      expect(await line(general.transactionId)).toEqual([['Prepaid wallet credit (Cash pack)']]);
    });
  });
}
