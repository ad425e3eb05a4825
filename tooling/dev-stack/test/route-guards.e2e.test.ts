import { TEST_NUMBERS } from '@tollgate/sandbox-twilio';
import { createTestHost, ManualClock, testEngines, type TestHost, type TestHostInput, type TestResponse } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxStack, WEBHOOK_SECRET, type SandboxStack } from '../src/sandbox-stack.js';

/**
 * The route audit of issue 11: EVERY route the host's Fastify instance mounted, core and plugin,
 * with every bundled plugin loaded against its sandbox (the `pnpm start` stack), is classified by
 * how it answers, not by what it declares:
 *   - without a key it answers 401, unless it is listed in PUBLIC with the reason it may be public;
 *   - a platform-admin route answers 403 admin_only to every account key;
 *   - an account route answers 403 account_key_required to the admin key, and 403 insufficient_role
 *     to a member key on every write (before its input is read: the probe's body is invalid), unless
 *     the write is listed in MEMBER_WRITES with its reason;
 *   - an account route with path parameters has a FIXTURE: account A's real ids (made through the
 *     API) and a valid body; account B's owner key gets 404 with them, A's own key does not.
 * A route that is added and falls in none of these lists fails the audit.
 */

/** Routes anyone may call, and why that is safe. */
const PUBLIC: Record<string, string> = {
  'GET /health': 'liveness and readiness probe: no account data',
  'GET /plugins': 'which plugins and channels this host runs: no account data',
  'GET /docs': 'the OpenAPI viewer (Swagger UI)',
  'GET /docs/': 'the OpenAPI viewer (Swagger UI)',
  'GET /docs/index.html': 'the OpenAPI viewer (Swagger UI)',
  'GET /docs/swagger-ui-init.js': 'the OpenAPI viewer’s start-up script, with the public document',
  'GET /docs/docs/swagger-ui-init.js': 'the same script, at the path Swagger UI asks for it',
  'GET /docs/LICENSE': 'Swagger UI’s licence file',
  'GET /docs/*': 'the OpenAPI viewer’s static assets',
  'GET /docs/json': 'the OpenAPI document',
  'GET /docs-yaml': 'the OpenAPI document',
  'POST /v1/payments/webhooks/:providerId': 'payment providers’ webhooks, verified by the provider plugin’s signature check',
  'POST /v1/plugins/sms-reminders/status-callbacks': 'Twilio message status callbacks, verified by X-Twilio-Signature',
  'POST /v1/plugins/voice/status-callbacks': 'Twilio call status callbacks, verified by X-Twilio-Signature',
  'GET /v1/plugins/source-teamleader/oauth/callback': 'the browser coming back from Teamleader consent; the single-use OAuth state names the account',
  'POST /v1/plugins/source-teamleader/webhooks': 'Teamleader webhooks, authenticated by the secret ?token= of the registered URL',
};

/** Account writes a member key may make, and why they cost nothing and send nothing. None today. */
const MEMBER_WRITES: Record<string, string> = {};

type Ids = Record<
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
  | 'meeting'
  | 'invitee'
  | 'call',
  string
>;
type Fixture = { params: Record<string, string>; body?: unknown };
/** What the audit reads of an answer: the error code, when there is one. */
type Answer = TestResponse<{ error?: { code?: string; message?: string } }>;
type Plugin = Extract<NonNullable<TestHostInput['plugins']>[number], { plugin: unknown }>['plugin'];

const SMS = '/v1/plugins/sms-reminders';
const INVOICE_SYNC = '/v1/invoice-sync';

/** Account routes with path parameters: account A's ids, and a body that passes validation. */
const FIXTURES: Record<string, (ids: Ids) => Fixture> = {
  'GET /v1/users/:userId': (ids) => ({ params: { userId: ids.user } }),
  'PATCH /v1/users/:userId': (ids) => ({ params: { userId: ids.user }, body: { name: 'Renamed' } }),
  'DELETE /v1/users/:userId': (ids) => ({ params: { userId: ids.user } }),
  'DELETE /v1/api-keys/:keyId': (ids) => ({ params: { keyId: ids.apiKey } }),
  'GET /v1/wallet/holds/:holdId': (ids) => ({ params: { holdId: ids.hold } }),
  'POST /v1/wallet/holds/:holdId/capture': (ids) => ({ params: { holdId: ids.hold }, body: {} }),
  'POST /v1/wallet/holds/:holdId/release': (ids) => ({ params: { holdId: ids.hold }, body: {} }),
  'POST /v1/wallet/transactions/:transactionId/reverse': (ids) => ({ params: { transactionId: ids.transaction }, body: { reason: 'audit' } }),
  'DELETE /v1/funding/payment-methods/:id': (ids) => ({ params: { id: ids.paymentMethod } }),
  'GET /v1/funding/purchases/:id': (ids) => ({ params: { id: ids.purchase } }),
  [`GET ${INVOICE_SYNC}/connections/:id`]: (ids) => ({ params: { id: ids.connection } }),
  [`PATCH ${INVOICE_SYNC}/connections/:id`]: (ids) => ({ params: { id: ids.connection }, body: { autoImport: true } }),
  [`POST ${INVOICE_SYNC}/connections/:id/imports`]: (ids) => ({ params: { id: ids.connection }, body: { days: 30 } }),
  [`GET ${INVOICE_SYNC}/connections/:id/runs`]: (ids) => ({ params: { id: ids.connection } }),
  [`GET ${INVOICE_SYNC}/runs/:id`]: (ids) => ({ params: { id: ids.run } }),
  [`GET ${INVOICE_SYNC}/profiles/:id`]: (ids) => ({ params: { id: ids.profile } }),
  [`PATCH ${INVOICE_SYNC}/profiles/:id`]: (ids) => ({ params: { id: ids.profile }, body: { name: 'Renamed' } }),
  [`DELETE ${INVOICE_SYNC}/profiles/:id`]: (ids) => ({ params: { id: ids.profile } }),
  [`GET ${INVOICE_SYNC}/customers/:id`]: (ids) => ({ params: { id: ids.customer } }),
  [`PATCH ${INVOICE_SYNC}/customers/:id`]: (ids) => ({ params: { id: ids.customer }, body: { customerNumber: 'C-9' } }),
  [`GET ${INVOICE_SYNC}/invoices/:id`]: (ids) => ({ params: { id: ids.invoice } }),
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
};

const fill = (url: string, params: Record<string, string>) =>
  url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? 'x')).replace(/\*$/, 'x');
const hasParams = (url: string) => /:[A-Za-z0-9_]+/.test(url);
/** A body no route accepts: a member's write must be refused before it is read. */
const PROBE = { $probe: true };

for (const engine of testEngines()) {
  describe(`route guards: every mounted route, core and plugin [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let stack: SandboxStack;
    let t: TestHost;
    let a: { accountId: string; owner: string; member: string };
    let b: { owner: string };
    const ids = {} as Ids;
    /** 'METHOD /url' → how the route answered the classification requests. */
    const kinds = new Map<string, 'public' | 'admin' | 'account'>();
    let routes: Array<{ method: string; url: string; key: string }> = [];

    const send = (input: { method: string; path: string; key?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer> => t.request(input);
    const ok = async (res: Promise<Answer>, status = 201): Promise<unknown> => {
      const r = await res;
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      return r.body;
    };

    beforeAll(async () => {
      // Sandbox state follows the test's clock; webhooks and callbacks wait until delivered by hand.
      stack = await startSandboxStack({ hostUrl: 'http://127.0.0.1:0', autoDeliver: false, now: () => clock.now() });
      // The bundled plugins, imported by package name as `pnpm start` imports them.
      const plugins = await Promise.all(
        stack.plugins.map(async (entry) => ({ plugin: ((await import(entry.package)) as { default: Plugin }).default, options: entry.options })),
      );
      t = await createTestHost({ engine, clock, plugins });
      stack.card.control.setWebhook({ url: `${t.url}/v1/payments/webhooks/payments-card`, secret: WEBHOOK_SECRET });
      routes = t.host.routes.filter((r) => r.method !== 'HEAD').map((r) => ({ ...r, key: `${r.method} ${r.url}` }));

      const accountA = await t.createAccount({ name: 'Account A' });
      const keyOf = async (role: string) =>
        (await ok(send({ method: 'POST', path: '/v1/api-keys', key: accountA.ownerKey, body: { name: `${role} key`, role } }))) as { id: string; key: string };
      a = { accountId: accountA.accountId, owner: accountA.ownerKey, member: (await keyOf('member')).key };
      b = { owner: (await t.createAccount({ name: 'Account B' })).ownerKey };
      const asA = (method: string, path: string, body?: unknown, idem?: string) =>
        send({ method, path, key: a.owner, ...(body !== undefined ? { body } : {}), ...(idem ? { headers: { 'idempotency-key': idem } } : {}) });

      // Accounts: a user and a key to remove.
      ids.user = ((await ok(asA('POST', '/v1/users', { email: 'bob@a.test', name: 'Bob' }))) as { id: string }).id;
      ids.apiKey = (await keyOf('admin')).id;

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
      ids.customer = ((await ok(asA('GET', `${INVOICE_SYNC}/customers`), 200)) as { data: Array<{ id: string }> }).data[0]!.id;

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
    });
    afterAll(async () => {
      await t?.host.invoiceSync.jobs.idle().catch(() => undefined);
      await t?.close();
      await stack?.close();
    });

    it('the audit sees every route: core and every bundled plugin’s, as Fastify mounted them', () => {
      const keys = new Set(routes.map((r) => r.key));
      for (const id of ['payments-card', 'payments-sepa', 'sms-reminders', 'voice', 'source-teamleader'])
        expect(t.host.pluginHost.plugins.map((p) => p.plugin.id)).toContain(id);
      for (const mounted of t.host.pluginHost.routes) expect(keys).toContain(`${mounted.route.method} ${mounted.url}`);
      for (const core of ['GET /v1/wallet', 'POST /v1/wallet/charges', 'POST /admin/accounts', 'GET /v1/invoice-sync/invoices/:id'])
        expect(keys).toContain(core);
      // Every HEAD route is the twin of a GET route (and answers as it does).
      for (const head of t.host.routes.filter((r) => r.method === 'HEAD')) expect(keys).toContain(`GET ${head.url}`);
    });

    it('every route is public (listed, with a reason), admin-only or an account route; nothing else', async () => {
      const problems: string[] = [];
      for (const route of routes) {
        if (PUBLIC[route.key]) {
          kinds.set(route.key, 'public');
          continue;
        }
        const fixture = FIXTURES[route.key]?.(ids);
        const path = fill(route.url, fixture?.params ?? {});
        const anonymous = await send({ method: route.method, path });
        if (anonymous.status !== 401) {
          problems.push(`${route.key}: answers ${anonymous.status} without a key; a public route must be in PUBLIC with its reason`);
          continue;
        }
        // A member key: the guard refuses admin routes and (below) member writes before any handler runs.
        const member = await send({ method: route.method, path, key: a.member, ...(route.method === 'GET' ? {} : { body: PROBE }) });
        if (member.status === 403 && member.body.error?.code === 'admin_only') {
          kinds.set(route.key, 'admin');
          continue;
        }
        const admin = await send({ method: route.method, path, key: t.adminKey, ...(route.method === 'GET' ? {} : { body: PROBE }) });
        if (admin.status === 403 && admin.body.error?.code === 'account_key_required') kinds.set(route.key, 'account');
        else
          problems.push(
            `${route.key}: neither admin-only (member key: ${member.status} ${member.body.error?.code}) nor an account route (admin key: ${admin.status} ${admin.body.error?.code})`,
          );
      }
      for (const listed of [...Object.keys(PUBLIC), ...Object.keys(MEMBER_WRITES), ...Object.keys(FIXTURES)]) {
        if (!routes.some((r) => r.key === listed)) problems.push(`${listed}: listed in the audit but not mounted`);
      }
      for (const route of routes) {
        if (kinds.get(route.key) === 'account' && hasParams(route.url) && !FIXTURES[route.key])
          problems.push(`${route.key}: account route with path parameters and no FIXTURE (account A's real ids)`);
      }
      expect(problems).toEqual([]);
      expect([...kinds.values()].filter((k) => k === 'account').length).toBeGreaterThan(40);
    });

    it('a member key gets 403 insufficient_role on every account write, before its input is read', async () => {
      const problems: string[] = [];
      for (const route of routes.filter((r) => kinds.get(r.key) === 'account' && r.method !== 'GET')) {
        const path = fill(route.url, FIXTURES[route.key]?.(ids).params ?? {});
        const res = await send({ method: route.method, path, key: a.member, body: PROBE });
        const refused = res.status === 403 && res.body.error?.code === 'insufficient_role';
        if (MEMBER_WRITES[route.key] ? refused : !refused) problems.push(`${route.key}: member key got ${res.status} ${res.body.error?.code ?? ''}`);
      }
      expect(problems).toEqual([]);
      // Members still read.
      expect((await send({ method: 'GET', path: '/v1/wallet', key: a.member })).status).toBe(200);
      expect((await send({ method: 'GET', path: `${SMS}/meetings/${ids.meeting}`, key: a.member })).status).toBe(200);
      expect((await send({ method: 'GET', path: `/v1/plugins/voice/calls/${ids.call}`, key: a.member })).status).toBe(200);
    });

    it('every account key, owner included, gets 403 admin_only on every admin route', async () => {
      const problems: string[] = [];
      for (const route of routes.filter((r) => kinds.get(r.key) === 'admin')) {
        const res = await send({
          method: route.method,
          path: fill(route.url, { accountId: a.accountId, id: ids.refund }),
          key: a.owner,
          ...(route.method === 'GET' ? {} : { body: PROBE }),
        });
        if (res.status !== 403 || res.body.error?.code !== 'admin_only')
          problems.push(`${route.key}: owner key got ${res.status} ${res.body.error?.code ?? ''}`);
      }
      expect(problems).toEqual([]);
      expect([...kinds.values()].filter((k) => k === 'admin').length).toBeGreaterThan(10);
    });

    it("account B's key with account A's real ids answers 404 on every account route with path parameters", async () => {
      const problems: string[] = [];
      const checked = routes.filter((r) => kinds.get(r.key) === 'account' && hasParams(r.url));
      for (const route of checked) {
        const fixture = FIXTURES[route.key]!(ids);
        const res = await send({
          method: route.method,
          path: fill(route.url, fixture.params),
          key: b.owner,
          ...(fixture.body !== undefined ? { body: fixture.body } : {}),
        });
        if (res.status !== 404 || typeof res.body.error?.code !== 'string')
          problems.push(`${route.key}: B's key got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      expect(problems).toEqual([]);
      expect(checked.length).toBe(Object.keys(FIXTURES).length);
    });

    it("A's own key reaches the same routes with the same ids: the 404s above are about ownership, not bad ids", async () => {
      const problems: string[] = [];
      // Deletions last, so every id still exists when the other routes use it.
      const checked = routes
        .filter((r) => kinds.get(r.key) === 'account' && hasParams(r.url))
        .sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'));
      for (const route of checked) {
        const fixture = FIXTURES[route.key]!(ids);
        const res = await send({
          method: route.method,
          path: fill(route.url, fixture.params),
          key: a.owner,
          ...(fixture.body !== undefined ? { body: fixture.body } : {}),
        });
        if (res.status === 404 || res.status === 400 || res.status >= 500)
          problems.push(`${route.key}: A's key got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      expect(problems).toEqual([]);
      await t.host.invoiceSync.jobs.idle();
    });
  });
}
