import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFileStore } from '@tollgate/files';
import { SANDBOX_ACCOUNTS, SANDBOX_VENDOR_ID, startEPostSandbox, type EPostSandbox } from '@tollgate/sandbox-epost';
import {
  makeTestPdf,
  SANDBOX_KEYS,
  SIGNATURE_HEADER,
  signCallback,
  startPrintMailSandbox,
  TIMESTAMP_HEADER,
  type PrintMailSandbox,
} from '@tollgate/sandbox-print-mail';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin } from './fixtures/bundled-plugins.js';

/**
 * Issue 17's proof: the letter channel with the REAL carrier plugins (postal-be, postal-nl,
 * postal-de-epost) against their sandboxes on loopback, the real renderer (Chromium), on both
 * engines. A BE letter is charged exactly its catalog price once; a rejection releases; DE on a
 * classic account reaches the E-POST sandbox without a wallet movement; FR is refused naming the
 * countries; returned mail lands in the invoice's event log through a signed callback; a letter whose
 * callbacks never come is picked up by the poll; two hosts on one database sending one letter with
 * one key make one letter at the print service and one charge.
 */
const BE = { name: 'Bakkerij Peeters BV', street: 'Kerkstraat 12 bus 3', postalCode: '2000', city: 'Antwerpen', country: 'BE' };
const DE = { name: 'Muster GmbH', street: 'Hauptstraße 5', postalCode: '10115', city: 'Berlin', country: 'DE' };
const SENDER = { name: 'Tollgate Demo BV', street: 'Markt 1', postalCode: '9000', city: 'Gent', country: 'BE' };
const SECRET = 'whsec_letters_e2e';

type Line = { type: string; status: string; amount: string; channel: string | null };

for (const engine of testEngines()) {
  describe(`letters through the real carriers and sandboxes [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let pm: PrintMailSandbox;
    let ep: EPostSandbox;
    let t: TestHost;
    let second: TestHost;
    let filesRoot: string;
    let pdf: string;

    beforeAll(async () => {
      pm = await startPrintMailSandbox({ clock, webhookSecret: SECRET });
      ep = await startEPostSandbox({ clock });
      ep.control.setStatusQueryInterval(0);
      filesRoot = await mkdtemp(join(tmpdir(), 'letters-e2e-files-'));
      const sealingKey = randomBytes(32).toString('base64');
      const printMail = { baseUrl: pm.url, apiKey: SANDBOX_KEYS.test, webhookSecret: SECRET, retries: 0 };
      const plugins = [
        { plugin: await loadPlugin('@tollgate/plugin-postal-be'), options: printMail },
        { plugin: await loadPlugin('@tollgate/plugin-postal-nl'), options: printMail },
        { plugin: await loadPlugin('@tollgate/plugin-postal-de-epost'), options: { baseUrl: ep.url, vendorId: SANDBOX_VENDOR_ID, sealingKey, retries: 0 } },
      ];
      t = await createTestHost({ engine, clock, plugins, config: { files: { root: filesRoot } } });
      // A second host on the same database (and file store), as production runs N hosts.
      second = await createTestHost({ engine, clock, plugins, db: t.db, config: { files: { root: filesRoot } } });
      pdf = Buffer.from(await makeTestPdf({ pages: 2 })).toString('base64');
    });
    afterAll(async () => {
      await second?.close();
      await t?.close();
      await pm?.close();
      await ep?.close();
      if (filesRoot) await rm(filesRoot, { recursive: true, force: true });
    });

    const account = async (input: { plan?: 'classic'; credit?: string } = {}) => {
      const a = await t.createAccount();
      if (input.plan)
        expect((await t.request({ method: 'PUT', path: `/admin/accounts/${a.accountId}/plan`, key: t.adminKey, body: { plan: input.plan } })).status).toBe(200);
      const grant = await t.request({
        method: 'POST',
        path: `/admin/accounts/${a.accountId}/wallet/grants`,
        key: t.adminKey,
        body: { kind: 'promo', amount: input.credit ?? '20.00', idempotencyKey: `promo-${a.accountId}` },
      });
      expect(grant.status).toBe(201);
      return { ...a, key: a.ownerKey };
    };
    const send = (host: TestHost, key: string, body: object, idem: string) =>
      host.request({ method: 'POST', path: '/v1/letters', key, body: { sender: SENDER, ...body }, headers: { 'idempotency-key': idem } });
    const letter = async (key: string, id: string) => (await t.request({ path: `/v1/letters/${id}`, key })).body;
    const wallet = async (key: string) => (await t.request({ path: '/v1/wallet', key })).body as { available: string; pending: string; total: string };
    const lines = async (key: string) => (await t.request({ path: '/v1/wallet/history?limit=100', key })).body.data as Line[];
    /** Cents the spend lines took (they show spending as negative amounts). */
    const spent = async (key: string) =>
      (await lines(key))
        .filter((l) => l.type === 'spend' && l.amount !== '0.00')
        .map((l) => l.amount)
        .reduce((sum, a) => sum - Math.round(Number(a) * 100), 0);
    /** The catalog price of a letter's charges for this account (read from the catalog API, not from the letter). */
    const catalogPrice = async (key: string, charges: Array<{ channel: string; units: string }>, plan = '*') => {
      const rows = (await t.request({ path: '/v1/catalog/prices', key })).body.data as Array<{
        channel: string;
        country: string;
        plan: string;
        unitPrice: string;
      }>;
      let cents = 0;
      for (const c of charges) {
        const own =
          rows.find((r) => r.channel === c.channel && r.country === 'BE' && r.plan === plan) ?? rows.find((r) => r.channel === c.channel && r.plan === '*');
        cents += Math.round(Number(own!.unitPrice) * Number(c.units) * 100);
      }
      return cents;
    };
    /** Sandbox time passes (the host's clock too), the print service moves its letters on and sends its callbacks. */
    const later = async (input: { minutes?: number; hours?: number }) => {
      clock.advance(input);
      await pm.control.process();
    };
    const atSandbox = (reference: string) => pm.control.letters().filter((l) => l.reference === reference);

    it('a BE letter: held at the catalog price, captured once when the print service accepts (signed callback)', async () => {
      const a = await account();
      const before = await wallet(a.key);
      const sent = await send(t, a.key, { recipient: BE, pdf, subject: 'Invoice 2026/0042' }, 'be-letter');
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      expect(sent.body).toMatchObject({ status: 'held', country: 'BE', carrier: { id: 'postal-be', billing: 'wallet' }, pages: 3, sheets: 3 });
      const price = await catalogPrice(a.key, sent.body.charges);
      expect(Math.round(Number(sent.body.amount) * 100)).toBe(price);
      expect(sent.body.charges.map((c: { channel: string; units: string }) => [c.channel, c.units])).toEqual([
        ['postal-be-postage-standard', '1'],
        ['postal-be-print-bw', '3'],
      ]);

      // Holds last long enough for a slow acceptance: 14 days.
      const held = (await t.request({ path: '/v1/wallet/holds', key: a.key })).body.data as Array<{ expiresAt: string; status: string }>;
      expect(held.map((h) => [h.status, h.expiresAt])).toEqual([
        ['pending', '2026-03-16T09:00:00.000Z'],
        ['pending', '2026-03-16T09:00:00.000Z'],
      ]);

      await t.host.letters.jobs.runOnce();
      expect(atSandbox(sent.body.id)).toHaveLength(1);
      expect(atSandbox(sent.body.id)[0]).toMatchObject({ pages: 3, sheets: 3, product: 'standard', color: false });
      expect((await letter(a.key, sent.body.id)).status).toBe('submitted');
      await later({ minutes: 5 });
      const accepted = await letter(a.key, sent.body.id);
      expect(accepted).toMatchObject({ status: 'accepted', holds: [{ status: 'captured' }, { status: 'captured' }] });
      expect(accepted.events).toEqual([expect.objectContaining({ status: 'accepted', applied: true })]);

      // Charged exactly the catalog price, once: the balance and the history agree.
      const after = await wallet(a.key);
      expect(Math.round((Number(before.available) - Number(after.available)) * 100)).toBe(price);
      expect(after.pending).toBe('0.00');
      expect(await spent(a.key)).toBe(price);
      // A replay of the request and of the callback change nothing.
      expect((await send(t, a.key, { recipient: BE, pdf, subject: 'Invoice 2026/0042' }, 'be-letter')).body.id).toBe(sent.body.id);
      await t.host.letters.jobs.runOnce();
      expect(atSandbox(sent.body.id)).toHaveLength(1);
      expect(await spent(a.key)).toBe(price);
      // The letter goes on: printed, posted, by callbacks.
      await later({ hours: 4 });
      await later({ hours: 8 });
      expect((await letter(a.key, sent.body.id)).status).toBe('posted');
      expect(await spent(a.key)).toBe(price);

      // Each move is the event letter.status_changed, in order; a replayed callback adds none.
      const moves = async () => {
        await t.runJobs();
        const log = await t.request({ path: '/v1/events?type=letter.status_changed', key: a.key });
        expect(log.status).toBe(200);
        return (log.body.data as Array<{ data: { letterId: string; previousStatus: string | null; status: string; amount: string | null } }>)
          .filter((e) => e.data.letterId === sent.body.id)
          .map((e) => [e.data.previousStatus, e.data.status, e.data.amount === null ? null : Math.round(Number(e.data.amount) * 100)]);
      };
      const expected = [
        [null, 'held', null],
        ['held', 'submitted', null],
        ['submitted', 'accepted', price],
        ['accepted', 'printed', price],
        ['printed', 'posted', price],
      ];
      expect(await moves()).toEqual(expected);
      const posted = pm.control.deliveries().find((d) => d.letterId === atSandbox(sent.body.id)[0]!.id && d.body.includes('"posted"'))!;
      const timestamp = Math.floor(clock.now().getTime() / 1000);
      const replayed = await t.request({
        method: 'POST',
        path: '/webhooks/postal/postal-be',
        body: posted.body,
        headers: { [SIGNATURE_HEADER]: signCallback({ secret: SECRET, timestamp, rawBody: posted.body }), [TIMESTAMP_HEADER]: String(timestamp) },
      });
      expect(replayed.body).toEqual({ received: 1, applied: 0, duplicates: 1, unmatched: 0 });
      expect(await moves()).toEqual(expected);
    });

    it('a member cannot send (403); a bad body is 400 in the standard shape; nothing is held or sent', async () => {
      const a = await account();
      const member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: a.key, body: { name: 'reader', role: 'member' } })).body.key as string;
      const before = pm.control.letters().length;
      const forbidden = await send(t, member, { recipient: BE, pdf }, 'member');
      expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'insufficient_role']);
      for (const body of [{ recipient: { ...BE, postalCode: 'B-20000' }, pdf }, { recipient: BE, pdf, product: 'express' }, { recipient: BE }]) {
        const bad = await send(t, a.key, body, `bad-${JSON.stringify(body).length}`);
        expect(bad.status, JSON.stringify(bad.body)).toBe(400);
        expect(bad.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.anything() } });
      }
      expect((await t.request({ path: '/v1/wallet/holds', key: a.key })).body.data).toEqual([]);
      expect(pm.control.letters().length).toBe(before);
    });

    it('the print service rejects the address: every hold released, nothing charged', async () => {
      const a = await account();
      const before = await wallet(a.key);
      pm.control.addFailure({ kind: 'address_rejected', count: 1 });
      const sent = await send(t, a.key, { recipient: BE, bodyText: 'Reminder' }, 'rejected');
      expect(sent.status).toBe(201);
      await t.host.letters.jobs.runOnce();
      await later({ minutes: 5 });
      expect(await letter(a.key, sent.body.id)).toMatchObject({
        status: 'rejected',
        reason: 'address_rejected',
        holds: [{ status: 'released' }, { status: 'released' }],
      });
      expect(await wallet(a.key)).toEqual(before);
      expect(await spent(a.key)).toBe(0);
    });

    it('DE on a classic account goes to the E-POST sandbox and never touches the wallet; on focus it is refused', async () => {
      const a = await account({ plan: 'classic' });
      const creds = await t.request({ method: 'PUT', path: '/v1/plugins/postal-de-epost/credentials', key: a.key, body: SANDBOX_ACCOUNTS.active });
      expect(creds.status).toBe(200);
      const beforeWallet = await wallet(a.key);
      const beforeLines = await lines(a.key);
      const uploads = ep.control.letters().length;
      const sent = await send(t, a.key, { recipient: DE, pdf, subject: 'Rechnung 2026/0042' }, 'de-letter');
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      expect(sent.body).toMatchObject({ status: 'ready', carrier: { id: 'postal-de-epost', billing: 'own_account' }, amount: null, charges: [], holds: [] });
      await t.host.letters.jobs.runOnce();
      const received = ep.control.letters().slice(uploads);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ ekp: SANDBOX_ACCOUNTS.active.ekp, pages: 3, zipCode: '10115' });
      expect(received[0]!.custom[0]).toBe(sent.body.id);
      expect((await letter(a.key, sent.body.id)).status).toBe('submitted');
      // E-POST has no callbacks: the poll reads the status.
      clock.advance({ minutes: 15 });
      await t.host.letters.jobs.runOnce();
      expect((await letter(a.key, sent.body.id)).status).toBe('accepted');
      expect(await wallet(a.key)).toEqual(beforeWallet);
      expect(await lines(a.key)).toEqual(beforeLines);

      const focus = await account();
      const refused = await send(t, focus.key, { recipient: DE, pdf }, 'de-on-focus');
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'postal_country_not_offered', details: { country: 'DE', offered: ['BE', 'NL'] } });
    });

    it('FR is refused naming the countries offered; nothing is held', async () => {
      for (const [plan, offered] of [
        [undefined, ['BE', 'NL']],
        ['classic', ['BE', 'DE', 'NL']],
      ] as const) {
        const a = await account(plan ? { plan } : {});
        const res = await send(t, a.key, { recipient: { ...BE, postalCode: '75001', city: 'Paris', country: 'FR' }, pdf }, 'fr');
        expect(res.status).toBe(422);
        expect(res.body.error).toMatchObject({ code: 'postal_country_not_offered', details: { country: 'FR', offered } });
        expect(res.body.error.message).toContain(offered.join(', '));
        expect((await t.request({ path: '/v1/wallet/holds', key: a.key })).body.data).toEqual([]);
        expect((await t.request({ path: '/v1/letters/carriers', key: a.key })).body.offered).toEqual(offered);
      }
    });

    it('returned mail: a letter made from an imported invoice ends returned, and the invoice’s event log says so', async () => {
      const a = await account();
      const invoiceId = await importInvoice({ t, accountId: a.accountId, filesRoot, pdf: await makeTestPdf({ pages: 1 }) });
      pm.control.addFailure({ kind: 'returned', count: 1 });
      const sent = await send(t, a.key, { invoiceId, subject: 'Invoice 2026/0099' }, 'returned');
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      // The recipient is the invoice's customer.
      expect(sent.body).toMatchObject({ invoiceId, pages: 2, recipient: { name: 'Brouwerij De Ster NV', postalCode: '9000', city: 'Gent', country: 'BE' } });
      await t.host.letters.jobs.runOnce();
      await later({ minutes: 5 });
      await later({ hours: 4 });
      await later({ hours: 8 });
      await later({ hours: 96 });
      const returned = await letter(a.key, sent.body.id);
      expect(returned).toMatchObject({ status: 'returned', reason: 'returned_to_sender', holds: [{ status: 'captured' }, { status: 'captured' }] });
      const invoice = await t.request({ path: `/v1/invoice-sync/invoices/${invoiceId}`, key: a.key });
      const log = (invoice.body.events as Array<{ type: string; detail: Record<string, string> }>).filter((e) => e.type.startsWith('letter_'));
      expect(log.map((e) => e.type)).toEqual(['letter_submitted', 'letter_accepted', 'letter_printed', 'letter_posted', 'letter_returned']);
      expect(log.at(-1)!.detail).toEqual({ letterId: sent.body.id, carrierId: 'postal-be', reason: 'returned_to_sender' });
      expect((await t.request({ path: `/v1/letters?invoiceId=${invoiceId}`, key: a.key })).body.data.map((l: { id: string }) => l.id)).toEqual([sent.body.id]);

      // The returned callback again: signed right it is a duplicate; tampered or signed wrong it is refused.
      const delivery = pm.control.deliveries().find((d) => d.letterId === atSandbox(sent.body.id)[0]!.id && d.body.includes('"returned"'))!;
      const timestamp = Math.floor(clock.now().getTime() / 1000);
      const post = (rawBody: string, secret: string) =>
        t.request({
          method: 'POST',
          path: '/webhooks/postal/postal-be',
          body: rawBody,
          headers: { [SIGNATURE_HEADER]: signCallback({ secret, timestamp, rawBody }), [TIMESTAMP_HEADER]: String(timestamp) },
        });
      expect((await post(delivery.body, SECRET)).body).toEqual({ received: 1, applied: 0, duplicates: 1, unmatched: 0 });
      const wrong = await post(delivery.body, 'whsec_someone_else');
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.code).toEqual(expect.any(String));
      const tampered = await t.request({
        method: 'POST',
        path: '/webhooks/postal/postal-be',
        body: delivery.body.replace('"returned"', '"delivered"'),
        headers: { [SIGNATURE_HEADER]: signCallback({ secret: SECRET, timestamp, rawBody: delivery.body }), [TIMESTAMP_HEADER]: String(timestamp) },
      });
      expect(tampered.status).toBe(400);
      expect((await letter(a.key, sent.body.id)).status).toBe('returned');
    });

    it('callbacks that never come: the poll picks the status up', async () => {
      const a = await account();
      pm.control.addFailure({ kind: 'drop_callbacks', count: 1 });
      const sent = await send(t, a.key, { recipient: BE, bodyText: 'Hello' }, 'silent');
      await t.host.letters.jobs.runOnce();
      await later({ minutes: 5 });
      expect((await letter(a.key, sent.body.id)).status).toBe('submitted');
      await later({ minutes: 15 });
      await t.host.letters.jobs.runOnce();
      expect(await letter(a.key, sent.body.id)).toMatchObject({ status: 'accepted', holds: [{ status: 'captured' }, { status: 'captured' }] });
      expect(await spent(a.key)).toBe(Math.round(Number(sent.body.amount) * 100));
    });

    it('cancels a submitted letter through the print service: holds released, nothing charged; a posted one cannot be', async () => {
      const a = await account();
      const before = await wallet(a.key);
      const sent = await send(t, a.key, { recipient: BE, bodyText: 'Stop me' }, 'cancel-me');
      await t.host.letters.jobs.runOnce();
      const cancelled = await t.request({ method: 'POST', path: `/v1/letters/${sent.body.id}/cancel`, key: a.key });
      expect(cancelled.body).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_user', holds: [{ status: 'released' }, { status: 'released' }] });
      expect(pm.control.letter(atSandbox(sent.body.id)[0]!.id)).toMatchObject({ status: 'cancelled' });
      await later({ minutes: 5 });
      expect(await wallet(a.key)).toEqual(before);

      const posted = await send(t, a.key, { recipient: BE, bodyText: 'Too late' }, 'too-late');
      await t.host.letters.jobs.runOnce();
      await later({ minutes: 5 });
      await later({ hours: 12 });
      const refused = await t.request({ method: 'POST', path: `/v1/letters/${posted.body.id}/cancel`, key: a.key });
      expect([refused.status, refused.body.error.code]).toEqual([422, 'letter_not_cancellable']);
    });

    it('two hosts on one database send the same letter with the same key at once: one letter at the print service, one charge', async () => {
      const a = await account();
      const body = { recipient: BE, pdf, subject: 'Twice?' };
      const [one, two] = await Promise.all([send(t, a.key, body, 'both-hosts'), send(second, a.key, body, 'both-hosts')]);
      expect([one.status, two.status].sort()).toEqual([200, 201]);
      expect(two.body.id).toBe(one.body.id);
      await Promise.all([t.host.letters.jobs.runOnce(), second.host.letters.jobs.runOnce()]);
      await later({ minutes: 5 });
      expect(atSandbox(one.body.id)).toHaveLength(1);
      expect((await t.request({ path: '/v1/letters', key: a.key })).body.data).toHaveLength(1);
      expect((await t.request({ path: '/v1/wallet/holds', key: a.key })).body.data).toHaveLength(2);
      expect(await letter(a.key, one.body.id)).toMatchObject({ status: 'accepted' });
      expect(await spent(a.key)).toBe(Math.round(Number(one.body.amount) * 100));
    });
  });
}

/**
 * An imported invoice with its PDF stored, as invoice sync leaves one (connection, profile, customer
 * with a Belgian address, invoice, PDF in the file store); the letter channel only reads these.
 */
async function importInvoice(input: { t: TestHost; accountId: string; filesRoot: string; pdf: Uint8Array }): Promise<string> {
  const { t, accountId } = input;
  const id = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
  const [connection, profile, customer, invoice] = [id('conn'), id('prof'), id('cus'), id('inv')];
  const now = t.clock.now();
  const pdfKey = `invoices/${accountId}/${invoice}.pdf`;
  await new LocalFileStore({ root: input.filesRoot }).put({ key: pdfKey, body: Buffer.from(input.pdf), contentType: 'application/pdf' });
  await t.db.query(
    `insert into sync_connections (id, account_id, source_id, source_account_id, status, created_at, updated_at) values ($1, $2, 'teamleader', $3, 'connected', $4, $4)`,
    [connection, accountId, `tl-${connection}`, now],
  );
  await t.db.query(
    `insert into sync_profiles (id, account_id, name, direct_debit, payment_link, transfer, is_default, created_at, updated_at) values ($1, $2, 'Default', false, false, true, true, $3, $3)`,
    [profile, accountId, now],
  );
  await t.db.query(
    `insert into sync_customers (id, account_id, connection_id, source_type, source_id, customer_number, name, address, created_at, updated_at)
     values ($1, $2, $3, 'company', $4, 'C-1', 'Brouwerij De Ster NV', $5, $6, $6)`,
    [customer, accountId, connection, `src-${customer}`, JSON.stringify({ line1: 'Veldstraat 10', postalCode: '9000', city: 'Gent', country: 'BE' }), now],
  );
  await t.db.query(
    `insert into sync_invoices (id, account_id, connection_id, kind, source_id, source_number, number, department_id, customer_id, currency,
                                total_excl_vat, total_incl_vat, amount_due, issued_on, due_on, status, profile_id, source_updated_at, created_at, updated_at, pdf_status, pdf_key)
     values ($1, $2, $3, 'invoice', $4, '2026/0099', '2026/0099', 'dep-1', $5, 'EUR', 100, 121, 121, '2026-02-20', '2026-03-20', 'booked', $6, $7, $7, $7, 'available', $8)`,
    [invoice, accountId, connection, `src-${invoice}`, customer, profile, now, pdfKey],
  );
  return invoice;
}
