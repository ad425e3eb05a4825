import { startBankSandbox, validatePain008Xsd, type BankSandbox } from '@tollgate/sandbox-bank';
import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTeamleader, loadPlugin, teamleaderOptions } from './fixtures/bundled-plugins.js';

/**
 * S-9 end to end: a host with the source-teamleader and payments-sepa plugins, the Teamleader
 * sandbox and the bank sandbox over real HTTP, one manual clock. Invoices imported from
 * Teamleader, mandates uploaded as CSV (good and bad rows), collected in pain.008 files that the
 * bank receives, and the bank's answers (settled, refused, returned) reaching the invoices.
 */
const API = '/v1/invoice-sync';
const SEPA = '/v1/plugins/payments-sepa';
// Debtor IBANs of the bank sandbox: settles; refused AM04 on the collection date; returned MD06 later.
const SETTLES = 'BE68539007547034';
const REFUSED = 'DE62500105170000040401';
const RETURNED = 'BE34310060606090';

for (const engine of testEngines()) {
  describe(`mandates and direct debit, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z'); // a Monday
    let teamleader: TeamleaderSandbox;
    let bank: BankSandbox;
    let t: TestHost;
    let owner: { accountId: string; ownerKey: string };
    let member: string;
    const customers = {} as Record<'acme' | 'beta' | 'gamma' | 'delta', string>;
    const invoices = {} as Record<'acme' | 'beta' | 'gamma' | 'delta', string>;
    let uploadId: string;
    /** Teamleader's invoice id of each. */
    const tlInvoices: Record<string, string> = {};
    const tlPayments = (name: string) =>
      (teamleader.control.invoice({ id: tlInvoices[name]! }) as { payments: Array<{ payment: { amount: number } }> }).payments;
    const writeBack = () => t.host.invoiceSync.writebacks.drain({ owner: 'test-host' });

    const api = (input: { method?: string; path: string; body?: unknown; key?: string; headers?: Record<string, string> }) =>
      t.request({ ...input, path: `${API}${input.path}`, key: input.key ?? owner.ownerKey });
    const invoice = async (id: string) =>
      (await api({ path: `/invoices/${id}` })).body as { status: string; events: Array<{ type: string; detail: Record<string, unknown> }> };
    const bankRun = async () => expect((await t.request({ method: 'POST', path: `${SEPA}/run`, key: t.adminKey, body: {} })).status).toBe(200);

    beforeAll(async () => {
      teamleader = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      bank = await startBankSandbox({ now: () => clock.now(), reversalDays: 3 });
      const [teamleaderPlugin, sepaPlugin] = await Promise.all(['@tollgate/plugin-source-teamleader', '@tollgate/plugin-payments-sepa'].map(loadPlugin));
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          {
            plugin: teamleaderPlugin!,
            options: teamleaderOptions(teamleader.url),
          },
          {
            plugin: sepaPlugin!,
            options: {
              creditor: { name: 'Tollgate SRL', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
              bank: { baseUrl: bank.url, token: bank.token },
              settleAfterDays: 2,
              tickIntervalMinutes: 0,
            },
          },
        ],
      });
      owner = await t.createAccount({ name: 'Collect BV', ownerEmail: 'finance@collect.test' });
      member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'reader', role: 'member' } })).body.key;

      // Teamleader: four companies, one booked invoice each; gamma's is due at once (cash).
      const company = (name: string) =>
        (teamleader.control.seedCompany({ name, email: `${name.toLowerCase()}@debtor.test`, language: 'nl' }) as { id: string }).id;
      const tl = { acme: company('Acme'), beta: company('Beta'), gamma: company('Gamma'), delta: company('Delta') };
      for (const [name, id] of Object.entries(tl))
        tlInvoices[name] = (
          teamleader.control.seedInvoice({
            customer: { type: 'company', id },
            booked: true,
            lines: [{ unitPrice: name === 'beta' ? '50.00' : '100.00', taxRate: '0.21' }],
            ...(name === 'gamma' ? { paymentTerm: { type: 'cash' as const } } : {}),
          }) as { id: string }
        ).id;
      // The first profile is the account default: direct debit.
      expect(
        (await api({ method: 'POST', path: '/profiles', body: { name: 'Direct debit', directDebit: true, paymentLink: false, transfer: true } })).status,
      ).toBe(201);
      const connectionId = await connectTeamleader({ t, key: owner.ownerKey });
      expect((await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } })).status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
      for (const [name, tlId] of Object.entries(tl) as Array<[keyof typeof tl, string]>) {
        const { rows } = await t.db.query<{ customer_id: string; invoice_id: string }>(
          `select c.id as customer_id, i.id as invoice_id from sync_customers c join sync_invoices i on i.customer_id = c.id where c.account_id = $1 and c.customer_number = $2`,
          [owner.accountId, tlId],
        );
        expect(rows).toHaveLength(1);
        customers[name] = tlId;
        invoices[name] = rows[0]!.invoice_id;
      }
    });
    afterAll(async () => {
      await t?.close();
      await bank?.close();
      await teamleader?.close();
    });

    it('uploads a mandate CSV: good rows linked, each bad row reported with its reason; the same file again is the same upload', async () => {
      const csv = [
        'customerNumber;IBAN;BIC;Mandate reference;Signature date;Sequence',
        `${customers.acme};BE68 5390 0754 7034;GEBABEBB;MNDT-ACME-1;2025-11-03;`,
        `${customers.beta};${REFUSED};DEUTDEFF;MNDT-BETA-1;03/11/2025;RCUR`,
        `${customers.gamma};${RETURNED};GEBABEBB;MNDT-GAMMA-1;2025-11-03;FRST`,
        `no-such-customer;${SETTLES};GEBABEBB;MNDT-NOBODY;2025-11-03;`,
        `${customers.delta};BE68539007547035;GEBABEBB;MNDT-DELTA-1;2025-11-03;`,
        `${customers.delta};NL91ABNA0417164300;GEBABEBB;MNDT-DELTA-2;2025-11-03;`,
        `${customers.delta};NL91ABNA0417164300;INGBNL2A;MNDT-DELTA-3;2025-02-30;`,
        `${customers.delta};NL91ABNA0417164300;INGBNL2A;MNDT-DELTA-4;2026-12-01;`,
        `${customers.delta};NL91ABNA0417164300;INGBNL2A;MNDT-DUP;2025-11-03;`,
        `${customers.delta};NL91ABNA0417164300;INGBNL2A;MNDT-DUP;2025-11-03;`,
        `${customers.delta};NL91ABNA0417164300;INGB;MNDT-DELTA-5;2025-11-03;ONCE`,
      ].join('\r\n');
      // A member may read, not upload.
      expect((await api({ method: 'POST', path: '/mandates/uploads', key: member, body: { csv } })).status).toBe(403);
      const res = await api({ method: 'POST', path: '/mandates/uploads', body: csv, headers: { 'content-type': 'text/csv' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      uploadId = res.body.id;
      expect(res.body.counts).toEqual({ total: 11, linked: 3, unchanged: 0, failed: 8 });
      const byLine = Object.fromEntries((res.body.rows as Array<{ line: number; outcome: string; reasons: string[] }>).map((r) => [r.line, r]));
      expect([2, 3, 4].map((l) => byLine[l]!.outcome)).toEqual(['linked', 'linked', 'linked']);
      expect(byLine[5]!.reasons).toEqual(['unknown_customer']);
      expect(byLine[6]!.reasons).toEqual(['invalid_iban']);
      expect(byLine[7]!.reasons).toEqual(['bic_country_mismatch']);
      expect(byLine[8]!.reasons).toEqual(['invalid_signature_date']);
      expect(byLine[9]!.reasons).toEqual(['signature_date_in_future']);
      expect(byLine[10]!.reasons).toEqual(['duplicate_reference_in_file']);
      expect(byLine[11]!.reasons).toEqual(['duplicate_reference_in_file']);
      expect(byLine[12]!.reasons).toEqual(['invalid_bic', 'invalid_sequence']);

      // The same file again (as JSON this time): the same upload, nothing stored twice.
      const again = await api({ method: 'POST', path: '/mandates/uploads', body: { csv, fileName: 'mandates.csv' } });
      expect(again.body).toMatchObject({ id: uploadId, replayed: true, counts: { linked: 3, failed: 8 } });
      const mandates = await api({ path: '/mandates', key: member });
      expect(mandates.body.data.map((m: { reference: string }) => m.reference).sort()).toEqual(['MNDT-ACME-1', 'MNDT-BETA-1', 'MNDT-GAMMA-1']);
      expect(mandates.body.data.find((m: { reference: string }) => m.reference === 'MNDT-ACME-1')).toMatchObject({
        customerNumber: customers.acme,
        customerName: 'Acme',
        iban: SETTLES,
        bic: 'GEBABEBB',
        signatureDate: '2025-11-03',
        sequence: 'FRST',
        status: 'active',
      });

      // The row report: the upload (JSON) and the downloadable CSV.
      expect((await api({ path: `/mandates/uploads/${uploadId}`, key: member })).body.rows).toHaveLength(11);
      const report = await api({ path: `/mandates/uploads/${uploadId}/report.csv`, key: member });
      expect(report.status).toBe(200);
      expect(report.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = String(report.body).trim().split('\r\n');
      expect(lines[0]).toBe('line,customerNumber,mandateReference,outcome,reasons');
      expect(lines).toContain(`2,${customers.acme},MNDT-ACME-1,linked,`);
      expect(lines).toContain('5,no-such-customer,MNDT-NOBODY,failed,unknown_customer');
      expect(lines).toContain(`12,${customers.delta},MNDT-DELTA-5,failed,invalid_bic invalid_sequence`);

      // A reference already used by another customer of the account; an unchanged row; a file without a column.
      const second = await api({
        method: 'POST',
        path: '/mandates/uploads',
        body: {
          csv: `customerNumber,iban,bic,mandateReference,signatureDate\n${customers.delta},${SETTLES},GEBABEBB,MNDT-ACME-1,2025-11-03\n${customers.beta},${REFUSED},DEUTDEFF,MNDT-BETA-1,2025-11-03\n`,
        },
      });
      expect(second.body.rows.map((r: { outcome: string; reasons: string[] }) => [r.outcome, r.reasons])).toEqual([
        ['failed', ['duplicate_reference_in_account']],
        ['unchanged', []],
      ]);
      const refused = await api({ method: 'POST', path: '/mandates/uploads', body: { csv: 'customerNumber,iban\nx,y\n' } });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'mandate_csv_invalid' });
      expect((await api({ path: '/mandates/uploads/mup_nope' })).status).toBe(404);
    });

    it('collects the linked customers’ invoices in pain.008 files valid against the XSD; the invoices are pending; a second run collects nothing', async () => {
      const early = await api({ method: 'POST', path: '/direct-debit/collect', body: {} });
      expect(early.status).toBe(422);
      expect(early.body.error.code).toBe('direct_debit_creditor_missing');
      expect((await api({ path: '/direct-debit/creditor', key: member })).body).toEqual({ creditor: null });
      const bad = await api({
        method: 'PUT',
        path: '/direct-debit/creditor',
        body: { name: 'Collect BV', iban: SETTLES, bic: 'GEBABEBB', creditorId: 'BE69ZZZ0123456789' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_creditor');
      const creditor = { name: 'Collect BV', iban: 'BE68 5390 0754 7034', bic: 'GEBABEBB', creditorId: 'BE68ZZZ0123456789' };
      expect((await api({ method: 'PUT', path: '/direct-debit/creditor', body: creditor, key: member })).status).toBe(403);
      const set = await api({ method: 'PUT', path: '/direct-debit/creditor', body: creditor });
      expect(set.body.creditor).toMatchObject({ name: 'Collect BV', iban: SETTLES, bic: 'GEBABEBB', creditorId: 'BE68ZZZ0123456789' });
      expect((await api({ method: 'POST', path: '/direct-debit/collect', key: member, body: {} })).status).toBe(403);

      const run = await api({ method: 'POST', path: '/direct-debit/collect', body: {} });
      expect(run.status, JSON.stringify(run.body)).toBe(200);
      expect(run.body).toMatchObject({ itemCount: 3, controlSum: '302.50', collectionDate: '2026-03-04', error: null });
      expect(run.body.files.map((f: { sequence: string; count: number }) => [f.sequence, f.count])).toEqual([
        ['FRST', 2],
        ['RCUR', 1],
      ]);
      // The bank has both files; each is valid against the pain.008.001.02 schema.
      const files = bank.control.files();
      expect(files.map((f) => f.status)).toEqual(['accepted', 'accepted']);
      for (const file of files) expect(await validatePain008Xsd(file.xml)).toEqual({ valid: true, errors: [] });
      expect(files[0]!.xml).toContain('<MndtId>MNDT-ACME-1</MndtId>');
      expect(files[0]!.xml).toContain('<Id>BE68ZZZ0123456789</Id>');
      expect(
        bank.control
          .transactions()
          .map((tx) => tx.amount)
          .sort(),
      ).toEqual(['121.00', '121.00', '60.50']);

      for (const name of ['acme', 'beta', 'gamma'] as const) {
        const inv = await invoice(invoices[name]);
        expect(inv.status).toBe('pending');
        expect(inv.events.map((e) => e.type)).toEqual(expect.arrayContaining(['direct_debit_claimed', 'direct_debit_submitted']));
      }
      expect((await invoice(invoices.delta)).status).toBe('booked'); // no mandate

      const second = await api({ method: 'POST', path: '/direct-debit/collect', body: {} });
      expect(second.body).toMatchObject({ itemCount: 0, files: [], controlSum: '0.00' });
      expect(bank.control.files()).toHaveLength(2);
      expect((await t.host.invoiceSync.directDebitJobs.runOnce()).collected).toBe(0); // the daily job finds nothing more either
      expect((await api({ path: '/direct-debit/runs', key: member })).body.data).toHaveLength(3);
    });

    it('the bank’s answers reach the invoices: settled → paid, refused → booked, returned after the due date → expired', async () => {
      clock.set('2026-03-04T12:00:00.000Z'); // the collection date: settled or refused
      await bankRun();
      const applied = await t.host.invoiceSync.directDebitJobs.runOnce();
      expect(applied).toMatchObject({ settled: 2, returned: 1, errors: 0 });
      expect((await invoice(invoices.acme)).status).toBe('paid');
      expect((await invoice(invoices.gamma)).status).toBe('paid');
      const beta = await invoice(invoices.beta);
      expect(beta.status).toBe('booked'); // due in 30 days
      expect(beta.events.find((e) => e.type === 'direct_debit_returned')?.detail).toMatchObject({ reason: 'AM04', status: 'booked' });

      // Three TARGET2 days on, gamma's debtor has the money returned (MD06); its invoice was due at once.
      clock.set('2026-03-09T12:00:00.000Z');
      await bankRun();
      expect(await t.host.invoiceSync.directDebitJobs.runOnce()).toMatchObject({ settled: 0, returned: 1 });
      const gamma = await invoice(invoices.gamma);
      expect(gamma.status).toBe('expired');
      expect(gamma.events.find((e) => e.type === 'direct_debit_returned')?.detail).toMatchObject({
        reason: 'MD06',
        wasSettled: true,
        paymentReversed: true,
        status: 'expired',
      });
      expect(gamma.events.map((e) => e.type)).toEqual(expect.arrayContaining(['payment_recorded', 'payment_reversed']));
      expect((await invoice(invoices.acme)).status).toBe('paid');

      // Recorded as payments (method direct_debit, the EndToEndId as reference) and queued for the write-back to Teamleader.
      const payments = await t.db.query<{ invoice_id: string; method: string; status: string; amount: string }>(
        `select invoice_id, method, status, amount::text as amount from sync_payments where account_id = $1 order by invoice_id`,
        [owner.accountId],
      );
      expect(payments.rows.map((p) => [p.invoice_id, p.method, p.status, p.amount]).sort()).toEqual(
        [
          [invoices.acme, 'direct_debit', 'active', '121.00'],
          [invoices.gamma, 'direct_debit', 'reversed', '121.00'],
        ].sort(),
      );
      // Written back to Teamleader: acme's payment registered; gamma's registered, then removed.
      await writeBack();
      expect(tlPayments('acme').map((p) => p.payment.amount)).toEqual([121]);
      expect(tlPayments('gamma')).toEqual([]);
      expect(tlPayments('beta')).toEqual([]);
      const writebacks = await t.db.query<{ invoice_id: string; action: string }>(
        `select invoice_id, action from sync_writebacks where account_id = $1 order by seq`,
        [owner.accountId],
      );
      expect(writebacks.rows.filter((w) => w.invoice_id === invoices.acme).map((w) => w.action)).toEqual(['register']);
      expect(writebacks.rows.filter((w) => w.invoice_id === invoices.gamma).map((w) => w.action)).toEqual(['register', 'remove']);
      expect(writebacks.rows.some((w) => w.invoice_id === invoices.beta)).toBe(false); // refused before it was paid: nothing to write

      // Read again: nothing changes twice; nothing is collected again by itself.
      await bankRun();
      expect(await t.host.invoiceSync.directDebitJobs.runOnce()).toMatchObject({ settled: 0, returned: 0, collected: 0 });
      expect((await api({ method: 'POST', path: '/direct-debit/collect', body: {} })).body.itemCount).toBe(0);
    });
  });
}
