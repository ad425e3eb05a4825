import { SETTLING_IBANS, startBankSandbox, TEST_IBANS, type BankSandbox } from '@tollgate/sandbox-bank';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

/**
 * Buying credits by SEPA direct debit end to end (C-1, C-2): a real host with the payments-sepa
 * plugin, the bank sandbox receiving pain.008 files and answering with pain.002 reports, and one
 * manual clock. The plugin reports to the host's funding service through coreServices.payments.
 */
const ibanFor = (code: string) => Object.entries(TEST_IBANS).find(([, outcome]) => JSON.stringify(outcome).includes(code))?.[0] ?? '';

for (const engine of testEngines()) {
  describe(`funding by SEPA direct debit, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z'); // a Monday
    let bank: BankSandbox;
    let t: TestHost;
    const keyed = (key: string) => ({ 'idempotency-key': key });
    const run = () => t.request({ method: 'POST', path: '/v1/plugins/payments-sepa/run', key: t.adminKey, body: {} });
    const mandate = async (key: string, iban: string, idem = `m-${iban}`) =>
      t.request({
        method: 'POST',
        path: '/v1/funding/payment-methods',
        key,
        headers: keyed(idem),
        body: { provider: 'payments-sepa', kind: 'sepa_direct_debit', details: { iban, holder: 'Ann Peeters' } },
      });
    const buy = (key: string, amount: string, paymentMethodId: string, idem: string) =>
      t.request({ method: 'POST', path: '/v1/funding/purchases', key, headers: keyed(idem), body: { amount, paymentMethodId } });
    const wallet = async (key: string) => (await t.request({ path: '/v1/wallet', key })).body;
    const purchase = async (key: string, id: string) => (await t.request({ path: `/v1/funding/purchases/${id}`, key })).body;

    beforeAll(async () => {
      bank = await startBankSandbox({ now: () => clock.now(), reversalDays: 5 });
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          {
            plugin,
            options: {
              creditor: { name: 'Tollgate SRL', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
              bank: { baseUrl: bank.url, token: bank.token },
              settleAfterDays: 2,
              tickIntervalMinutes: 0,
            },
          },
        ],
      });
    });
    afterAll(async () => {
      await t?.close();
      await bank?.close();
    });

    it('mandate → buy → pending → file to the bank → settled after the period → credits spendable', async () => {
      const a = await t.createAccount();
      const m = await mandate(a.ownerKey, SETTLING_IBANS[0]!);
      expect(m.status).toBe(201);
      expect(m.body).toMatchObject({ provider: 'payments-sepa', kind: 'sepa_direct_debit', label: expect.stringMatching(/^SEPA mandate /) });
      const p = await buy(a.ownerKey, '50', m.body.id, 'sdd-1');
      expect(p.body).toMatchObject({ status: 'pending', amount: '50.00' });
      expect((await wallet(a.ownerKey)).available).toBe('2.00');

      expect((await run()).status).toBe(200);
      expect(bank.control.files()).toHaveLength(1);
      expect(bank.control.transactions().map((tx) => tx.amount)).toContain('50.00');
      // The collection date is two business days on (Wednesday); paid once two more days pass without a refusal.
      clock.advance({ days: 4 });
      await run();
      expect((await purchase(a.ownerKey, p.body.id)).status).toBe('succeeded');
      expect(await wallet(a.ownerKey)).toMatchObject({ available: '52.00', byKind: { purchased: { available: '50.00' } } });
      await run(); // reading the bank again changes nothing
      expect((await wallet(a.ownerKey)).available).toBe('52.00');
    });

    it('the purchase says when it settles, the wallet shows it incoming apart from holds; the bank settling it early does not shorten the return window', async () => {
      clock.set('2026-03-09T09:00:00.000Z'); // Monday: collection on Wednesday the 11th, settled on Friday the 13th (settleAfterDays 2)
      const a = await t.createAccount();
      const m = await mandate(a.ownerKey, SETTLING_IBANS[0]!, 'm-now');
      const p = await buy(a.ownerKey, '25', m.body.id, 'sdd-now');
      expect(p.body).toMatchObject({ status: 'pending', expectedSettlementDate: '2026-03-13', settledAt: null });
      expect(await purchase(a.ownerKey, p.body.id)).toMatchObject({ expectedSettlementDate: '2026-03-13' });
      expect(await wallet(a.ownerKey)).toMatchObject({
        available: '2.00',
        pending: '0.00', // holds, not money on its way
        total: '2.00',
        incoming: { amount: '25.00', purchases: 1, nextExpectedSettlementDate: '2026-03-13' },
      });

      await run(); // the file goes to the bank
      const [collection] = bank.control.transactions().filter((tx) => tx.amount === '25.00' && tx.status === 'accepted');
      const settle = await fetch(`${bank.url}/_sandbox/settle`, { method: 'POST', body: JSON.stringify({ endToEndId: collection!.endToEndId }) });
      expect(await settle.json()).toEqual({ settled: [collection!.endToEndId], refused: [] });
      expect((await purchase(a.ownerKey, p.body.id)).status).toBe('pending'); // the host learns it on its next run
      const ran = await run();
      // The debtor's bank may still return it until the window closes: noted, not yet spendable.
      expect(ran.body.reports).toMatchObject({ settled: 0, confirmed: 1 });
      expect((await purchase(a.ownerKey, p.body.id)).status).toBe('pending');
      clock.set('2026-03-13T12:00:00.000Z');
      await run();
      expect(await purchase(a.ownerKey, p.body.id)).toMatchObject({ status: 'succeeded', settledAt: clock.now().toISOString() });
      expect(await wallet(a.ownerKey)).toMatchObject({ available: '27.00', incoming: { amount: '0.00', purchases: 0, nextExpectedSettlementDate: null } });
      await run(); // read again: credited once
      expect((await wallet(a.ownerKey)).available).toBe('27.00');
    });

    it('a charge refused while a SEPA auto-refill is on its way says so, with the date', async () => {
      await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: 'sepa-refill', unit: 'unit', unitPrice: '1.00', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      const a = await t.createAccount();
      const m = await mandate(a.ownerKey, SETTLING_IBANS[0]!, 'm-refill');
      const set = await t.request({
        method: 'PUT',
        path: '/v1/funding/auto-refill',
        key: a.ownerKey,
        body: { enabled: true, minimum: '1.00', pack: '10', paymentMethodId: m.body.id },
      });
      expect(set.status).toBe(200);
      const refused = await t.request({
        method: 'POST',
        path: '/v1/wallet/charges',
        key: a.ownerKey,
        headers: keyed('refill-wait'),
        body: { channel: 'sepa-refill', units: '5' },
      });
      expect(refused.status).toBe(422);
      const [refill] = (await t.request({ path: '/v1/funding/purchases', key: a.ownerKey })).body.data;
      expect(refill).toMatchObject({ origin: 'auto_refill', status: 'pending', expectedSettlementDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
      expect(refused.body.error.details.autoRefill).toMatchObject({
        paused: false,
        refill: { purchaseId: refill.id, status: 'pending', expectedSettlementDate: refill.expectedSettlementDate },
      });
      expect(refused.body.error.message).toContain(`expected ${refill.expectedSettlementDate as string}`);
      expect((await wallet(a.ownerKey)).incoming).toMatchObject({ amount: '10.00', purchases: 1 });
    });

    it('a refusal by the debtor’s bank (AM04) fails the purchase and credits nothing', async () => {
      clock.set('2026-03-16T09:00:00.000Z'); // Monday: collection on Wednesday
      const a = await t.createAccount();
      const m = await mandate(a.ownerKey, ibanFor('AM04'));
      const p = await buy(a.ownerKey, '25', m.body.id, 'sdd-am04');
      await run();
      clock.advance({ days: 3 });
      await run();
      expect(await purchase(a.ownerKey, p.body.id)).toMatchObject({ status: 'failed', reason: 'AM04' });
      expect((await wallet(a.ownerKey)).available).toBe('2.00');
    });

    it('a reversal after settlement (MD06) claws the credits back; spent credit is owed and blocks spending', async () => {
      await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: 'sepa-e2e', unit: 'unit', unitPrice: '1.00', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      clock.set('2026-03-23T09:00:00.000Z'); // Monday: collection on Wednesday the 25th, reversal due 1 April (5 business days)
      const a = await t.createAccount();
      const m = await mandate(a.ownerKey, ibanFor('MD06'));
      const p = await buy(a.ownerKey, '10', m.body.id, 'sdd-md06');
      await run();
      clock.advance({ days: 4 }); // settled (collection date + 2 days)
      await run();
      expect((await purchase(a.ownerKey, p.body.id)).status).toBe('succeeded');
      expect(
        (await t.request({ method: 'POST', path: '/v1/wallet/charges', key: a.ownerKey, headers: keyed('spend'), body: { channel: 'sepa-e2e', units: '6' } }))
          .status,
      ).toBe(201);
      clock.advance({ days: 5 }); // the debtor's refund request reaches us (camt.054 DBIT)
      await run();
      expect(await purchase(a.ownerKey, p.body.id)).toMatchObject({ status: 'reversed', reason: 'MD06' });
      expect(await wallet(a.ownerKey)).toMatchObject({ available: '0.00', owed: '4.00', blocked: true });
      const check = await t.request({ path: '/admin/wallet/check', key: t.adminKey });
      expect(check.body.problems).toEqual([]);
    });

    it('refuses an invalid IBAN and another account’s mandate, and stores nothing', async () => {
      const a = await t.createAccount();
      const b = await t.createAccount();
      const bad = await mandate(a.ownerKey, 'BE68539007547035');
      expect(bad.status).toBe(400);
      expect((await t.request({ path: '/v1/funding/payment-methods', key: a.ownerKey })).body.data).toEqual([]);
      const m = await mandate(a.ownerKey, SETTLING_IBANS[1] ?? SETTLING_IBANS[0]!, 'theirs');
      const stolen = await buy(b.ownerKey, '10', m.body.id, 'steal');
      expect(stolen.status).toBe(404);
      expect((await t.request({ path: '/v1/funding/purchases', key: b.ownerKey })).body.data).toEqual([]);
    });
  });
}
