import {
  addTarget2BusinessDays,
  ConflictError,
  ManualClock,
  Money,
  NotFoundError,
  ValidationError,
  type PaymentEvent,
  type PaymentEventSink,
} from '@tollgate/plugin-sdk';
import { SETTLING_IBANS, TEST_IBANS, startBankSandbox, type BankSandbox } from '@tollgate/sandbox-bank';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camt, pain002 } from '../test/iso-fixtures.js';
import { expectValidPain008 } from '../test/pain008-xsd.js';
import { paymentsSepaOptions } from './options.js';
import plugin from './plugin.js';
import { SepaDirectDebitProvider } from './sepa-direct-debit.provider.js';

class RecordingSink implements PaymentEventSink {
  readonly events: PaymentEvent[] = [];
  async report(input: { providerId: string; events: readonly PaymentEvent[] }) {
    expect(input.providerId).toBe('payments-sepa');
    this.events.push(...input.events);
    return { accepted: input.events.length, duplicates: 0 };
  }
  of(id: string): Array<[string, string | undefined]> {
    return this.events.filter((e) => e.providerPaymentId === id).map((e) => [e.status, e.reason]);
  }
}

const ibanFor = (code: string): string => Object.entries(TEST_IBANS).find(([, o]) => o.code === code)![0];
const rawOptions = (bank: BankSandbox, extra: Record<string, unknown> = {}) => ({
  creditor: { name: 'Tollgate SRL', iban: 'BE68 5390 0754 7034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
  bank: { baseUrl: bank.url, token: bank.token },
  tickIntervalMinutes: 0,
  ...extra,
});

for (const engine of testEngines()) {
  describe(`SepaDirectDebitProvider [${engine.name}]`, () => {
    // Thursday: with 2 lead days, collections are due on Monday 2026-01-19.
    const clock = new ManualClock('2026-01-15T09:00:00.000Z');
    let bank: BankSandbox;
    let t: TestHost;
    let n = 0;
    beforeAll(async () => {
      bank = await startBankSandbox({ now: () => clock.now(), reversalDays: 3 });
      t = await createTestHost({ engine, clock, plugins: [{ plugin, options: rawOptions(bank) }] });
    });
    afterAll(async () => {
      await t?.close();
      await bank?.close();
    });

    const provider = (input: { sink?: RecordingSink; extra?: Record<string, unknown>; fetch?: typeof fetch } = {}) =>
      new SepaDirectDebitProvider({
        options: paymentsSepaOptions.parse(rawOptions(bank, input.extra)),
        db: t.pluginDatabase('payments-sepa'),
        clock,
        sink: input.sink ?? new RecordingSink(),
        ...(input.fetch ? { fetch: input.fetch } : {}),
      });
    const account = () => `acc_${engine.name}_${++n}`;
    const mandate = async (p: SepaDirectDebitProvider, accountId: string, iban: string, holder = 'Zoë Müller') =>
      (
        await p.createPaymentMethod({
          accountId,
          kind: 'sepa_direct_debit',
          details: { iban, holder, signatureDate: '2026-01-02' },
          idempotencyKey: `m-${accountId}-${iban}`,
        })
      ).providerMethodId;
    const collect = (p: SepaDirectDebitProvider, accountId: string, mandateId: string, amount: string, key = `c-${++n}`) =>
      p.createPayment({
        accountId,
        amount: Money.of(amount),
        reference: `pur_${n}`,
        description: 'Wallet top-up',
        idempotencyKey: key,
        providerMethodId: mandateId,
      });
    const e2e = async (id: string) =>
      (
        await t
          .pluginDatabase('payments-sepa')
          .query<{ end_to_end_id: string }>('SELECT end_to_end_id FROM payments_sepa_collections WHERE provider_payment_id = $1', [id])
      ).rows[0]!.end_to_end_id;
    const statusOf = async (id: string) =>
      (
        await t
          .pluginDatabase('payments-sepa')
          .query<{ status: string; reason: string | null }>('SELECT status, reason FROM payments_sepa_collections WHERE provider_payment_id = $1', [id])
      ).rows[0];
    const filesWith = (endToEndId: string) => bank.control.files().filter((f) => f.xml.includes(`<EndToEndId>${endToEndId}</EndToEndId>`));

    it('is registered by the plugin as a slow sepa_direct_debit provider', () => {
      const registered = t.host.pluginHost.paymentProviders.get('payments-sepa');
      expect(registered).toBeInstanceOf(SepaDirectDebitProvider);
      expect(registered).toMatchObject({ id: 'payments-sepa', label: 'SEPA direct debit', methods: ['sepa_direct_debit'], settlement: 'slow' });
    });

    it('refuses invalid mandate details and stores nothing', async () => {
      const p = provider();
      const accountId = account();
      const bad: Array<[Record<string, unknown>, RegExp]> = [
        [{ iban: 'BE68 5390 0754 7035', holder: 'Ann' }, /details\.iban/],
        [{ iban: 'not an iban', holder: 'Ann' }, /details\.iban/],
        [{ holder: 'Ann' }, /details\.iban: is required/],
        [{ iban: 'BE68539007547034', bic: 'GEBA', holder: 'Ann' }, /details\.bic/],
        [{ iban: 'BE68539007547034', bic: 'INGBNL2A', holder: 'Ann' }, /another country/],
        [{ iban: 'BE68539007547034', holder: '  ' }, /details\.holder/],
        [{ iban: 'BE68539007547034', holder: 'x'.repeat(71) }, /details\.holder/],
        [{ iban: 'BE68539007547034', holder: 'Ann', signatureDate: '2026-01-16' }, /in the future/],
        [{ iban: 'BE68539007547034', holder: 'Ann', signatureDate: '2026-02-30' }, /YYYY-MM-DD/],
        [{ iban: 'BE68539007547034', holder: 'Ann', mandateId: 'M_1' }, /details\.mandateId/],
        [{ iban: 'BE68539007547034', holder: 'Ann', mandateId: '/M1' }, /details\.mandateId/],
        [{ iban: 'BE68539007547034', holder: 'Ann', colour: 'red' }, /details\.colour/],
      ];
      for (const [details, message] of bad) {
        const attempt = p.createPaymentMethod({ accountId, kind: 'sepa_direct_debit', details, idempotencyKey: 'k1' });
        await expect(attempt, JSON.stringify(details)).rejects.toBeInstanceOf(ValidationError);
        await expect(p.createPaymentMethod({ accountId, kind: 'sepa_direct_debit', details, idempotencyKey: 'k1' })).rejects.toThrow(message);
      }
      await expect(
        p.createPaymentMethod({ accountId, kind: 'card', details: { iban: 'BE68539007547034', holder: 'Ann' }, idempotencyKey: 'k1' }),
      ).rejects.toBeInstanceOf(ValidationError);
      const { rows } = await t.pluginDatabase('payments-sepa').query('SELECT 1 FROM payments_sepa_mandates WHERE account_id = $1', [accountId]);
      expect(rows).toEqual([]);
    });

    it('sets up a mandate once per idempotency key, with a masked label', async () => {
      const p = provider();
      const accountId = account();
      const input = {
        accountId,
        kind: 'sepa_direct_debit' as const,
        details: { iban: 'be68 5390 0754 7034', bic: 'gebabebb', holder: ' Ann Peeters ' },
        idempotencyKey: 'same',
      };
      const first = await p.createPaymentMethod(input);
      expect(first.providerMethodId).toMatch(/^TG[0-9A-Z]{26}$/);
      expect(first).toEqual({
        providerMethodId: first.providerMethodId,
        kind: 'sepa_direct_debit',
        label: `SEPA mandate ${first.providerMethodId} (BE68 •••• 7034)`,
        metadata: { mandateId: first.providerMethodId, signatureDate: '2026-01-15', ibanLast4: '7034', bic: 'GEBABEBB', holder: 'Ann Peeters' },
      });
      expect(await p.createPaymentMethod(input)).toEqual(first);
      const given = await p.createPaymentMethod({
        ...input,
        details: { iban: 'NL91ABNA0417164300', holder: 'Ann', mandateId: `ACME-${n}` },
        idempotencyKey: 'other',
      });
      expect(given.providerMethodId).toBe(`ACME-${n}`);
      await expect(
        p.createPaymentMethod({ ...input, details: { iban: 'NL91ABNA0417164300', holder: 'Ann', mandateId: `ACME-${n}` }, idempotencyKey: 'third' }),
      ).rejects.toBeInstanceOf(ConflictError);
      const { rows } = await t
        .pluginDatabase('payments-sepa')
        .query<{ iban: string }>('SELECT iban FROM payments_sepa_mandates WHERE account_id = $1 ORDER BY created_at, mandate_id', [accountId]);
      expect(rows.map((r) => r.iban).sort()).toEqual(['BE68539007547034', 'NL91ABNA0417164300']);
    });

    it("creates pending collections on the account's own mandate only, idempotently", async () => {
      const p = provider();
      const owner = account();
      const mandateId = await mandate(p, owner, SETTLING_IBANS[0]!);
      await expect(collect(p, account(), mandateId, '10.00')).rejects.toBeInstanceOf(NotFoundError);
      const first = await collect(p, owner, mandateId, '10.00', 'key-1');
      // Collection date Mon 2026-01-19 (2 business days on) + settleAfterDays (5 TARGET2 business days).
      expect(first).toEqual({ providerPaymentId: expect.stringMatching(/^sdd_[0-9a-z]{26}$/), status: 'pending', expectedSettlementDate: '2026-01-26' });
      expect(await collect(p, owner, mandateId, '10.00', 'key-1')).toEqual(first);
      await expect(collect(p, owner, mandateId, '11.00', 'key-1')).rejects.toBeInstanceOf(ConflictError);
      await expect(collect(p, owner, mandateId, '0.001')).rejects.toBeInstanceOf(ValidationError);
      const { rows } = await t
        .pluginDatabase('payments-sepa')
        .query<{ amount: string; collection_date: string; status: string }>(
          'SELECT amount, collection_date, status FROM payments_sepa_collections WHERE account_id = $1',
          [owner],
        );
      expect(rows).toEqual([{ amount: '10.00', collection_date: '2026-01-19', status: 'pending' }]);
    });

    it('submits FRST then RCUR files the XSD accepts; settles after settleAfterDays with one event', async () => {
      const sink = new RecordingSink();
      const p = provider({ sink });
      const accountId = account();
      const mandateId = await mandate(p, accountId, SETTLING_IBANS[1]!, 'Élodie Dubois-Lefèvre');
      const big = await collect(p, accountId, mandateId, '1000.00');
      const small = await collect(p, accountId, mandateId, '5.00');
      const result = await p.submitDue();
      expect(result.uploadFailures).toBe(0);
      const bigE2e = await e2e(big.providerPaymentId);
      const smallE2e = await e2e(small.providerPaymentId);
      const [first] = filesWith(bigE2e);
      const [second] = filesWith(smallE2e);
      // A mandate's first collection is FRST; the next one, even in the same run, RCUR.
      expect(first!.xml).toContain('<SeqTp>FRST</SeqTp>');
      expect(second!.xml).toContain('<SeqTp>RCUR</SeqTp>');
      expect(first!.xml).toContain('<Nm>Elodie Dubois-Lefevre</Nm>');
      await expectValidPain008(first!.xml);
      await expectValidPain008(second!.xml);
      const tx = bank.control.transactions().find((x) => x.endToEndId === bigE2e)!;
      expect(tx).toMatchObject({ amount: '1000.00', debtorIban: SETTLING_IBANS[1], mandateId, collectionDate: '2026-01-19', sequenceType: 'FRST' });
      expect(await statusOf(big.providerPaymentId)).toEqual({ status: 'submitted', reason: null });

      clock.set('2026-01-23T12:00:00Z'); // collection date + 4 business days
      await p.tick();
      expect(sink.of(big.providerPaymentId)).toEqual([]);
      clock.set('2026-01-25T12:00:00Z'); // Sunday: + 6 calendar days, still 4 business days
      await p.tick();
      expect(sink.of(big.providerPaymentId)).toEqual([]);
      clock.set('2026-01-26T12:00:00Z'); // + 5 business days
      await p.tick();
      await p.tick();
      expect(sink.of(big.providerPaymentId)).toEqual([['succeeded', undefined]]);
      expect(sink.of(small.providerPaymentId)).toEqual([['succeeded', undefined]]);
      expect(sink.events.find((e) => e.providerPaymentId === big.providerPaymentId)!.eventId).toBe(`settled:${big.providerPaymentId}`);
      expect(await statusOf(big.providerPaymentId)).toEqual({ status: 'succeeded', reason: null });

      // After a collected FRST the mandate is recurring.
      const third = await collect(p, accountId, mandateId, '7.50');
      await p.submitDue();
      expect(filesWith(await e2e(third.providerPaymentId))[0]!.xml).toContain('<SeqTp>RCUR</SeqTp>');
    });

    it('inside the return window a bank confirmation (ACSC) is only noted: paid when the window closes, once', async () => {
      const sink = new RecordingSink();
      const p = provider({ sink });
      const accountId = account();
      const mandateId = await mandate(p, accountId, SETTLING_IBANS[2]!);
      const paid = await collect(p, accountId, mandateId, '25.00');
      await p.submitDue();
      const id = await e2e(paid.providerPaymentId);
      bank.control.settle({ endToEndId: id });
      expect((await p.tick()).reports).toMatchObject({ settled: 0, confirmed: 1 });
      expect(sink.of(paid.providerPaymentId)).toEqual([]);
      expect(await statusOf(paid.providerPaymentId)).toEqual({ status: 'submitted', reason: null });
      clock.set(`${paid.expectedSettlementDate!}T00:30:00Z`);
      await p.tick();
      await p.tick();
      expect(sink.of(paid.providerPaymentId)).toEqual([['succeeded', undefined]]);
    });

    it('with settleAfterDays 0 a collection the bank reports settled (ACSC) is paid at once, with the same event id as its settlement date would give', async () => {
      const sink = new RecordingSink();
      const p = provider({ sink, extra: { settleAfterDays: 0 } });
      const accountId = account();
      const mandateId = await mandate(p, accountId, SETTLING_IBANS[2]!);
      const paid = await collect(p, accountId, mandateId, '25.00');
      await p.submitDue();
      const id = await e2e(paid.providerPaymentId);
      expect(bank.control.settle({ endToEndId: id })).toEqual({ settled: [id], refused: [] });
      const first = await p.tick();
      expect(first.reports).toMatchObject({ settled: 1, ignored: 0 });
      expect(sink.of(paid.providerPaymentId)).toEqual([['succeeded', undefined]]);
      expect(sink.events.find((e) => e.providerPaymentId === paid.providerPaymentId)!.eventId).toBe(`settled:${paid.providerPaymentId}`);
      expect(await statusOf(paid.providerPaymentId)).toEqual({ status: 'succeeded', reason: null });
      // The report read again, or the settlement date passing, adds nothing.
      await p.importReport({ xml: bank.control.reports().at(-1)!.xml });
      clock.set(new Date(clock.now().getTime() + 30 * 86_400_000));
      await p.tick();
      expect(sink.of(paid.providerPaymentId)).toEqual([['succeeded', undefined]]);
    });

    it('a collection submitted too late for its date moves to the next possible one and reports its new expected settlement day', async () => {
      const sink = new RecordingSink();
      const p = provider({ sink });
      const accountId = account();
      const mandateId = await mandate(p, accountId, SETTLING_IBANS[3] ?? SETTLING_IBANS[0]!);
      const late = await collect(p, accountId, mandateId, '12.00');
      clock.set(new Date(clock.now().getTime() + 7 * 86_400_000)); // no run for a week
      await p.submitDue();
      const { rows } = await t
        .pluginDatabase('payments-sepa')
        .query<{ collection_date: string }>('SELECT collection_date FROM payments_sepa_collections WHERE provider_payment_id = $1', [late.providerPaymentId]);
      const moved = rows[0]!.collection_date;
      const expected = p.expectedSettlementDate({ collection_date: moved });
      expect(expected > late.expectedSettlementDate!).toBe(true);
      const event = sink.events.find((e) => e.providerPaymentId === late.providerPaymentId)!;
      expect(event).toMatchObject({ eventId: `rescheduled:${late.providerPaymentId}:${moved}`, status: 'pending', expectedSettlementDate: expected });
    });

    it('fails an AM04 collection with the R-code; reads each report once', async () => {
      const sink = new RecordingSink();
      const p = provider({ sink });
      const accountId = account();
      const mandateId = await mandate(p, accountId, ibanFor('AM04'));
      const payment = await collect(p, accountId, mandateId, '25.00');
      await p.submitDue();
      const endToEndId = await e2e(payment.providerPaymentId);
      const { collectionDate } = bank.control.transactions().find((x) => x.endToEndId === endToEndId)!;
      clock.set(new Date(Date.parse(`${collectionDate}T00:00:00Z`) - 1)); // refusals are due on the collection date
      const early = await p.fetchReports();
      expect(sink.of(payment.providerPaymentId)).toEqual([]);
      expect(early.failed).toBe(0);
      clock.advance({ hours: 6 });
      const read = await p.fetchReports();
      expect(read.failed).toBeGreaterThanOrEqual(1);
      expect(sink.of(payment.providerPaymentId)).toEqual([['failed', 'AM04']]);
      const event = sink.events.find((e) => e.providerPaymentId === payment.providerPaymentId)!;
      const report = bank.control.reports().find((r) => r.endToEndIds.includes(endToEndId))!;
      expect(event.eventId).toBe(`pain002:${report.id}:${endToEndId}`);
      expect(await statusOf(payment.providerPaymentId)).toEqual({ status: 'failed', reason: 'AM04' });

      // The same report again (re-read from the start, and uploaded by an operator): no change, no event.
      await t.pluginDatabase('payments-sepa').query(`DELETE FROM payments_sepa_state WHERE key = 'bank_report_cursor'`);
      const again = await p.fetchReports();
      expect(again.reports).toBe(0);
      expect(again.duplicates).toBeGreaterThanOrEqual(1);
      expect(await p.importReport({ xml: report.xml })).toMatchObject({ reportId: report.id, duplicates: 1, failed: 0 });
      await p.settleMatured();
      clock.advance({ days: 10 });
      await p.tick();
      expect(sink.of(payment.providerPaymentId)).toEqual([['failed', 'AM04']]);
    });

    it('reports an MD06 collection succeeded, then reversed', async () => {
      const sink = new RecordingSink();
      // Settled 2 business days after the collection date; the bank reverses it after 3 (camt.054 DBIT).
      const p = provider({ sink, extra: { settleAfterDays: 2 } });
      const accountId = account();
      const mandateId = await mandate(p, accountId, ibanFor('MD06'));
      const payment = await collect(p, accountId, mandateId, '40.00');
      await p.submitDue();
      const endToEndId = await e2e(payment.providerPaymentId);
      const { collectionDate } = bank.control.transactions().find((x) => x.endToEndId === endToEndId)!;
      clock.set(`${addTarget2BusinessDays({ day: collectionDate, count: 2 })}T10:00:00Z`);
      await p.tick();
      expect(sink.of(payment.providerPaymentId)).toEqual([['succeeded', undefined]]);
      clock.set(`${addTarget2BusinessDays({ day: collectionDate, count: 3 })}T10:00:00Z`);
      await p.tick();
      await p.tick();
      expect(sink.of(payment.providerPaymentId)).toEqual([
        ['succeeded', undefined],
        ['reversed', 'MD06'],
      ]);
      expect(await statusOf(payment.providerPaymentId)).toEqual({ status: 'reversed', reason: 'MD06' });
    });

    it('refuses pending collections of a revoked mandate at submission (MD01)', async () => {
      const sink = new RecordingSink();
      const p = provider({ sink });
      const accountId = account();
      const mandateId = await mandate(p, accountId, SETTLING_IBANS[2]!);
      const payment = await collect(p, accountId, mandateId, '9.99');
      await p.removePaymentMethod({ accountId, providerMethodId: mandateId });
      await p.removePaymentMethod({ accountId, providerMethodId: 'TG-NOT-THERE' });
      await expect(collect(p, accountId, mandateId, '1.00')).rejects.toMatchObject({ code: 'mandate_revoked' });
      const result = await p.submitDue();
      expect(result.refused).toBeGreaterThanOrEqual(1);
      expect(sink.of(payment.providerPaymentId)).toEqual([['failed', 'MD01']]);
      expect(filesWith(await e2e(payment.providerPaymentId))).toEqual([]);
    });

    it('never puts a collection in two files when two hosts submit at once', async () => {
      const a = provider();
      const b = provider();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const accountId = account();
        const mandateId = await mandate(a, accountId, SETTLING_IBANS[i]!);
        for (let j = 0; j < 3; j++) ids.push((await collect(a, accountId, mandateId, `${i + 1}.0${j}`)).providerPaymentId);
      }
      const [ra, rb] = await Promise.all([a.submitDue(), b.submitDue()]);
      expect(ra.uploadFailures + rb.uploadFailures).toBe(0);
      for (const id of ids) {
        expect(filesWith(await e2e(id)), id).toHaveLength(1);
        expect((await statusOf(id))!.status).toBe('submitted');
      }
      const msgIds = bank.control.files().map((f) => f.msgId);
      expect(new Set(msgIds).size).toBe(msgIds.length);
    });

    it('a batch-booked camt.054 CRDT (only the PmtInfId) confirms every collection of the batch; an unknown batch is kept as unmatched', async () => {
      const p = provider({ extra: { settleAfterDays: 0 } });
      const accountId = account();
      const mandateId = await mandate(p, accountId, SETTLING_IBANS[0]!);
      const one = await collect(p, accountId, mandateId, '20.00');
      const two = await collect(p, accountId, mandateId, '15.00');
      await p.submitDue();
      const batchOf = async (id: string) =>
        (
          await t
            .pluginDatabase('payments-sepa')
            .query<{ pmt_inf_id: string }>(
              'SELECT b.pmt_inf_id FROM payments_sepa_batches b JOIN payments_sepa_collections c ON c.batch_id = b.id WHERE c.provider_payment_id = $1',
              [id],
            )
        ).rows[0]!.pmt_inf_id;
      const pmtInfId = await batchOf(one.providerPaymentId);
      expect(await batchOf(two.providerPaymentId)).not.toBe(pmtInfId); // FRST then RCUR: two files
      const result = await p.importStatement({
        xml: camt({
          kind: 'camt.054',
          msgId: `BTCH-${engine.name}`,
          entries: [
            { direction: 'CRDT', amount: '20.00', pmtInfId },
            { direction: 'CRDT', amount: '99.00', pmtInfId: 'NOT-OURS.0' },
          ],
        }),
      });
      expect(result).toMatchObject({ settled: 1, unmatched: 1 });
      expect(await statusOf(one.providerPaymentId)).toEqual({ status: 'succeeded', reason: null });
      expect(await statusOf(two.providerPaymentId)).toEqual({ status: 'submitted', reason: null });
      expect(await p.listUnmatched()).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'batch', reference: 'NOT-OURS.0', amount: '99.00' })]));
    });

    it('a document from the bank it cannot read is kept as unmatched (with its XML) and does not block the channel', async () => {
      const served: string[] = [];
      const channel: typeof fetch = async (url, init) => {
        const path = String(url);
        if (path.includes('/files/camt.054')) {
          served.push(path);
          const data = path.includes('after=BAD-1') ? [] : [{ id: 'BAD-1', createdAt: clock.now().toISOString(), xml: '<Document><oops' }];
          return new Response(JSON.stringify({ data }), { status: 200, headers: { 'content-type': 'application/json' } });
        }
        return fetch(url, init);
      };
      const db = t.pluginDatabase('payments-sepa');
      const cursor = async () => (await db.query<{ value: string }>(`SELECT value FROM payments_sepa_state WHERE key = 'bank_camt054_cursor'`)).rows[0]?.value;
      const before = await cursor();
      const p = provider({ fetch: channel });
      expect(await p.fetchStatements()).toMatchObject({ statements: 0, unmatched: 1 });
      expect(served.at(-1)).toContain('after=BAD-1');
      expect(await p.fetchStatements()).toMatchObject({ unmatched: 0 });
      expect(await p.listUnmatched()).toEqual(
        expect.arrayContaining([expect.objectContaining({ reportId: 'unreadable:camt.054:BAD-1', level: 'file', reference: 'BAD-1', status: 'UNREADABLE' })]),
      );
      const { rows } = await t
        .pluginDatabase('payments-sepa')
        .query<{ xml: string }>(`SELECT xml FROM payments_sepa_reports WHERE report_id = 'unreadable:camt.054:BAD-1'`);
      expect(rows[0]!.xml).toBe('<Document><oops');
      expect(await cursor()).toBe('BAD-1');
      // The other tests share this database and poll the real sandbox: give its cursor back.
      if (before === undefined) await db.query(`DELETE FROM payments_sepa_state WHERE key = 'bank_camt054_cursor'`);
      else await db.query(`UPDATE payments_sepa_state SET value = $1 WHERE key = 'bank_camt054_cursor'`, [before]);
    });

    it('two hosts applying the same camt.054 return and the same pain.002 at once change each collection once', async () => {
      const sinkA = new RecordingSink();
      const sinkB = new RecordingSink();
      const a = provider({ sink: sinkA });
      const b = provider({ sink: sinkB });
      const accountId = account();
      const mandateId = await mandate(a, accountId, SETTLING_IBANS[3] ?? SETTLING_IBANS[0]!);
      const returned = await collect(a, accountId, mandateId, '12.00');
      const refused = await collect(a, accountId, mandateId, '13.00');
      await a.submitDue();
      const statement = camt({
        kind: 'camt.054',
        msgId: `RACE-${engine.name}`,
        entries: [{ direction: 'DBIT', amount: '12.00', endToEndId: await e2e(returned.providerPaymentId), reason: { cd: 'AM04' } }],
      });
      const [sa, sb] = await Promise.all([a.importStatement({ xml: statement }), b.importStatement({ xml: statement })]);
      expect(sa.failed + sb.failed).toBe(1);
      expect(sa.duplicates + sb.duplicates).toBe(1);
      const refusedE2e = await e2e(refused.providerPaymentId);
      const msgId = bank.control.transactions().find((x) => x.endToEndId === refusedE2e)!.msgId;
      const report = pain002({
        msgId: `RACE-RPT-${engine.name}`,
        originalMsgId: msgId,
        batches: [{ pmtInfId: `${msgId}.0`, txs: [{ endToEndId: refusedE2e, status: 'RJCT', reason: { prtry: 'SL01' } }] }],
      });
      const [ra, rb] = await Promise.all([a.importReport({ xml: report }), b.importReport({ xml: report })]);
      expect(ra.failed + rb.failed).toBe(1);
      // Both hosts may hand the same outbox event to the sink; it recognises replays by eventId.
      const events = [...new Map([...sinkA.events, ...sinkB.events].map((e) => [e.eventId, e])).values()];
      expect(events.filter((e) => e.providerPaymentId === returned.providerPaymentId).map((e) => [e.status, e.reason])).toEqual([['failed', 'AM04']]);
      expect(events.filter((e) => e.providerPaymentId === refused.providerPaymentId).map((e) => [e.status, e.reason])).toEqual([
        ['failed', 'SL01 (proprietary)'],
      ]);
      expect(await statusOf(refused.providerPaymentId)).toEqual({ status: 'failed', reason: 'SL01' });
    });

    it('an event id holding a comma (a MsgId may: it is SEPA text) is marked reported: flushing ends after one report', async () => {
      class CountingSink extends RecordingSink {
        calls = 0;
        override async report(input: { providerId: string; events: readonly PaymentEvent[] }) {
          if (++this.calls > 5) throw new Error('flushEvents keeps handing the same events to the sink');
          return super.report(input);
        }
      }
      const sink = new CountingSink();
      const p = provider({ sink });
      await p.flushEvents(); // earlier tests' events, if any
      sink.calls = 0;
      sink.events.length = 0;
      const accountId = account();
      const mandateId = await mandate(p, accountId, SETTLING_IBANS[0]!);
      const payment = await collect(p, accountId, mandateId, '14.00');
      await p.submitDue();
      const statement = camt({
        kind: 'camt.054',
        msgId: `RET,${engine.name}`,
        entries: [{ direction: 'DBIT', amount: '14.00', endToEndId: await e2e(payment.providerPaymentId), reason: { cd: 'AM04' } }],
      });
      expect(await p.importStatement({ xml: statement })).toMatchObject({ statements: 1, failed: 1 });
      expect(sink.of(payment.providerPaymentId)).toEqual([['failed', 'AM04']]);
      expect(sink.events.find((e) => e.providerPaymentId === payment.providerPaymentId)!.eventId).toContain(`RET,${engine.name}`);
      expect(sink.calls).toBe(1);
      expect(await p.flushEvents()).toBe(0);
    });

    it('events reach the funding service in the order they were recorded, even when a return is dated before the settlement it undoes', async () => {
      class DownSink extends RecordingSink {
        down = true;
        override async report(input: { providerId: string; events: readonly PaymentEvent[] }) {
          if (this.down) throw new Error('the funding service is down');
          return super.report(input);
        }
      }
      const sink = new DownSink();
      const p = provider({ sink, extra: { settleAfterDays: 0 } });
      const before = clock.now();
      const accountId = account();
      const mandateId = await mandate(p, accountId, SETTLING_IBANS[0]!);
      const payment = await collect(p, accountId, mandateId, '16.00');
      await p.submitDue().catch(() => undefined);
      const endToEndId = await e2e(payment.providerPaymentId);
      // Read on 2 January: the credit (paid now), then a return in a file the bank dated 1 January.
      clock.set('2027-01-02T12:00:00.000Z');
      const credit = camt({ kind: 'camt.054', msgId: `ORDER-CRDT-${engine.name}`, entries: [{ direction: 'CRDT', amount: '16.00', endToEndId }] });
      await expect(p.importStatement({ xml: credit })).rejects.toThrow('down');
      const ret = camt({
        kind: 'camt.054',
        msgId: `ORDER-DBIT-${engine.name}`,
        entries: [{ direction: 'DBIT', amount: '16.00', endToEndId, reason: { cd: 'MD06' } }],
      });
      await expect(p.importStatement({ xml: ret })).rejects.toThrow('down');
      sink.down = false;
      await p.flushEvents();
      expect(sink.of(payment.providerPaymentId)).toEqual([
        ['succeeded', undefined],
        ['reversed', 'MD06'],
      ]);
      clock.set(before);
    });

    it('retries a failed upload with the same MsgId; a lost answer (409 on retry) counts as received', async () => {
      const p = provider();
      const accountId = account();
      const mandateId = await mandate(p, accountId, SETTLING_IBANS[3]!);
      const payment = await collect(p, accountId, mandateId, '12.00');
      bank.control.failNextRequests({ count: 1, status: 500 });
      const failed = await p.submitDue();
      expect(failed.uploadFailures).toBe(1);
      const endToEndId = await e2e(payment.providerPaymentId);
      expect(filesWith(endToEndId)).toEqual([]);
      const { rows } = await t
        .pluginDatabase('payments-sepa')
        .query<{ msg_id: string; status: string; attempts: number; last_error: string }>(
          'SELECT b.msg_id, b.status, b.attempts, b.last_error FROM payments_sepa_batches b JOIN payments_sepa_collections c ON c.batch_id = b.id WHERE c.provider_payment_id = $1',
          [payment.providerPaymentId],
        );
      expect(rows[0]).toMatchObject({ status: 'built', attempts: 1, last_error: expect.stringContaining('500') });
      expect((await statusOf(payment.providerPaymentId))!.status).toBe('pending');
      const retried = await p.submitDue();
      expect(retried.uploadFailures).toBe(0);
      expect(filesWith(endToEndId).map((f) => f.msgId)).toEqual([rows[0]!.msg_id]);
      expect((await statusOf(payment.providerPaymentId))!.status).toBe('submitted');

      // The bank gets the file but the answer is lost: next run, the bank says 409 and it is submitted.
      let lose = true;
      const lossy: typeof fetch = async (url, init) => {
        const response = await fetch(url, init);
        if (lose && init?.method === 'POST') {
          lose = false;
          throw new TypeError('socket hang up');
        }
        return response;
      };
      const q = provider({ fetch: lossy });
      const other = await collect(q, accountId, mandateId, '13.00');
      expect((await q.submitDue()).uploadFailures).toBe(1);
      const otherE2e = await e2e(other.providerPaymentId);
      expect(filesWith(otherE2e)).toHaveLength(1);
      expect((await statusOf(other.providerPaymentId))!.status).toBe('pending');
      expect((await q.submitDue()).uploadFailures).toBe(0);
      expect(filesWith(otherE2e)).toHaveLength(1);
      expect((await statusOf(other.providerPaymentId))!.status).toBe('submitted');
    });

    it("a pain.002 polled under the bank's own file id, then uploaded by an operator, is applied once (one key: its MsgId)", async () => {
      // A real bank lists its files under ids of its own, not the report's MsgId (the sandbox uses the MsgId).
      const renamed: typeof fetch = async (url, init) => {
        const target = String(url).replace(/after=bank-file-/, 'after=');
        const response = await fetch(target, init);
        if (!target.includes('/files/pain.002') || response.status !== 200) return response;
        const body = (await response.json()) as { data: Array<{ id: string }> };
        return Response.json({ ...body, data: body.data.map((item) => ({ ...item, id: `bank-file-${item.id}` })) });
      };
      const sink = new RecordingSink();
      const p = provider({ sink, fetch: renamed });
      const accountId = account();
      const mandateId = await mandate(p, accountId, ibanFor('AM04'));
      const payment = await collect(p, accountId, mandateId, '26.00');
      await p.submitDue();
      const endToEndId = await e2e(payment.providerPaymentId);
      const { collectionDate } = bank.control.transactions().find((x) => x.endToEndId === endToEndId)!;
      clock.set(`${collectionDate}T06:00:00.000Z`);
      expect((await p.fetchReports()).failed).toBeGreaterThanOrEqual(1);
      const report = bank.control.reports().find((r) => r.endToEndIds.includes(endToEndId))!;
      expect(await p.importReport({ xml: report.xml })).toMatchObject({ reportId: report.id, reports: 0, duplicates: 1, failed: 0 });
      expect((await p.listReports()).filter((r) => r.reportId.includes(report.id))).toHaveLength(1);
      expect(sink.of(payment.providerPaymentId)).toEqual([['failed', 'AM04']]);
      // The cursor as the other tests' (unrenamed) bank knows it.
      await t
        .pluginDatabase('payments-sepa')
        .query(`UPDATE payments_sepa_state SET value = substr(value, 11) WHERE key = 'bank_report_cursor' AND value LIKE 'bank-file-%'`);
    });
  });
}
