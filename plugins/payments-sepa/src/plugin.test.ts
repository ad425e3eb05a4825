import { Money } from '@tollgate/plugin-sdk';
import { SETTLING_IBANS, startBankSandbox, type BankSandbox } from '@tollgate/sandbox-bank';
import { ManualClock, createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from './plugin.js';
import type { SepaDirectDebitProvider } from './sepa-direct-debit.provider.js';

const options = (bank: BankSandbox, extra: Record<string, unknown> = {}) => ({
  creditor: { name: 'Tollgate SRL', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
  bank: { baseUrl: bank.url, token: bank.token },
  ...extra,
});

const pain002 = (input: { msgId: string; originalMsgId: string; endToEndId: string; code: string }) => `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
  <GrpHdr><MsgId>${input.msgId}</MsgId><CreDtTm>2026-01-19T08:00:00Z</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>${input.originalMsgId}</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts><OrgnlPmtInfId>${input.originalMsgId}.0</OrgnlPmtInfId>
    <TxInfAndSts><OrgnlEndToEndId>${input.endToEndId}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>${input.code}</Cd></Rsn></StsRsnInf></TxInfAndSts>
  </OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>`;

describe('payments-sepa plugin options', () => {
  let bank: BankSandbox;
  beforeAll(async () => {
    bank = await startBankSandbox();
  });
  afterAll(() => bank?.close());

  it('refuses a creditor id with a wrong checksum, a bad IBAN and unknown keys', async () => {
    await expect(
      createTestHost({
        plugins: [{ plugin, options: options(bank, { creditor: { name: 'T', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE69ZZZ0123456789' } }) }],
      }),
    ).rejects.toThrow(/creditor\.id/);
    await expect(
      createTestHost({
        plugins: [{ plugin, options: options(bank, { creditor: { name: 'T', iban: 'BE68539007547035', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' } }) }],
      }),
    ).rejects.toThrow(/creditor\.iban/);
    await expect(createTestHost({ plugins: [{ plugin, options: options(bank, { leadDay: 2 }) }] })).rejects.toThrow(/invalid options/);
  });
});

for (const engine of testEngines()) {
  describe(`payments-sepa plugin [${engine.name}]`, () => {
    const clock = new ManualClock('2026-01-15T09:00:00.000Z');
    let bank: BankSandbox;
    let t: TestHost;
    beforeAll(async () => {
      bank = await startBankSandbox({ now: () => clock.now() });
      t = await createTestHost({ engine, clock, plugins: [{ plugin, options: options(bank, { tickIntervalMinutes: 0 }) }] });
    });
    afterAll(async () => {
      await t?.close();
      await bank?.close();
    });

    it('is listed with its provider and routes', async () => {
      const res = await t.request({ path: '/plugins' });
      const entry = res.body.data.find((p: { id: string }) => p.id === 'payments-sepa');
      expect(entry.paymentProviders).toEqual([{ id: 'payments-sepa', label: 'SEPA direct debit', methods: ['sepa_direct_debit'] }]);
      expect(entry.routes).toEqual(expect.arrayContaining(['GET /v1/plugins/payments-sepa/batches', 'POST /v1/plugins/payments-sepa/run']));
    });

    it('runs on demand, lists files, serves one as XML and applies an uploaded pain.002 once', async () => {
      const provider = t.host.pluginHost.paymentProviders.get('payments-sepa') as SepaDirectDebitProvider;
      const { accountId, ownerKey } = await t.createAccount();
      const setup = await provider.createPaymentMethod({
        accountId,
        kind: 'sepa_direct_debit',
        details: { iban: SETTLING_IBANS[0], holder: 'Ann' },
        idempotencyKey: 'm1',
      });
      const payment = await provider.createPayment({
        accountId,
        amount: Money.of('15.00'),
        reference: 'pur_1',
        description: 'Top-up',
        idempotencyKey: 'p1',
        providerMethodId: setup.providerMethodId,
      });

      expect((await t.request({ method: 'POST', path: '/v1/plugins/payments-sepa/run', key: ownerKey, body: {} })).status).toBe(403);
      const run = await t.request({ method: 'POST', path: '/v1/plugins/payments-sepa/run', key: t.adminKey, body: {} });
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ submit: { files: 1, submitted: 1, uploadFailures: 0 }, errors: [] });

      const list = await t.request({ path: '/v1/plugins/payments-sepa/batches', key: t.adminKey });
      expect(list.body.data).toHaveLength(1);
      const batch = list.body.data[0];
      expect(batch).toMatchObject({ sequenceType: 'FRST', transactionCount: 1, controlSum: '15.00', status: 'submitted', collectionDate: '2026-01-19' });
      const file = await t.request({ path: `/v1/plugins/payments-sepa/batches/${batch.id}`, key: t.adminKey });
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toContain('application/xml');
      expect(file.body).toContain(`<MsgId>${batch.msgId}</MsgId>`);
      expect(file.body).toBe(bank.control.files()[0]!.xml);
      expect((await t.request({ path: '/v1/plugins/payments-sepa/batches/bat_nope', key: t.adminKey })).status).toBe(404);

      const { rows } = await t
        .pluginDatabase('payments-sepa')
        .query<{ end_to_end_id: string }>('SELECT end_to_end_id FROM payments_sepa_collections WHERE provider_payment_id = $1', [payment.providerPaymentId]);
      const xml = pain002({ msgId: 'BANKRPT-1', originalMsgId: batch.msgId, endToEndId: rows[0]!.end_to_end_id, code: 'AC04' });
      const applied = await t.request({ method: 'POST', path: '/v1/plugins/payments-sepa/returns', key: t.adminKey, body: { xml } });
      expect(applied.status).toBe(200);
      expect(applied.body).toEqual({
        reportId: 'BANKRPT-1',
        reports: 1,
        duplicates: 0,
        failed: 1,
        reversed: 0,
        settled: 0,
        confirmed: 0,
        noted: 0,
        unmatched: 0,
        ignored: 0,
      });
      const asText = await t.request({
        method: 'POST',
        path: '/v1/plugins/payments-sepa/returns',
        key: t.adminKey,
        body: xml,
        headers: { 'content-type': 'text/plain' },
      });
      expect(asText.status).toBe(200);
      expect(asText.body).toMatchObject({ reportId: 'BANKRPT-1', duplicates: 1, failed: 0 });
      const asXml = await t.request({
        method: 'POST',
        path: '/v1/plugins/payments-sepa/returns',
        key: t.adminKey,
        body: xml,
        headers: { 'content-type': 'application/xml; charset=utf-8' },
      });
      expect(asXml.status).toBe(200);
      expect(asXml.body).toMatchObject({ reportId: 'BANKRPT-1', duplicates: 1 });
      // The route's own list, and nothing else, besides JSON.
      const asForm = await t.request({
        method: 'POST',
        path: '/v1/plugins/payments-sepa/returns',
        key: t.adminKey,
        body: `xml=${encodeURIComponent(xml)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(asForm.status).toBe(415);
      expect(asForm.body.error).toMatchObject({ code: 'unsupported_media_type', details: { accepted: ['application/json', 'text/plain', 'application/xml'] } });
      const status = await t
        .pluginDatabase('payments-sepa')
        .query('SELECT status, reason FROM payments_sepa_collections WHERE provider_payment_id = $1', [payment.providerPaymentId]);
      expect(status.rows).toEqual([{ status: 'failed', reason: 'AC04' }]);

      const broken = await t.request({ method: 'POST', path: '/v1/plugins/payments-sepa/returns', key: t.adminKey, body: { xml: '<Document/>' } });
      expect(broken.status).toBe(400);
      expect(broken.body.error.code).toBe('invalid_pain002');
    });
  });
}

describe('payments-sepa schedule', () => {
  let bank: BankSandbox;
  let t: TestHost;
  beforeAll(async () => {
    bank = await startBankSandbox();
    t = await createTestHost({ plugins: [{ plugin, options: options(bank) }] });
  });
  afterAll(async () => {
    await t?.close();
    await bank?.close();
  });

  it('runs its tick on the host job schedule (the harness runs scheduled jobs once per call)', async () => {
    expect(await t.runJobs()).toEqual({ completed: 1, failed: 0 });
    expect(await t.runJobs()).toEqual({ completed: 1, failed: 0 });
  });
});
