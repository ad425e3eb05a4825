import { ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, fill, hasParams, LETTER_RECIPIENT, SMS, startAuditStack, type Answer, type AuditStack, type Ids } from './audit-stack.js';

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
  'GET /pay/:token': 'the payment link page a customer opens from the invitation: the unguessable token names one invoice (HTML, 404 page otherwise)',
  'POST /pay/:token/card': 'the pay button of that page: starts the card payment of the amount due at the card plugin (idempotent, one open attempt)',
  'GET /pay/:token/return': 'where the card processor sends the customer back: shows the outcome of that invoice’s payment',
  'POST /webhooks/postal/:carrierId':
    'postal carriers’ status callbacks (the print service), verified by the carrier plugin’s signature check (PrintMail-Signature); events applied once',
  'GET /app': 'redirects to /app/: the dashboard’s static files, no account data (the app signs in through /auth)',
  'GET /app/*': 'the dashboard’s static files (index.html for its own routes): no account data',
};

/**
 * The sign-in routes: public, with rules of their own that the last test of this file checks (a
 * bearer key is not a session; signing out a live session takes its CSRF token).
 */
const SESSION_ROUTES: Record<string, string> = {
  'POST /auth/sessions': 'signs in with credentials (e-mail + password, or an API key): answers 401 invalid_credentials to anything else',
  'GET /auth/session': 'the session of the tg_session cookie only: 401 without one, whatever key is sent',
  'DELETE /auth/session': 'signs the cookie’s session out, with its X-CSRF-Token; without a live session there is nothing to end (204)',
};

/** Account writes a member key may make, and why they cost nothing and send nothing. */
const MEMBER_WRITES: Record<string, string> = {
  'POST /v1/plugins/company-data-trendstop/companies':
    'adds a company to the list (a CRM record): costs nothing, sends nothing; the Trends Top availability lookup is free',
  'POST /v1/plugins/company-data-trendstop/companies/:id/data/ignore':
    'remembers that the data offer is ignored (who, when): costs nothing; the user must have company data switched on',
  'DELETE /v1/plugins/company-data-trendstop/companies/:id/data/ignore': 'undoes an ignore: costs nothing; the user must have company data switched on',
  'POST /v1/letters/quote':
    'a read: renders and prices a letter (the carrier’s charges at catalog prices) and says whether the wallet covers it; holds nothing, sends nothing',
  'POST /v1/wallet/quote': 'a read: prices a use and says whether the wallet covers it (the hold’s own code, dry run); moves no money',
  'POST /v1/invoice-sync/invoices/pdfs/download':
    'a read: a ZIP of PDFs a member may GET one by one, sent as POST because a selection of up to 500 ids does not fit a URL; changes nothing',
  'PUT /v1/users/me/password': 'sets the caller’s own password (the current one is needed when one is set): costs nothing, sends nothing, reaches no one else',
};

/**
 * Account routes whose path parameter names a catalog channel, not one of the account's records:
 * account B's key acts on B's own cap there (its answer is B's, checked by the wallet-scopes e2e).
 */
const CATALOG_PARAMS: Record<string, string> = {
  'PUT /v1/wallet/caps/channels/:channel': "sets the caller's own monthly cap on a channel of the catalog",
  'DELETE /v1/wallet/caps/channels/:channel': "removes the caller's own cap on a channel of the catalog",
};

/** A body no route accepts: a member's write must be refused before it is read. */
const PROBE = { $probe: true };

for (const engine of testEngines()) {
  describe(`route guards: every mounted route, core and plugin [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let audit: AuditStack;
    let t: TestHost;
    let a: AuditStack['a'];
    let b: AuditStack['b'];
    let ids: Ids;
    /** 'METHOD /url' → how the route answered the classification requests. */
    const kinds = new Map<string, 'public' | 'admin' | 'account'>();
    let routes: AuditStack['routes'] = [];

    const send = (input: { method: string; path: string; key?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer> => t.request(input);

    beforeAll(async () => {
      audit = await startAuditStack({ engine, clock });
      ({ t, a, b, ids, routes } = audit);
    });
    afterAll(async () => {
      await audit?.close();
    });

    it('the audit sees every route: core and every bundled plugin’s, as Fastify mounted them', () => {
      const keys = new Set(routes.map((r) => r.key));
      for (const id of [
        'payments-card',
        'payments-sepa',
        'sms-reminders',
        'voice',
        'source-teamleader',
        'company-data-trendstop',
        'postal-be',
        'postal-nl',
        'postal-de-epost',
      ])
        expect(t.host.pluginHost.plugins.map((p) => p.plugin.id)).toContain(id);
      for (const mounted of t.host.pluginHost.routes) expect(keys).toContain(`${mounted.route.method} ${mounted.url}`);
      for (const core of [
        'GET /v1/wallet',
        'POST /v1/wallet/charges',
        'POST /admin/accounts',
        'GET /v1/invoice-sync/invoices/:id',
        'POST /v1/letters',
        'GET /v1/letters/:id',
        'POST /webhooks/postal/:carrierId',
        'PUT /v1/plugins/postal-de-epost/credentials',
        'POST /v1/accounting-exports/runs',
        'GET /v1/accounting-exports/runs/:id/download',
      ])
        expect(keys).toContain(core);
      // Every HEAD route is the twin of a GET route (and answers as it does).
      for (const head of t.host.routes.filter((r) => r.method === 'HEAD')) expect(keys).toContain(`GET ${head.url}`);
    });

    it('every route is public (listed, with a reason), admin-only or an account route; nothing else', async () => {
      const problems: string[] = [];
      for (const route of routes) {
        if (PUBLIC[route.key] || SESSION_ROUTES[route.key]) {
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
      for (const listed of [...Object.keys(PUBLIC), ...Object.keys(SESSION_ROUTES), ...Object.keys(MEMBER_WRITES), ...Object.keys(FIXTURES)]) {
        if (!routes.some((r) => r.key === listed)) problems.push(`${listed}: listed in the audit but not mounted`);
      }
      for (const route of routes) {
        if (kinds.get(route.key) === 'account' && hasParams(route.url) && !FIXTURES[route.key] && !CATALOG_PARAMS[route.key])
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
      // Letters: a member reads the letter and its PDF, and asks for a quote; sending one takes an admin key.
      expect((await send({ method: 'GET', path: `/v1/letters/${ids.letter}`, key: a.member })).status).toBe(200);
      expect((await send({ method: 'GET', path: `/v1/letters/${ids.letter}/pdf`, key: a.member })).status).toBe(200);
      expect((await send({ method: 'GET', path: '/v1/plugins/postal-de-epost/credentials', key: a.member })).status).toBe(200);
      const quote = await send({ method: 'POST', path: '/v1/letters/quote', key: a.member, body: { recipient: LETTER_RECIPIENT, bodyText: 'A quote' } });
      expect(quote.status, JSON.stringify(quote.body)).toBe(200);
      const sent = await send({
        method: 'POST',
        path: '/v1/letters',
        key: a.member,
        body: { recipient: LETTER_RECIPIENT, bodyText: 'Not from a member' },
        headers: { 'idempotency-key': 'member-letter' },
      });
      expect([sent.status, sent.body.error?.code]).toEqual([403, 'insufficient_role']);
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
      const checked = routes.filter((r) => kinds.get(r.key) === 'account' && hasParams(r.url) && !CATALOG_PARAMS[r.key]);
      for (const route of checked) {
        const fixture = FIXTURES[route.key]!(ids);
        const res = await send({
          method: route.method,
          path: fill(route.url, fixture.params),
          key: b.owner,
          ...(fixture.body !== undefined ? { body: fixture.body } : {}),
          ...(fixture.headers ? { headers: fixture.headers } : {}),
        });
        if (res.status !== 404 || typeof res.body.error?.code !== 'string')
          problems.push(`${route.key}: B's key got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      expect(problems).toEqual([]);
      expect(checked.length).toBe(Object.keys(FIXTURES).length);
      // Nor does A's letter show in B's list.
      const list = await send({ method: 'GET', path: '/v1/letters', key: b.owner });
      expect(list.status).toBe(200);
      expect((list.body as unknown as { data: Array<{ id: string }> }).data.map((l) => l.id)).not.toContain(ids.letter);
    });

    it("A's own key reaches the same routes with the same ids: the 404s above are about ownership, not bad ids", async () => {
      const problems: string[] = [];
      // Deletions last, so every id still exists when the other routes use it.
      const checked = routes
        .filter((r) => kinds.get(r.key) === 'account' && hasParams(r.url) && !CATALOG_PARAMS[r.key])
        .sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'));
      for (const route of checked) {
        const fixture = FIXTURES[route.key]!(ids);
        const res = await send({
          method: route.method,
          path: fill(route.url, fixture.params),
          key: a.owner,
          ...(fixture.body !== undefined ? { body: fixture.body } : {}),
          ...(fixture.headers ? { headers: fixture.headers } : {}),
        });
        if (res.status === 404 || res.status === 400 || res.status >= 500)
          problems.push(`${route.key}: A's key got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      expect(problems).toEqual([]);
      await t.host.invoiceSync.jobs.idle();
    });

    it('a session cookie passes the same guards as a key: CSRF first on every write, then the user’s role; the sign-in routes keep their own rules', async () => {
      // A member of A with a password, signed in as the dashboard signs in.
      const user = await send({ method: 'POST', path: '/v1/users', key: a.owner, body: { email: 'mia@a.test', name: 'Mia', role: 'member' } });
      const key = await send({
        method: 'POST',
        path: '/v1/api-keys',
        key: a.owner,
        body: { name: 'mia', role: 'member', userId: (user.body as { id: string }).id },
      });
      const password = 'members have passwords too';
      expect(
        (await send({ method: 'PUT', path: '/v1/users/me/password', key: (key.body as { key: string }).key, body: { newPassword: password } })).status,
      ).toBe(204);
      const signIn = await t.request<{ csrfToken: string }>({ method: 'POST', path: '/auth/sessions', body: { email: 'mia@a.test', password } });
      expect(signIn.status).toBe(201);
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = signIn.body.csrfToken;

      const problems: string[] = [];
      for (const route of routes.filter((r) => kinds.get(r.key) === 'account' || kinds.get(r.key) === 'admin')) {
        const path = fill(route.url, FIXTURES[route.key]?.(ids).params ?? { accountId: a.accountId, id: ids.refund });
        const body = route.method === 'GET' ? {} : { body: PROBE };
        if (route.method !== 'GET') {
          const noToken = await send({ method: route.method, path, headers: { cookie }, ...body });
          if (noToken.status !== 403 || noToken.body.error?.code !== 'csrf_token_invalid')
            problems.push(`${route.key}: a session write without X-CSRF-Token got ${noToken.status} ${noToken.body.error?.code ?? ''}`);
        }
        const res = await send({ method: route.method, path, headers: { cookie, 'x-csrf-token': csrf }, ...body });
        const code = res.body.error?.code;
        // As a member key: admin routes refused; reads and MEMBER_WRITES reach the route (which may refuse by its own
        // rules, e.g. a read above a member, or company data not switched on for the user); other writes insufficient_role.
        const expected =
          kinds.get(route.key) === 'admin'
            ? code === 'admin_only'
            : route.method === 'GET' || MEMBER_WRITES[route.key]
              ? res.status !== 401 && !['csrf_token_invalid', 'admin_only', 'account_key_required'].includes(code ?? '')
              : code === 'insufficient_role';
        if (!expected) problems.push(`${route.key}: a member's session got ${res.status} ${code ?? ''}`);
      }
      expect(problems).toEqual([]);

      // The sign-in routes: a key is not a session; signing out takes the session's CSRF token.
      for (const bearer of [a.owner, a.member, t.adminKey]) expect((await send({ method: 'GET', path: '/auth/session', key: bearer })).status).toBe(401);
      const wrong = await send({ method: 'POST', path: '/auth/sessions', body: { email: 'mia@a.test', password: 'not her password' } });
      expect([wrong.status, wrong.body.error?.code]).toEqual([401, 'invalid_credentials']);
      const out = await send({ method: 'DELETE', path: '/auth/session', headers: { cookie } });
      expect([out.status, out.body.error?.code]).toEqual([403, 'csrf_token_invalid']);
      expect((await send({ method: 'DELETE', path: '/auth/session', headers: { cookie, 'x-csrf-token': csrf } })).status).toBe(204);
      expect((await send({ method: 'GET', path: '/v1/wallet', headers: { cookie } })).status).toBe(401);
    });
  });
}
