import { ValidationError } from '@tollgate/plugin-sdk';
import type { Company, Contact, CreditNote, Invoice, InvoiceListItem } from '@tollgate/teamleader';
import { describe, expect, it } from 'vitest';
import {
  customFieldValue,
  decodeCursor,
  documentCurrency,
  encodeCursor,
  mapCreditNote,
  mapCustomer,
  mapInvoice,
  mapSubscription,
  mapWebhookEvent,
  parseWebhookBody,
  paymentTermDays,
} from './teamleader-mapping.js';

// Shapes as in the contract notes §1.5–1.11 (amounts already decimal strings, as the client gives them).
const money = (amount: string) => ({ amount, currency: 'EUR' });
const item: InvoiceListItem = {
  id: '2aa4a6a9-9ce8-4851-a9b3-26aea2ea14c4',
  department: { type: 'department', id: '5e90eb0a-b502-4344-aa0f-3b8525af6186' },
  invoice_number: '2017 / 5',
  invoice_date: '2016-02-04',
  status: 'outstanding',
  due_on: '2016-03-03',
  paid: false,
  paid_at: null,
  payment_reference: '+++084/2613/66074+++',
  invoicee: { name: 'De Rode Duivels', vat_number: 'BE0899623035', customer: { type: 'contact', id: '4b0f959a-27e3-4080-b1b2-a05b374863cb' } },
  total: { tax_exclusive: money('100.0'), tax_inclusive: money('121.0'), payable: money('121.0'), due: money('21.5'), taxes: [] },
  created_at: '2016-02-04T16:44:33+00:00',
  updated_at: '2016-02-05T16:44:33+00:00',
  subscription: { type: 'subscription', id: '8631bbbf-0000-4000-8000-000000000001' },
};
const info: Invoice = {
  ...item,
  payment_term: { type: 'after_invoice_date', days: 30 },
  custom_fields: [
    { definition: { type: 'customFieldDefinition', id: 'cf-profile' }, value: '1234' },
    { definition: { type: 'customFieldDefinition', id: 'cf-other' }, value: 7 },
  ],
};

describe('mapInvoice', () => {
  it('maps an outstanding invoice with exact amounts, term, subscription and profile field', () => {
    expect(mapInvoice({ item, info, profileFieldId: 'cf-profile' })).toEqual({
      sourceId: item.id,
      kind: 'invoice',
      number: '2017 / 5',
      departmentId: '5e90eb0a-b502-4344-aa0f-3b8525af6186',
      status: 'booked',
      customer: { sourceId: '4b0f959a-27e3-4080-b1b2-a05b374863cb', type: 'contact' },
      currency: 'EUR',
      totalExclVat: '100.00',
      totalInclVat: '121.00',
      amountDue: '21.50',
      issuedOn: '2016-02-04',
      dueOn: '2016-03-03',
      paymentTermDays: 30,
      subscriptionId: '8631bbbf-0000-4000-8000-000000000001',
      creditedInvoiceId: null,
      profileField: '1234',
      updatedAt: '2016-02-05T16:44:33.000Z',
    });
  });

  it('matched → paid with nothing due; no profile field configured → null', () => {
    const doc = mapInvoice({ item: { ...item, status: 'matched', subscription: null }, info: { ...info, status: 'matched' }, profileFieldId: null });
    expect(doc).toMatchObject({ status: 'paid', amountDue: '0.00', subscriptionId: null, profileField: null });
  });

  it('keeps sub-cent precision exactly (no floats)', () => {
    const doc = mapInvoice({
      item: { ...item, total: { ...item.total, tax_inclusive: money('0.1000000000000000055511151231257827') } },
      info: null,
      profileFieldId: null,
    });
    expect(doc.totalInclVat).toBe('0.1000000000000000055511151231257827');
  });
});

describe('mapCreditNote', () => {
  it('maps the credited invoice and the customer', () => {
    const note: CreditNote = {
      id: '2b43633b-0000-4000-8000-000000000002',
      department: { type: 'department', id: 'dep' },
      credit_note_number: '2017/5',
      credit_note_date: '2016-02-04',
      status: 'booked',
      invoice: { type: 'invoice', id: '53484141-0000-4000-8000-000000000003' },
      paid: false,
      paid_at: null,
      invoicee: { name: 'Acme', customer: { type: 'company', id: 'co-1' } },
      total: { tax_exclusive: money('50'), tax_inclusive: money('60.5'), payable: money('60.5'), taxes: [] },
      updated_at: '2016-02-05T10:00:00+00:00',
    };
    expect(mapCreditNote({ note })).toMatchObject({
      kind: 'credit_note',
      number: '2017/5',
      status: 'booked',
      customer: { sourceId: 'co-1', type: 'company' },
      totalExclVat: '50.00',
      totalInclVat: '60.50',
      amountDue: '60.50',
      creditedInvoiceId: '53484141-0000-4000-8000-000000000003',
      paymentTermDays: null,
    });
  });
});

describe('custom fields and payment terms', () => {
  const field = (value: unknown) => [{ definition: { type: 'customFieldDefinition' as const, id: 'f' }, value }];
  it.each([
    ['option text', '1234', '1234'],
    ['multi-select takes the first', ['a', 'b'], 'a'],
    ['number', 12, '12'],
    ['reference', { type: 'company', id: 'co-9' }, 'co-9'],
    ['empty string', '', null],
    ['empty list', [], null],
    ['null', null, null],
  ])('%s', (_label, value, expected) => {
    expect(customFieldValue(field(value), 'f')).toBe(expected);
  });
  it('absent field → null', () => expect(customFieldValue(field('x'), 'other')).toBeNull());
  it('terms', () => {
    expect(paymentTermDays({ type: 'cash' })).toBe(0);
    expect(paymentTermDays({ type: 'end_of_month', days: 15 })).toBe(15);
    expect(paymentTermDays(null)).toBeNull();
  });
});

describe('mapCustomer', () => {
  it('a company: invoicing address, primary e-mail, VAT, language, profile field', () => {
    const company: Company = {
      id: 'co-1',
      name: 'Acme NV',
      vat_number: 'BE0899623035',
      emails: [
        { type: 'invoicing', email: 'billing@acme.test' },
        { type: 'primary', email: 'info@acme.test' },
      ],
      addresses: [
        { type: 'primary', address: { line_1: 'Main 1', postal_code: '1000', city: 'Brussel', country: 'BE' } },
        { type: 'invoicing', address: { line_1: 'Bill 2', postal_code: '9000', city: 'Gent', country: 'be' } },
      ],
      language: 'nl',
      custom_fields: [{ definition: { type: 'customFieldDefinition', id: 'p' }, value: 'PROF' }],
    };
    expect(mapCustomer({ type: 'company', party: company, profileFieldId: 'p' })).toEqual({
      sourceId: 'co-1',
      type: 'company',
      name: 'Acme NV',
      email: 'info@acme.test',
      address: { line1: 'Bill 2', postalCode: '9000', city: 'Gent', country: 'BE' },
      vatNumber: 'BE0899623035',
      language: 'nl',
      profileField: 'PROF',
    });
  });
  it('a contact: first and last name', () => {
    const contact: Contact = { id: 'c-1', first_name: 'Radja', last_name: 'Nainggolan', emails: [{ type: 'primary', email: 'r@n.test' }] };
    expect(mapCustomer({ type: 'contact', party: contact, profileFieldId: null })).toEqual({
      sourceId: 'c-1',
      type: 'contact',
      name: 'Radja Nainggolan',
      email: 'r@n.test',
      profileField: null,
    });
  });
});

describe('cursor', () => {
  it('round-trips and refuses garbage', () => {
    const cursor = { list: 'creditNotes' as const, page: 3, updatedSince: '2026-01-01T00:00:00+00:00', issuedSince: null };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(() => decodeCursor('nope')).toThrow(ValidationError);
    expect(() => decodeCursor(Buffer.from('["x",1,null,null]').toString('base64url'))).toThrow(ValidationError);
  });
});

describe('webhooks', () => {
  const body = (type: string, subject = { type: 'invoice', id: 'inv-1' }) =>
    Buffer.from(JSON.stringify({ type, subject, account: { type: 'account', id: 'acc-1' }, user: { type: 'user', id: 'u' } }));
  const at = new Date('2026-03-02T09:00:00Z');
  it.each([
    ['invoice.booked', { type: 'document.booked', kind: 'invoice' }],
    ['invoice.paymentRegistered', { type: 'document.updated', kind: 'invoice' }],
    ['invoice.deleted', { type: 'document.deleted', kind: 'invoice' }],
    ['creditNote.booked', { type: 'document.booked', kind: 'credit_note' }],
    ['contact.updated', { type: 'customer.updated', customerType: 'contact' }],
    ['company.updated', { type: 'customer.updated', customerType: 'company' }],
    ['subscription.deactivated', { type: 'subscription.updated' }],
  ])('%s', (type, expected) => {
    const [event] = mapWebhookEvent({ payload: parseWebhookBody(body(type)), receivedAt: at });
    expect(event).toMatchObject({ ...expected, sourceAccountId: 'acc-1', sourceId: 'inv-1' });
  });
  it('unknown types → []; replays in the window share an event id, later changes do not', () => {
    expect(mapWebhookEvent({ payload: parseWebhookBody(body('deal.created')), receivedAt: at })).toEqual([]);
    const id = (receivedAt: Date) => mapWebhookEvent({ payload: parseWebhookBody(body('invoice.updated')), receivedAt })[0]?.eventId;
    expect(id(new Date('2026-03-02T09:01:00Z'))).toBe(id(at));
    expect(id(new Date('2026-03-02T10:00:00Z'))).not.toBe(id(at));
  });
  it('refuses a body that is not a Teamleader payload', () => {
    expect(() => parseWebhookBody(Buffer.from('nope'))).toThrow(ValidationError);
    expect(() => parseWebhookBody(Buffer.from('{"type":"invoice.booked"}'))).toThrow(ValidationError);
  });
});

describe('issue 14 A: currency, subscription field, list-shaped customers', () => {
  it('keeps the document’s currency (A5): the document’s own, else its totals’; EUR only when none is named', () => {
    const usd = (amount: string) => ({ amount, currency: 'USD' });
    const dollars = { ...info, currency: 'USD', total: { ...info.total, tax_inclusive: usd('121.0'), tax_exclusive: usd('100.0'), due: usd('21.5') } };
    expect(mapInvoice({ item, info: dollars, profileFieldId: null }).currency).toBe('USD');
    expect(documentCurrency({ total: { tax_inclusive: { amount: '1', currency: 'gbp' } } })).toBe('GBP');
    expect(documentCurrency({})).toBe('EUR');
  });

  it('reads the subscription’s own profile field (A2)', () => {
    const subscription = {
      id: 'sub-1',
      title: 'Hosting',
      status: 'active',
      payment_term: { type: 'after_invoice_date', days: 14 },
      invoicee: { customer: { type: 'company', id: 'c-1' } },
      custom_fields: [{ definition: { type: 'customFieldDefinition', id: 'cf-sub' }, value: 'opt-2' }],
    } as never;
    expect(mapSubscription({ subscription, profileFieldId: 'cf-sub' })).toMatchObject({ sourceId: 'sub-1', profileField: 'opt-2', paymentTermDays: 14 });
    expect(mapSubscription({ subscription }).profileField).toBeNull();
  });

  it('takes a .list item’s primary_address when it has no addresses (A8 batch reads)', () => {
    const party = {
      id: 'c-1',
      name: 'Acme NV',
      emails: [{ type: 'primary', email: 'info@acme.test' }],
      primary_address: { line_1: 'Kerkstraat 1', postal_code: '9000', city: 'Gent', country: 'be' },
    } as unknown as Company;
    expect(mapCustomer({ type: 'company', party, profileFieldId: null }).address).toEqual({
      line1: 'Kerkstraat 1',
      postalCode: '9000',
      city: 'Gent',
      country: 'BE',
    });
  });
});
