import { ManualClock } from '@tollgate/clock';
import { describe, expect, it } from 'vitest';
import { TeamleaderClient } from './teamleader.client.js';
import {
  TeamleaderForbiddenError,
  TeamleaderNotFoundError,
  TeamleaderRateLimitedError,
  TeamleaderUnauthorizedError,
  TeamleaderUnavailableError,
  TeamleaderValidationError,
} from './teamleader.errors.js';

interface Seen {
  url: string;
  token: string;
  body: string;
}

type Handler = (request: Seen, index: number) => Response | Promise<Response>;

/** A client over a scripted fetch, a ManualClock and a sleep that only moves the clock. */
function setup(handler: Handler, options: { maxAttempts?: number; tokens?: string[] } = {}) {
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const requests: Seen[] = [];
  const slept: number[] = [];
  const tokenList = options.tokens ?? ['token-1', 'token-2', 'token-3'];
  let current = 0;
  const refreshes: string[] = [];
  const client = new TeamleaderClient({
    apiBaseUrl: 'http://tl.test/',
    clock,
    random: () => 0,
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance({ ms });
    },
    retry: { maxAttempts: options.maxAttempts ?? 5 },
    tokens: {
      accessToken: async () => tokenList[current] as string,
      refreshAfterRejection: async ({ rejectedAccessToken }) => {
        refreshes.push(rejectedAccessToken);
        current += 1;
        return tokenList[current] as string;
      },
    },
    fetch: async (url, init) => {
      const seen = {
        url: String(url),
        token: String((init?.headers as Record<string, string>).authorization),
        body: String(init?.body),
      };
      requests.push(seen);
      return handler(seen, requests.length - 1);
    },
  });
  return { client, clock, requests, slept, refreshes };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('TeamleaderClient.call', () => {
  it('POSTs JSON with the bearer token to <apiBase>/<action> and reads amounts exactly', async () => {
    const { client, requests } = setup(() => new Response('{"data":{"id":"inv-1","total":{"payable":{"amount":121.10,"currency":"EUR"}}}}', { status: 200 }));
    const result = await client.call<{ data: { total: { payable: { amount: string } } } }>({
      connectionId: 'c1',
      action: 'invoices.info',
      body: { id: 'inv-1' },
    });
    expect(result.data.total.payable.amount).toBe('121.10');
    expect(requests).toEqual([{ url: 'http://tl.test/invoices.info', token: 'Bearer token-1', body: '{"id":"inv-1"}' }]);
  });

  it('answers undefined for 204 and refuses malformed actions', async () => {
    const { client } = setup(() => new Response(null, { status: 204 }));
    expect(await client.call({ connectionId: 'c1', action: 'invoices.removePayments', body: { id: 'x' } })).toBeUndefined();
    await expect(client.call({ connectionId: 'c1', action: '../oauth2/access_token' })).rejects.toThrow(TypeError);
  });

  it('refreshes once on 401 and retries with the new token; a second 401 is an error', async () => {
    const ok = setup((request) => (request.token === 'Bearer token-1' ? json(401, { errors: [{ title: 'Unauthorized' }] }) : json(200, { data: [] })));
    await ok.client.call({ connectionId: 'c1', action: 'departments.list' });
    expect(ok.refreshes).toEqual(['token-1']);
    expect(ok.requests.map((r) => r.token)).toEqual(['Bearer token-1', 'Bearer token-2']);

    const bad = setup(() => json(401, { errors: [{ title: 'Access token expired' }] }));
    const error = await bad.client.call({ connectionId: 'c1', action: 'users.me' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeamleaderUnauthorizedError);
    expect(error).toMatchObject({ status: 401, titles: ['Access token expired'] });
    expect(bad.refreshes).toHaveLength(1);
    expect(bad.requests).toHaveLength(2);
  });

  it('maps error answers to typed errors with Teamleader’s titles', async () => {
    const cases: Array<[number, unknown]> = [
      [400, TeamleaderValidationError],
      [403, TeamleaderForbiddenError],
      [404, TeamleaderNotFoundError],
    ];
    for (const [status, type] of cases) {
      const { client, requests } = setup(() => json(status, { errors: [{ title: `Problem ${status}`, status }] }));
      const error = await client.call({ connectionId: 'c1', action: 'invoices.info', body: { id: 'x' } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type as never);
      expect(error).toMatchObject({ status, titles: [`Problem ${status}`], action: 'invoices.info' });
      expect(requests).toHaveLength(1); // client errors are not retried
    }
  });
});

describe('TeamleaderClient rate limits', () => {
  it('waits for X-RateLimit-Reset before the next call once the budget is spent', async () => {
    const { client, clock, slept } = setup(() =>
      // Teamleader's documented form: ISO with a +hhmm offset.
      json(200, { data: [] }, { 'x-ratelimit-limit': '200', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2026-03-01T11:00:42.000+0100' }),
    );
    await client.call({ connectionId: 'c1', action: 'departments.list' });
    expect(slept).toEqual([]);
    expect(client.rateLimit({ connectionId: 'c1' })).toEqual({ remaining: 0, resetAt: '2026-03-01T10:00:42.000Z', inFlight: 0 });
    await client.call({ connectionId: 'c2', action: 'departments.list' }); // another account: its own budget
    expect(slept).toEqual([]);
    await client.call({ connectionId: 'c1', action: 'departments.list' });
    expect(slept).toEqual([42_000]);
    expect(clock.now().toISOString()).toBe('2026-03-01T10:00:42.000Z');
  });

  it('does not wait while budget remains', async () => {
    const { client, slept } = setup(() => json(200, { data: [] }, { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '2026-03-01T10:00:42.000Z' }));
    for (let i = 0; i < 3; i++) await client.call({ connectionId: 'c1', action: 'departments.list' });
    expect(slept).toEqual([]);
  });

  it('on 429 (documented headers only, no Retry-After) waits until the reset time, then succeeds', async () => {
    const { client, requests, slept } = setup((_r, index) =>
      index === 0
        ? json(429, { errors: [{ title: 'Too many requests' }] }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2026-03-01T11:00:10+01:00' })
        : json(200, { data: { id: 'u' } }, { 'x-ratelimit-remaining': '199', 'x-ratelimit-reset': '2026-03-01T10:01:10.000Z' }),
    );
    await client.call({ connectionId: 'c1', action: 'users.me' });
    expect(slept).toEqual([10_000]);
    expect(requests).toHaveLength(2);
  });

  it('on 429 without a reset uses Retry-After, else capped exponential backoff with jitter', async () => {
    const retryAfter = setup((_r, index) => (index === 0 ? json(429, {}, { 'retry-after': '7' }) : json(200, { data: {} })));
    await retryAfter.client.call({ connectionId: 'c1', action: 'users.me' });
    expect(retryAfter.slept).toEqual([7000]);

    const bare = setup(() => json(429, { errors: [{ title: 'Too many requests' }] }), { maxAttempts: 8 });
    const error = await bare.client.call({ connectionId: 'c1', action: 'users.me' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeamleaderRateLimitedError);
    expect(bare.requests).toHaveLength(8); // max attempts, no storm
    expect(bare.slept).toHaveLength(7);
    // Half jitter: each wait lies in [d/2, d) of 1 s, 2 s, 4 s … capped at 60 s.
    bare.slept.forEach((ms, i) => {
      const full = Math.min(1000 * 2 ** i, 60_000);
      expect(ms).toBeGreaterThanOrEqual(full / 2);
      expect(ms).toBeLessThanOrEqual(full);
    });
    expect(Math.max(...bare.slept)).toBeLessThanOrEqual(60_000);
  });
});

describe('TeamleaderClient outages', () => {
  it('retries 5xx with backoff and recovers', async () => {
    const { client, requests, slept } = setup((_r, index) => (index < 2 ? json(503, { errors: [{ title: 'Down' }] }) : json(200, { data: [] })));
    await client.call({ connectionId: 'c1', action: 'invoices.list', body: {} });
    expect(requests).toHaveLength(3);
    expect(slept).toHaveLength(2);
  });

  it('gives up with TeamleaderUnavailableError after max attempts', async () => {
    const { client, requests } = setup(() => json(500, { errors: [{ title: 'Internal error' }] }), { maxAttempts: 3 });
    const error = await client.call({ connectionId: 'c1', action: 'invoices.list' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeamleaderUnavailableError);
    expect(error).toMatchObject({ status: 503, upstreamStatus: 500, titles: ['Internal error'], outcomeUnknown: false });
    expect(requests).toHaveLength(3);
  });

  it('retries timeouts and network errors', async () => {
    const { client, requests } = setup((_r, index) => {
      if (index === 0) throw new DOMException('The operation timed out.', 'TimeoutError');
      if (index === 1) throw new TypeError('fetch failed');
      return json(200, { data: {} });
    });
    await client.call({ connectionId: 'c1', action: 'users.me' });
    expect(requests).toHaveLength(3);
  });

  it('does not repeat a non-idempotent write after a 5xx or a timeout', async () => {
    const failing = setup(() => json(500, {}));
    const error = await failing.client
      .connection({ connectionId: 'c1' })
      .registerPayment({ id: 'inv-1', amount: '121.10', currency: 'EUR', paidAt: '2026-03-01T10:00:00+00:00' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeamleaderUnavailableError);
    expect(error).toMatchObject({ outcomeUnknown: true });
    expect(failing.requests).toHaveLength(1);

    const timeout = setup(() => {
      throw new DOMException('The operation timed out.', 'TimeoutError');
    });
    await expect(timeout.client.call({ connectionId: 'c1', action: 'invoices.book', body: {} })).rejects.toMatchObject({ outcomeUnknown: true });
    expect(timeout.requests).toHaveLength(1);

    // …but a 429 is safe to repeat: Teamleader did nothing.
    const limited = setup((_r, index) => (index === 0 ? json(429, {}, { 'retry-after': '1' }) : new Response(null, { status: 204 })));
    await limited.client.connection({ connectionId: 'c1' }).registerPayment({ id: 'inv-1', amount: '5', currency: 'EUR', paidAt: '2026-03-01' });
    expect(limited.requests).toHaveLength(2);
  });
});

describe('TeamleaderClient.paginate', () => {
  const items = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `i${i + 1}` }));
  const pager =
    (all: Array<{ id: string }>): Handler =>
    (request) => {
      const { page } = JSON.parse(request.body) as { page: { size: number; number: number } };
      return json(200, { data: all.slice((page.number - 1) * page.size, page.number * page.size) });
    };

  it('pages until an empty page', async () => {
    const { client, requests } = setup(pager(items(250)));
    const seen: string[] = [];
    for await (const item of client.paginate<{ id: string }>({ connectionId: 'c1', action: 'invoices.list', body: { filter: { status: ['outstanding'] } } })) {
      seen.push(item.id);
    }
    expect(seen).toHaveLength(250);
    expect(seen.at(-1)).toBe('i250');
    expect(requests.map((r) => JSON.parse(r.body))).toEqual(
      [1, 2, 3, 4].map((number) => ({ filter: { status: ['outstanding'] }, page: { size: 100, number } })),
    );
  });

  it('a server that caps pages below the size asked (50 of 100): a short page does not end the list', async () => {
    const all = items(214);
    const { client, requests } = setup((request) => {
      const { page } = JSON.parse(request.body) as { page: { size: number; number: number } };
      const size = Math.min(page.size, 50);
      return json(200, { data: all.slice((page.number - 1) * size, page.number * size) });
    });
    const seen: string[] = [];
    for await (const item of client.paginate<{ id: string }>({ connectionId: 'c1', action: 'invoices.list' })) seen.push(item.id);
    expect(seen).toEqual(all.map((item) => item.id));
    expect(requests).toHaveLength(6); // 50, 50, 50, 50, 14, then the empty page
  });

  it('asks one more (empty) page when the total is a multiple of the page size', async () => {
    const { client, requests } = setup(pager(items(40)));
    const seen = [];
    for await (const item of client.paginate({ connectionId: 'c1', action: 'customFieldDefinitions.list', pageSize: 20 })) seen.push(item);
    expect(seen).toHaveLength(40);
    expect(requests).toHaveLength(3);
    await expect(client.paginate({ connectionId: 'c1', action: 'invoices.list', pageSize: 101 }).next()).rejects.toThrow(RangeError);
  });
});

describe('TeamleaderApi helpers', () => {
  it('sends registerPayment amounts as exact JSON numbers', async () => {
    const { client, requests } = setup(() => new Response(null, { status: 204 }));
    await client
      .connection({ connectionId: 'c1' })
      .registerPayment({ id: 'inv-1', amount: '121.10', currency: 'EUR', paidAt: '2026-03-01T10:00:00+00:00', paymentMethodId: 'pm-1' });
    expect(requests[0]?.url).toBe('http://tl.test/invoices.registerPayment');
    expect(requests[0]?.body).toBe(
      '{"id":"inv-1","payment":{"amount":121.10,"currency":"EUR"},"paid_at":"2026-03-01T10:00:00+00:00","payment_method_id":"pm-1"}',
    );
  });

  it('accepts creditNotes.info as an object or as a one-element array', async () => {
    const note = { id: 'cn-1', total: { payable: { amount: 10, currency: 'EUR' } } };
    const asArray = setup(() => json(200, { data: [note] }));
    expect(await asArray.client.connection({ connectionId: 'c1' }).creditNoteInfo({ id: 'cn-1' })).toMatchObject({
      id: 'cn-1',
      total: { payable: { amount: '10' } },
    });
    const asObject = setup(() => json(200, { data: note }));
    expect(await asObject.client.connection({ connectionId: 'c1' }).creditNoteInfo({ id: 'cn-1' })).toMatchObject({ id: 'cn-1' });
  });
});
