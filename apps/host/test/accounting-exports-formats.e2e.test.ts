import type { AccountingDocument } from '@tollgate/plugin-sdk';
import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTwinfieldTransactions, readWinbooksAct, unzip, type BookedDocument } from './fixtures/accounting-export-readers.js';
import { EXPORT_CUSTOMER_NUMBERS, seedExportDocuments } from './fixtures/accounting-export-seed.js';
import { connectTeamleader, loadPlugin, teamleaderOptions } from './fixtures/bundled-plugins.js';

/**
 * Issue 18's proof for the accounting programs: the 23 Teamleader documents imported by the real
 * source-teamleader plugin, exported by the real export-winbooks and export-twinfield plugins to
 * download targets, the run's ZIP streamed over HTTP and its files read back apart from the writers:
 * every document booked once, balanced, with its amount due, VAT bases and VAT; the wallet charged
 * 23 × 0.10 per program.
 */
const SLOW = 300_000;

const VAT_CODES = { 'S:21': '211400', 'S:12': '211300', 'S:6': '211200', Z: '211100', AE: '212000', E: '211000', G: '231000', K: '221000' };

for (const engine of testEngines()) {
  describe(`accounting exports to WinBooks and Twinfield, downloaded, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let tl: TeamleaderSandbox;
    let t: TestHost;
    let owner: { accountId: string; ownerKey: string };
    let memberKey: string;
    let documents: AccountingDocument[];

    const api = (input: { method?: string; path: string; body?: unknown; key?: string; headers?: Record<string, string> }) =>
      t.request({ ...input, path: `/v1/accounting-exports${input.path}`, key: input.key ?? owner.ownerKey });
    const spent = async (channel: string) => {
      const history = await t.request({ path: `/v1/wallet/history?view=entries&channel=${channel}&limit=100`, key: owner.ownerKey });
      expect(history.status).toBe(200);
      return (history.body.data as Array<{ amount: string }>)
        .reduce((sum, e) => sum.plus(e.amount), new Decimal(0))
        .neg()
        .toFixed(2);
    };
    /** Creates the target, runs it, downloads the ZIP as a member (streamed), answers its files. */
    const exportAndDownload = async (input: { exporterId: string; options: unknown; key: string }) => {
      const target = await api({
        method: 'POST',
        path: '/targets',
        body: { exporterId: input.exporterId, name: input.exporterId, options: input.options, delivery: { kind: 'download' } },
      });
      expect(target.status, JSON.stringify(target.body)).toBe(201);
      const started = await api({ method: 'POST', path: '/runs', body: { targetId: target.body.id }, headers: { 'idempotency-key': input.key } });
      expect(started.status).toBe(201);
      await t.host.accountingExports.jobs.runOnce();
      const run = (await api({ path: `/runs/${started.body.id}` })).body;
      const response = await fetch(`${t.url}/v1/accounting-exports/runs/${started.body.id}/download`, { headers: { authorization: `Bearer ${memberKey}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/zip');
      return { run, files: await unzip(Buffer.from(await response.arrayBuffer())) };
    };
    /** The documents as the export should book them, keyed like the file's reader keys them. */
    const expected = (key: (d: AccountingDocument) => string, customer: (d: AccountingDocument) => string): BookedDocument[] =>
      documents.map((d) => ({
        key: key(d),
        customer: customer(d),
        creditNote: d.kind === 'credit_note',
        payable: new Decimal(d.totals.payable),
        base: new Decimal(d.totals.taxExclusive),
        tax: new Decimal(d.totals.tax),
        balance: new Decimal(0),
      }));
    const comparable = (rows: BookedDocument[]) =>
      rows
        .map((r) => ({ ...r, payable: r.payable.toFixed(2), base: r.base.toFixed(2), tax: r.tax.toFixed(2), balance: r.balance.toFixed(2) }))
        .sort((a, b) => a.key.localeCompare(b.key) || Number(a.creditNote) - Number(b.creditNote));

    beforeAll(async () => {
      tl = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          { plugin: await loadPlugin('@tollgate/plugin-source-teamleader'), options: teamleaderOptions(tl.url) },
          { plugin: await loadPlugin('@tollgate/plugin-export-winbooks'), options: {} },
          { plugin: await loadPlugin('@tollgate/plugin-export-twinfield'), options: {} },
        ],
        config: { logLevel: 'error' },
      });
      owner = await t.createAccount({ name: 'Sandbox BV', locale: 'en' });
      memberKey = (await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'bookkeeper', role: 'member' } })).body.key;
      const grant = await t.request({
        method: 'POST',
        path: `/admin/accounts/${owner.accountId}/wallet/grants`,
        key: t.adminKey,
        headers: { 'idempotency-key': 'grant-exports' },
        body: { kind: 'promo', amount: '10.00', currency: 'EUR' },
      });
      expect(grant.status).toBe(201);
      seedExportDocuments(tl);
      const connectionId = await connectTeamleader({ t, key: owner.ownerKey });
      const profile = await t.request({
        method: 'POST',
        path: '/v1/invoice-sync/profiles',
        key: owner.ownerKey,
        body: { name: 'Transfer', directDebit: false, paymentLink: false, transfer: true },
      });
      expect(profile.status).toBe(201);
      const imported = await t.request({
        method: 'POST',
        path: `/v1/invoice-sync/connections/${connectionId}/imports`,
        key: owner.ownerKey,
        body: { days: 60 },
      });
      expect(imported.status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
      const page = await t.host.invoiceSync.accounting.list({ accountId: owner.accountId });
      expect(page.missing).toEqual([]);
      documents = page.documents;
      expect(documents).toHaveLength(23);
    }, SLOW);
    afterAll(async () => {
      await t?.close();
      await tl?.close();
    });

    it(
      'WinBooks: ACT.txt books each of the 23 documents once, balanced, with its amount due, VAT bases and VAT; CSF.txt names the customers; 2.30 charged',
      async () => {
        const { run, files } = await exportAndDownload({
          exporterId: 'winbooks',
          key: 'winbooks-feb',
          options: {
            journalCode: 'VEN',
            creditNoteJournalCode: 'VENCN',
            bookYears: { '2026': '1' },
            vatCodes: VAT_CODES,
            customerNumbers: EXPORT_CUSTOMER_NUMBERS,
          },
        });
        expect(run).toMatchObject({ status: 'completed', counts: { exported: 23, refused: 0 }, amounts: { charged: '2.30' } });
        expect([...files.keys()].sort()).toEqual(['ACT.txt', 'CSF.txt']);
        const booked = readWinbooksAct(files.get('ACT.txt')!);
        const digits = (n: string) => n.replace(/\D/g, '');
        expect(comparable(booked)).toEqual(
          comparable(
            expected(
              (d) => `${d.kind === 'credit_note' ? 'VENCN' : 'VEN'}/${digits(d.number)}`,
              (d) => EXPORT_CUSTOMER_NUMBERS[d.buyer.sourceId!]!,
            ),
          ),
        );
        const csf = files.get('CSF.txt')!.toString('latin1');
        for (const number of ['BREW01', 'BOUW01', 'TULP01']) expect(csf).toContain(`"${number}"`);
        expect(csf).toContain('"Brouwerij Aalst NV"');
        expect(await spent('export-winbooks')).toBe('2.30');
      },
      SLOW,
    );

    it(
      'Twinfield: one sales transaction per document, balanced, with its amount due, VAT bases and VAT; 2.30 charged',
      async () => {
        const { run, files } = await exportAndDownload({
          exporterId: 'twinfield',
          key: 'twinfield-feb',
          options: {
            office: 'NLA000001',
            defaultRevenueAccount: '8020',
            vatCodes: { ...VAT_CODES, 'S:21': 'VH', 'S:6': 'VL' },
            customerCodes: EXPORT_CUSTOMER_NUMBERS,
          },
        });
        expect(run).toMatchObject({ status: 'completed', counts: { exported: 23, refused: 0 }, amounts: { charged: '2.30' } });
        expect([...files.keys()]).toEqual(['twinfield-sales-transactions.xml']);
        const booked = readTwinfieldTransactions(files.get('twinfield-sales-transactions.xml')!);
        expect(comparable(booked)).toEqual(
          comparable(
            expected(
              (d) => d.number,
              (d) => EXPORT_CUSTOMER_NUMBERS[d.buyer.sourceId!]!,
            ),
          ),
        );
        // The grand total an accountant would see: Σ amounts due of the invoices minus the credit notes.
        const net = documents.reduce((s, d) => (d.kind === 'credit_note' ? s.minus(d.totals.payable) : s.plus(d.totals.payable)), new Decimal(0));
        const readNet = booked.reduce((s, b) => (b.creditNote ? s.minus(b.payable) : s.plus(b.payable)), new Decimal(0));
        expect(readNet.toFixed(2)).toBe(net.toFixed(2));
        expect(await spent('export-twinfield')).toBe('2.30');
        const wallet = (await t.request({ path: '/v1/wallet', key: owner.ownerKey })).body;
        expect(wallet).toMatchObject({ available: '7.40', pending: '0.00' });
      },
      SLOW,
    );
  });
}
