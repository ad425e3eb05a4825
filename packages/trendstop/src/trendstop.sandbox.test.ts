import { ManualClock } from '@tollgate/clock';
import { SANDBOX_KEYS, TEST_ENTERPRISE_NUMBERS, startTrendsTopSandbox, type TrendsTopSandbox } from '@tollgate/sandbox-trendstop';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrendsTopClient, type TrendsTopClientConfig } from './trendstop.client.js';
import {
  InvalidEnterpriseNumberError,
  TrendsTopAuthError,
  TrendsTopExportRightsError,
  TrendsTopIdempotencyConflictError,
  TrendsTopNoDataError,
  TrendsTopRateLimitedError,
  TrendsTopResponseError,
  TrendsTopTimeoutError,
  TrendsTopUnavailableError,
} from './trendstop.errors.js';

// The client against the real sandbox on loopback. Every wait goes through the injected sleep, which
// records the delay and moves the sandbox's ManualClock: no test waits for real time.
const NUMBERS = TEST_ENTERPRISE_NUMBERS;
let clock: ManualClock;
let sandbox: TrendsTopSandbox;
let sleeps: number[];

const sleep = async (ms: number): Promise<void> => {
  sleeps.push(ms);
  clock.advance({ ms });
};

function client(input: Partial<TrendsTopClientConfig> = {}): TrendsTopClient {
  return new TrendsTopClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEYS.partner, sleep, backoff: { jitter: false }, ...input });
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

beforeEach(async () => {
  clock = new ManualClock('2026-12-06T10:00:15.000Z');
  sleeps = [];
  sandbox = await startTrendsTopSandbox({ clock });
});

afterEach(async () => {
  await sandbox.close();
});

describe('TrendsTopClient against the sandbox', () => {
  it('reads the subscription of the partner key and of a customer key', async () => {
    expect(await client().subscription()).toEqual({ customerId: 'partner-tollgate', formula: 'partner', exportRights: true, exportsThisMonth: 0 });
    expect(await client({ apiKey: SANDBOX_KEYS.customers.basic }).subscription()).toMatchObject({ formula: 'basic', exportRights: false });
    expect(await client({ apiKey: SANDBOX_KEYS.customers.marketing }).subscription()).toMatchObject({ formula: 'marketing', exportRights: true });
  });

  it('tells what is available for full, partial and no-data companies, free of charge; null for an unknown one', async () => {
    const c = client();
    const full = await c.availability({ enterpriseNumber: 'BE 0465.399.763' });
    expect(full).toEqual({
      enterpriseNumber: '0465399763',
      name: 'Peeters Software BV',
      available: { phone: true, contactPerson: true, naceCode: true, legalForm: true, address: true, foundedOn: true, employeesClass: true },
    });
    const partial = await c.availability({ enterpriseNumber: NUMBERS.partial.noPhone });
    expect(partial?.available).toMatchObject({ phone: false, contactPerson: true, naceCode: true });
    const none = await c.availability({ enterpriseNumber: NUMBERS.noData[0]! });
    expect(Object.values(none!.available).every((value) => value === false)).toBe(true);
    expect(await c.availability({ enterpriseNumber: NUMBERS.notInSeed[0]! })).toBeNull();
    expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner })).toMatchObject({ total: 0, thisMonth: 0 });
  });

  it('exports a company, billed to the key; the same Idempotency-Key answers the same export and bills once', async () => {
    const c = client();
    const first = await c.exportCompany({ enterpriseNumber: '0465.399.763', idempotencyKey: 'order-1' });
    expect(first).toEqual({
      exportId: expect.stringMatching(/^exp_/),
      enterpriseNumber: '0465399763',
      vatNumber: 'BE0465399763',
      name: 'Peeters Software BV',
      legalForm: { code: '610', label: 'Besloten vennootschap' },
      nace: { code: '62.100', version: '2025', label: 'Computerprogrammering' },
      address: { street: 'Kerkstraat', houseNumber: '7', box: '2', postalCode: '9000', municipality: 'Gent', country: 'BE' },
      phone: '+3292345678',
      contactPerson: { name: 'Jan Peeters', role: 'Bestuurder' },
      foundedOn: '1999-04-20',
      employeesClass: '20-49',
      retrievedAt: '2026-12-06T10:00:15.000Z',
    });
    clock.advance({ minutes: 5 });
    const again = await c.exportCompany({ enterpriseNumber: '0465399763', idempotencyKey: 'order-1' });
    expect(again).toEqual(first);
    expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner })).toMatchObject({ total: 1, thisMonth: 1 });
    expect((await c.subscription()).exportsThisMonth).toBe(1);

    const reused = await caught(c.exportCompany({ enterpriseNumber: '0314595348', idempotencyKey: 'order-1' }));
    expect(reused).toBeInstanceOf(TrendsTopIdempotencyConflictError);
    expect(reused).toMatchObject({ code: 'idempotency_key_reused', status: 409 });

    const other = await c.exportCompany({ enterpriseNumber: '0314595348', idempotencyKey: 'order-2' });
    expect(other?.exportId).not.toBe(first?.exportId);
    expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total).toBe(2);
  });

  it('exports partial data as nulls, answers null for an unknown company and refuses a no-data one, billing neither', async () => {
    const c = client();
    const partial = await c.exportCompany({ enterpriseNumber: NUMBERS.partial.noPhoneNoContact, idempotencyKey: 'p-1' });
    expect(partial).toMatchObject({ phone: null, contactPerson: null });
    expect(partial?.nace).not.toBeNull();
    expect(partial?.address).not.toBeNull();
    expect(await c.exportCompany({ enterpriseNumber: NUMBERS.notInSeed[1]!, idempotencyKey: 'p-2' })).toBeNull();
    const noData = await caught(c.exportCompany({ enterpriseNumber: NUMBERS.noData[0]!, idempotencyKey: 'p-3' }));
    expect(noData).toBeInstanceOf(TrendsTopNoDataError);
    expect(noData).toMatchObject({ code: 'company_data_no_data', status: 422 });
    expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total).toBe(1);
  });

  it('refuses an invalid number before any request', async () => {
    const error = await caught(client().availability({ enterpriseNumber: '0123.456.748' }));
    expect(error).toBeInstanceOf(InvalidEnterpriseNumberError);
    expect(sandbox.control.requests()).toEqual([]);
  });

  it('an unknown key is TrendsTopAuthError, not retried', async () => {
    const error = await caught(client({ apiKey: 'tt_no_such_key' }).availability({ enterpriseNumber: '0200065765' }));
    expect(error).toBeInstanceOf(TrendsTopAuthError);
    expect(error).toMatchObject({ code: 'company_data_auth_failed', upstreamStatus: 401 });
    expect(sandbox.control.requests()).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('export rights follow the formula: 403 with the formula for basic and start, exports for plus, xl, marketing, business', async () => {
    for (const formula of ['basic', 'start'] as const) {
      const error = await caught(
        client({ apiKey: SANDBOX_KEYS.customers[formula] }).exportCompany({ enterpriseNumber: '0200065765', idempotencyKey: `k-${formula}` }),
      );
      expect(error).toBeInstanceOf(TrendsTopExportRightsError);
      expect(error).toMatchObject({ code: 'export_rights_required', formula });
    }
    for (const formula of ['plus', 'xl', 'marketing', 'business'] as const) {
      const answer = await client({ apiKey: SANDBOX_KEYS.customers[formula] }).exportCompany({
        enterpriseNumber: '0200065765',
        idempotencyKey: `k-${formula}`,
      });
      expect(answer?.enterpriseNumber).toBe('0200065765');
      expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.customers[formula] }).total).toBe(1);
    }
    // A customer who upgrades gets export rights at once.
    const own = sandbox.control.createCustomerKey({ formula: 'start', customerId: 'acme' });
    const ownClient = client({ apiKey: own.apiKey });
    expect(await caught(ownClient.exportCompany({ enterpriseNumber: '0314595348', idempotencyKey: 'u-1' }))).toBeInstanceOf(TrendsTopExportRightsError);
    sandbox.control.setFormula({ apiKey: own.apiKey, formula: 'business' });
    expect((await ownClient.exportCompany({ enterpriseNumber: '0314595348', idempotencyKey: 'u-1' }))?.name).toBe('Boulangerie Lambert SRL');
    expect(await ownClient.subscription()).toEqual({ customerId: 'acme', formula: 'business', exportRights: true, exportsThisMonth: 1 });
    expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total).toBe(0);
  });

  it('waits for Retry-After on 429 (through the injected sleep) and then succeeds', async () => {
    sandbox.control.setRateLimit(2);
    const c = client();
    await c.availability({ enterpriseNumber: '0200065765' });
    await c.availability({ enterpriseNumber: '0314595348' });
    // 10:00:15: the minute turns in 45 s.
    const third = await c.exportCompany({ enterpriseNumber: '0465399763', idempotencyKey: 'rl-1' });
    expect(third?.retrievedAt).toBe('2026-12-06T10:01:00.000Z');
    expect(sleeps).toEqual([45_000]);
    expect(sandbox.control.requests().map((request) => request.status)).toEqual([200, 200, 429, 200]);
    expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total).toBe(1);
  });

  it('429 beyond the retries is TrendsTopRateLimitedError with the last Retry-After', async () => {
    sandbox.control.setRateLimit(0);
    const error = await caught(client({ retries: 2 }).availability({ enterpriseNumber: '0200065765' }));
    expect(error).toBeInstanceOf(TrendsTopRateLimitedError);
    expect(error).toMatchObject({ code: 'company_data_rate_limited', status: 429, retryAfterSeconds: 60 });
    expect(sleeps).toEqual([45_000, 60_000]);
    expect(sandbox.control.requests()).toHaveLength(3);
  });

  it('does not wait for a Retry-After longer than maxRetryAfterSeconds', async () => {
    sandbox.control.setRateLimit(0);
    const error = await caught(client({ maxRetryAfterSeconds: 30 }).availability({ enterpriseNumber: '0200065765' }));
    expect(error).toMatchObject({ code: 'company_data_rate_limited', retryAfterSeconds: 45 });
    expect(sleeps).toEqual([]);
  });

  it('retries an outage with backoff, then throws TrendsTopUnavailableError; works again when it ends', async () => {
    sandbox.control.setOutage(true);
    const c = client({ retries: 3, backoff: { jitter: false, initialDelayMs: 500 } });
    const error = await caught(c.availability({ enterpriseNumber: '0200065765' }));
    expect(error).toBeInstanceOf(TrendsTopUnavailableError);
    expect(error).toMatchObject({ code: 'company_data_unavailable', status: 503, upstreamStatus: 503 });
    expect(sleeps).toEqual([500, 1000, 2000]);
    expect(sandbox.control.requests()).toHaveLength(4);
    sandbox.control.setOutage(false);
    expect((await c.availability({ enterpriseNumber: '0200065765' }))?.name).toBe('Intercommunale Waterwerken Zuid NV');
  });

  it('a passing 5xx is retried; the export is billed once', async () => {
    sandbox.control.failNextRequests({ count: 2, status: 502 });
    const answer = await client().exportCompany({ enterpriseNumber: '0200065765', idempotencyKey: 'f-1' });
    expect(answer?.exportId).toBeTruthy();
    expect(sleeps).toHaveLength(2);
    expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total).toBe(1);
  });

  it('an unreachable vendor is retried, then TrendsTopUnavailableError', async () => {
    let calls = 0;
    const failing: typeof fetch = async () => {
      calls += 1;
      throw new TypeError('fetch failed');
    };
    const error = await caught(client({ fetch: failing, retries: 2 }).subscription());
    expect(error).toBeInstanceOf(TrendsTopUnavailableError);
    expect(error).not.toBeInstanceOf(TrendsTopTimeoutError);
    expect(calls).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('a malformed answer is TrendsTopResponseError, not a crash; a retry with the same key gets the export billed once', async () => {
    const c = client();
    sandbox.control.malformNextAnswers({ count: 1, kind: 'not_json' });
    const notJson = await caught(c.availability({ enterpriseNumber: '0200065765' }));
    expect(notJson).toBeInstanceOf(TrendsTopResponseError);
    expect(notJson).toMatchObject({ code: 'company_data_bad_response', status: 502, upstreamStatus: 200 });

    sandbox.control.malformNextAnswers({ count: 1, kind: 'wrong_shape' });
    const wrongShape = await caught(c.exportCompany({ enterpriseNumber: '0314595348', idempotencyKey: 'm-1' }));
    expect(wrongShape).toBeInstanceOf(TrendsTopResponseError);
    expect((wrongShape as TrendsTopResponseError).details).toMatchObject({ issues: expect.arrayContaining([expect.objectContaining({ path: 'exportId' })]) });
    const retried = await c.exportCompany({ enterpriseNumber: '0314595348', idempotencyKey: 'm-1' });
    expect(retried?.name).toBe('Boulangerie Lambert SRL');
    expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total).toBe(1);
  });
});

describe('TrendsTopClient against an answer about another company', () => {
  it('is TrendsTopResponseError', async () => {
    // A proxy in front of the sandbox that swaps the number asked for another one.
    const swapping: typeof fetch = (url, init) => fetch(String(url).replace('0200065765', '0314595348'), init);
    const error = await caught(client({ fetch: swapping }).availability({ enterpriseNumber: '0200065765' }));
    expect(error).toBeInstanceOf(TrendsTopResponseError);
    expect(error.message).toContain('about 0314595348');
  });
});

describe('TrendsTopClient against a slow sandbox', () => {
  // The sandbox's slow-mode wait is injected too: it holds the answer until the test lets go (never, here).
  let slow: TrendsTopSandbox;
  let held: number[];
  let onHeld: () => void;

  beforeEach(async () => {
    held = [];
    onHeld = () => {};
    slow = await startTrendsTopSandbox({
      clock,
      sleep: (ms) => {
        held.push(ms);
        onHeld();
        return new Promise<void>(() => {});
      },
    });
    slow.control.setSlowMode(30_000);
  });

  afterEach(async () => {
    await slow.close();
  });

  it("the caller's AbortSignal ends the wait with TrendsTopTimeoutError (no retry); the export was billed, and the same key replays it", async () => {
    const controller = new AbortController();
    onHeld = () => controller.abort();
    const c = new TrendsTopClient({ baseUrl: slow.url, apiKey: SANDBOX_KEYS.partner, sleep });
    const error = await caught(c.exportCompany({ enterpriseNumber: '0200065765', idempotencyKey: 's-1', signal: controller.signal }));
    expect(error).toBeInstanceOf(TrendsTopTimeoutError);
    expect(error).toBeInstanceOf(TrendsTopUnavailableError);
    expect(error).toMatchObject({ code: 'company_data_unavailable', reason: 'aborted' });
    expect(held).toEqual([30_000]);
    expect(sleeps).toEqual([]);
    // The vendor did the work before it went slow: billed once, and the retry gets the same export.
    expect(slow.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total).toBe(1);
    slow.control.setSlowMode(0);
    const replay = await c.exportCompany({ enterpriseNumber: '0200065765', idempotencyKey: 's-1' });
    expect(replay?.exportId).toBe(slow.control.exports()[0]!.exportId);
    expect(slow.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total).toBe(1);
  });

  it('the per-attempt timeout is retried, then TrendsTopTimeoutError', async () => {
    const timeouts: AbortController[] = [];
    onHeld = () => timeouts[timeouts.length - 1]!.abort(new DOMException('timed out', 'TimeoutError'));
    const c = new TrendsTopClient({
      baseUrl: slow.url,
      apiKey: SANDBOX_KEYS.partner,
      sleep,
      retries: 1,
      timeoutMs: 2_000,
      backoff: { jitter: false, initialDelayMs: 250 },
      timeoutSignal: (ms) => {
        expect(ms).toBe(2_000);
        const controller = new AbortController();
        timeouts.push(controller);
        return controller.signal;
      },
    });
    const error = await caught(c.availability({ enterpriseNumber: '0200065765' }));
    expect(error).toBeInstanceOf(TrendsTopTimeoutError);
    expect(error).toMatchObject({ code: 'company_data_unavailable', reason: 'timeout' });
    expect(held).toEqual([30_000, 30_000]);
    expect(sleeps).toEqual([250]);
  });
});
