import { readFile } from 'node:fs/promises';
import { MemoryDocumentReader, TestExporter, testDocument } from '@tollgate/accounting-exports';
import { accountingExportersExtensionPoint, definePlugin, spendChannelsExtensionPoint } from '@tollgate/plugin-sdk';
import { TEST_NUMBERS } from '@tollgate/sandbox-twilio';
import { createTestHost, type ManualClock, type TestEngine, type TestHost, type TestHostInput, type TestResponse } from '@tollgate/testing';
import { expect } from 'vitest';
import { startSandboxStack, WEBHOOK_SECRET, type SandboxStack } from '../src/sandbox-stack.js';

/**
 * The whole `pnpm start` stack for audits that walk every mounted route (route guards, the bad-input
 * sweep): every bundled plugin against its sandbox, account A with one of each thing a route can
 * name (user, key, hold, charge, card, purchase, refund, Teamleader connection, import run, profile,
 * customer, invoice, meeting, invitee, call, company, letter), made through the API, and account B.
 */

export type Ids = Record<
  | 'user'
  | 'apiKey'
  | 'hold'
  | 'transaction'
  | 'paymentMethod'
  | 'purchase'
  | 'refund'
  | 'connection'
  | 'run'
  | 'profile'
  | 'customer'
  | 'invoice'
  | 'payment'
  | 'writeback'
  | 'meeting'
  | 'invitee'
  | 'call'
  | 'webhookEndpoint'
  | 'webhookUrl'
  | 'event'
  | 'delivery'
  | 'mandateUpload'
  | 'company'
  | 'ignoredCompany'
  | 'letter'
  | 'exportTarget'
  | 'exportRun'
  | 'expense'
  | 'billingDocument'
  | 'ownerUser'
  | 'alert',
  string
>;
/** `headers`: what the route needs besides its ids and body (an Idempotency-Key where it is required). */
export type Fixture = { params: Record<string, string>; body?: unknown; headers?: Record<string, string> };
/** What the audit reads of an answer: the error code, when there is one. */
export type Answer = TestResponse<{ error?: { code?: string; message?: string } }>;
type Plugin = Extract<NonNullable<TestHostInput['plugins']>[number], { plugin: unknown }>['plugin'];

export const SMS = '/v1/plugins/sms-reminders';
export const INVOICE_SYNC = '/v1/invoice-sync';
export const COMPANY_DATA = '/v1/plugins/company-data-trendstop';
export const EPOST = '/v1/plugins/postal-de-epost';
export const EXPENSE_SCAN = '/v1/plugins/expense-scan';
/** A text PDF receipt of the expense-scan corpus: the audit's expense (a scan reads it in milliseconds). */
const EXPENSE_PDF = new URL('../../../plugins/expense-scan/test/fixtures/corpus/be-nl-receipt-01.pdf', import.meta.url);
/** Account A's return address for letters (its letter settings). */
export const LETTER_SENDER = { name: 'Account A BV', street: 'Markt 1', postalCode: '9000', city: 'Gent', country: 'BE' };
/** A Belgian recipient the print service accepts. */
export const LETTER_RECIPIENT = { name: 'Bakkerij Peeters BV', street: 'Kerkstraat 12 bus 3', postalCode: '2000', city: 'Antwerpen', country: 'BE' };

/** Account routes with path parameters: account A's ids, and a body that passes validation. */
export const FIXTURES: Record<string, (ids: Ids) => Fixture> = {
  'GET /v1/users/:userId': (ids) => ({ params: { userId: ids.user } }),
  'PATCH /v1/users/:userId': (ids) => ({ params: { userId: ids.user }, body: { name: 'Renamed' } }),
  'DELETE /v1/users/:userId': (ids) => ({ params: { userId: ids.user } }),
  'DELETE /v1/api-keys/:keyId': (ids) => ({ params: { keyId: ids.apiKey } }),
  // a history line is found by the id of any of its entries
  'GET /v1/wallet/history/:id': (ids) => ({ params: { id: ids.transaction } }),
  'GET /v1/wallet/holds/:holdId': (ids) => ({ params: { holdId: ids.hold } }),
  'POST /v1/wallet/holds/:holdId/capture': (ids) => ({ params: { holdId: ids.hold }, body: {} }),
  'POST /v1/wallet/holds/:holdId/release': (ids) => ({ params: { holdId: ids.hold }, body: {} }),
  'POST /v1/wallet/transactions/:transactionId/reverse': (ids) => ({ params: { transactionId: ids.transaction }, body: { reason: 'audit' } }),
  'DELETE /v1/funding/payment-methods/:id': (ids) => ({ params: { id: ids.paymentMethod } }),
  'GET /v1/funding/purchases/:id': (ids) => ({ params: { id: ids.purchase } }),
  [`GET ${INVOICE_SYNC}/connections/:id`]: (ids) => ({ params: { id: ids.connection } }),
  [`PATCH ${INVOICE_SYNC}/connections/:id`]: (ids) => ({ params: { id: ids.connection }, body: { autoImport: true } }),
  [`GET ${INVOICE_SYNC}/connections/:id/custom-fields`]: (ids) => ({ params: { id: ids.connection } }),
  [`POST ${INVOICE_SYNC}/connections/:id/imports`]: (ids) => ({ params: { id: ids.connection }, body: { days: 30 } }),
  [`GET ${INVOICE_SYNC}/connections/:id/runs`]: (ids) => ({ params: { id: ids.connection } }),
  [`GET ${INVOICE_SYNC}/runs/:id`]: (ids) => ({ params: { id: ids.run } }),
  [`GET ${INVOICE_SYNC}/profiles/:id`]: (ids) => ({ params: { id: ids.profile } }),
  [`PATCH ${INVOICE_SYNC}/profiles/:id`]: (ids) => ({ params: { id: ids.profile }, body: { name: 'Renamed' } }),
  [`DELETE ${INVOICE_SYNC}/profiles/:id`]: (ids) => ({ params: { id: ids.profile } }),
  [`GET ${INVOICE_SYNC}/customers/:id`]: (ids) => ({ params: { id: ids.customer } }),
  [`PATCH ${INVOICE_SYNC}/customers/:id`]: (ids) => ({ params: { id: ids.customer }, body: { customerNumber: 'C-9' } }),
  [`GET ${INVOICE_SYNC}/invoices/:id`]: (ids) => ({ params: { id: ids.invoice } }),
  [`GET ${INVOICE_SYNC}/invoices/:id/pdf`]: (ids) => ({ params: { id: ids.invoice } }),
  [`GET ${INVOICE_SYNC}/invoices/:id/invitation`]: (ids) => ({ params: { id: ids.invoice } }),
  // The audit's invoice has its PDF, but its profile offers only direct debit and the customer has no mandate:
  // the send answers 422 invitation_not_possible (no_payment_option), and sends nothing.
  [`POST ${INVOICE_SYNC}/invoices/:id/invitation`]: (ids) => ({ params: { id: ids.invoice }, body: {} }),
  [`GET ${INVOICE_SYNC}/mandates/uploads/:id`]: (ids) => ({ params: { id: ids.mandateUpload } }),
  [`GET ${INVOICE_SYNC}/mandates/uploads/:id/report.csv`]: (ids) => ({ params: { id: ids.mandateUpload } }),
  [`GET ${INVOICE_SYNC}/invoices/:id/payments`]: (ids) => ({ params: { id: ids.invoice } }),
  // The payment the stack recorded (same reference and amount: recording it again changes nothing).
  [`POST ${INVOICE_SYNC}/invoices/:id/payments`]: (ids) => ({ params: { id: ids.invoice }, body: { amount: '1.00', externalRef: 'audit-receipt-1' } }),
  [`POST ${INVOICE_SYNC}/invoices/:id/payment-details`]: (ids) => ({ params: { id: ids.invoice }, body: {} }),
  [`POST ${INVOICE_SYNC}/payments/:id/reverse`]: (ids) => ({ params: { id: ids.payment }, body: { reason: 'audit' } }),
  [`POST ${INVOICE_SYNC}/writebacks/:id/retry`]: (ids) => ({ params: { id: ids.writeback } }),
  [`GET ${SMS}/meetings/:meetingId`]: (ids) => ({ params: { meetingId: ids.meeting } }),
  [`PATCH ${SMS}/meetings/:meetingId`]: (ids) => ({ params: { meetingId: ids.meeting }, body: { title: 'Moved' } }),
  [`POST ${SMS}/meetings/:meetingId/cancel`]: (ids) => ({ params: { meetingId: ids.meeting } }),
  [`POST ${SMS}/meetings/:meetingId/invitees`]: (ids) => ({
    params: { meetingId: ids.meeting },
    body: { firstName: 'Eve', phone: '+32470990099', smsReminder: false },
  }),
  [`PATCH ${SMS}/meetings/:meetingId/invitees/:inviteeId`]: (ids) => ({
    params: { meetingId: ids.meeting, inviteeId: ids.invitee },
    body: { firstName: 'Eva' },
  }),
  [`DELETE ${SMS}/meetings/:meetingId/invitees/:inviteeId`]: (ids) => ({ params: { meetingId: ids.meeting, inviteeId: ids.invitee } }),
  'GET /v1/plugins/voice/calls/:id': (ids) => ({ params: { id: ids.call } }),
  'POST /v1/plugins/voice/calls/:id/hangup': (ids) => ({ params: { id: ids.call } }),
  'GET /v1/events/:eventId': (ids) => ({ params: { eventId: ids.event } }),
  'GET /v1/webhook-endpoints/:endpointId': (ids) => ({ params: { endpointId: ids.webhookEndpoint } }),
  'PATCH /v1/webhook-endpoints/:endpointId': (ids) => ({ params: { endpointId: ids.webhookEndpoint }, body: { description: 'audited' } }),
  'DELETE /v1/webhook-endpoints/:endpointId': (ids) => ({ params: { endpointId: ids.webhookEndpoint } }),
  'POST /v1/webhook-endpoints/:endpointId/rotate-secret': (ids) => ({ params: { endpointId: ids.webhookEndpoint }, body: { overlapHours: 1 } }),
  'GET /v1/webhook-endpoints/:endpointId/deliveries': (ids) => ({ params: { endpointId: ids.webhookEndpoint } }),
  'GET /v1/webhook-endpoints/:endpointId/deliveries/:deliveryId/attempts': (ids) => ({
    params: { endpointId: ids.webhookEndpoint, deliveryId: ids.delivery },
  }),
  'POST /v1/webhook-endpoints/:endpointId/replay': (ids) => ({ params: { endpointId: ids.webhookEndpoint }, body: { eventId: ids.event } }),
  [`GET ${COMPANY_DATA}/companies/:id`]: (ids) => ({ params: { id: ids.company } }),
  // The owner has company data switched on: a real purchase (€1.50 of account A's credit), then free again.
  [`POST ${COMPANY_DATA}/companies/:id/data/purchase`]: (ids) => ({
    params: { id: ids.company },
    body: {},
    headers: { 'idempotency-key': 'audit-company-data' },
  }),
  [`POST ${COMPANY_DATA}/companies/:id/data/ignore`]: (ids) => ({ params: { id: ids.ignoredCompany } }),
  [`DELETE ${COMPANY_DATA}/companies/:id/data/ignore`]: (ids) => ({ params: { id: ids.ignoredCompany } }),
  [`PUT ${COMPANY_DATA}/users/:userId`]: (ids) => ({ params: { userId: ids.user }, body: { enabled: true } }),
  // The audit's letter (the invoice's PDF behind a cover, submitted to the print service, not yet accepted).
  'GET /v1/letters/:id': (ids) => ({ params: { id: ids.letter } }),
  'GET /v1/letters/:id/pdf': (ids) => ({ params: { id: ids.letter } }),
  // Still stoppable at the print service: cancelled there, its holds released.
  'POST /v1/letters/:id/cancel': (ids) => ({ params: { id: ids.letter } }),
  // Accounting exports: a download target and its completed run (nothing left to resume: 409 export_run_not_resumable).
  'GET /v1/accounting-exports/targets/:id': (ids) => ({ params: { id: ids.exportTarget } }),
  'PATCH /v1/accounting-exports/targets/:id': (ids) => ({ params: { id: ids.exportTarget }, body: { name: 'Renamed target' } }),
  'DELETE /v1/accounting-exports/targets/:id': (ids) => ({ params: { id: ids.exportTarget } }),
  'GET /v1/accounting-exports/runs/:id': (ids) => ({ params: { id: ids.exportRun } }),
  'GET /v1/accounting-exports/runs/:id/download': (ids) => ({ params: { id: ids.exportRun } }),
  'POST /v1/accounting-exports/runs/:id/resume': (ids) => ({ params: { id: ids.exportRun } }),
  // Expense scanning: the audit's uploaded receipt (scanned once by the stack: a scan again is free, the content was paid).
  [`GET ${EXPENSE_SCAN}/expenses/:id`]: (ids) => ({ params: { id: ids.expense } }),
  [`PATCH ${EXPENSE_SCAN}/expenses/:id`]: (ids) => ({ params: { id: ids.expense }, body: { fields: { invoiceNumber: 'AUDIT-1' } } }),
  [`DELETE ${EXPENSE_SCAN}/expenses/:id`]: (ids) => ({ params: { id: ids.expense } }),
  [`POST ${EXPENSE_SCAN}/expenses/:id/scan`]: (ids) => ({ params: { id: ids.expense } }),
  [`GET ${EXPENSE_SCAN}/expenses/:id/file`]: (ids) => ({ params: { id: ids.expense } }),
  // Billing documents (W-13): the audit purchase's invoice, rendered.
  'GET /v1/billing/documents/:id': (ids) => ({ params: { id: ids.billingDocument } }),
  'GET /v1/billing/documents/:id/pdf': (ids) => ({ params: { id: ids.billingDocument } }),
  'GET /v1/billing/documents/:id/ubl': (ids) => ({ params: { id: ids.billingDocument } }),
  // Wallet part 2 (issue 22): a cap on the owner (Bob is deleted by the users audit), the audit's alert.
  'PUT /v1/wallet/caps/users/:userId': (ids) => ({ params: { userId: ids.ownerUser }, body: { limit: '900.00' } }),
  'DELETE /v1/wallet/caps/users/:userId': (ids) => ({ params: { userId: ids.ownerUser } }),
  'GET /v1/wallet/alerts/:alertId': (ids) => ({ params: { alertId: ids.alert } }),
  'PATCH /v1/wallet/alerts/:alertId': (ids) => ({ params: { alertId: ids.alert }, body: { name: 'audit alert' } }),
  'DELETE /v1/wallet/alerts/:alertId': (ids) => ({ params: { alertId: ids.alert } }),
};

/**
 * An accounting exporter for the audits (until the real exporter plugins are bundled): one XML file
 * per document on the spend channel `audit-export` (0.10), and the documents it reads, in memory.
 */
export const AUDIT_DOCUMENTS = new MemoryDocumentReader();
const auditExportPlugin = definePlugin({
  id: 'audit-export',
  compatibility: '^2.6.0',
  description: 'Audit accounting exporter',
  register(env) {
    env.registerInit({
      deps: { exporters: accountingExportersExtensionPoint, channels: spendChannelsExtensionPoint },
      init({ exporters, channels }) {
        channels.add({
          id: 'audit-export',
          label: 'Audit export',
          unit: 'document',
          settlement: 'immediate',
          prices: [{ unitPrice: '0.10', effectiveFrom: '2026-01-01' }],
          quote: () => ({ units: '1', description: 'Exported document' }),
        });
        exporters.add(new TestExporter('audit-ubl', 'audit-export'));
      },
    });
  },
});

export const fill = (url: string, params: Record<string, string>) =>
  url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? 'x')).replace(/\*$/, 'x');
export const hasParams = (url: string) => /:[A-Za-z0-9_]+/.test(url);

export interface AuditStack {
  stack: SandboxStack;
  t: TestHost;
  a: { accountId: string; owner: string; member: string };
  b: { owner: string };
  ids: Ids;
  /** Every route Fastify mounted but HEAD twins, as 'METHOD /url' keys too. */
  routes: Array<{ method: string; url: string; key: string }>;
  close(): Promise<void>;
}

export async function startAuditStack(input: { engine: TestEngine; clock: ManualClock }): Promise<AuditStack> {
  const { engine, clock } = input;
  const ids = {} as Ids;
  let stack: SandboxStack | undefined;
  let t: TestHost | undefined;
  const close = async () => {
    await t?.host.invoiceSync.jobs.idle().catch(() => undefined);
    await t?.close();
    await stack?.close();
  };
  try {
    const send = (req: { method: string; path: string; key?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer> => t!.request(req);
    const ok = async (res: Promise<Answer>, status = 201): Promise<unknown> => {
      const r = await res;
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      return r.body;
    };
    // Sandbox state follows the test's clock; webhooks and callbacks wait until delivered by hand.
    stack = await startSandboxStack({ hostUrl: 'http://127.0.0.1:0', autoDeliver: false, now: () => clock.now() });
    // The bundled plugins, imported by package name as `pnpm start` imports them.
    const plugins = await Promise.all(
      stack.plugins.map(async (entry) => ({ plugin: ((await import(entry.package)) as { default: Plugin }).default, options: entry.options })),
    );
    t = await createTestHost({ engine, clock, plugins: [...plugins, { plugin: auditExportPlugin }], accountingDocuments: AUDIT_DOCUMENTS });
    stack.card.control.setWebhook({ url: `${t.url}/v1/payments/webhooks/payments-card`, secret: WEBHOOK_SECRET });
    const routes = t.host.routes.filter((r) => r.method !== 'HEAD').map((r) => ({ ...r, key: `${r.method} ${r.url}` }));

    const accountA = await t.createAccount({ name: 'Account A' });
    const keyOf = async (role: string) =>
      (await ok(send({ method: 'POST', path: '/v1/api-keys', key: accountA.ownerKey, body: { name: `${role} key`, role } }))) as { id: string; key: string };
    const a = { accountId: accountA.accountId, owner: accountA.ownerKey, member: (await keyOf('member')).key };
    const b = { owner: (await t.createAccount({ name: 'Account B' })).ownerKey };
    const asA = (method: string, path: string, body?: unknown, idem?: string) =>
      send({ method, path, key: a.owner, ...(body !== undefined ? { body } : {}), ...(idem ? { headers: { 'idempotency-key': idem } } : {}) });

    // Accounts: a user and a key to remove.
    ids.user = ((await ok(asA('POST', '/v1/users', { email: 'bob@a.test', name: 'Bob' }))) as { id: string }).id;
    ids.apiKey = (await keyOf('admin')).id;
    ids.ownerUser = ((await ok(asA('GET', '/v1/users'), 200)) as { data: Array<{ id: string; role: string }> }).data.find((u) => u.role === 'owner')!.id;
    ids.alert = ((await ok(asA('POST', '/v1/wallet/alerts', { kind: 'balance_below', amount: '1.00' }, 'audit-alert'))) as { id: string }).id;

    // Funding by card: a payment method, a purchase (paid at once), a refund of part of it.
    ids.paymentMethod = (
      (await ok(
        asA('POST', '/v1/funding/payment-methods', { provider: 'payments-card', kind: 'card', details: { paymentMethod: 'pm_card_visa' } }, 'audit-card'),
      )) as { id: string }
    ).id;
    const packs = ((await ok(asA('GET', '/v1/funding/packs'), 200)) as { packs: string[] }).packs;
    const pack = packs.map(Number).sort((x, y) => y - x)[0]!;
    expect(pack).toBeGreaterThan(60);
    ids.purchase = (
      (await ok(asA('POST', '/v1/funding/purchases', { amount: pack.toFixed(2), paymentMethodId: ids.paymentMethod }, 'audit-buy'))) as { id: string }
    ).id;
    ids.refund = ((await ok(asA('POST', '/v1/funding/refunds', { credits: '60.00' }, 'audit-refund'))) as { id: string }).id;
    // W-13: the purchase's invoice, rendered (PDF and UBL) so its file routes answer 200.
    await t.host.billing.jobs.runOnce();
    ids.billingDocument = ((await ok(asA('GET', '/v1/billing/documents?type=invoice'), 200)) as { data: Array<{ id: string }> }).data[0]!.id;

    // Wallet: a hold and a charge on a priced channel.
    await ok(
      send({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: 'audit-test', unit: 'unit', unitPrice: '0.01', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      }),
    );
    ids.hold = ((await ok(asA('POST', '/v1/wallet/holds', { channel: 'audit-test', units: '5' }, 'audit-hold'))) as { id: string }).id;
    ids.transaction = (
      (await ok(asA('POST', '/v1/wallet/charges', { channel: 'audit-test', units: '3' }, 'audit-charge'))) as { transactionId: string }
    ).transactionId;

    // Invoice sync from Teamleader: connect by OAuth, import a booked invoice and its customer, a profile.
    const company = stack.teamleader.control.seedCompany({
      name: 'Acme NV',
      email: 'info@acme.test',
      language: 'nl',
      address: { line1: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
    }) as { id: string };
    stack.teamleader.control.seedInvoice({ customer: { type: 'company', id: company.id }, booked: true });
    const start = (await ok(asA('GET', '/v1/plugins/source-teamleader/connect'), 200)) as { authorizeUrl: string };
    const consent = await fetch(start.authorizeUrl, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    ids.connection = (
      (await ok(send({ method: 'GET', path: `${back.pathname}${back.search}` }), 200)) as { connection: { syncConnectionId: string } }
    ).connection.syncConnectionId;
    // Invoices are imported under the account's default profile: make one first.
    ids.profile = (
      (await ok(asA('POST', `${INVOICE_SYNC}/profiles`, { name: 'Standard', directDebit: true, paymentLink: false, transfer: false }))) as { id: string }
    ).id;
    ids.run = ((await ok(asA('POST', `${INVOICE_SYNC}/connections/${ids.connection}/imports`, { days: 30 }), 202)) as { id: string }).id;
    await t.host.invoiceSync.jobs.idle();
    expect(await ok(asA('GET', `${INVOICE_SYNC}/runs/${ids.run}`), 200)).toMatchObject({ status: 'completed', counts: { new: 1 } });
    ids.invoice = ((await ok(asA('GET', `${INVOICE_SYNC}/invoices`), 200)) as { data: Array<{ id: string }> }).data[0]!.id;
    // Its PDF, fetched by the schedule's round (S-6).
    expect(await t.host.invoiceSync.pdfJobs.runOnce()).toMatchObject({ fetched: 1 });
    ids.customer = ((await ok(asA('GET', `${INVOICE_SYNC}/customers`), 200)) as { data: Array<{ id: string }> }).data[0]!.id;
    // S-9: a mandate CSV upload linking that customer (customer number = the Teamleader id).
    ids.mandateUpload = (
      (await ok(
        asA('POST', `${INVOICE_SYNC}/mandates/uploads`, {
          csv: `customerNumber,iban,bic,mandateReference,signatureDate\n${company.id},BE68539007547034,GEBABEBB,MNDT-AUDIT-1,2026-01-05\n`,
        }),
      )) as { id: string }
    ).id;
    // S-5: a part payment recorded by hand, and its write-back to Teamleader.
    ids.payment = (
      (await ok(asA('POST', `${INVOICE_SYNC}/invoices/${ids.invoice}/payments`, { amount: '1.00', externalRef: 'audit-receipt-1' }), 200)) as {
        payment: { id: string };
      }
    ).payment.id;
    ids.writeback = ((await ok(asA('GET', `${INVOICE_SYNC}/writebacks?invoiceId=${ids.invoice}`), 200)) as { data: Array<{ id: string }> }).data[0]!.id;

    // SMS reminders: a meeting with an invitee whose reminder holds a message.
    const meeting = (await ok(
      asA(
        'POST',
        `${SMS}/meetings`,
        {
          title: 'Kick-off',
          location: 'Leuven',
          timeZone: 'Europe/Brussels',
          startsAt: '2026-03-10T13:30:00.000Z',
          invitees: [{ firstName: 'Ann', phone: '+32470990001', smsReminder: true }],
        },
        'audit-meeting',
      ),
    )) as { id: string; invitees: Array<{ id: string }> };
    ids.meeting = meeting.id;
    ids.invitee = meeting.invitees[0]!.id;

    // Voice: a call (a hold of its maximum minutes).
    ids.call = (
      (await ok(asA('POST', '/v1/plugins/voice/calls', { to: '+32470990002', from: TEST_NUMBERS.serviceSender }, 'audit-call'))) as { id: string }
    ).id;

    // Events out: an endpoint on the stack's webhook receiver, and one event delivered to it.
    ids.webhookUrl = `${stack.webhooks.url}/audit`;
    ids.webhookEndpoint = ((await ok(asA('POST', '/v1/webhook-endpoints', { url: ids.webhookUrl, eventTypes: ['wallet.charged'] }))) as { id: string }).id;
    await ok(asA('POST', '/v1/wallet/charges', { channel: 'audit-test', units: '1' }, 'audit-charge-event'));
    await t.host.events.jobs.runOnce();
    ids.event = ((await ok(asA('GET', '/v1/events?type=wallet.charged'), 200)) as { data: Array<{ id: string }> }).data.at(-1)!.id;
    ids.delivery = ((await ok(asA('GET', `/v1/webhook-endpoints/${ids.webhookEndpoint}/deliveries`), 200)) as { data: Array<{ id: string }> }).data[0]!.id;
    // Company data (Trends Top): the owner has it switched on; a Belgian company to buy, another to ignore.
    await ok(asA('PUT', `${COMPANY_DATA}/users/${accountA.ownerId}`, { enabled: true }), 200);
    ids.company = (
      (await ok(asA('POST', `${COMPANY_DATA}/companies`, { name: 'Brouwerij NV', country: 'BE', enterpriseNumber: '0200.065.765' }))) as { id: string }
    ).id;
    ids.ignoredCompany = (
      (await ok(asA('POST', `${COMPANY_DATA}/companies`, { name: 'Ignored BV', country: 'BE', enterpriseNumber: 'BE0314595348' }))) as { id: string }
    ).id;
    // Letters by post: a return address, then the invoice (its PDF behind a cover) to Belgium, paid from
    // the wallet and handed to the print service by the letter jobs (its callbacks wait: nothing is delivered by hand here).
    await ok(asA('PUT', '/v1/letters/settings', { sender: LETTER_SENDER }), 200);
    ids.letter = ((await ok(asA('POST', '/v1/letters', { invoiceId: ids.invoice, recipient: LETTER_RECIPIENT }, 'audit-letter'))) as { id: string }).id;
    await t.host.letters.jobs.runOnce();
    expect(await ok(asA('GET', `/v1/letters/${ids.letter}`), 200)).toMatchObject({ status: 'submitted', carrier: { id: 'postal-be' } });
    // Accounting exports: a download target and one run of one document, delivered (and charged).
    AUDIT_DOCUMENTS.add(a.accountId, testDocument({ id: `${a.accountId}-export-1`, number: 'AUDIT-0001' }));
    ids.exportTarget = (
      (await ok(asA('POST', '/v1/accounting-exports/targets', { exporterId: 'audit-ubl', name: 'Audit books', delivery: { kind: 'download' } }))) as {
        id: string;
      }
    ).id;
    ids.exportRun = ((await ok(asA('POST', '/v1/accounting-exports/runs', { targetId: ids.exportTarget }, 'audit-export-run'))) as { id: string }).id;
    await t.host.accountingExports.jobs.runOnce();
    expect(await ok(asA('GET', `/v1/accounting-exports/runs/${ids.exportRun}`), 200)).toMatchObject({ status: 'completed', counts: { exported: 1 } });
    // Expense scanning: a receipt uploaded (multipart) and scanned once (a free scan of the month's quota).
    const expense = await t.upload({
      path: `${EXPENSE_SCAN}/expenses`,
      key: a.owner,
      file: await readFile(EXPENSE_PDF),
      contentType: 'application/pdf',
      filename: 'receipt.pdf',
      fields: { scan: 'false' },
    });
    expect(expense.status, JSON.stringify(expense.body)).toBe(201);
    ids.expense = (expense.body as { id: string }).id;
    expect(await ok(asA('POST', `${EXPENSE_SCAN}/expenses/${ids.expense}/scan`), 200)).toMatchObject({ charged: true, amount: '0.00' });
    return { stack, t, a, b, ids, routes, close };
  } catch (error) {
    await close();
    throw error;
  }
}
