import { ManualClock } from '@tollgate/clock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTeamleaderSandbox, type TeamleaderSandbox } from './index.js';

describe('teamleader sandbox: API', () => {
  let clock: ManualClock;
  let sandbox: TeamleaderSandbox;
  let accessToken: string;
  let company: { id: string };

  beforeEach(async () => {
    clock = new ManualClock('2026-03-02T09:00:00.000Z');
    sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 1000 });
    accessToken = sandbox.control.issueTokens().access_token;
    company = sandbox.control.seedCompany({ name: 'Acme NV', vatNumber: 'BE0123456749', email: 'info@acme.test', invoicingEmail: 'billing@acme.test' }) as {
      id: string;
    };
  });
  afterEach(async () => {
    await sandbox.close();
  });

  async function call(path: string, body: unknown = {}, init: { signal?: AbortSignal } = {}): Promise<{ status: number; headers: Headers; body: any }> {
    const response = await fetch(`${sandbox.url}/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...init,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  }

  const customer = (): { type: 'company'; id: string } => ({ type: 'company', id: company.id });

  it('users.me names the account; departments.list has the default department and no paging', async () => {
    const me = await call('users.me');
    expect(me.body.data).toMatchObject({ id: sandbox.control.ids.user, account: { type: 'account', id: sandbox.control.ids.account } });
    expect(me.headers.get('x-api-version')).toBe('2023-09-26');
    const extra = sandbox.control.seedDepartment({ name: 'Other BV', status: 'archived' });
    const active = await call('departments.list', { filter: { status: ['active'] } });
    expect(active.body.data.map((d: any) => d.id)).toEqual([sandbox.control.ids.department]);
    expect((await call('departments.info', { id: extra.id })).body.data).toMatchObject({ name: 'Other BV', status: 'archived', iban: null });
  });

  it('pages invoices.list until a short page; meta only with includes=pagination; size > 100 is refused', async () => {
    for (let i = 0; i < 45; i += 1) sandbox.control.seedInvoice({ customer: customer(), booked: true });
    const sizes: number[] = [];
    for (let number = 1; ; number += 1) {
      const page = await call('invoices.list', { filter: { status: ['outstanding', 'matched'] }, page: { size: 20, number } });
      expect(page.status).toBe(200);
      expect(page.body.meta).toBeUndefined();
      sizes.push(page.body.data.length);
      if (page.body.data.length < 20) break;
    }
    expect(sizes).toEqual([20, 20, 5]);
    const first = await call('invoices.list', {});
    expect(first.body.data).toHaveLength(20);
    expect(first.body.data[0].invoice_number).toBe('2026 / 1');
    const withMeta = await call('invoices.list', { page: { size: 10, number: 5 }, includes: 'pagination' });
    expect(withMeta.body).toMatchObject({ meta: { page: { size: 10, number: 5 }, matches: 45 } });
    expect(withMeta.body.data).toHaveLength(5);
    const tooBig = await call('invoices.list', { page: { size: 101 } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.errors[0]).toMatchObject({ status: 400, title: expect.stringContaining('page.size') });
  });

  it('filters invoices by updated_since, status (array only), department, term, customer and sorts by date', async () => {
    const other = sandbox.control.seedDepartment({ name: 'Second BV' }) as { id: string };
    const old = sandbox.control.seedInvoice({ customer: customer(), booked: true, bookedOn: '2026-02-01' }) as any;
    const draft = sandbox.control.seedInvoice({ customer: customer(), purchaseOrderNumber: 'PO-77' }) as any;
    const elsewhere = sandbox.control.seedInvoice({ customer: customer(), departmentId: other.id, booked: true, bookedOn: '2026-02-10' }) as any;
    clock.advance({ minutes: 10 });
    const since = clock.now().toISOString();
    const fresh = sandbox.control.seedInvoice({ customer: customer(), booked: true, bookedOn: '2026-03-02' }) as any;
    clock.advance({ minutes: 5 });
    await call('invoices.registerPayment', { id: old.id, payment: { amount: 10, currency: 'EUR' }, paid_at: '2026-03-02T09:05:00+00:00' });

    const ids = async (body: unknown): Promise<string[]> => {
      const answer = await call('invoices.list', body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body.data.map((row: any) => row.id);
    };
    expect(await ids({ filter: { updated_since: since } })).toEqual([old.id, fresh.id]);
    expect(await ids({ filter: { status: ['draft'] } })).toEqual([draft.id]);
    expect((await call('invoices.list', { filter: { status: 'outstanding' } })).status).toBe(400);
    expect(await ids({ filter: { department_id: other.id } })).toEqual([elsewhere.id]);
    expect(elsewhere.invoice_number).toBe('2026 / 1');
    expect(await ids({ filter: { term: 'po-77' } })).toEqual([draft.id]);
    expect(await ids({ filter: { invoice_date_after: '2026-02-10', invoice_date_before: '2026-03-02' } })).toEqual([elsewhere.id, fresh.id]);
    expect(await ids({ filter: { customer: { type: 'contact', id: company.id } } })).toEqual([]);
    expect(await ids({ filter: { status: ['outstanding'] }, sort: [{ field: 'invoice_date', order: 'desc' }] })).toEqual([fresh.id, elsewhere.id, old.id]);
  });

  it('invoices.info has the full shape; registerPayment settles, removePayments reopens; amounts are numbers', async () => {
    const field = sandbox.control.seedCustomField({ context: 'invoice', type: 'single_select', label: 'Twikey invoices', options: ['1234'] }) as any;
    const invoice = sandbox.control.seedInvoice({
      customer: customer(),
      booked: true,
      bookedOn: '2026-03-02',
      lines: [
        { description: 'Plan', quantity: 1, unitPrice: '100.00', taxRate: '0.21' },
        { description: 'Books', quantity: '1.5', unitPrice: '10.01', taxRate: '0.06' },
      ],
      customFields: [{ definitionId: field.id, value: '1234' }],
    }) as any;
    const info = (await call('invoices.info', { id: invoice.id })).body.data;
    expect(info).toMatchObject({
      status: 'outstanding',
      invoice_number: '2026 / 1',
      due_on: '2026-04-01',
      paid: false,
      payment_reference: expect.stringMatching(/^\+\+\+\d{3}\/\d{4}\/\d{5}\+\+\+$/),
      invoicee: { name: 'Acme NV', vat_number: 'BE0123456749', email: 'billing@acme.test', customer: customer() },
      payment_term: { type: 'after_invoice_date', days: 30 },
      payments: [],
      custom_fields: [{ definition: { type: 'customFieldDefinition', id: field.id }, value: '1234' }],
      currency: 'EUR',
      file: { type: 'file', id: expect.any(String) },
    });
    // 100.00 + 21.00, and 15.02 (1.5 × 10.01 = 15.015, rounded) + 0.90 tax.
    expect(info.total).toMatchObject({
      tax_exclusive: { amount: 115.02, currency: 'EUR' },
      tax_inclusive: { amount: 136.92, currency: 'EUR' },
      due: { amount: 136.92, currency: 'EUR' },
    });
    expect(info).not.toHaveProperty('subscription');

    expect(
      (await call('invoices.registerPayment', { id: invoice.id, payment: { amount: 36.92, currency: 'USD' }, paid_at: '2026-03-03T10:00:00+00:00' })).status,
    ).toBe(400);
    expect(
      (await call('invoices.registerPayment', { id: invoice.id, payment: { amount: 36.92, currency: 'EUR' }, paid_at: '2026-03-03T10:00:00+00:00' })).status,
    ).toBe(204);
    expect((await call('invoices.info', { id: invoice.id })).body.data).toMatchObject({ status: 'outstanding', total: { due: { amount: 100 } } });
    await call('invoices.registerPayment', { id: invoice.id, payment: { amount: 100, currency: 'EUR' }, paid_at: '2026-03-04T10:00:00+00:00' });
    const paid = (await call('invoices.info', { id: invoice.id })).body.data;
    expect(paid).toMatchObject({ status: 'matched', paid: true, paid_at: '2026-03-04T10:00:00+00:00', total: { due: { amount: 0 } } });
    expect(paid.payments).toEqual([
      { paid_at: '2026-03-03T10:00:00+00:00', payment: { amount: 36.92, currency: 'EUR' } },
      { paid_at: '2026-03-04T10:00:00+00:00', payment: { amount: 100, currency: 'EUR' } },
    ]);
    expect((await call('invoices.removePayments', { id: invoice.id })).status).toBe(204);
    expect((await call('invoices.info', { id: invoice.id })).body.data).toMatchObject({
      status: 'outstanding',
      paid: false,
      paid_at: null,
      payments: [],
      total: { due: { amount: 136.92 } },
    });
    expect(sandbox.control.events().map((event) => event.type)).toEqual([
      'company.added',
      'invoice.drafted',
      'invoice.booked',
      'invoice.paymentRegistered',
      'invoice.paymentRegistered',
      'invoice.paymentRemoved',
    ]);
  });

  it('drafts, books and refuses bad input through the API (201, 204, 400, 404)', async () => {
    const drafted = await call('invoices.draft', {
      invoicee: { customer: customer() },
      department_id: sandbox.control.ids.department,
      payment_term: { type: 'end_of_month', days: 0 },
      grouped_lines: [
        {
          section: { title: '' },
          line_items: [{ quantity: 2, description: 'Seats', unit_price: { amount: 50, tax: 'excluding' }, tax_rate_id: sandbox.control.ids.taxRate21 }],
        },
      ],
    });
    expect(drafted).toMatchObject({ status: 201, body: { data: { type: 'invoice', id: expect.any(String) } } });
    const id = drafted.body.data.id;
    expect((await call('invoices.book', { id, on: '2026-03-10' })).status).toBe(204);
    expect((await call('invoices.info', { id })).body.data).toMatchObject({ due_on: '2026-03-31', total: { payable: { amount: 121 } } });
    expect((await call('invoices.book', { id, on: '2026-03-10' })).status).toBe(400);
    expect((await call('invoices.draft', { department_id: sandbox.control.ids.department })).body).toEqual({
      errors: [{ title: 'invoicee.customer is required', status: 400 }],
    });
    expect((await call('invoices.info', { id: 'missing' })).status).toBe(404);
    expect((await call('invoices.nope')).status).toBe(404);
    const garbage = await fetch(`${sandbox.url}/invoices.list`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` }, body: 'not json' });
    expect(garbage.status).toBe(400);
  });

  it('strict mode refuses invoices.updateBooked with 403', async () => {
    const invoice = sandbox.control.seedInvoice({ customer: customer(), booked: true }) as any;
    expect((await call('invoices.updateBooked', { id: invoice.id, purchase_order_number: 'A' })).status).toBe(204);
    sandbox.control.setStrictMode(true);
    const refused = await call('invoices.updateBooked', { id: invoice.id, purchase_order_number: 'B' });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].title).toMatch(/can't be edited/);
    // The strict-mode probe: an update naming no field is refused the same way in strict mode…
    expect((await call('invoices.updateBooked', { id: invoice.id })).status).toBe(403);
    // …and changes nothing without it (no updated_at, no webhook).
    sandbox.control.setStrictMode(false);
    const before = sandbox.control.invoice({ id: invoice.id }) as any;
    const queued = sandbox.control.pendingWebhooks().length;
    expect((await call('invoices.updateBooked', { id: invoice.id })).status).toBe(204);
    expect((sandbox.control.invoice({ id: invoice.id }) as any).updated_at).toBe(before.updated_at);
    expect(sandbox.control.pendingWebhooks()).toHaveLength(queued);
  });

  it('invoices.download gives a temporary location; deferred PDFs and failing downloads on command', async () => {
    const invoice = sandbox.control.seedInvoice({ customer: customer(), booked: true }) as any;
    const download = await call('invoices.download', { id: invoice.id, format: 'pdf' });
    expect(download.body.data).toEqual({ location: expect.stringMatching(new RegExp(`^${sandbox.url}/files/`)), expires: '2026-03-02T10:00:00+00:00' });
    const pdf = await fetch(download.body.data.location);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(await pdf.text()).toMatch(/^%PDF-1\.4[\s\S]*Invoice 2026 \/ 1/);

    sandbox.control.failFileDownloads(true);
    expect((await fetch(download.body.data.location)).status).toBe(503);
    sandbox.control.failFileDownloads(false);
    clock.advance({ hours: 1 });
    expect((await fetch(download.body.data.location)).status).toBe(404);
    accessToken = sandbox.control.issueTokens().access_token;

    sandbox.control.setPdfMode('deferred');
    const slow = sandbox.control.seedInvoice({ customer: customer(), booked: true }) as any;
    expect(slow.file).toBeNull();
    const notYet = await call('invoices.download', { id: slow.id, format: 'pdf' });
    expect(notYet.status).toBe(400);
    expect(notYet.body.errors[0].title).toMatch(/not rendered/);
    sandbox.control.markPdfReady({ id: slow.id });
    expect((await call('invoices.download', { id: slow.id, format: 'pdf' })).status).toBe(200);
    expect((await call('invoices.info', { id: slow.id })).body.data.file).toMatchObject({ type: 'file' });
  });

  it('serves a valid PDF (exact xref offsets) and dead download locations on command', async () => {
    const invoice = sandbox.control.seedInvoice({ customer: customer(), booked: true }) as any;
    const location = (await call('invoices.download', { id: invoice.id, format: 'pdf' })).body.data.location as string;
    const pdf = Buffer.from(await (await fetch(location)).arrayBuffer()).toString('latin1');
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf)?.[1]);
    expect(pdf.slice(startxref, startxref + 4)).toBe('xref');
    const offsets = [...pdf.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets).toHaveLength(5);
    offsets.forEach((offset, i) => expect(pdf.slice(offset).startsWith(`${i + 1} 0 obj`)).toBe(true));
    expect(pdf).toMatch(/\/BaseFont \/Helvetica/);

    sandbox.control.expireNextDownloadLinks({ count: 1 });
    const stamped = (await call('invoices.download', { id: invoice.id, format: 'pdf' })).body.data;
    expect(Date.parse(stamped.expires)).toBeLessThan(clock.now().getTime());
    expect((await fetch(stamped.location)).status).toBe(404);
    sandbox.control.expireNextDownloadLinks({ count: 1, how: 'link' });
    const dead = (await call('invoices.download', { id: invoice.id, format: 'pdf' })).body.data;
    expect(Date.parse(dead.expires)).toBeGreaterThan(clock.now().getTime());
    expect((await fetch(dead.location)).status).toBe(404);
    // Only the next ones: the one after is fine again.
    const fine = (await call('invoices.download', { id: invoice.id, format: 'pdf' })).body.data;
    expect((await fetch(fine.location)).status).toBe(200);

    sandbox.control.padPdfs({ bytes: 100_000 });
    const padded = Buffer.from(await (await fetch(fine.location)).arrayBuffer()).toString('latin1');
    expect(padded.length).toBeGreaterThan(100_000);
    const paddedXref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(padded)?.[1]);
    expect(padded.slice(paddedXref, paddedXref + 4)).toBe('xref');
  });

  it('credit notes lower the invoice due; the before-date filter is exclusive; creditNotes.info is an object', async () => {
    const invoice = sandbox.control.seedInvoice({ customer: customer(), booked: true }) as any;
    const note = sandbox.control.seedCreditNote({ invoiceId: invoice.id, date: '2026-03-05' }) as any;
    expect(note).toMatchObject({ status: 'booked', invoice: { type: 'invoice', id: invoice.id }, total: { payable: { amount: 121 } } });
    expect((await call('invoices.info', { id: invoice.id })).body.data).toMatchObject({ status: 'matched', total: { due: { amount: 0 } } });
    const list = async (filter: unknown): Promise<string[]> => (await call('creditNotes.list', { filter })).body.data.map((row: any) => row.id);
    expect(await list({ credit_note_date_before: '2026-03-05' })).toEqual([]);
    expect(await list({ credit_note_date_after: '2026-03-05', invoice_id: invoice.id })).toEqual([note.id]);
    const info = await call('creditNotes.info', { id: note.id });
    expect(info.body.data).toMatchObject({ id: note.id, credit_note_number: '2026 / 1', currency: 'EUR', grouped_lines: expect.any(Array) });
    expect((await call('creditNotes.download', { id: note.id, format: 'pdf' })).status).toBe(200);
    const viaApi = await call('invoices.credit', { id: sandbox.control.seedInvoice({ customer: customer(), booked: true }).id });
    expect(viaApi).toMatchObject({ status: 201, body: { data: { type: 'creditNote' } } });
  });

  it('subscriptions: list by invoice_id, info with custom fields; customers and custom field definitions', async () => {
    const field = sandbox.control.seedCustomField({ context: 'subscription', type: 'single_line', label: 'Twikey subscriptions' }) as any;
    sandbox.control.seedCustomField({ context: 'invoice', type: 'single_line', label: 'Twikey invoices' });
    const contact = sandbox.control.seedContact({ firstName: 'Ann', lastName: 'Peeters', email: 'ann@acme.test' }) as any;
    const subscription = sandbox.control.seedSubscription({
      customer: { type: 'contact', id: contact.id },
      customFields: [{ definitionId: field.id, value: '5678' }],
    }) as any;
    sandbox.control.seedSubscription({ customer: customer() });
    const invoice = sandbox.control.seedInvoice({ customer: { type: 'contact', id: contact.id }, subscriptionId: subscription.id, booked: true }) as any;

    const listed = await call('invoices.list', { filter: { ids: [invoice.id] } });
    expect(listed.body.data[0].subscription).toEqual({ type: 'subscription', id: subscription.id });
    expect(listed.body.data[0].invoicee.name).toBe('Ann Peeters');
    const byInvoice = await call('subscriptions.list', { filter: { invoice_id: invoice.id } });
    expect(byInvoice.body.data.map((s: any) => s.id)).toEqual([subscription.id]);
    expect(byInvoice.body.data[0]).toMatchObject({ status: 'active', billing_cycle: { periodicity: { unit: 'month', period: 1 }, days_in_advance: 0 } });
    expect((await call('subscriptions.info', { id: subscription.id })).body.data.custom_fields).toEqual([
      { definition: { type: 'customFieldDefinition', id: field.id }, value: '5678' },
    ]);

    expect((await call('contacts.info', { id: contact.id })).body.data).toMatchObject({
      first_name: 'Ann',
      last_name: 'Peeters',
      emails: [{ type: 'primary', email: 'ann@acme.test' }],
    });
    expect((await call('companies.info', { id: company.id })).body.data).toMatchObject({
      name: 'Acme NV',
      emails: [
        { type: 'primary', email: 'info@acme.test' },
        { type: 'invoicing', email: 'billing@acme.test' },
      ],
    });
    expect((await call('companies.info', { id: contact.id })).status).toBe(404);
    const added = await call('companies.add', { name: 'Beta BV' });
    expect(added).toMatchObject({ status: 201, body: { data: { type: 'company' } } });
    expect((await call('companies.update', { id: added.body.data.id, vat_number: 'BE0999999999' })).status).toBe(204);
    expect((await call('companies.list', { filter: { term: 'beta' } })).body.data).toMatchObject([{ name: 'Beta BV', vat_number: 'BE0999999999' }]);
    expect((await call('companies.list', { filter: { term: 'beta' } })).body.data[0]).not.toHaveProperty('custom_fields');
    expect((await call('companies.list', { filter: { term: 'beta' }, includes: 'custom_fields' })).body.data[0].custom_fields).toEqual([]);

    const definitions = await call('customFieldDefinitions.list', { filter: { context: 'subscription' } });
    expect(definitions.body.data).toEqual([
      { id: field.id, context: 'subscription', type: 'single_line', label: 'Twikey subscriptions', group: null, required: false },
    ]);
  });

  it('customFieldDefinitions.list pages like Teamleader (20 by default, 100 at most), filters by context and ids, refuses what Teamleader refuses', async () => {
    const fixed = sandbox.control.seedCustomField({
      id: 'f1xed000-0000-4000-8000-000000000001',
      context: 'invoice',
      type: 'single_select',
      label: 'Twikey profile',
      options: [{ id: 'f1xed000-0000-4000-8000-000000000002', value: 'Direct debit' }, 'Payment link'],
    }) as any;
    expect(fixed).toMatchObject({
      id: 'f1xed000-0000-4000-8000-000000000001',
      configuration: {
        options: [
          { id: 'f1xed000-0000-4000-8000-000000000002', value: 'Direct debit' },
          { id: expect.any(String), value: 'Payment link' },
        ],
      },
    });
    expect(() => sandbox.control.seedCustomField({ id: fixed.id, context: 'invoice', type: 'single_line', label: 'Again' })).toThrow(/already taken/);
    for (let i = 0; i < 24; i += 1) sandbox.control.seedCustomField({ context: 'invoice', type: 'single_line', label: `Field ${i}` });
    sandbox.control.seedCustomField({ context: 'company', type: 'single_line', label: 'Elsewhere' });
    const list = (body: unknown) => call('customFieldDefinitions.list', body);
    const first = await list({ filter: { context: 'invoice' } });
    expect(first.body.data).toHaveLength(20);
    expect(first.body.data[0]).toMatchObject({ id: fixed.id, context: 'invoice' });
    expect((await list({ filter: { context: 'invoice' }, page: { size: 20, number: 2 } })).body.data).toHaveLength(5);
    const all = await list({ filter: { context: 'invoice' }, page: { size: 100, number: 1 }, includes: 'pagination' });
    expect(all.body.data).toHaveLength(25);
    expect(all.body.meta).toEqual({ page: { size: 100, number: 1 }, matches: 25 });
    expect((await list({ page: { size: 100 } })).body.data).toHaveLength(26);
    expect((await list({ filter: { ids: [fixed.id] } })).body.data.map((f: any) => f.id)).toEqual([fixed.id]);
    for (const bad of [
      { page: { size: 101, number: 1 } },
      { page: { size: 20, number: 0 } },
      { page: { size: '20' } },
      { filter: { context: 'invoices' } },
      { filter: { context: 7 } },
      { filter: { ids: 'nope' } },
      { filter: 'invoice' },
    ]) {
      const refused = await list(bad);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body.errors[0]).toMatchObject({ status: 400, title: expect.any(String) });
    }
    expect((await call('customFieldDefinitions.info', { id: fixed.id })).body.data).toEqual(fixed);
    expect((await call('customFieldDefinitions.info', { id: 'f1xed000-0000-4000-8000-00000000dead' })).status).toBe(404);
    expect((await call('customFieldDefinitions.info', {})).status).toBe(400);
  });

  it('sends only the documented rate-limit headers: the reset in Brussels time with its offset, no Retry-After on 429', async () => {
    sandbox.control.setRateLimit(3);
    const first = await call('users.me');
    expect(first.headers.get('x-ratelimit-limit')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
    // 09:01:00Z is 10:01:00 in Brussels (winter, +01:00).
    expect(first.headers.get('x-ratelimit-reset')).toBe('2026-03-02T10:01:00+01:00');
    expect(Date.parse(first.headers.get('x-ratelimit-reset')!)).toBe(Date.parse('2026-03-02T09:01:00Z'));
    clock.advance({ seconds: 20 });
    await call('users.me');
    const third = await call('users.me');
    expect(third.headers.get('x-ratelimit-remaining')).toBe('0');
    const refused = await call('users.me');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ errors: [{ title: 'Too many requests', status: 429 }] });
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset')).toBe('2026-03-02T10:01:00+01:00');
    clock.advance({ seconds: 40 });
    const again = await call('users.me');
    expect(again.status).toBe(200);
    expect(again.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(again.headers.get('x-ratelimit-reset')).toBe('2026-03-02T10:01:20+01:00');
  });

  it('the reset stamp uses summer time (+02:00) and is rounded up to the whole second', async () => {
    clock.set('2026-07-01T12:00:00.250Z');
    accessToken = sandbox.control.issueTokens().access_token;
    const answer = await call('users.me');
    expect(answer.headers.get('x-ratelimit-reset')).toBe('2026-07-01T14:01:01+02:00');
  });

  it('setMaxPageSize caps list pages whatever page.size asks; page numbers count in pages of the cap', async () => {
    for (let i = 0; i < 7; i += 1) sandbox.control.seedCompany({ name: `Extra ${i}` });
    const all = ((await call('companies.list', { page: { size: 100 } })).body.data as Array<{ id: string }>).map((c) => c.id);
    expect(all).toHaveLength(8);
    sandbox.control.setMaxPageSize(3);
    const page = async (number: number) => (await call('companies.list', { page: { size: 5, number }, includes: 'pagination' })).body;
    const first = await page(1);
    expect(first.data.map((c: { id: string }) => c.id)).toEqual(all.slice(0, 3));
    expect(first.meta).toEqual({ page: { size: 3, number: 1 }, matches: 8 });
    expect((await page(2)).data.map((c: { id: string }) => c.id)).toEqual(all.slice(3, 6));
    expect((await page(3)).data.map((c: { id: string }) => c.id)).toEqual(all.slice(6));
    expect((await page(4)).data).toEqual([]);
    expect((await call('companies.list', { page: { size: 2 } })).body.data).toHaveLength(2); // below the cap: as asked
    expect((await call('companies.list', { page: { size: 101 } })).status).toBe(400); // still refused above 100
    const control = (size: number) => fetch(`${sandbox.url}/_sandbox/max-page-size`, { method: 'POST', body: JSON.stringify({ size }) });
    expect((await control(0)).status).toBe(400);
    expect((await control(100)).status).toBe(200);
    expect((await call('companies.list', { page: { size: 5 } })).body.data).toHaveLength(5);
  });

  it('failNextRequests answers 500s (optionally for one path) and logs them; requests() counts calls per invoice', async () => {
    const invoice = sandbox.control.seedInvoice({ customer: customer(), booked: true }) as any;
    sandbox.control.failNextRequests({ count: 2, status: 500 });
    expect((await call('invoices.info', { id: invoice.id })).status).toBe(500);
    const second = await call('users.me');
    expect(second).toMatchObject({ status: 500, body: { errors: [{ status: 500 }] } });
    expect((await call('invoices.info', { id: invoice.id })).status).toBe(200);
    sandbox.control.failNextRequests({ count: 1, status: 503, path: '/invoices.download' });
    expect((await call('users.me')).status).toBe(200);
    expect((await call('invoices.download', { id: invoice.id, format: 'pdf' })).status).toBe(503);
    const infoCalls = sandbox.control.requests().filter((r) => r.path === '/invoices.info' && r.body?.id === invoice.id);
    expect(infoCalls.map((r) => r.status)).toEqual([500, 200]);
  });

  it('loseNextAnswers carries the request out but answers 5xx: a registerPayment lands although the client saw a failure', async () => {
    const invoice = sandbox.control.seedInvoice({ customer: customer(), booked: true }) as any;
    sandbox.control.loseNextAnswers({ count: 1, path: '/invoices.registerPayment' });
    expect((await call('users.me')).status).toBe(200);
    const lost = await call('invoices.registerPayment', { id: invoice.id, payment: { amount: 10, currency: 'EUR' }, paid_at: '2026-03-03T10:00:00+00:00' });
    expect(lost.status).toBe(500);
    expect(sandbox.control.invoice({ id: invoice.id })).toMatchObject({ payments: [{ payment: { amount: 10 } }] });
    // A refused request is not turned into a lost answer, and the switch is used up.
    expect(
      (await call('invoices.registerPayment', { id: invoice.id, payment: { amount: 10, currency: 'USD' }, paid_at: '2026-03-03T10:00:00+00:00' })).status,
    ).toBe(400);
    expect((await call('invoices.removePayments', { id: invoice.id })).status).toBe(204);
    expect(() => sandbox.control.loseNextAnswers({ count: 1, status: 404 })).toThrow(RangeError);
  });

  it('timeoutNext leaves a request unanswered until the client gives up; the next one is answered', async () => {
    sandbox.control.timeoutNext(1);
    const controller = new AbortController();
    const hanging = call('users.me', {}, { signal: controller.signal });
    while (!sandbox.control.requests().some((r) => r.path === '/users.me')) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(hanging).rejects.toThrow(/abort/i);
    expect(sandbox.control.requests()[0]).toMatchObject({ path: '/users.me', status: 0 });
    expect((await call('users.me')).status).toBe(200);
  });

  it('controls work over HTTP too, and reset forgets data and tokens', async () => {
    const seeded = await fetch(`${sandbox.url}/_sandbox/invoices`, { method: 'POST', body: JSON.stringify({ customer: customer(), booked: true }) });
    expect(seeded.status).toBe(201);
    const { data } = (await seeded.json()) as any;
    expect(data.status).toBe('outstanding');
    expect((await fetch(`${sandbox.url}/_sandbox/failures`, { method: 'POST', body: JSON.stringify({ count: 1, status: 502 }) })).status).toBe(200);
    expect((await call('users.me')).status).toBe(502);
    const bad = await fetch(`${sandbox.url}/_sandbox/invoices`, { method: 'POST', body: JSON.stringify({ customer: { type: 'company', id: 'nope' } }) });
    expect(bad.status).toBe(400);
    expect((await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
    expect((await call('users.me')).status).toBe(401);
    accessToken = sandbox.control.issueTokens().access_token;
    expect((await call('invoices.list')).body.data).toEqual([]);
  });
});
