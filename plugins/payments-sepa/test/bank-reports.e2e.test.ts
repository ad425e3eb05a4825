import { SETTLING_IBANS, startBankSandbox, type BankSandbox } from '@tollgate/sandbox-bank';
import { Money } from '@tollgate/plugin-sdk';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { camt, pain002 } from './iso-fixtures.js';
import { expectValidPain008 } from './pain008-xsd.js';

/**
 * Issue 12 end to end: a real host with the payments-sepa plugin (default leadDays 2 and
 * settleAfterDays 5), the bank sandbox and one manual clock walking from April 2026 to May 2027.
 * Each case failed before the fix: file and batch rejections, PART reports, proprietary reasons,
 * TARGET2 collection dates and settlement, returns in camt.054 after settlement, non-EEA mandates.
 */
const SEPA = '/v1/plugins/payments-sepa';
const CH_IBAN = 'CH9300762011623852957';
const CH_BIC = 'UBSWCHZH80A';
/** The sandbox refuses collections from it with a bank's own reason (Rsn/Prtry TG01). */
const PROPRIETARY_IBAN = 'BE10310060607104';

for (const engine of testEngines()) {
  describe(`SEPA bank reports, TARGET2 calendar, non-EEA debtors, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-04-29T09:00:00.000Z'); // a Wednesday, before 1 May
    let bank: BankSandbox;
    let t: TestHost;
    let n = 0;
    const keyed = (key: string) => ({ 'idempotency-key': key });
    const run = async () => {
      const res = await t.request({ method: 'POST', path: `${SEPA}/run`, key: t.adminKey, body: {} });
      expect(res.status).toBe(200);
      return res.body;
    };
    const upload = (path: 'returns' | 'statements', xml: string) => t.request({ method: 'POST', path: `${SEPA}/${path}`, key: t.adminKey, body: { xml } });
    const mandate = (key: string, details: Record<string, unknown>) =>
      t.request({
        method: 'POST',
        path: '/v1/funding/payment-methods',
        key,
        headers: keyed(`m-${++n}`),
        body: { provider: 'payments-sepa', kind: 'sepa_direct_debit', details: { holder: 'Ann Peeters', ...details } },
      });
    const buy = (key: string, amount: string, paymentMethodId: string) =>
      t.request({ method: 'POST', path: '/v1/funding/purchases', key, headers: keyed(`p-${++n}`), body: { amount, paymentMethodId } });
    const available = async (key: string) => (await t.request({ path: '/v1/wallet', key })).body.available as string;
    const purchase = async (key: string, id: string) => (await t.request({ path: `/v1/funding/purchases/${id}`, key })).body;
    /** An account with a mandate and one purchase of `amount`; `collection()` finds it at the bank once submitted. */
    const customer = async (amount = '10', details: Record<string, unknown> = { iban: SETTLING_IBANS[0] }) => {
      const a = await t.createAccount();
      const m = await mandate(a.ownerKey, details);
      expect(m.status, JSON.stringify(m.body)).toBe(201);
      const mandateId = /^SEPA mandate (\S+) /.exec(m.body.label as string)![1]!;
      const p = await buy(a.ownerKey, amount, m.body.id);
      expect(p.status, JSON.stringify(p.body)).toBe(201);
      const start = await available(a.ownerKey);
      return {
        key: a.ownerKey,
        purchaseId: p.body.id as string,
        purchase: p.body,
        start,
        collection: () => {
          const tx = bank.control.transactions().find((x) => x.mandateId === mandateId);
          if (!tx) throw new Error(`no collection of mandate ${mandateId} at the bank`);
          const file = bank.control.files().find((f) => f.msgId === tx.msgId)!;
          return { ...tx, pmtInfId: /<PmtInfId>([^<]+)<\/PmtInfId>/.exec(file.xml)![1]!, fileXml: file.xml };
        },
      };
    };
    const plus = (a: string, b: string) => Money.of(a).plus(Money.of(b)).toString();

    beforeAll(async () => {
      bank = await startBankSandbox({ now: () => clock.now() });
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          {
            plugin,
            options: {
              creditor: { name: 'Tollgate SRL', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
              bank: { baseUrl: bank.url, token: bank.token },
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

    it('TARGET2: a collection ordered on Wed 2026-04-29 is taken on Mon 4 May, not on 1 May', async () => {
      const c = await customer();
      await run();
      expect(c.collection().collectionDate).toBe('2026-05-04');
      // Spendable 5 TARGET2 business days after the collection date.
      expect(c.purchase.expectedSettlementDate).toBe('2026-05-11');
    });

    it('non-EEA debtor (CH): refused without BIC or address, naming the field; with both the file carries DbtrAgt BIC and PstlAdr and passes the XSD', async () => {
      clock.set('2026-11-02T09:00:00.000Z'); // Monday
      const a = await t.createAccount();
      const noBic = await mandate(a.ownerKey, { iban: CH_IBAN, address: { country: 'CH', lines: ['Bahnhofstrasse 45', '8001 Zurich'] } });
      expect(noBic.status).toBe(400);
      expect(JSON.stringify(noBic.body.error)).toContain('details.bic');
      expect(JSON.stringify(noBic.body.error)).toContain('outside the EEA (CH)');
      const noAddress = await mandate(a.ownerKey, { iban: CH_IBAN, bic: CH_BIC });
      expect(noAddress.status).toBe(400);
      expect(JSON.stringify(noAddress.body.error)).toContain('details.address');
      const badAddress = await mandate(a.ownerKey, { iban: CH_IBAN, bic: CH_BIC, address: { country: 'CH', lines: ['x'.repeat(71), '8001 Zurich'] } });
      expect(badAddress.status).toBe(400);
      expect(JSON.stringify(badAddress.body.error)).toContain('details.address.lines.0');
      expect((await t.request({ path: '/v1/funding/payment-methods', key: a.ownerKey })).body.data).toEqual([]);

      const c = await customer('25', {
        iban: CH_IBAN,
        bic: CH_BIC,
        holder: 'Urs Müller',
        address: { country: 'CH', lines: ['Bahnhofstrasse 45', '8001 Zürich'] },
      });
      await run();
      const { fileXml } = c.collection();
      await expectValidPain008(fileXml);
      expect(fileXml).toContain(`<DbtrAgt><FinInstnId><BIC>${CH_BIC}</BIC></FinInstnId></DbtrAgt>`);
      expect(fileXml).toContain(
        '<Dbtr><Nm>Urs Muller</Nm><PstlAdr><Ctry>CH</Ctry><AdrLine>Bahnhofstrasse 45</AdrLine><AdrLine>8001 Zurich</AdrLine></PstlAdr></Dbtr>',
      );
      // An EEA debtor still needs neither.
      expect((await mandate(a.ownerKey, { iban: SETTLING_IBANS[0] })).status).toBe(201);
    });

    /** The newest collection file the plugin built, as listed on GET /batches. */
    const newestBatch = async () => (await t.request({ path: `${SEPA}/batches`, key: t.adminKey })).body.data[0] as Record<string, unknown>;

    it('the bank rejecting the whole file (pain.002 GrpSts RJCT FF01, no transactions) fails every collection of it: the wallet is never credited', async () => {
      clock.set('2026-11-09T09:00:00.000Z'); // Monday: collection on Wednesday the 11th
      const one = await customer('10');
      const two = await customer('25');
      bank.control.rejectNextFile({ level: 'file', code: 'FF01' });
      const ran = await run(); // upload, then the bank's verdict comes at once
      expect(ran.reports).toMatchObject({ failed: 2, settled: 0, unmatched: 0 });
      const batch = await newestBatch();
      expect(batch).toMatchObject({ transactionCount: 2, status: 'rejected', lastError: expect.stringContaining('FF01') });
      const report = bank.control.reports().find((r) => r.originalMsgId === batch.msgId)!;
      expect(report.xml).toMatch(/<GrpSts>RJCT<\/GrpSts>/);
      expect(report.xml).not.toContain('TxInfAndSts');
      const reports = (await t.request({ path: `${SEPA}/reports`, key: t.adminKey })).body.data;
      expect(reports).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            reportId: report.id,
            kind: 'pain.002',
            source: 'bank',
            originalMsgId: batch.msgId,
            groupStatus: 'RJCT',
            groupReason: 'FF01',
          }),
        ]),
      );
      // The same report read again (an operator uploads it) changes nothing.
      expect((await upload('returns', report.xml)).body).toMatchObject({ reports: 0, duplicates: 1, failed: 0 });

      clock.set('2026-11-20T12:00:00.000Z'); // past the settlement date (18 Nov)
      await run();
      for (const c of [one, two]) {
        expect(await purchase(c.key, c.purchaseId)).toMatchObject({ status: 'failed', reason: 'FF01' });
        expect(await available(c.key)).toBe(c.start);
      }
    });

    it('a refusal with a proprietary reason (Rsn/Prtry TG01) keeps the code and says it is proprietary', async () => {
      clock.set('2026-11-23T09:00:00.000Z'); // Monday: collection on Wednesday the 25th
      const c = await customer('10', { iban: PROPRIETARY_IBAN });
      await run();
      clock.set('2026-11-25T08:00:00.000Z'); // the collection date: the refusal is due
      await run();
      expect(await purchase(c.key, c.purchaseId)).toMatchObject({ status: 'failed', reason: 'TG01 (proprietary)' });
      expect(await available(c.key)).toBe(c.start);
    });

    it('the bank rejecting a batch (pain.002 PmtInfSts RJCT AM05, no transactions) fails every collection of that batch', async () => {
      clock.set('2026-11-30T13:00:00.000Z'); // Monday: collection on Wednesday 2 December
      const one = await customer('10');
      const two = await customer('10');
      bank.control.rejectNextFile({ level: 'batch', code: 'AM05' });
      const ran = await run();
      expect(ran.reports).toMatchObject({ failed: 2, unmatched: 0 });
      const batch = await newestBatch();
      const report = bank.control.reports().find((r) => r.originalMsgId === batch.msgId)!;
      expect(report.xml).toMatch(/<PmtInfSts>RJCT<\/PmtInfSts>/);
      expect(report.xml).not.toContain('TxInfAndSts');
      clock.set('2026-12-14T12:00:00.000Z');
      await run();
      for (const c of [one, two]) {
        expect(await purchase(c.key, c.purchaseId)).toMatchObject({ status: 'failed', reason: 'AM05' });
        expect(await available(c.key)).toBe(c.start);
      }
      expect(await newestBatch()).toMatchObject({ status: 'rejected', lastError: expect.stringContaining('AM05') });
    });

    it('PART: only the listed statuses apply (RJCT with a proprietary SL01 kept, ACCP noted); the others settle as usual; unknown lines are kept for operators', async () => {
      clock.set('2026-12-14T13:00:00.000Z'); // Monday: collection on Wednesday the 16th
      const refused = await customer('10');
      const accepted = await customer('25');
      const silent = await customer('50');
      await run();
      const { msgId, pmtInfId } = refused.collection();
      const report = pain002({
        msgId: 'RPT-PART-1',
        originalMsgId: msgId,
        groupStatus: 'PART',
        batches: [
          {
            pmtInfId,
            status: 'PART',
            txs: [
              { endToEndId: refused.collection().endToEndId, status: 'RJCT', reason: { prtry: 'SL01' } },
              { endToEndId: accepted.collection().endToEndId, status: 'ACCP' },
              { endToEndId: 'TGCUNKNOWN0000000000000000000', status: 'RJCT', reason: { cd: 'AC04' } },
            ],
          },
        ],
      });
      expect((await upload('returns', report)).body).toMatchObject({ reports: 1, failed: 1, noted: 1, unmatched: 1, settled: 0 });
      expect(await purchase(refused.key, refused.purchaseId)).toMatchObject({ status: 'failed', reason: 'SL01 (proprietary)' });
      expect((await purchase(accepted.key, accepted.purchaseId)).status).toBe('pending');
      expect((await purchase(silent.key, silent.purchaseId)).status).toBe('pending');
      // A report about a file we never sent is kept too.
      expect(
        (await upload('returns', pain002({ msgId: 'RPT-ALIEN-1', originalMsgId: 'NOT-OURS-1', groupStatus: 'RJCT', groupReason: { cd: 'FF01' } }))).body,
      ).toMatchObject({
        unmatched: 1,
        failed: 0,
      });
      const unmatched = (await t.request({ path: `${SEPA}/unmatched`, key: t.adminKey })).body.data;
      expect(unmatched).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ reportId: 'RPT-PART-1', level: 'transaction', reference: 'TGCUNKNOWN0000000000000000000', status: 'RJCT', reason: 'AC04' }),
          expect.objectContaining({ reportId: 'RPT-ALIEN-1', level: 'file', reference: 'NOT-OURS-1', status: 'RJCT', reason: 'FF01' }),
        ]),
      );
      expect((await upload('returns', report)).body).toMatchObject({ duplicates: 1, unmatched: 0 });
      expect((await t.request({ path: `${SEPA}/unmatched`, key: t.adminKey })).body.data).toHaveLength(unmatched.length);

      // Wed 16 Dec + 5 TARGET2 business days = Wed 23 Dec.
      clock.set('2026-12-23T12:00:00.000Z');
      await run();
      expect((await purchase(accepted.key, accepted.purchaseId)).status).toBe('succeeded');
      expect((await purchase(silent.key, silent.purchaseId)).status).toBe('succeeded');
      expect(await available(silent.key)).toBe(plus(silent.start, '50'));
      expect(await available(refused.key)).toBe(refused.start);
    });

    it('TARGET2: ordered on Wed 2026-12-23 → collected Mon 28 Dec (not on Christmas), spendable Tue 5 Jan 2027', async () => {
      const c = await customer('10');
      expect(c.purchase.expectedSettlementDate).toBe('2027-01-05');
      await run();
      expect(c.collection().collectionDate).toBe('2026-12-28');
    });

    it('settlement counts TARGET2 business days: a Wed 2026-12-30 collection is not paid on Mon 4 Jan, only on Thu 7 Jan', async () => {
      clock.set('2026-12-28T09:00:00.000Z'); // Monday: collection on Wednesday the 30th
      const c = await customer('25');
      await run();
      expect(c.collection().collectionDate).toBe('2026-12-30');
      expect(c.purchase.expectedSettlementDate).toBe('2027-01-07');
      for (const day of ['2027-01-01', '2027-01-04', '2027-01-06']) {
        clock.set(`${day}T18:00:00.000Z`);
        await run();
        expect((await purchase(c.key, c.purchaseId)).status, day).toBe('pending');
        expect(await available(c.key)).toBe(c.start);
      }
      clock.set('2027-01-07T08:00:00.000Z');
      await run();
      expect((await purchase(c.key, c.purchaseId)).status).toBe('succeeded');
      expect(await available(c.key)).toBe(plus(c.start, '25'));
    });

    it('a camt.054 return (MD06) from the bank after settlement claws the credit back exactly once, read twice or also in a camt.053; a CRDT pays; unknown entries are kept', async () => {
      clock.set('2027-01-11T09:00:00.000Z'); // Monday: collection on Wednesday the 13th
      const returned = await customer('50');
      const credited = await customer('10');
      await run();
      clock.set('2027-01-13T08:00:00.000Z'); // the collection date: the bank settles (pain.002 ACSC + camt.054 CRDT)
      expect((await run()).statements).toMatchObject({ statements: 1, confirmed: 2, settled: 0 });
      expect((await purchase(returned.key, returned.purchaseId)).status).toBe('pending'); // inside the return window
      clock.set('2027-01-20T09:00:00.000Z'); // + 5 business days
      await run();
      expect((await purchase(returned.key, returned.purchaseId)).status).toBe('succeeded');
      expect(await available(returned.key)).toBe(plus(returned.start, '50'));

      // A debit under the collection's reference without return information (a fee) is no return: kept for an operator.
      const fee = camt({ kind: 'camt.054', msgId: 'FEE-1', entries: [{ direction: 'DBIT', amount: '0.35', endToEndId: returned.collection().endToEndId }] });
      expect((await upload('statements', fee)).body).toMatchObject({ statements: 1, reversed: 0, failed: 0, unmatched: 1 });
      expect((await purchase(returned.key, returned.purchaseId)).status).toBe('succeeded');
      expect(await available(returned.key)).toBe(plus(returned.start, '50'));

      // The debtor asks a refund: the bank books it back, a camt.054 DBIT the plugin polls.
      expect(bank.control.returnTransaction({ endToEndId: returned.collection().endToEndId, code: 'MD06' })).toMatchObject({ code: 'MD06' });
      expect((await run()).statements).toMatchObject({ statements: 1, reversed: 1, unmatched: 0 });
      expect(await purchase(returned.key, returned.purchaseId)).toMatchObject({ status: 'reversed', reason: 'MD06' });
      expect(await available(returned.key)).toBe(returned.start);
      const notification = bank.control.notifications().at(-1)!;
      expect(notification.xml).toContain('<CdtDbtInd>DBIT</CdtDbtInd>');
      // Read twice: polled again (nothing new), and uploaded by an operator.
      expect((await run()).statements).toMatchObject({ statements: 0, reversed: 0 });
      expect((await upload('statements', notification.xml)).body).toMatchObject({ statementId: notification.id, kind: 'camt.054', duplicates: 1, reversed: 0 });
      expect(
        (
          await upload(
            'statements',
            camt({
              kind: 'camt.054',
              msgId: 'CAMT054-1',
              entries: [{ direction: 'DBIT', amount: '7.00', endToEndId: 'TGCNOTOURS000000000000000000', reason: { prtry: 'SL01' } }],
            }),
          )
        ).body,
      ).toMatchObject({ statements: 1, reversed: 0, unmatched: 1 });
      const statement = camt({
        kind: 'camt.053',
        msgId: 'CAMT053-1',
        entries: [{ direction: 'DBIT', amount: '50.00', endToEndId: returned.collection().endToEndId, reason: { cd: 'MD06' } }],
      });
      expect((await upload('statements', statement)).body).toMatchObject({ statements: 1, reversed: 0, ignored: 1 });
      await run();
      expect(await available(returned.key)).toBe(returned.start);
      const check = await t.request({ path: '/admin/wallet/check', key: t.adminKey });
      expect(check.body.problems).toEqual([]);
      expect((await t.request({ path: `${SEPA}/unmatched`, key: t.adminKey })).body.data).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            kind: 'camt.054',
            level: 'entry',
            reference: 'TGCNOTOURS000000000000000000',
            reason: 'SL01 (proprietary)',
            amount: '7.00',
          }),
        ]),
      );

      // A CRDT entry: the money arrived; inside the return window it is noted, paid when the window closes.
      const late = await customer('25');
      await run();
      const paid = await upload(
        'statements',
        camt({ kind: 'camt.054', msgId: 'CAMT054-2', entries: [{ direction: 'CRDT', amount: '25.00', endToEndId: late.collection().endToEndId }] }),
      );
      expect(paid.body).toMatchObject({ settled: 0, confirmed: 1 });
      expect((await purchase(late.key, late.purchaseId)).status).toBe('pending');
      clock.set(`${late.purchase.expectedSettlementDate as string}T06:00:00.000Z`);
      await run();
      expect((await purchase(late.key, late.purchaseId)).status).toBe('succeeded');
      expect(await available(late.key)).toBe(plus(late.start, '25'));
      expect((await purchase(credited.key, credited.purchaseId)).status).toBe('succeeded');
    });

    it('a camt.054 return before settlement refuses the collection; bad documents are refused with a clear error and change nothing', async () => {
      clock.set('2027-02-01T09:00:00.000Z');
      const c = await customer('10');
      await run();
      const ret = camt({
        kind: 'camt.054',
        msgId: 'CAMT054-3',
        entries: [{ direction: 'DBIT', amount: '10.00', endToEndId: c.collection().endToEndId, reason: { cd: 'AM04' } }],
      });
      expect((await upload('statements', ret)).body).toMatchObject({ failed: 1 });
      expect(await purchase(c.key, c.purchaseId)).toMatchObject({ status: 'failed', reason: 'AM04' });
      const bad = await upload('statements', '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"/>');
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_camt');
    });

    it('a bank file over 1 MiB (a camt.054 of a busy day) is taken as XML up to 8 MiB; past that 413 with the limit, and nothing changes', async () => {
      const entries = (count: number) =>
        Array.from({ length: count }, (_, i) => ({
          direction: 'DBIT' as const,
          amount: '10.00',
          endToEndId: `TGCBIG${String(i).padStart(22, '0')}`,
          reason: { cd: 'MD06' },
        }));
      const post = (xml: string) =>
        t.request({ method: 'POST', path: `${SEPA}/statements`, key: t.adminKey, body: xml, headers: { 'content-type': 'application/xml' } });
      // Padded with a comment to the size a busy day's file has (thousands of entries), so the test
      // measures the body limit, not the time to match thousands of lines.
      const padded = (xml: string, bytes: number) => xml.replace('?>', `?><!-- ${'x'.repeat(bytes)} -->`);
      const big = padded(camt({ kind: 'camt.054', msgId: 'CAMT054-BIG', entries: entries(40) }), 1_200_000);
      expect(Buffer.byteLength(big)).toBeGreaterThan(1_048_576);
      const taken = await post(big);
      expect(taken.status, JSON.stringify(taken.body).slice(0, 300)).toBe(200);
      expect(taken.body).toMatchObject({ statements: 1, reversed: 0, unmatched: 40 });

      const huge = padded(camt({ kind: 'camt.054', msgId: 'CAMT054-HUGE', entries: entries(40) }), 8 * 1_048_576);
      expect(Buffer.byteLength(huge)).toBeGreaterThan(8 * 1_048_576);
      const refused = await post(huge);
      expect(refused.status).toBe(413);
      expect(refused.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 8 * 1_048_576 } });
      const reports = await t.request({ path: `${SEPA}/reports`, key: t.adminKey });
      expect(JSON.stringify(reports.body)).not.toContain('CAMT054-HUGE');
    });

    it('TARGET2: ordered on Thu 2027-03-25 → collected Wed 31 Mar (after Good Friday and Easter Monday); on Thu 2027-04-29 → Mon 3 May', async () => {
      clock.set('2027-03-25T09:00:00.000Z');
      const easter = await customer('10');
      expect(easter.purchase.expectedSettlementDate).toBe('2027-04-07');
      await run();
      expect(easter.collection().collectionDate).toBe('2027-03-31');
      clock.set('2027-04-29T09:00:00.000Z');
      const may = await customer('10');
      await run();
      expect(may.collection().collectionDate).toBe('2027-05-03');
    });

    it("a batch status (PmtInfSts RJCT) in a report about one file never refuses another file's batch: kept as unmatched", async () => {
      clock.set('2027-05-10T09:00:00.000Z'); // Monday: collections on Wednesday the 12th
      const first = await customer('10');
      await run();
      const second = await customer('25');
      await run();
      const a = first.collection();
      const b = second.collection();
      expect(a.msgId).not.toBe(b.msgId);
      // The report is about file A; the OrgnlPmtInfAndSts it lists is file B's batch.
      const report = pain002({
        msgId: 'RPT-OTHER-FILE-1',
        originalMsgId: a.msgId,
        batches: [{ pmtInfId: b.pmtInfId, status: 'RJCT', reason: { cd: 'AM05' } }],
      });
      expect((await upload('returns', report)).body).toMatchObject({ reports: 1, failed: 0, unmatched: 1 });
      expect((await purchase(second.key, second.purchaseId)).status).toBe('pending');
      expect((await purchase(first.key, first.purchaseId)).status).toBe('pending');
      expect((await t.request({ path: `${SEPA}/unmatched`, key: t.adminKey })).body.data).toEqual(
        expect.arrayContaining([expect.objectContaining({ reportId: 'RPT-OTHER-FILE-1', level: 'batch', reference: b.pmtInfId, status: 'RJCT' })]),
      );
      clock.set('2027-05-19T12:00:00.000Z'); // Wed 12 May + 5 TARGET2 business days
      await run();
      expect((await purchase(second.key, second.purchaseId)).status).toBe('succeeded');
      expect(await available(second.key)).toBe(plus(second.start, '25'));
    });
  });
}
