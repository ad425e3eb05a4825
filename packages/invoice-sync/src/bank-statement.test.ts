import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { eventMigrations } from '@tollgate/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camtStatement } from './bank-statement.fixture.js';
import { parseBankStatement } from './bank-statement.js';
import { BankStatementService } from './bank-statement.service.js';
import { CollectionRefService } from './collection-refs.js';
import { ConnectionService } from './connection.service.js';
import { CustomerService } from './customer.service.js';
import { InvoiceImporter } from './invoice-importer.js';
import { InvoicePaymentService } from './invoice-payments.js';
import { invoiceSyncMigrations } from './invoice-sync.migrations.js';
import { ProfileService } from './profile.service.js';
import { ScriptedSource, sourceCustomer, sourceDoc } from './scripted-source.fixture.js';

describe('parseBankStatement', () => {
  it('reads booked credits with their structured communication (structured reference or free text) and skips the rest', () => {
    const parsed = parseBankStatement(
      camtStatement({
        msgId: 'STMT-1',
        lines: [
          { amount: '121.00', bankRef: 'B1', structured: '+++090/9337/55493+++' },
          { amount: '10.00', bankRef: 'B2', unstructured: 'factuur 2026/1 ***090/9337/55493*** dank' },
          { amount: '5.00', bankRef: 'B3', unstructured: 'no reference here' },
          { amount: '7.00', bankRef: 'B4', direction: 'DBIT' },
          { amount: '8.00', bankRef: 'B5', status: 'PDNG', structured: '090933755493' },
        ],
      }),
    );
    expect(parsed).toMatchObject({ kind: 'camt.053', msgId: 'STMT-1', ignored: 2 });
    expect(parsed.credits.map((c) => [c.ref, c.amount, c.references])).toEqual([
      ['bank:BE71096123456769:B1', '121.00', ['090933755493']],
      ['bank:BE71096123456769:B2', '10.00', ['090933755493']],
      ['bank:BE71096123456769:B3', '5.00', []],
    ]);
    expect(parsed.credits[0]).toMatchObject({ bookingDate: '2026-03-19', currency: 'EUR', debtorName: 'Acme NV' });
  });

  it('gives a line without a bank reference the same ref in the 054 and the 053, numbered when repeated in one file', () => {
    const line = { amount: '3.00', unstructured: '+++090/9337/55493+++' };
    const a = parseBankStatement(camtStatement({ msgId: 'N-1', kind: 'camt.054', lines: [line, line] }));
    const b = parseBankStatement(camtStatement({ msgId: 'S-1', kind: 'camt.053', lines: [line] }));
    expect(a.credits[0]!.ref).toMatch(/^fp:/);
    expect(a.credits[1]!.ref).toBe(`${a.credits[0]!.ref}#2`);
    expect(b.credits[0]!.ref).toBe(a.credits[0]!.ref);
  });

  it('refuses what is not a camt.053/054 document, saying why', () => {
    expect(() => parseBankStatement('')).toThrow(/empty/);
    expect(() => parseBankStatement('<Document')).toThrow(/well-formed/);
    expect(() => parseBankStatement('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"/>')).toThrow(/namespace/);
    expect(() => parseBankStatement(camtStatement({ msgId: 'X', lines: [{ amount: 'abc', bankRef: 'x' }] }))).toThrow(/Amt/);
  });
});

for (const engine of testEngines()) {
  describe(`bank statement import [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-20T10:00:00.000Z');
    const source = new ScriptedSource('scripted-stmt');
    const directory = { get: (id: string) => (id === source.id ? source : undefined) };

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [eventMigrations, invoiceSyncMigrations] });
    });
    afterAll(() => db?.dispose());

    it('records matched transfers once, reports unmatched lines, and a replay records nothing more', async () => {
      const accountId = `acc_stmt_${engine.name}`;
      source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1' }));
      source.documents = [sourceDoc({ sourceId: 'stmt-a', number: '2026 / 101' }), sourceDoc({ sourceId: 'stmt-b', number: '2026 / 102' })];
      const profile = await new ProfileService(db, clock).create({ accountId, name: 'Transfer', directDebit: false, paymentLink: false, transfer: true });
      const connections = new ConnectionService(db, clock, directory);
      const connection = await connections.create({ accountId, sourceId: source.id, sourceAccountId: 'tl-stmt', defaultProfileId: profile.id });
      await new InvoiceImporter(db, clock, directory, connections, new CustomerService(db, clock), {}).importRecent({ connectionId: connection.id, days: 30 });
      const ids = (await db.query<{ id: string }>('select id from sync_invoices where account_id = $1 order by number', [accountId])).rows.map((r) => r.id);
      const refs = new CollectionRefService(db);
      const [a, b] = await Promise.all(ids.map((invoiceId) => refs.ensure({ accountId, invoiceId })));
      const service = new BankStatementService(new InvoicePaymentService(db, clock), refs, clock);

      const xml = camtStatement({
        msgId: 'STMT-2026-03-19',
        lines: [
          { amount: '121.00', bankRef: 'R1', structured: a!.structuredReference },
          { amount: '21.00', bankRef: 'R2', unstructured: `Invoice 2026/102 ${b!.structuredReference.replace(/\D/g, '')}` },
          { amount: '9.99', bankRef: 'R3', unstructured: 'rent march' },
          { amount: '9.99', bankRef: 'R4', structured: '+++000/0000/09797+++' },
          { amount: '1.00', bankRef: 'R5', structured: a!.structuredReference },
        ],
      });
      const first = await service.import({ accountId, xml });
      expect(first.matched.map((m) => [m.invoiceId, m.amount, m.invoiceStatus, m.amountDue])).toEqual([
        [a!.invoiceId, '121.00', 'paid', '0.00'],
        [b!.invoiceId, '21.00', 'booked', '100.00'],
      ]);
      expect(first.unmatched.map((u) => [u.ref.split(':').at(-1), u.reason])).toEqual([
        ['R3', 'no_reference'],
        ['R4', 'unknown_reference'],
        ['R5', 'not_payable'],
      ]);
      expect(first.duplicates).toEqual([]);

      const again = await service.import({ accountId, xml });
      expect(again.matched).toEqual([]);
      expect(again.duplicates.map((d) => d.paymentId)).toEqual(first.matched.map((m) => m.paymentId));
      const { rows } = await db.query<{ n: string }>(`select count(*)::text as n from sync_payments where account_id = $1`, [accountId]);
      expect(rows[0]!.n).toBe('2');
      // Another account's statement never reaches these invoices.
      expect((await service.import({ accountId: 'acc_stmt_other', xml })).matched).toEqual([]);
    });
  });
}
