import { ManualClock } from '@tollgate/clock';
import { DEFAULT_CLIENT, SANDBOX_IDS, startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TeamleaderClient } from './teamleader.client.js';
import {
  AuthorizationDeniedError,
  InvalidGrantError,
  ReconsentNeededError,
  TeamleaderRateLimitedError,
  TeamleaderUnavailableError,
} from './teamleader.errors.js';
import { TeamleaderOAuth } from './teamleader-oauth.js';
import { TokenCipher } from './token-cipher.js';
import { TeamleaderTokenManager } from './token-manager.js';
import { InMemoryTokenStore } from './token-store.js';

/* Integration: the real client over real HTTP against the local Teamleader sandbox, on one ManualClock. */

const REDIRECT = 'http://127.0.0.1:9/oauth/teamleader/callback';
let sandbox: TeamleaderSandbox;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock('2026-03-02T09:00:00.000Z');
  sandbox = await startTeamleaderSandbox({ now: () => clock.now() });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(() => {
  sandbox.control.reset();
});

function setup(options: { maxAttempts?: number } = {}) {
  const oauth = new TeamleaderOAuth({
    clientId: DEFAULT_CLIENT.clientId,
    clientSecret: DEFAULT_CLIENT.clientSecret,
    redirectUri: REDIRECT,
    authBaseUrl: sandbox.url,
    clock,
  });
  const store = new InMemoryTokenStore();
  const cipher = new TokenCipher({ keys: { k1: TokenCipher.generateKey() }, currentKeyId: 'k1' });
  const slept: number[] = [];
  const host = () => {
    const tokens = new TeamleaderTokenManager({ store, cipher, oauth, clock });
    const client = new TeamleaderClient({
      tokens,
      apiBaseUrl: sandbox.url,
      clock,
      random: () => 0,
      retry: { maxAttempts: options.maxAttempts ?? 4 },
      sleep: async (ms) => {
        slept.push(ms);
        clock.advance({ ms });
      },
    });
    return { tokens, client };
  };
  const { tokens, client } = host();
  return { oauth, store, tokens, client, slept, host };
}

/** The browser step: follow /oauth2/authorize to the redirect and hand the callback URL over. */
async function consent(oauth: TeamleaderOAuth, state = 'state-123'): Promise<string> {
  const response = await fetch(oauth.authorizationUrl({ state }), { redirect: 'manual' });
  expect(response.status).toBe(302);
  return response.headers.get('location') as string;
}

async function connect(s: ReturnType<typeof setup>, connectionId = 'conn-1') {
  const callback = await consent(s.oauth);
  await s.tokens.connect({ connectionId, tokens: await s.oauth.exchangeCode({ callback, expectedState: 'state-123' }) });
  return s.client.connection({ connectionId });
}

const tokenRequests = () => sandbox.control.requests().filter((r) => r.path === '/oauth2/access_token');
const apiRequests = (path: string) => sandbox.control.requests().filter((r) => r.path === path);

describe('OAuth against the sandbox', () => {
  it('runs the code flow end to end and identifies the account', async () => {
    const s = setup();
    const callback = await consent(s.oauth);
    expect(callback.startsWith(`${REDIRECT}?`)).toBe(true);
    const tokens = await s.oauth.exchangeCode({ callback, expectedState: 'state-123' });
    expect(Date.parse(tokens.expiresAt)).toBe(clock.now().getTime() + 3_600_000);
    await s.tokens.connect({ connectionId: 'conn-1', tokens });
    const me = await s.client.connection({ connectionId: 'conn-1' }).usersMe();
    expect(me.account).toEqual({ type: 'account', id: SANDBOX_IDS.account });
    // The code is single-use.
    await expect(s.oauth.exchangeCode({ callback, expectedState: 'state-123' })).rejects.toBeInstanceOf(InvalidGrantError);
  });

  it('reports a denied consent', async () => {
    const s = setup();
    sandbox.control.denyNextAuthorization();
    const callback = await consent(s.oauth);
    await expect(s.oauth.exchangeCode({ callback, expectedState: 'state-123' })).rejects.toBeInstanceOf(AuthorizationDeniedError);
  });

  it('rotates refresh tokens once, for many concurrent calls, and the old one is dead', async () => {
    const s = setup();
    const callback = await consent(s.oauth);
    const first = await s.oauth.exchangeCode({ callback, expectedState: 'state-123' });
    await s.tokens.connect({ connectionId: 'conn-1', tokens: first });
    const api = s.client.connection({ connectionId: 'conn-1' });
    clock.advance({ hours: 2 });
    const tokenCallsBefore = tokenRequests().length;
    const results = await Promise.all(Array.from({ length: 10 }, () => api.usersMe()));
    expect(results.every((me) => me.account.id === SANDBOX_IDS.account)).toBe(true);
    expect(tokenRequests().length - tokenCallsBefore).toBe(1);
    expect(s.store.saves.map((save) => save.version)).toEqual([1, 2]);
    // The first refresh token was used up by that one rotation.
    await expect(s.oauth.refresh({ refreshToken: first.refreshToken })).rejects.toBeInstanceOf(InvalidGrantError);
  });

  it('refreshes after a 401 and retries the call', async () => {
    const s = setup();
    const api = await connect(s);
    sandbox.control.revokeAccessTokens();
    expect((await api.departments()).map((d) => d.id)).toContain(SANDBOX_IDS.department);
    expect(apiRequests('/departments.list').map((r) => r.status)).toEqual([401, 200]);
  });

  it('marks the connection for re-consent when the refresh token is revoked', async () => {
    const s = setup();
    const api = await connect(s);
    sandbox.control.revokeRefreshTokens();
    clock.advance({ hours: 2 });
    await expect(api.usersMe()).rejects.toBeInstanceOf(ReconsentNeededError);
    expect((await s.store.load({ connectionId: 'conn-1' }))?.reconsentNeeded).toEqual({ reason: 'invalid_grant' });
  });

  it('marks it for re-consent too when a dead refresh token is answered with another 4xx (400 invalid_request)', async () => {
    const s = setup();
    const api = await connect(s);
    sandbox.control.setRefreshRefusal({ status: 400, error: 'invalid_request' });
    clock.advance({ hours: 2 });
    await expect(api.usersMe()).rejects.toMatchObject({ code: 'teamleader_reconsent_needed', reason: expect.stringMatching(/^HTTP 400 invalid_request/) });
    expect((await s.store.load({ connectionId: 'conn-1' }))?.reconsentNeeded?.reason).toMatch(/^HTTP 400 invalid_request/);
    // No further refresh is tried.
    const tokenCalls = tokenRequests().length;
    await expect(api.usersMe()).rejects.toBeInstanceOf(ReconsentNeededError);
    expect(tokenRequests()).toHaveLength(tokenCalls);
  });

  it('two hosts sharing a store refresh once between them', async () => {
    const s = setup();
    await connect(s);
    const other = s.host();
    clock.advance({ hours: 2 });
    const tokenCallsBefore = tokenRequests().length;
    const [a, b] = await Promise.all([
      s.client.connection({ connectionId: 'conn-1' }).usersMe(),
      other.client.connection({ connectionId: 'conn-1' }).usersMe(),
    ]);
    expect(a.account.id).toBe(b.account.id);
    // At most one of the two token calls succeeded; the loser took the winner's pair (no re-consent).
    const calls = tokenRequests().slice(tokenCallsBefore);
    expect(calls.filter((c) => c.status === 200)).toHaveLength(1);
    expect((await s.store.load({ connectionId: 'conn-1' }))?.reconsentNeeded).toBeNull();
  });
});

describe('rate limits and outages against the sandbox', () => {
  it('waits out a spent budget instead of getting 429s', async () => {
    const s = setup();
    const api = await connect(s);
    sandbox.control.setRateLimit(2);
    for (let i = 0; i < 5; i++) await api.departments();
    expect(apiRequests('/departments.list').map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(s.slept.length).toBeGreaterThan(0);
  });

  it('backs off on 429 (another host used the budget) and recovers with few retries', async () => {
    const s = setup();
    const api = await connect(s);
    const other = s.host().client.connection({ connectionId: 'conn-1' });
    sandbox.control.setRateLimit(1);
    await other.departments(); // host B spends the budget; host A does not know
    await api.departments();
    expect(apiRequests('/departments.list').map((r) => r.status)).toEqual([200, 429, 200]);
    expect(s.slept).toHaveLength(1);
    expect(s.slept[0]).toBeGreaterThan(0);
    expect(s.slept[0]).toBeLessThanOrEqual(60_000);
  });

  it('gives up after max attempts under a zero limit', async () => {
    const s = setup({ maxAttempts: 3 });
    const api = await connect(s);
    sandbox.control.setRateLimit(0);
    await expect(api.departments()).rejects.toBeInstanceOf(TeamleaderRateLimitedError);
    expect(apiRequests('/departments.list')).toHaveLength(3);
  });

  it('recovers from a short outage and reports a long one', async () => {
    const s = setup({ maxAttempts: 4 });
    const api = await connect(s);
    sandbox.control.failNextRequests({ count: 2, status: 500 });
    expect((await api.usersMe()).account.id).toBe(SANDBOX_IDS.account);
    expect(apiRequests('/users.me').map((r) => r.status)).toEqual([500, 500, 200]);

    sandbox.control.failNextRequests({ count: 10, status: 503 });
    await expect(api.usersMe()).rejects.toBeInstanceOf(TeamleaderUnavailableError);
    expect(apiRequests('/users.me')).toHaveLength(3 + 4);
  });
});

describe('typed helpers against the sandbox', () => {
  it('lists, reads, downloads and pays invoices with exact amounts', async () => {
    const s = setup();
    const api = await connect(s);
    const company = sandbox.control.seedCompany({ name: 'Acme NV', invoicingEmail: 'ap@acme.test' }) as { id: string };
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const invoice = sandbox.control.seedInvoice({
        customer: { type: 'company', id: company.id },
        booked: true,
        lines: [{ unitPrice: '100.10', taxRate: '0.21' }],
      }) as { id: string };
      ids.push(invoice.id);
    }
    sandbox.control.seedInvoice({ customer: { type: 'company', id: company.id } }); // a draft

    const listed = [];
    for await (const invoice of api.listInvoices({ filter: { status: ['outstanding'] }, pageSize: 10 })) listed.push(invoice);
    expect(listed.map((i) => i.id).sort()).toEqual([...ids].sort());
    expect(apiRequests('/invoices.list')).toHaveLength(4); // the short third page does not end the list: an empty one does

    // A server that serves at most 10 a page, asked for 100: every invoice all the same.
    sandbox.control.setMaxPageSize(10);
    const capped = [];
    for await (const invoice of api.listInvoices({ filter: { status: ['outstanding'] }, pageSize: 100 })) capped.push(invoice);
    expect(capped.map((i) => i.id).sort()).toEqual([...ids].sort());

    const info = await api.invoiceInfo({ id: ids[0] as string });
    expect(typeof info.total.payable.amount).toBe('string');
    expect(Number(info.total.payable.amount)).toBeCloseTo(121.12, 2);
    expect(info.status).toBe('outstanding');

    await api.registerPayment({ id: info.id, amount: info.total.payable.amount, currency: 'EUR', paidAt: '2026-03-02T09:00:00+00:00' });
    const paid = await api.invoiceInfo({ id: info.id });
    expect(paid.status).toBe('matched');
    expect(paid.payments?.map((p) => p.payment.amount)).toEqual([info.total.payable.amount]);
    await api.removePayments({ id: info.id });
    expect((await api.invoiceInfo({ id: info.id })).status).toBe('outstanding');

    const download = await api.downloadInvoice({ id: info.id });
    const file = await s.client.fetchFile({ location: download.location });
    expect(file.contentType).toContain('application/pdf');
    expect(Buffer.from(file.bytes).subarray(0, 4).toString()).toBe('%PDF');
  });

  it('reads credit notes, subscriptions, customers, custom fields, departments and manages webhooks', async () => {
    const s = setup();
    const api = await connect(s);
    const contact = sandbox.control.seedContact({ firstName: 'Ann', lastName: 'Peeters', email: 'ann@example.test' }) as { id: string };
    const company = sandbox.control.seedCompany({ name: 'Acme NV' }) as { id: string };
    const invoice = sandbox.control.seedInvoice({ customer: { type: 'contact', id: contact.id }, booked: true }) as { id: string };
    const note = sandbox.control.seedCreditNote({ invoiceId: invoice.id }) as { id: string };
    const field = sandbox.control.seedCustomField({ context: 'subscription', type: 'single_select', label: 'Twikey profile', options: ['1234'] }) as {
      id: string;
    };
    const subscription = sandbox.control.seedSubscription({
      customer: { type: 'company', id: company.id },
      customFields: [{ definitionId: field.id, value: '1234' }],
    }) as { id: string };

    const notes = [];
    for await (const n of api.listCreditNotes({ filter: { invoice_id: invoice.id } })) notes.push(n);
    expect(notes.map((n) => n.id)).toEqual([note.id]);
    const noteInfo = await api.creditNoteInfo({ id: note.id });
    expect(noteInfo.invoice?.id).toBe(invoice.id);
    expect(typeof noteInfo.total.payable.amount).toBe('string');

    const subs = [];
    for await (const sub of api.listSubscriptions()) subs.push(sub);
    expect(subs.map((x) => x.id)).toEqual([subscription.id]);
    const subInfo = await api.subscriptionInfo({ id: subscription.id });
    expect(subInfo.custom_fields).toContainEqual(expect.objectContaining({ definition: { type: 'customFieldDefinition', id: field.id }, value: '1234' }));

    expect((await api.contactInfo({ id: contact.id })).last_name).toBe('Peeters');
    expect((await api.companyInfo({ id: company.id })).name).toBe('Acme NV');
    expect((await api.customFieldDefinitions({ context: 'subscription' })).map((f) => f.id)).toEqual([field.id]);
    expect((await api.departments()).map((d) => d.id)).toContain(SANDBOX_IDS.department);

    const url = 'http://127.0.0.1:9/hooks/teamleader/secret-1';
    await api.registerWebhook({ url, types: ['invoice.booked', 'invoice.updated'] });
    expect(await api.listWebhooks()).toEqual([{ url, types: expect.arrayContaining(['invoice.booked', 'invoice.updated']) }]);
    await api.unregisterWebhook({ url, types: ['invoice.updated'] });
    expect(await api.listWebhooks()).toEqual([{ url, types: ['invoice.booked'] }]);
  });
});

describe('accounting reads (P-6)', () => {
  it('taxRates: every page (a server serving 3 a page still gives all 8), rates as decimal strings; departmentInfo: address, IBAN, BIC', async () => {
    const s = setup();
    const api = await connect(s);
    sandbox.control.setMaxPageSize(3);
    const rates = await api.taxRates();
    expect(rates).toHaveLength(8);
    expect(apiRequests('/taxRates.list')).toHaveLength(4); // 3 + 3 + 2, then the empty page that ends the list
    expect(rates.find((r) => r.id === SANDBOX_IDS.taxRate21)).toEqual({
      id: SANDBOX_IDS.taxRate21,
      description: '21%',
      rate: '0.21',
      department: { type: 'department', id: SANDBOX_IDS.department },
    });
    expect(rates.find((r) => r.id === SANDBOX_IDS.taxRate0ReverseCharge)).toMatchObject({ rate: '0', description: '0% Medecontractant' });
    expect(await api.taxRates({ departmentId: SANDBOX_IDS.department })).toHaveLength(8);

    const department = await api.departmentInfo({ id: SANDBOX_IDS.department });
    expect(department).toMatchObject({
      name: 'Sandbox BV',
      vat_number: 'BE0899623035',
      address: { line_1: 'Sandboxstraat 1', postal_code: '9000', city: 'Gent', country: 'BE' },
      iban: 'BE68539007547034',
      bic: 'BBRUBEBB',
    });
    await expect(api.departmentInfo({ id: 'ffffffff-0000-4000-8000-000000000000' })).rejects.toMatchObject({ status: 404 });
  });
});
