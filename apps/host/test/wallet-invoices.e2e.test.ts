import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { createTestHost, MailSink, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { createUblValidator, type UblValidator } from '@tollgate/ubl-validation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin } from './fixtures/bundled-plugins.js';

const run = promisify(execFile);
const SECRET = 'whsec_wallet_invoices_e2e';
const BE_BUYER_VAT = 'BE0444556641';
const NL_BUYER_VAT = 'NL002455799B11';

/** The text of a PDF, through poppler's pdftotext. */
async function pdfText(pdf: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-invoice-pdf-'));
  try {
    await writeFile(join(dir, 'doc.pdf'), pdf);
    const { stdout } = await run('pdftotext', ['-layout', join(dir, 'doc.pdf'), '-']);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * W-13 end to end: an invoice for every top-up and a credit note for every refund, through HTTP with
 * the card sandbox and the real payments-card plugin; the render job (Chromium), the Schematron, the
 * SMTP sink. Numbering is checked under concurrent purchases (two hosts on PostgreSQL).
 */
for (const engine of testEngines()) {
  describe(`wallet invoices e2e [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let t: TestHost;
    let cards: CardSandbox;
    let smtp: MailSink;
    let validator: UblValidator;
    let cardPlugin: Awaited<ReturnType<typeof loadPlugin>>;
    let n = 0;

    const keyed = (key: string) => ({ 'idempotency-key': key });
    const newAccount = async (locale: 'nl' | 'fr' | 'en' | 'de' = 'en') => {
      n += 1;
      const a = await t.createAccount({ name: `Buyer ${n}`, locale, ownerEmail: `owner${n}@buyer.test` });
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: a.ownerKey, body: { name: 'reader', role: 'member' } });
      return { ...a, key: a.ownerKey, memberKey: member.body.key as string };
    };
    const addCard = async (key: string, card = 'pm_card_visa', on: TestHost = t) => {
      const res = await on.request({
        method: 'POST',
        path: '/v1/funding/payment-methods',
        key,
        headers: keyed(`card-${card}`),
        body: { provider: 'payments-card', kind: 'card', details: { paymentMethod: card } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const buy = (key: string, card: string, idem: string, amount = '25', on: TestHost = t) =>
      on.request({ method: 'POST', path: '/v1/funding/purchases', key, headers: keyed(idem), body: { amount, paymentMethodId: card } });
    const setProfile = (key: string, body: Record<string, unknown>) => t.request({ method: 'PUT', path: '/v1/billing/profile', key, body });
    const documents = async (key: string, query = '') => (await t.request({ path: `/v1/billing/documents${query}`, key })).body;
    const render = async () => {
      await t.host.billing.jobs.runOnce();
      await t.host.fundingJobs.runOnce(); // delivers the mail outbox
    };
    const ubl = async (key: string, id: string) => {
      const res = await t.request({ path: `/v1/billing/documents/${id}/ubl`, key });
      expect(res.status, String(res.body)).toBe(200);
      return res.body as string;
    };
    const pdfOf = async (key: string, id: string) => {
      const res = await fetch(`${t.url}/v1/billing/documents/${id}/pdf`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      return pdfText(Buffer.from(await res.arrayBuffer()));
    };
    const fatal = async (xml: string) => (await validator.validate({ xml })).fatal.map((v) => `${v.id}: ${v.text}`);

    beforeAll(async () => {
      cards = await startCardSandbox({ now: () => clock.now() });
      smtp = await MailSink.start();
      validator = createUblValidator({ sets: ['cen', 'peppol'] });
      cardPlugin = await loadPlugin('@tollgate/plugin-payments-card');
      t = await createTestHost({
        engine,
        clock,
        plugins: [{ plugin: cardPlugin, options: { baseUrl: cards.url, webhookSecret: SECRET, maxNetworkRetries: 0 } }],
        config: { mail: { from: 'Tollgate <billing@tollgate.test>', smtp: smtp.smtp }, funding: { refundFee: '2.00' } },
      });
      cards.control.setWebhook({ url: `${t.url}/v1/payments/webhooks/payments-card`, secret: SECRET });
    });
    afterAll(async () => {
      await t?.close();
      await cards?.close();
      await smtp?.stop();
      await validator?.close();
    });

    it('a billing profile is validated (check digits, country) and a refusal changes nothing; members read, admins write', async () => {
      const a = await newAccount();
      const none = await t.request({ path: '/v1/billing/profile', key: a.memberKey });
      expect(none.body).toMatchObject({ fromProfile: false, legalName: a.accountId ? 'Buyer 1' : '', country: 'BE', vatNumber: null });
      const base = { legalName: 'Klant NV', addressLines: ['Meir 10'], postcode: '2000', city: 'Antwerpen', country: 'BE' };
      const badDigits = await setProfile(a.key, { ...base, vatNumber: 'BE0444556642' });
      expect([badDigits.status, badDigits.body.error.code]).toEqual([400, 'invalid_vat_number']);
      const otherCountry = await setProfile(a.key, { ...base, vatNumber: NL_BUYER_VAT });
      expect([otherCountry.status, otherCountry.body.error.code]).toEqual([400, 'vat_country_mismatch']);
      const badBody = await setProfile(a.key, { ...base, country: 'Belgium' });
      expect([badBody.status, badBody.body.error.code]).toEqual([400, 'validation_failed']);
      const byMember = await setProfile(a.memberKey, base);
      expect(byMember.status).toBe(403);
      expect((await t.request({ path: '/v1/billing/profile', key: a.key })).body.fromProfile).toBe(false);
      const ok = await setProfile(a.key, { ...base, vatNumber: 'BE 0444.556.641' });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body).toMatchObject({ fromProfile: true, vatNumber: BE_BUYER_VAT, country: 'BE' });
    });

    let beInvoice: { id: string; number: string };
    let be: Awaited<ReturnType<typeof newAccount>>;

    it('a purchase produces exactly one invoice: 21 % inside the price for a Belgian buyer; a replayed request adds none', async () => {
      be = await newAccount('nl');
      expect(
        (
          await setProfile(be.key, {
            legalName: 'Klant NV',
            addressLines: ['Meir 10'],
            postcode: '2000',
            city: 'Antwerpen',
            country: 'BE',
            vatNumber: BE_BUYER_VAT,
            email: 'boekhouding@klant.test',
          })
        ).status,
      ).toBe(200);
      const card = await addCard(be.key);
      const bought = await buy(be.key, card, 'be-1');
      expect(bought.body.status).toBe('succeeded');
      expect((await buy(be.key, card, 'be-1')).body.id).toBe(bought.body.id);
      const list = await documents(be.memberKey);
      expect(list.data).toHaveLength(1);
      const doc = list.data[0];
      expect(doc).toMatchObject({
        type: 'invoice',
        purchaseId: bought.body.id,
        gross: '25.00',
        net: '20.66',
        vat: '4.34',
        vatCategory: 'S',
        vatRate: '21',
        ready: false,
        buyer: { name: 'Klant NV', vatNumber: BE_BUYER_VAT, country: 'BE' },
        seller: { vatNumber: 'BE0123456749' },
      });
      expect(doc.number).toMatch(/^TG2026-\d{6}$/);
      beInvoice = doc;
      expect((await t.request({ path: `/v1/funding/purchases/${bought.body.id}`, key: be.memberKey })).body.invoiceId).toBe(doc.id);
      const early = await t.request({ path: `/v1/billing/documents/${doc.id}/pdf`, key: be.memberKey });
      expect([early.status, early.body.error.code]).toEqual([409, 'document_not_ready']);
    });

    it('the PDF (nl) has the number and the totals; the UBL passes EN 16931 and Peppol BIS 3; the mail carries both, once', async () => {
      await render();
      const pdf = await fetch(`${t.url}/v1/billing/documents/${beInvoice.id}/pdf`, { headers: { authorization: `Bearer ${be.memberKey}` } });
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      const text = await pdfText(Buffer.from(await pdf.arrayBuffer()));
      expect(text).toContain(beInvoice.number);
      expect(text).toContain('Factuur');
      for (const amount of ['20,66', '4,34', '25,00']) expect(text).toContain(amount);
      const xml = await ubl(be.memberKey, beInvoice.id);
      expect(xml).toContain(`<cbc:ID>${beInvoice.number}</cbc:ID>`);
      expect(await fatal(xml)).toEqual([]);
      const mails = smtp.mails.filter((m) => m.envelopeTo.includes('boekhouding@klant.test'));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.parsed.subject).toContain(`Factuur ${beInvoice.number}`);
      expect(mails[0]!.parsed.attachments.map((x) => x.filename).sort()).toEqual([`invoice-${beInvoice.number}.pdf`, `invoice-${beInvoice.number}.xml`]);
      // Another round (a replayed job, a second host's sweep) sends nothing more.
      await t.host.billing.documents.process({ documentId: beInvoice.id });
      await render();
      expect(smtp.mails.filter((m) => m.envelopeTo.includes('boekhouding@klant.test'))).toHaveLength(1);
      expect((await t.request({ path: `/v1/billing/documents/${beInvoice.id}`, key: be.memberKey })).body).toMatchObject({ ready: true });
    });

    it('a purchase settled by a webhook delivered ten times has one invoice', async () => {
      const a = await newAccount();
      const card = await addCard(a.key, 'pm_card_processing');
      const pending = await buy(a.key, card, 'slow-1', '50');
      expect(pending.body.status).toBe('pending');
      expect((await documents(a.key)).data).toHaveLength(0);
      cards.control.settle({ paymentIntentId: pending.body.providerPaymentId, outcome: 'succeeded' });
      cards.control.duplicateNextWebhooks(9);
      await cards.control.deliverWebhooks();
      const list = await documents(a.key);
      expect(list.data.map((d: { purchaseId: string; gross: string }) => [d.purchaseId, d.gross])).toEqual([[pending.body.id, '50.00']]);
      const { rows } = await t.db.query<{ n: number }>('select count(*)::int as n from billing_documents where purchase_id = $1', [pending.body.id]);
      expect(rows[0]!.n).toBe(1);
    });

    it('an NL buyer with a valid VAT number: reverse charge (AE, 0 %), net = paid, and the note; the UBL passes Peppol', async () => {
      const a = await newAccount('en');
      expect(
        (
          await setProfile(a.key, {
            legalName: 'Klant BV',
            addressLines: ['Damrak 1'],
            postcode: '1012 LG',
            city: 'Amsterdam',
            country: 'NL',
            vatNumber: NL_BUYER_VAT,
          })
        ).status,
      ).toBe(200);
      await buy(a.key, await addCard(a.key), 'nl-1');
      const [doc] = (await documents(a.key)).data;
      expect(doc).toMatchObject({ vatCategory: 'AE', vatRate: '0', net: '25.00', vat: '0.00', gross: '25.00' });
      expect(doc.lines[0].exemptionReason).toBe('Reverse charge — Article 196 Directive 2006/112/EC');
      await render();
      const xml = await ubl(a.key, doc.id);
      expect(xml).toContain('<cbc:ID>AE</cbc:ID>');
      expect(await fatal(xml)).toEqual([]);
      const text = await pdfOf(a.key, doc.id);
      expect(text).toContain('Article 196');
    });

    it('a German consumer (no VAT number) pays 19 % German VAT inside the price (OSS); the UBL passes EN 16931', async () => {
      const a = await newAccount('de');
      expect(
        (await setProfile(a.key, { legalName: 'Erika Mustermann', addressLines: ['Hauptstr. 5'], postcode: '10115', city: 'Berlin', country: 'DE' })).status,
      ).toBe(200);
      await buy(a.key, await addCard(a.key), 'de-1');
      const [doc] = (await documents(a.key)).data;
      expect(doc).toMatchObject({ vatCategory: 'S', vatRate: '19', net: '21.01', vat: '3.99', gross: '25.00', buyer: { vatNumber: null } });
      await render();
      const result = await validator.validate({ xml: await ubl(a.key, doc.id) });
      // A consumer has no Peppol address (PEPPOL-EN16931-R010): everything else holds.
      expect(result.fatal.map((v) => v.id).filter((id) => id !== 'PEPPOL-EN16931-R010')).toEqual([]);
    });

    it('a refund produces a credit note for the payout, referencing the invoice, with its VAT; PDF, UBL and mail follow', async () => {
      clock.advance({ hours: 1 });
      const refund = await t.request({ method: 'POST', path: '/v1/funding/refunds', key: be.key, headers: keyed('refund-1'), body: { credits: '20.00' } });
      expect(refund.status, JSON.stringify(refund.body)).toBe(201);
      const notes = (await documents(be.key, '?type=credit_note')).data;
      expect(notes).toHaveLength(1);
      const note = notes[0];
      // 20.00 of credit less the 2.00 fee: 18.00 paid back, 21 % inside, as on the invoice.
      expect(note).toMatchObject({ type: 'credit_note', gross: '18.00', net: '14.88', vat: '3.12', vatCategory: 'S', vatRate: '21' });
      expect(note.number).toMatch(/^TGCN2026-\d{6}$/);
      expect(note.credits).toEqual([{ documentId: beInvoice.id, number: beInvoice.number, issuedOn: '2026-03-02', amount: '18.00' }]);
      await render();
      const xml = await ubl(be.key, note.id);
      expect(xml).toContain('<CreditNote');
      expect(xml).toMatch(new RegExp(`<cac:BillingReference>\\s*<cac:InvoiceDocumentReference>\\s*<cbc:ID>${beInvoice.number}</cbc:ID>`));
      expect(await fatal(xml)).toEqual([]);
      const text = await pdfOf(be.key, note.id);
      expect(text).toContain(note.number);
      expect(text).toContain(beInvoice.number);
      expect(text).toContain('18,00');
      const mail = smtp.mails.find((m) => m.parsed.subject?.includes(note.number));
      expect(mail?.parsed.attachments).toHaveLength(2);
      expect((await documents(be.key)).data.map((d: { type: string }) => d.type)).toEqual(['credit_note', 'invoice']);
    });

    it('a buyer outside the EU: out of scope (O), no seller VAT number in the UBL; EN 16931 holds', async () => {
      const a = await newAccount('en');
      expect(
        (await setProfile(a.key, { legalName: 'Acme Inc.', addressLines: ['1 Main St'], postcode: '10001', city: 'New York', country: 'US' })).status,
      ).toBe(200);
      await buy(a.key, await addCard(a.key), 'us-1');
      const [doc] = (await documents(a.key)).data;
      expect(doc).toMatchObject({ vatCategory: 'O', net: '25.00', vat: '0.00', gross: '25.00' });
      await render();
      const xml = await ubl(a.key, doc.id);
      expect(xml).not.toContain('<cbc:CompanyID>BE0123456749</cbc:CompanyID>');
      const result = await validator.validate({ xml });
      expect(result.fatal.map((v) => v.id).filter((id) => id !== 'PEPPOL-EN16931-R010')).toEqual([]);
    });

    it('a refund paid from two lots: one credit note, a line per invoice, both in BillingReference; Peppol holds', async () => {
      const a = await newAccount('fr');
      expect(
        (
          await setProfile(a.key, {
            legalName: 'Klant BV',
            addressLines: ['Damrak 1'],
            postcode: '1012 LG',
            city: 'Amsterdam',
            country: 'NL',
            vatNumber: NL_BUYER_VAT,
          })
        ).status,
      ).toBe(200);
      const card = await addCard(a.key);
      await buy(a.key, card, 'two-1', '10');
      clock.advance({ minutes: 1 });
      await buy(a.key, card, 'two-2', '25');
      clock.advance({ minutes: 1 });
      const invoices = (await documents(a.key, '?type=invoice')).data as Array<{ id: string; number: string }>;
      expect(invoices).toHaveLength(2);
      expect(
        (await t.request({ method: 'POST', path: '/v1/funding/refunds', key: a.key, headers: keyed('two-refund'), body: { credits: '30.00' } })).status,
      ).toBe(201);
      const [note] = (await documents(a.key, '?type=credit_note')).data;
      expect(note).toMatchObject({ gross: '28.00', vatCategory: 'AE' });
      expect(note.credits.map((c: { number: string }) => c.number).sort()).toEqual(invoices.map((i) => i.number).sort());
      expect(note.lines).toHaveLength(2);
      await render();
      const xml = await ubl(a.key, note.id);
      expect(xml.match(/<cac:BillingReference>/g)).toHaveLength(2);
      expect(await fatal(xml)).toEqual([]);
      expect(await pdfOf(a.key, note.id)).toContain('Note de crédit');
    });

    it('documents are the account’s own; operators list any account’s; filters and cursor paging work', async () => {
      const other = await newAccount();
      expect((await t.request({ path: `/v1/billing/documents/${beInvoice.id}`, key: other.key })).status).toBe(404);
      expect((await t.request({ path: `/v1/billing/documents/${beInvoice.id}/ubl`, key: other.key })).status).toBe(404);
      const admin = await t.request({ path: `/admin/billing/documents?accountId=${be.accountId}`, key: t.adminKey });
      expect(admin.body.data.map((d: { id: string }) => d.id)).toContain(beInvoice.id);
      expect((await t.request({ path: '/admin/billing/documents', key: be.key })).status).toBe(403);
      const first = await documents(be.key, '?limit=1');
      expect(first.data).toHaveLength(1);
      const second = await documents(be.key, `?limit=1&cursor=${first.nextCursor}`);
      expect(second.data[0].id).not.toBe(first.data[0].id);
      expect((await documents(be.key, '?from=2026-03-03')).data).toHaveLength(0);
      expect((await t.request({ path: '/v1/billing/documents?type=bill', key: be.key })).status).toBe(400);
    });

    it('concurrent purchases (two hosts on PostgreSQL) take numbers without a gap or a duplicate', async () => {
      const shared = engine.name === 'postgres';
      const second = shared
        ? await createTestHost({
            engine,
            clock,
            db: t.db,
            plugins: [{ plugin: cardPlugin, options: { baseUrl: cards.url, webhookSecret: SECRET, maxNetworkRetries: 0 } }],
            config: { files: t.filesConfig },
          })
        : t;
      try {
        const buyers = await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const a = await newAccount();
            return { ...a, card: await addCard(a.key, 'pm_card_visa', i % 2 ? second : t) };
          }),
        );
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => {
            const b = buyers[i % buyers.length]!;
            return buy(b.key, b.card, `many-${i}`, '10', i % 2 ? second : t);
          }),
        );
        expect(results.map((r) => r.body.status)).toEqual(Array(50).fill('succeeded'));
        const { rows } = await t.db.query<{ number: string }>(`select number from billing_documents where doc_type = 'invoice' order by number`);
        const numbers = rows.map((r) => Number(r.number.slice('TG2026-'.length)));
        expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
        const { rows: per } = await t.db.query<{ n: number }>(
          `select count(*)::int as n from billing_documents where purchase_id in (select id from funding_purchases where account_id = any($1::text[]))`,
          [`{${buyers.map((b) => b.accountId).join(',')}}`],
        );
        expect(per[0]!.n).toBe(50);
      } finally {
        if (second !== t) await second.close();
      }
    });
  });
}
