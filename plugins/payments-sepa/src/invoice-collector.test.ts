import { ManualClock, type DirectDebitItem, type PaymentEvent, type PaymentEventSink } from '@tollgate/plugin-sdk';
import { SETTLING_IBANS, startBankSandbox, type BankSandbox } from '@tollgate/sandbox-bank';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidPain008 } from '../test/pain008-xsd.js';
import { paymentsSepaOptions } from './options.js';
import plugin from './plugin.js';
import { SepaDirectDebitProvider } from './sepa-direct-debit.provider.js';

/** Wallet top-ups must not hear of invoice collections: this sink fails the test if they do. */
class NoWalletEvents implements PaymentEventSink {
  readonly events: PaymentEvent[] = [];
  async report(input: { providerId: string; events: readonly PaymentEvent[] }) {
    this.events.push(...input.events);
    return { accepted: input.events.length, duplicates: 0 };
  }
}

const creditor = { name: 'Collect BV', iban: 'BE68539007547034', bic: 'GEBABEBB', creditorId: 'BE68ZZZ0123456789' };
const item = (endToEndId: string, extra: Partial<DirectDebitItem> = {}): DirectDebitItem => ({
  endToEndId,
  amount: '121.00',
  mandateReference: `MNDT-${endToEndId}`,
  signatureDate: '2025-11-03',
  sequence: 'FRST',
  iban: SETTLING_IBANS[1]!,
  bic: 'ABNANL2A',
  debtorName: 'Acme NV',
  remittance: `Invoice ${endToEndId}`,
  ...extra,
});

for (const engine of testEngines()) {
  describe(`payments-sepa as the invoice side's direct-debit collector [${engine.name}]`, () => {
    const clock = new ManualClock('2026-01-15T09:00:00.000Z'); // Thursday: collection date Monday 19th
    let bank: BankSandbox;
    let t: TestHost;
    let sink: NoWalletEvents;
    let provider: SepaDirectDebitProvider;
    beforeAll(async () => {
      bank = await startBankSandbox({ now: () => clock.now(), reversalDays: 3 });
      const options = {
        creditor: { name: 'Tollgate SRL', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
        bank: { baseUrl: bank.url, token: bank.token },
        tickIntervalMinutes: 0,
      };
      t = await createTestHost({ engine, clock, plugins: [{ plugin, options }] });
      sink = new NoWalletEvents();
      provider = new SepaDirectDebitProvider({ options: paymentsSepaOptions.parse(options), db: t.pluginDatabase('payments-sepa'), clock, sink });
    });
    afterAll(async () => {
      await t?.close();
      await bank?.close();
    });

    it('is registered on the host as a direct-debit collector', () => {
      expect(t.host.pluginHost.directDebitCollectors.entries().map((e) => [e.pluginId, e.item.id])).toEqual([['payments-sepa', 'payments-sepa']]);
    });

    it('one XSD-valid pain.008 per sequence type, with the invoice side’s creditor, sent to the bank once per key and per EndToEndId', async () => {
      const items = [item('E1'), item('E2', { sequence: 'RCUR', amount: '60.50' }), item('E3', { sequence: 'OOFF', amount: '10.00' })];
      const first = await provider.collectInvoices({ accountId: 'acc_1', idempotencyKey: 'run-1', creditor, items });
      expect(first.collectionDate).toBe('2026-01-19');
      expect(first.files.map((f) => [f.sequence, f.count, f.controlSum])).toEqual([
        ['FRST', 1, '121.00'],
        ['RCUR', 1, '60.50'],
        ['OOFF', 1, '10.00'],
      ]);
      const received = bank.control.files();
      expect(received).toHaveLength(3);
      for (const file of received) {
        await expectValidPain008(file.xml);
        expect(file.xml).toContain('<Nm>Collect BV</Nm>');
        expect(file.xml).toContain('<Id>BE68ZZZ0123456789</Id>');
      }
      expect(received.map((f) => f.status)).toEqual(['accepted', 'accepted', 'accepted']);

      // The same key answers the same files; another key with the same EndToEndIds sends nothing new.
      expect(await provider.collectInvoices({ accountId: 'acc_1', idempotencyKey: 'run-1', creditor, items })).toEqual(first);
      expect((await provider.collectInvoices({ accountId: 'acc_1', idempotencyKey: 'run-2', creditor, items })).files).toEqual([]);
      expect(bank.control.files()).toHaveLength(3);
    });

    it('hands back the bank’s answers for invoice items (settled, then returned) with a cursor, and nothing to the wallet side', async () => {
      const before = (await provider.invoiceOutcomes({ after: null })).length;
      expect(before).toBe(0);
      await provider.collectInvoices({
        accountId: 'acc_2',
        idempotencyKey: 'run-3',
        creditor,
        items: [item('R1', { iban: 'DE62500105170000040401', bic: 'DEUTDEFF' }), item('S1', { iban: 'BE34310060606090', bic: 'GEBABEBB' })],
      });
      clock.set('2026-01-19T12:00:00.000Z');
      await provider.tick();
      const outcomes = await provider.invoiceOutcomes({ after: null });
      const of = (id: string) => outcomes.filter((o) => o.endToEndId === id).map((o) => [o.kind, o.reason]);
      expect(of('R1')).toEqual([['returned', 'AM04']]);
      expect(of('S1')).toEqual([['settled', null]]);
      expect(of('E1')).toEqual([['settled', null]]);
      clock.set('2026-01-22T12:00:00.000Z'); // three TARGET2 days on: S1 comes back (MD06)
      await provider.tick();
      const later = await provider.invoiceOutcomes({ after: outcomes.at(-1)!.id });
      expect(later.map((o) => [o.endToEndId, o.kind, o.reason, o.accountId, o.amount])).toEqual([['S1', 'returned', 'MD06', 'acc_2', '121.00']]);
      await provider.tick(); // read again: nothing new
      expect(await provider.invoiceOutcomes({ after: later.at(-1)!.id })).toEqual([]);
      expect(sink.events).toEqual([]);
      const { rows } = await t.pluginDatabase('payments-sepa').query('SELECT count(*)::int AS n FROM payments_sepa_unmatched');
      expect(rows[0]).toEqual({ n: 0 });
    });
  });
}
