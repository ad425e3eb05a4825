import type { AccountingDocument } from '@tollgate/plugin-sdk';
import { ACCOUNTING_EXAMPLE_IDS, startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost, type TestHostInput } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 18 gaps, end to end from the Teamleader sandbox to Peppol UBL: the intra-community example
 * carries its delivery date (Teamleader's `delivery_date`) and the buyer's country as delivery
 * country, so it passes the CEN and Peppol Schematron; the direct-debit example carries the
 * customer's mandate (BT-89, BT-91) when there is one, else is written as a credit transfer (58).
 * Both plugins as the dev stack loads them (a tooling test may load any of them).
 */
const API = '/v1/invoice-sync';
type Plugin = Extract<NonNullable<TestHostInput['plugins']>[number], { plugin: unknown }>['plugin'];

for (const engine of testEngines()) {
  describe(`Teamleader documents exported as Peppol UBL [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: TeamleaderSandbox;
    let t: TestHost;
    let owner: { accountId: string; ownerKey: string };
    const api = (input: { method?: string; path: string; body?: unknown }) => t.request<any>({ ...input, path: `${API}${input.path}`, key: owner.ownerKey });
    const documents = async (): Promise<Map<string, AccountingDocument>> =>
      new Map((await t.host.invoiceSync.accounting.list({ accountId: owner.accountId })).documents.map((d) => [d.source.documentId, d]));
    const render = async (docs: AccountingDocument[]) =>
      t.host.pluginHost.accountingExporters.get('peppol-ubl')!.render({ accountId: owner.accountId, documents: docs, options: {} });
    const xmlOf = (file: { body: Uint8Array }) => new TextDecoder().decode(file.body);

    beforeAll(async () => {
      sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      const load = async (name: string) => ((await import(name)) as { default: Plugin }).default;
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          { plugin: await load('@tollgate/plugin-source-teamleader'), options: { authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url } },
          { plugin: await load('@tollgate/plugin-export-peppol'), options: { validate: true } },
        ],
      });
      owner = await t.createAccount({ name: 'Books BV', locale: 'en', ownerEmail: 'books@books.test' });
      sandbox.control.seedAccountingExamples({ on: '2026-03-02' });
      const start = await t.request<{ authorizeUrl: string }>({ path: '/v1/plugins/source-teamleader/connect', key: owner.ownerKey });
      const back = new URL((await fetch(start.body.authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
      const connected = await t.request<{ connection: { syncConnectionId: string } }>({ path: `${back.pathname}${back.search}` });
      expect(connected.status, JSON.stringify(connected.body)).toBe(200);
      const profile = await api({ method: 'POST', path: '/profiles', body: { name: 'Transfer', directDebit: false, paymentLink: false, transfer: true } });
      expect(profile.status).toBe(201);
      const run = await api({ method: 'POST', path: `/connections/${connected.body.connection.syncConnectionId}/imports`, body: { days: 30 } });
      expect(run.status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('the intra-community invoice has its delivery date and country, and passes the CEN and Peppol Schematron', async () => {
      const k = (await documents()).get(ACCOUNTING_EXAMPLE_IDS.intraCommunity)!;
      expect(k.vatBreakdown.map((v) => v.vatCategory)).toEqual(['K']);
      expect(k.delivery).toEqual({ date: '2026-03-02', country: 'NL' });
      const result = await render([k]);
      expect(result.refused).toEqual([]);
      expect(result.files.map((f) => f.documentIds)).toEqual([[k.id]]);
      const xml = xmlOf(result.files[0]!);
      expect(xml).toContain('<cbc:ActualDeliveryDate>2026-03-02</cbc:ActualDeliveryDate>');
      expect(xml).toMatch(/<cac:DeliveryLocation>[\s\S]*<cbc:IdentificationCode>NL<\/cbc:IdentificationCode>/);
      // Without them the same document is refused by the rules that ask for them (the check bites).
      const without = await render([{ ...k, delivery: null }]);
      expect(without.files).toEqual([]);
      expect(without.refused.map((r) => r.rule)).toEqual(['BR-IC-11']);
      // The other examples carry no delivery: Teamleader gave none and they are not intra-community.
      expect((await documents()).get(ACCOUNTING_EXAMPLE_IDS.mixedRates)!.delivery).toBeUndefined();
    }, 300_000);

    it('direct debit: without a mandate a credit transfer (58) that passes; with the customer’s mandate 59 with BT-89/BT-91, and it passes too', async () => {
      const before = (await documents()).get(ACCOUNTING_EXAMPLE_IDS.directDebit)!;
      expect(before.payment).toMatchObject({ meansCode: '58', reference: expect.stringMatching(/^\+\+\+/), iban: 'BE68539007547034', mandateReference: null });
      expect((await render([before])).refused).toEqual([]);
      // As the source gave it (59 without a mandate), PEPPOL-EN16931-R061 would refuse it.
      expect((await render([{ ...before, payment: { ...before.payment, meansCode: '59' } }])).refused.map((r) => r.rule)).toEqual(['PEPPOL-EN16931-R061']);

      const { rows } = await t.db.query<{ customer_id: string }>('select customer_id from sync_invoices where id = $1', [before.id]);
      await t.db.query(
        `insert into sync_mandates (id, account_id, customer_id, reference, iban, bic, signature_date, sequence, status, created_at, updated_at)
         values ('mdt_gaps_1', $1, $2, 'AALST-2026-01', 'BE62510007547061', null, '2026-01-15', 'RCUR', 'active', $3, $3)`,
        [owner.accountId, rows[0]!.customer_id, clock.now()],
      );
      const after = (await documents()).get(ACCOUNTING_EXAMPLE_IDS.directDebit)!;
      expect(after.payment).toMatchObject({ meansCode: '59', mandateReference: 'AALST-2026-01', debitedAccount: 'BE62510007547061' });
      const result = await render([after]);
      expect(result.refused).toEqual([]);
      const xml = xmlOf(result.files[0]!);
      expect(xml).toMatch(/<cbc:PaymentMeansCode[^>]*>59<\/cbc:PaymentMeansCode>/);
      expect(xml).toMatch(/<cac:PaymentMandate>\s*<cbc:ID>AALST-2026-01<\/cbc:ID>/);
    }, 300_000);
  });
}
