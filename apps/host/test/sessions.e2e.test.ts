import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routesControl, routesPlugin } from './fixtures/routes-plugin.js';

const PASSWORD = 'correct horse battery staple';

/** A signed-in browser: its cookie and CSRF token, as the dashboard keeps them. */
interface Browser {
  cookie: string;
  csrf: string;
}

for (const engine of testEngines()) {
  describe(`sessions for people: sign-in, cookie, CSRF, expiry [${engine.name}]`, () => {
    let t: TestHost;
    let emails = 0;
    let channels = 0;
    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [routesPlugin(routesControl())] });
    });
    afterAll(async () => {
      await t?.close();
    });

    const email = () => `person${++emails}-${engine.name}@example.test`;

    /** An account whose owner has PASSWORD (set through the API with the owner's key). */
    const accountWithPassword = async (input: { ownerEmail?: string; password?: string } = {}) => {
      const ownerEmail = input.ownerEmail ?? email();
      const account = await t.createAccount({ ownerEmail });
      const set = await t.request({ method: 'PUT', path: '/v1/users/me/password', key: account.ownerKey, body: { newPassword: input.password ?? PASSWORD } });
      expect(set.status, JSON.stringify(set.body)).toBe(204);
      return { ...account, email: ownerEmail };
    };

    const signIn = (body: object) => t.request({ method: 'POST', path: '/auth/sessions', body });
    const browserOf = (res: Awaited<ReturnType<typeof signIn>>): Browser => {
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const setCookie = res.headers.get('set-cookie')!;
      return { cookie: setCookie.split(';')[0]!, csrf: res.body.csrfToken as string };
    };
    const login = async (body: object) => browserOf(await signIn(body));

    /** A request as the browser sends it: the cookie always, the CSRF header when asked. */
    const as = (browser: Browser, input: { method?: string; path: string; body?: unknown; csrf?: string | false; headers?: Record<string, string> }) =>
      t.request({
        method: input.method ?? 'GET',
        path: input.path,
        ...(input.body !== undefined ? { body: input.body } : {}),
        headers: {
          cookie: browser.cookie,
          ...(input.csrf === false ? {} : { 'x-csrf-token': input.csrf ?? browser.csrf }),
          ...input.headers,
        },
      });

    it('signs in with e-mail and password: an HttpOnly SameSite=Strict cookie, the session and its CSRF token', async () => {
      const a = await accountWithPassword();
      const res = await signIn({ email: a.email.toUpperCase(), password: PASSWORD });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const cookie = res.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^tg_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800$/);
      expect(res.body).toMatchObject({
        session: {
          kind: 'account',
          account: { id: a.accountId, locale: 'en', timeZone: 'Europe/Brussels' },
          user: { id: a.ownerId, email: a.email, role: 'owner' },
          role: 'owner',
          expiresAt: new Date(t.clock.now().getTime() + 7 * 86_400_000).toISOString(),
        },
        csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        // The host's (injected) clock, so the dashboard's "this month" is the host's.
        serverTime: t.clock.now().toISOString(),
      });
      const browser = browserOf(res);
      // The token is stored only as its hash.
      const token = browser.cookie.slice('tg_session='.length);
      const stored = await t.db.query<{ n: number }>('select count(*)::int as n from sessions where token_hash = $1 or csrf_token = $1', [token]);
      expect(stored.rows[0]!.n).toBe(0);
      const current = await as(browser, { path: '/auth/session', csrf: false });
      expect(current.status).toBe(200);
      expect(current.body).toEqual(res.body);
      const account = await as(browser, { path: '/v1/account', csrf: false });
      expect([account.status, account.body.id]).toEqual([200, a.accountId]);
    });

    it('a wrong password and an unknown e-mail get the same 401 invalid_credentials', async () => {
      const a = await accountWithPassword();
      const wrong = await signIn({ email: a.email, password: 'not the password at all' });
      const unknown = await signIn({ email: `nobody-${engine.name}@example.test`, password: PASSWORD });
      // A user without a password yet (one made by an operator) cannot sign in with one.
      const bare = email();
      await t.createAccount({ ownerEmail: bare });
      const noPassword = await signIn({ email: bare, password: PASSWORD });
      for (const res of [wrong, unknown, noPassword]) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual(wrong.body);
        expect(res.headers.get('set-cookie')).toBeNull();
      }
      expect(wrong.body.error.code).toBe('invalid_credentials');
      expect((await t.request({ path: '/auth/session' })).status).toBe(401);
      expect((await signIn({ email: a.email })).status).toBe(400);
    });

    it('10 failures for one e-mail in 15 minutes lock it (429 with retryAfter) until 15 minutes have passed', async () => {
      const a = await accountWithPassword();
      for (let i = 1; i <= 9; i++) {
        expect((await signIn({ email: a.email, password: `wrong password ${i}` })).status).toBe(401);
        t.clock.advance({ seconds: 30 });
      }
      const tenth = await signIn({ email: a.email, password: 'wrong password 10' });
      expect(tenth.status).toBe(429);
      expect(tenth.body.error).toMatchObject({ code: 'too_many_attempts', details: { retryAfter: 900 } });
      // The right password does not get through the lock either.
      t.clock.advance({ minutes: 5 });
      const locked = await signIn({ email: a.email, password: PASSWORD });
      expect([locked.status, locked.body.error.details.retryAfter]).toEqual([429, 600]);
      // An unknown e-mail locks the same way, so a lock does not tell which e-mails exist.
      const ghost = `ghost-${engine.name}@example.test`;
      for (let i = 0; i < 9; i++) expect((await signIn({ email: ghost, password: 'guess' })).status).toBe(401);
      expect((await signIn({ email: ghost, password: 'guess' })).status).toBe(429);
      t.clock.advance({ minutes: 10 });
      await login({ email: a.email, password: PASSWORD });
      // A success starts the count again.
      for (let i = 0; i < 9; i++) expect((await signIn({ email: a.email, password: 'wrong again' })).status).toBe(401);
      await login({ email: a.email, password: PASSWORD });
    });

    it('failures spread over more than 15 minutes do not lock', async () => {
      const a = await accountWithPassword();
      for (let i = 0; i < 12; i++) {
        expect((await signIn({ email: a.email, password: 'wrong password' })).status).toBe(401);
        t.clock.advance({ minutes: 2 });
      }
      await login({ email: a.email, password: PASSWORD });
    });

    it('an e-mail with a password in several accounts: 409 account_choice_required naming them, then accountId chooses', async () => {
      const shared = email();
      const first = await accountWithPassword({ ownerEmail: shared });
      const second = await accountWithPassword({ ownerEmail: shared });
      const res = await signIn({ email: shared, password: PASSWORD });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('account_choice_required');
      expect(res.body.error.details.accounts).toEqual(
        [first, second].map((a) => ({ id: a.accountId, name: expect.any(String) })).sort((x, y) => (x.id < y.id ? -1 : 1)),
      );
      const chosen = await signIn({ email: shared, password: PASSWORD, accountId: second.accountId });
      expect(chosen.status).toBe(201);
      expect(chosen.body.session.account.id).toBe(second.accountId);
      // A wrong password does not name the accounts.
      const wrong = await signIn({ email: shared, password: 'not the password at all' });
      expect([wrong.status, wrong.body.error.details]).toEqual([401, undefined]);
      // Another password in one of them: only the account it opens is a match.
      const third = await accountWithPassword({ ownerEmail: shared, password: 'a different long password' });
      const only = await signIn({ email: shared, password: 'a different long password' });
      expect([only.status, only.body.session?.account.id]).toEqual([201, third.accountId]);
    });

    /** A user of `a` with `role`, with a password, signed in. */
    const personIn = async (a: { ownerKey: string }, role: 'admin' | 'member') => {
      const address = email();
      const user = await t.request({ method: 'POST', path: '/v1/users', key: a.ownerKey, body: { email: address, name: `A ${role}`, role } });
      expect(user.status).toBe(201);
      const key = await t.request({ method: 'POST', path: '/v1/api-keys', key: a.ownerKey, body: { name: `${role} key`, role, userId: user.body.id } });
      expect(key.status).toBe(201);
      expect((await t.request({ method: 'PUT', path: '/v1/users/me/password', key: key.body.key, body: { newPassword: PASSWORD } })).status).toBe(204);
      return { userId: user.body.id as string, email: address, browser: await login({ email: address, password: PASSWORD }) };
    };

    it("the cookie works on /v1 routes with the user's role: a member reads, and gets 403 on a write", async () => {
      const a = await accountWithPassword();
      const member = await personIn(a, 'member');
      expect((await as(member.browser, { path: '/v1/wallet', csrf: false })).status).toBe(200);
      const write = await as(member.browser, { method: 'PATCH', path: '/v1/account', body: { name: 'Not by a member' } });
      expect([write.status, write.body.error.code]).toEqual([403, 'insufficient_role']);
      // An admin route is refused to an account session.
      const admin = await as(member.browser, { path: '/admin/accounts', csrf: false });
      expect([admin.status, admin.body.error.code]).toEqual([403, 'admin_only']);
    });

    it('a write with the cookie and without the right X-CSRF-Token is 403 csrf_token_invalid and changes nothing', async () => {
      const a = await accountWithPassword();
      const channel = `csrf-${engine.name}-${++channels}`;
      expect(
        (await t.request({ method: 'POST', path: '/admin/catalog/prices', key: t.adminKey, body: { channel, unit: 'message', unitPrice: '0.10' } })).status,
      ).toBe(201);
      expect(
        (
          await t.request({
            method: 'POST',
            path: `/admin/accounts/${a.accountId}/wallet/grants`,
            key: t.adminKey,
            body: { kind: 'promo', amount: '5.00', idempotencyKey: 'csrf-promo' },
          })
        ).status,
      ).toBe(201);
      const browser = await login({ email: a.email, password: PASSWORD });
      const wallet = async () => (await as(browser, { path: '/v1/wallet', csrf: false })).body;
      const history = async () => (await as(browser, { path: '/v1/wallet/history', csrf: false })).body.data.length as number;
      const before = { wallet: await wallet(), lines: await history() };
      const body = { channel, units: '1', idempotencyKey: 'csrf-charge' };
      for (const csrf of [false, 'not-the-token', browser.csrf.slice(1)] as const) {
        const res = await as(browser, { method: 'POST', path: '/v1/wallet/charges', body, csrf });
        expect([res.status, res.body.error.code]).toEqual([403, 'csrf_token_invalid']);
      }
      // Checked before the role and the input: an empty body is refused for its token too.
      const invalid = await as(browser, { method: 'POST', path: '/v1/wallet/charges', body: {}, csrf: false });
      expect([invalid.status, invalid.body.error.code]).toEqual([403, 'csrf_token_invalid']);
      expect({ wallet: await wallet(), lines: await history() }).toEqual(before);
      const ok = await as(browser, { method: 'POST', path: '/v1/wallet/charges', body });
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      expect((await wallet()).available).not.toBe(before.wallet.available);
    });

    it('a demotion applies to a live session at once; a removed user gets 401', async () => {
      const a = await accountWithPassword();
      const admin = await personIn(a, 'admin');
      expect((await as(admin.browser, { method: 'PATCH', path: '/v1/account', body: { name: 'By the admin' } })).status).toBe(200);
      expect((await t.request({ method: 'PATCH', path: `/v1/users/${admin.userId}`, key: a.ownerKey, body: { role: 'member' } })).status).toBe(200);
      const refused = await as(admin.browser, { method: 'PATCH', path: '/v1/account', body: { name: 'No longer' } });
      expect([refused.status, refused.body.error.code]).toEqual([403, 'insufficient_role']);
      expect((await as(admin.browser, { path: '/auth/session', csrf: false })).body.session).toMatchObject({ role: 'member', user: { role: 'member' } });
      expect((await t.request({ method: 'DELETE', path: `/v1/users/${admin.userId}`, key: a.ownerKey })).status).toBe(204);
      expect((await as(admin.browser, { path: '/v1/wallet', csrf: false })).status).toBe(401);
      expect((await as(admin.browser, { path: '/auth/session', csrf: false })).status).toBe(401);
    });

    it('ends after 12 idle hours; use moves the idle end on (at most one write a minute); ends for good after 7 days', async () => {
      const a = await accountWithPassword();
      const idle = await login({ email: a.email, password: PASSWORD });
      const busy = await login({ email: a.email, password: PASSWORD });
      const started = t.clock.now().getTime();
      t.clock.advance({ hours: 11, minutes: 59 });
      expect((await as(busy, { path: '/v1/account', csrf: false })).status).toBe(200);
      t.clock.advance({ minutes: 1 });
      expect((await as(idle, { path: '/v1/account', csrf: false })).status).toBe(401);
      expect((await as(busy, { path: '/v1/account', csrf: false })).status).toBe(200);
      // Used every 11 hours, it still ends 7 days after the sign-in.
      while (t.clock.now().getTime() + 11 * 3_600_000 < started + 7 * 86_400_000) {
        t.clock.advance({ hours: 11 });
        expect((await as(busy, { path: '/v1/account', csrf: false })).status).toBe(200);
      }
      t.clock.advance({ hours: 11 });
      expect((await as(busy, { path: '/v1/account', csrf: false })).status).toBe(401);
    });

    it('signs out with the CSRF token: the cookie is cleared and the session ends; without a session it is a no-op', async () => {
      const a = await accountWithPassword();
      const browser = await login({ email: a.email, password: PASSWORD });
      const refused = await as(browser, { method: 'DELETE', path: '/auth/session', csrf: false });
      expect([refused.status, refused.body.error.code]).toEqual([403, 'csrf_token_invalid']);
      expect((await as(browser, { path: '/auth/session', csrf: false })).status).toBe(200);
      const out = await as(browser, { method: 'DELETE', path: '/auth/session' });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toBe('tg_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
      expect((await as(browser, { path: '/auth/session', csrf: false })).status).toBe(401);
      expect((await as(browser, { path: '/v1/account', csrf: false })).status).toBe(401);
      expect((await as(browser, { method: 'DELETE', path: '/auth/session' })).status).toBe(204);
      expect((await t.request({ method: 'DELETE', path: '/auth/session' })).status).toBe(204);
    });

    it("a session made with an API key acts as the key and ends when the key is revoked; an admin key's session is an admin session", async () => {
      const a = await t.createAccount({ ownerEmail: email() });
      const created = await t.request({ method: 'POST', path: '/v1/api-keys', key: a.ownerKey, body: { name: 'ops', role: 'admin' } });
      const res = await signIn({ apiKey: created.body.key });
      expect(res.body.session).toMatchObject({ kind: 'account', role: 'admin', account: { id: a.accountId }, user: { id: a.ownerId, role: 'owner' } });
      const browser = browserOf(res);
      expect((await as(browser, { method: 'PATCH', path: '/v1/account', body: { name: 'By the key' } })).status).toBe(200);
      expect((await t.request({ method: 'DELETE', path: `/v1/api-keys/${created.body.id}`, key: a.ownerKey })).status).toBe(200);
      expect((await as(browser, { path: '/v1/account', csrf: false })).status).toBe(401);

      const admin = await login({ apiKey: t.adminKey });
      const session = await as(admin, { path: '/auth/session', csrf: false });
      expect(session.body.session).toMatchObject({ kind: 'admin', account: null, user: null, role: null });
      expect((await as(admin, { path: `/admin/accounts/${a.accountId}`, csrf: false })).status).toBe(200);
      expect((await as(admin, { path: '/v1/account', csrf: false })).body.error.code).toBe('account_key_required');
      const unknown = await signIn({ apiKey: 'tgk_not_a_real_key_at_all_0000000000' });
      expect([unknown.status, unknown.body.error.code]).toEqual([401, 'invalid_credentials']);
    });

    it('a request with a key and a cookie uses the key', async () => {
      const a = await accountWithPassword();
      const owner = await login({ email: a.email, password: PASSWORD });
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: a.ownerKey, body: { name: 'reader', role: 'member' } });
      const res = await t.request({
        method: 'PATCH',
        path: '/v1/account',
        key: member.body.key,
        body: { name: 'Mixed' },
        headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf },
      });
      expect([res.status, res.body.error.code]).toEqual([403, 'insufficient_role']);
      const bad = await t.request({ path: '/v1/account', key: 'tgk_unknown', headers: { cookie: owner.cookie } });
      expect(bad.status).toBe(401);
    });

    it('plugin routes pass the same guard: the cookie with its role, and the CSRF token on writes', async () => {
      const a = await accountWithPassword();
      const owner = await login({ email: a.email, password: PASSWORD });
      const read = await as(owner, { path: '/v1/plugins/test-routes/items', csrf: false });
      expect([read.status, read.body.role]).toEqual([200, 'owner']);
      const whoami = await as(owner, { path: '/v1/plugins/test-routes/whoami', csrf: false });
      expect(whoami.body.userId).toBe(a.ownerId);
      const noToken = await as(owner, { method: 'POST', path: '/v1/plugins/test-routes/items', body: { text: 'x' }, csrf: false });
      expect([noToken.status, noToken.body.error.code]).toEqual([403, 'csrf_token_invalid']);
      expect((await as(owner, { method: 'POST', path: '/v1/plugins/test-routes/items', body: { text: 'x' } })).status).toBe(201);
      const member = await personIn(a, 'member');
      const refused = await as(member.browser, { method: 'POST', path: '/v1/plugins/test-routes/items', body: { text: 'y' } });
      expect([refused.status, refused.body.error.code]).toEqual([403, 'insufficient_role']);
      const secrets = await as(member.browser, { path: '/v1/plugins/test-routes/secrets', csrf: false });
      expect(secrets.status).toBe(403);
    });

    it('PUT /v1/users/me/password: 12 characters at least; the current one when one is set; other sessions end', async () => {
      const a = await accountWithPassword();
      const short = await t.request({
        method: 'PUT',
        path: '/v1/users/me/password',
        key: a.ownerKey,
        body: { currentPassword: PASSWORD, newPassword: 'short' },
      });
      expect([short.status, short.body.error.code]).toEqual([400, 'validation_failed']);
      const other = await login({ email: a.email, password: PASSWORD });
      const mine = await login({ email: a.email, password: PASSWORD });
      const missing = await as(mine, { method: 'PUT', path: '/v1/users/me/password', body: { newPassword: 'a brand new password' } });
      expect([missing.status, missing.body.error.code]).toEqual([403, 'current_password_invalid']);
      const wrong = await as(mine, {
        method: 'PUT',
        path: '/v1/users/me/password',
        body: { currentPassword: 'not it at all', newPassword: 'a brand new password' },
      });
      expect([wrong.status, wrong.body.error.code]).toEqual([403, 'current_password_invalid']);
      const noToken = await as(mine, {
        method: 'PUT',
        path: '/v1/users/me/password',
        body: { currentPassword: PASSWORD, newPassword: 'a brand new password' },
        csrf: false,
      });
      expect(noToken.status).toBe(403);
      const ok = await as(mine, { method: 'PUT', path: '/v1/users/me/password', body: { currentPassword: PASSWORD, newPassword: 'a brand new password' } });
      expect(ok.status, JSON.stringify(ok.body)).toBe(204);
      expect((await as(mine, { path: '/v1/account', csrf: false })).status).toBe(200);
      expect((await as(other, { path: '/v1/account', csrf: false })).status).toBe(401);
      expect((await signIn({ email: a.email, password: PASSWORD })).status).toBe(401);
      await login({ email: a.email, password: 'a brand new password' });
      // A key that acts for no user has no password; an admin key is not an account's.
      const issued = await t.request({
        method: 'POST',
        path: `/admin/accounts/${a.accountId}/api-keys`,
        key: t.adminKey,
        body: { name: 'ops', role: 'member' },
      });
      const noUser = await t.request({ method: 'PUT', path: '/v1/users/me/password', key: issued.body.key, body: { newPassword: 'a brand new password' } });
      expect([noUser.status, noUser.body.error.code]).toEqual([403, 'user_required']);
      const admin = await t.request({ method: 'PUT', path: '/v1/users/me/password', key: t.adminKey, body: { newPassword: 'a brand new password' } });
      expect([admin.status, admin.body.error.code]).toEqual([403, 'account_key_required']);
    });
  });
}

describe('the dashboard at /app', () => {
  let t: TestHost;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-dashboard-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Tollgate</title><div id="root"></div>');
    await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log("dashboard")');
    await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(dir, '.secret'), 'not served');
    t = await createTestHost({ config: { dashboard: { enabled: true, dir, secureCookies: true } } });
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const expectSecurityHeaders = (headers: Headers) => {
    expect(headers.get('content-security-policy')).toBe(
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self' http: https:",
    );
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('same-origin');
  };

  it('/app/ serves index.html, not cached, with the security headers; /app redirects to /app/', async () => {
    const res = await t.request({ path: '/app/' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expectSecurityHeaders(res.headers);
    const bare = await fetch(`${t.url}/app`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([302, '/app/']);
  });

  it('any /app/… path that is not a file is the app (SPA fallback); hashed assets are immutable', async () => {
    for (const path of ['/app/wallet', '/app/some/deep/route', '/app/index.html']) {
      const res = await t.request({ path });
      expect([path, res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([path, 200, 'text/html']);
      expect(res.body).toContain('<div id="root">');
      expectSecurityHeaders(res.headers);
    }
    const asset = await t.request({ path: '/app/assets/index-abc123.js' });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toBe('console.log("dashboard")');
    expectSecurityHeaders(asset.headers);
    const icon = await t.request({ path: '/app/favicon.svg' });
    expect([icon.status, icon.headers.get('cache-control')]).toEqual([200, 'no-cache']);
    // A missing hashed file is a 404 (a stale page), not index.html served as a script.
    const stale = await t.request({ path: '/app/assets/index-old.js' });
    expect([stale.status, stale.body.error.code]).toEqual([404, 'not_found']);
    // Dotfiles and paths out of the folder are never served.
    for (const path of ['/app/.secret', '/app/..%2f..%2fetc%2fpasswd', '/app/%2e%2e/package.json']) {
      const res = await t.request({ path });
      expect(res.body, path).not.toBe('not served');
      expect(String(res.body), path).not.toContain('"name"');
    }
  });

  it('the session cookie is Secure when dashboard.secureCookies is set', async () => {
    const account = await t.createAccount();
    const res = await t.request({ method: 'POST', path: '/auth/sessions', body: { apiKey: account.ownerKey } });
    expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('by default serves the built @tollgate/dashboard package (pnpm build:all builds it before the host)', async () => {
    const host = await createTestHost();
    try {
      const page = await host.request({ path: '/app/wallet' });
      expect(page.status).toBe(200);
      const script = /src="(\/app\/assets\/[^"]+\.js)"/.exec(page.body as string)?.[1];
      expect(script).toBeDefined();
      const asset = await host.request({ path: script! });
      expect([asset.status, asset.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);
    } finally {
      await host.close();
    }
  });

  it('answers 503 dashboard_not_built when the folder has no index.html', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tollgate-dashboard-empty-'));
    const host = await createTestHost({ config: { dashboard: { enabled: true, dir: empty, secureCookies: false } } });
    try {
      for (const path of ['/app/', '/app/wallet']) {
        const res = await host.request({ path });
        expect([res.status, res.body.error.code]).toEqual([503, 'dashboard_not_built']);
        expect(res.body.error.message).toContain(empty);
      }
      // Built after the start: served without a restart.
      await writeFile(join(empty, 'index.html'), '<!doctype html><p>late</p>');
      expect((await host.request({ path: '/app/' })).body).toContain('late');
    } finally {
      await host.close();
      await rm(empty, { recursive: true, force: true });
    }
    const off = await createTestHost({ config: { dashboard: { enabled: false, secureCookies: false } } });
    try {
      expect((await off.request({ path: '/app/' })).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
