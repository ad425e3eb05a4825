import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { connectThroughSandbox, sandboxPluginOptions } from './teamleader-test-kit.js';

/**
 * S-5 end to end: a real host with the source-teamleader plugin and the Teamleader sandbox over
 * HTTP. Payments recorded by hand and matched from a camt.053 statement are written back with
 * invoices.registerPayment exactly once (through an outage, a lost answer and two drains at once);
 * a reversal calls invoices.removePayments, registers the standing payments again, and moves the
 * invoice back to booked, or expired past its due date.
 */
const API = '/v1/invoice-sync';
const LINES = [{ description: 'Plan', quantity: 1, unitPrice: '100.00', taxRate: '0.21' }]; // 121.00

type Ref = { type: 'company' | 'contact'; id: string };

function statement(input: { msgId: string; lines: Array<{ bankRef: string; amount: string; reference: string }> }): string {
  const entries = input.lines
    .map(
      (l) => `<Ntry><Amt Ccy="EUR">${l.amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-05</Dt></BookgDt>
        <AcctSvcrRef>${l.bankRef}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
        <RltdPties><Dbtr><Nm>Acme NV</Nm></Dbtr></RltdPties><RmtInf><Ustrd>${l.reference}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
    <GrpHdr><MsgId>${input.msgId}</MsgId><CreDtTm>2026-03-06T06:00:00Z</CreDtTm></GrpHdr>
    <Stmt><Id>${input.msgId}</Id><Acct><Id><IBAN>BE71096123456769</IBAN></Id></Acct>${entries}</Stmt></BkToCstmrStmt></Document>`;
}

for (const engine of testEngines()) {
  describe(`payments written back to Teamleader, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: TeamleaderSandbox;
    let t: TestHost;
    let owner: { accountId: string; ownerKey: string };
    let member: string;
    let acme: Ref;
    const docs: Record<'manual' | 'statement' | 'partial' | 'late', { id: string }> = {} as never;
    const ids: Record<keyof typeof docs, string> = {} as never;

    const api = (input: { method?: string; path: string; body?: unknown; key?: string; headers?: Record<string, string> }) =>
      t.request({ ...input, path: `${API}${input.path}`, key: input.key ?? owner.ownerKey });
    const tl = (doc: { id: string }) =>
      sandbox.control.invoice({ id: doc.id }) as { payments: Array<{ payment: { amount: number } }>; status: string; total: { due: { amount: number } } };
    const calls = (path: string, doc: { id: string }) =>
      sandbox.control.requests().filter((r) => r.path === path && (r.body as { id?: string } | null)?.id === doc.id);
    const drainTwice = () => Promise.all([t.host.invoiceSync.writebacks.drain({ owner: 'host-a' }), t.host.invoiceSync.writebacks.drain({ owner: 'host-b' })]);
    const events = async (id: string) => (await api({ path: `/invoices/${id}` })).body.events as Array<{ type: string; detail: Record<string, unknown> }>;

    beforeAll(async () => {
      sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      t = await createTestHost({
        engine,
        clock,
        plugins: [{ plugin, options: sandboxPluginOptions({ sandbox, maxAttempts: 1 }) }],
        config: { invoiceSync: { sweepMinutes: 10, writebackEverySeconds: 30, writebackMaxAttempts: 3, writebackBackoffSeconds: 60 } } as never,
      });
      owner = await t.createAccount({ name: 'Paid BV', ownerEmail: 'finance@paid.test' });
      member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'reader', role: 'member' } })).body.key;
      acme = { type: 'company', id: (sandbox.control.seedCompany({ name: 'Acme NV', email: 'info@acme.test', language: 'nl' }) as { id: string }).id };
      docs.late = sandbox.control.seedInvoice({ customer: acme, booked: true, bookedOn: '2026-01-20', lines: LINES }) as { id: string };
      docs.manual = sandbox.control.seedInvoice({ customer: acme, booked: true, lines: LINES }) as { id: string };
      docs.statement = sandbox.control.seedInvoice({ customer: acme, booked: true, lines: LINES }) as { id: string };
      docs.partial = sandbox.control.seedInvoice({ customer: acme, booked: true, lines: LINES }) as { id: string };
      expect((await connectThroughSandbox({ t, key: owner.ownerKey })).status).toBe(200);
      await api({ method: 'POST', path: '/profiles', body: { name: 'Transfer', directDebit: false, paymentLink: true, transfer: true } });
      const connectionId = (await api({ path: '/connections' })).body.data[0].id as string;
      expect((await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 60 } })).status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
      for (const key of Object.keys(docs) as Array<keyof typeof docs>) {
        const { rows } = await t.db.query<{ id: string }>('select id from sync_invoices where source_id = $1', [docs[key].id]);
        ids[key] = rows[0]!.id;
      }
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('a manual payment is registered in Teamleader once, through an outage, a lost answer and two drains at once', async () => {
      const body = { amount: '121.00', externalRef: 'receipt-1', paidAt: '2026-03-02T08:00:00Z' };
      expect((await api({ method: 'POST', path: `/invoices/${ids.manual}/payments`, body, key: member })).status).toBe(403);
      const first = await api({ method: 'POST', path: `/invoices/${ids.manual}/payments`, body });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ duplicate: false, invoice: { status: 'paid', amountDue: '0.00' }, payment: { method: 'manual', amount: '121.00' } });
      const again = await api({ method: 'POST', path: `/invoices/${ids.manual}/payments`, body });
      expect(again.body).toMatchObject({ duplicate: true, payment: { id: first.body.payment.id } });
      expect((await api({ path: `/invoices/${ids.manual}/payments`, key: member })).body.data).toHaveLength(1);

      // Teamleader is down: the call fails, the write-back waits for its backoff.
      sandbox.control.failNextRequests({ count: 1, status: 503, path: '/invoices.registerPayment' });
      const [a, b] = await drainTwice();
      expect(a.failed + b.failed).toBe(1);
      expect(tl(docs.manual).payments).toEqual([]);
      const waiting = (await api({ path: `/writebacks?invoiceId=${ids.manual}`, key: member })).body.data;
      expect(waiting).toEqual([expect.objectContaining({ action: 'register', status: 'pending', attempts: 1, lastError: expect.any(String) })]);
      expect(await drainTwice()).toEqual([
        { done: 0, failed: 0, parked: 0 },
        { done: 0, failed: 0, parked: 0 },
      ]);

      // Next try: Teamleader registers it but the answer is lost; the plugin sees it landed.
      clock.advance({ seconds: 61 });
      sandbox.control.loseNextAnswers({ count: 1, path: '/invoices.registerPayment' });
      const [c, d] = await drainTwice();
      expect(c.done + d.done).toBe(1);
      await drainTwice();
      expect(tl(docs.manual)).toMatchObject({ status: 'matched', payments: [{ payment: { amount: 121 } }] });
      expect(calls('/invoices.registerPayment', docs.manual)).toHaveLength(2);
      const log = (await events(ids.manual)).map((e) => e.type);
      expect(log).toEqual(expect.arrayContaining(['payment_recorded', 'writeback_queued', 'writeback_failed', 'writeback_done']));
      expect(log.filter((x) => x === 'writeback_done')).toHaveLength(1);
    });

    it('a camt.053 statement pays the invoice its structured communication names; importing it again records nothing', async () => {
      // The invoice's structured communication (as the invitation would carry it).
      await t.db.query(`update sync_invoices set structured_reference = '090933755493' where id = $1`, [ids.statement]);
      const xml = statement({
        msgId: 'STMT-0305',
        lines: [
          { bankRef: 'BANK-1', amount: '121.00', reference: '+++090/9337/55493+++' },
          { bankRef: 'BANK-2', amount: '50.00', reference: 'gift' },
        ],
      });
      expect((await api({ method: 'POST', path: '/bank-statements', body: { xml }, key: member })).status).toBe(403);
      const first = await api({ method: 'POST', path: '/bank-statements', body: xml, headers: { 'content-type': 'application/xml' } });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        kind: 'camt.053',
        credits: 2,
        matched: [{ invoiceId: ids.statement, amount: '121.00', reference: '+++090/9337/55493+++', invoiceStatus: 'paid' }],
        unmatched: [{ amount: '50.00', reason: 'no_reference' }],
        duplicates: [],
      });
      const replay = await api({ method: 'POST', path: '/bank-statements', body: { xml } });
      expect(replay.body).toMatchObject({ matched: [], duplicates: [{ invoiceId: ids.statement }] });
      await drainTwice();
      await drainTwice();
      expect(tl(docs.statement).payments).toHaveLength(1);
      expect((await api({ path: `/invoices/${ids.statement}/payments` })).body.data).toEqual([
        expect.objectContaining({ method: 'transfer', amount: '121.00', paidAt: '2026-03-05T00:00:00.000Z' }),
      ]);
      const bad = await api({ method: 'POST', path: '/bank-statements', body: { xml: '<nope/>' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_bank_statement');
    });

    it('partial payments, then a chargeback: removePayments, the standing payment registered again, invoice booked', async () => {
      await api({ method: 'POST', path: `/invoices/${ids.partial}/payments`, body: { amount: '21.00', externalRef: 'cash-1' } });
      const second = await api({ method: 'POST', path: `/invoices/${ids.partial}/payments`, body: { amount: '100.00', externalRef: 'cash-2' } });
      expect(second.body.invoice).toMatchObject({ status: 'paid', amountDue: '0.00' });
      await drainTwice();
      expect(tl(docs.partial)).toMatchObject({ status: 'matched', payments: [{ payment: { amount: 21 } }, { payment: { amount: 100 } }] });

      const reversed = await api({ method: 'POST', path: `/payments/${second.body.payment.id}/reverse`, body: { reason: 'chargeback' } });
      expect(reversed.status).toBe(200);
      expect(reversed.body).toMatchObject({ alreadyReversed: false, invoice: { status: 'booked', amountDue: '100.00' }, payment: { status: 'reversed' } });
      expect((await api({ method: 'POST', path: `/payments/${second.body.payment.id}/reverse`, body: { reason: 'chargeback' } })).body.alreadyReversed).toBe(
        true,
      );
      await drainTwice();
      await drainTwice();
      expect(calls('/invoices.removePayments', docs.partial)).toHaveLength(1);
      expect(tl(docs.partial)).toMatchObject({ status: 'outstanding', payments: [{ payment: { amount: 21 } }], total: { due: { amount: 100 } } });
      const removed = await t.db.query<{ data: Record<string, unknown> }>(
        `select data from event_outbox where account_id = $1 and type = 'invoice.payment_removed'`,
        [owner.accountId],
      );
      expect(removed.rows.map((r) => r.data)).toEqual([expect.objectContaining({ invoiceId: ids.partial, reason: 'chargeback', status: 'booked' })]);
    });

    it('a reversal past the due date leaves the invoice expired; a parked write-back is retried by hand', async () => {
      const paid = await api({ method: 'POST', path: `/invoices/${ids.late}/payments`, body: { amount: '121.00', externalRef: 'late-1' } });
      await drainTwice();
      expect(tl(docs.late).payments).toHaveLength(1);
      sandbox.control.failNextRequests({ count: 3, status: 503, path: '/invoices.removePayments' });
      const reversed = await api({ method: 'POST', path: `/payments/${paid.body.payment.id}/reverse`, body: { reason: 'returned transfer' } });
      expect(reversed.body.invoice).toMatchObject({ status: 'expired', amountDue: '121.00' });
      for (let i = 0; i < 3; i++) {
        await drainTwice();
        clock.advance({ minutes: 5 });
      }
      const parked = (await api({ path: '/writebacks?status=parked' })).body.data;
      expect(parked).toEqual([expect.objectContaining({ invoiceId: ids.late, action: 'remove', attempts: 3 })]);
      expect(tl(docs.late).payments).toHaveLength(1);
      expect((await api({ method: 'POST', path: `/writebacks/${parked[0].id}/retry`, key: member })).status).toBe(403);
      expect((await api({ method: 'POST', path: `/writebacks/${parked[0].id}/retry` })).body).toMatchObject({ status: 'pending', attempts: 0 });
      expect((await api({ method: 'POST', path: `/writebacks/${parked[0].id}/retry` })).body.error.code).toBe('writeback_not_parked');
      await drainTwice();
      expect(tl(docs.late)).toMatchObject({ status: 'outstanding', payments: [] });
      expect((await events(ids.late)).map((e) => e.type)).toEqual(expect.arrayContaining(['writeback_parked', 'writeback_retry_requested']));
    });

    it('refuses bad input and other accounts’ invoices, changing nothing', async () => {
      const bad = await api({ method: 'POST', path: `/invoices/${ids.partial}/payments`, body: { amount: 12.5, externalRef: 'x' } });
      expect(bad.status).toBe(400);
      const other = await t.createAccount({ name: 'Nosy BV' });
      expect((await api({ path: `/invoices/${ids.partial}/payments`, key: other.ownerKey })).status).toBe(404);
      expect((await api({ method: 'POST', path: '/payments/pay_nope/reverse', body: { reason: 'x' } })).status).toBe(404);
      expect((await api({ path: `/invoices/${ids.partial}/payments` })).body.data).toHaveLength(2);
    });
  });
}
