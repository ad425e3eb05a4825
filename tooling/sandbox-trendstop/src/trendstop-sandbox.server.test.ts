import { ManualClock } from '@tollgate/clock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENTERPRISE_NUMBERS } from './company-seed.js';
import { SANDBOX_KEYS, startTrendsTopSandbox, type TrendsTopSandbox } from './trendstop-sandbox.server.js';

let clock: ManualClock;
let sandbox: TrendsTopSandbox;
let changes: number;

beforeEach(async () => {
  clock = new ManualClock('2026-12-06T10:00:15.000Z');
  changes = 0;
  sandbox = await startTrendsTopSandbox({ clock, onStateChange: () => changes++ });
});

afterEach(async () => {
  await sandbox.close();
});

async function call(input: { path: string; method?: string; key?: string | null; idempotencyKey?: string; on?: TrendsTopSandbox }) {
  const headers: Record<string, string> = {};
  const key = input.key === undefined ? SANDBOX_KEYS.partner : input.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (input.idempotencyKey !== undefined) headers['idempotency-key'] = input.idempotencyKey;
  const response = await fetch(`${(input.on ?? sandbox).url}${input.path}`, { method: input.method ?? 'GET', headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

async function control(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
  const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const exportOf = (number: string, idempotencyKey: string, key?: string) =>
  call({ path: `/v1/companies/${number}/export`, method: 'POST', idempotencyKey, ...(key === undefined ? {} : { key }) });

describe('the Trends Top sandbox API', () => {
  it('refuses a missing, unknown or revoked key with 401 unauthorized', async () => {
    for (const key of [null, 'tt_nope_nope']) {
      const answer = await call({ path: '/v1/subscription', key });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    }
    sandbox.control.revokeKey({ apiKey: SANDBOX_KEYS.customers.plus });
    expect((await call({ path: '/v1/subscription', key: SANDBOX_KEYS.customers.plus })).status).toBe(401);
  });

  it('refuses every invalid number with 400 invalid_enterprise_number, on both routes', async () => {
    for (const number of TEST_ENTERPRISE_NUMBERS.invalid) {
      const availability = await call({ path: `/v1/companies/${encodeURIComponent(number)}/availability` });
      expect([number, availability.status, availability.body.error.code]).toEqual([number, 400, 'invalid_enterprise_number']);
      const exported = await exportOf(encodeURIComponent(number), 'k');
      expect([number, exported.status]).toEqual([number, 400]);
    }
    expect(sandbox.control.exports()).toEqual([]);
  });

  it('answers 404 company_not_found for a valid number it does not know, 404/405 for other routes', async () => {
    const missing = await call({ path: `/v1/companies/${TEST_ENTERPRISE_NUMBERS.notInSeed[0]}/availability` });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'company_not_found' } } });
    expect((await call({ path: '/v1/companies' })).body.error.code).toBe('not_found');
    expect((await call({ path: '/v2/subscription' })).status).toBe(404);
    expect((await call({ path: '/v1/companies/0200065765/availability', method: 'POST' })).status).toBe(405);
    expect((await call({ path: '/v1/companies/0200065765/export' })).status).toBe(405);
  });

  it('requires an Idempotency-Key for an export', async () => {
    const answer = await call({ path: '/v1/companies/0200065765/export', method: 'POST' });
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'idempotency_key_required' } } });
    expect(sandbox.control.exports()).toEqual([]);
  });

  it('answers 403 export_rights_required with the formula for a key without export rights', async () => {
    const answer = await exportOf('0200065765', 'k-1', SANDBOX_KEYS.customers.start);
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ error: { code: 'export_rights_required', formula: 'start', message: expect.any(String) } });
    // Availability stays free for every key.
    expect((await call({ path: '/v1/companies/0200065765/availability', key: SANDBOX_KEYS.customers.start })).status).toBe(200);
  });

  it('bills an export once per Idempotency-Key, replays it, refuses the key for another company', async () => {
    const first = await exportOf('0314595348', 'k-1');
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    clock.advance({ minutes: 1 });
    const replay = await exportOf('0314595348', 'k-1');
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const reused = await exportOf('0200065765', 'k-1');
    expect(reused).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_reused' } } });
    // The same Idempotency-Key under another customer's key is that customer's own export.
    const otherKey = await exportOf('0314595348', 'k-1', SANDBOX_KEYS.customers.xl);
    expect(otherKey.body.exportId).not.toBe(first.body.exportId);
    expect(sandbox.control.exportCounts().filter((count) => count.total > 0)).toEqual([
      { apiKey: SANDBOX_KEYS.partner, customerId: 'partner-tollgate', formula: 'partner', total: 1, thisMonth: 1 },
      { apiKey: SANDBOX_KEYS.customers.xl, customerId: 'customer-xl', formula: 'xl', total: 1, thisMonth: 1 },
    ]);
  });

  it('answers 422 no_data for a company known by name only, without billing', async () => {
    const answer = await exportOf(TEST_ENTERPRISE_NUMBERS.noData[0]!, 'k-1');
    expect(answer).toMatchObject({ status: 422, body: { error: { code: 'no_data' } } });
    expect(sandbox.control.exports()).toEqual([]);
  });

  it('counts exports this month by the sandbox clock', async () => {
    await exportOf('0314595348', 'k-1');
    expect((await call({ path: '/v1/subscription' })).body.exportsThisMonth).toBe(1);
    clock.set('2027-01-01T00:00:00.000Z');
    expect((await call({ path: '/v1/subscription' })).body).toEqual({
      customerId: 'partner-tollgate',
      formula: 'partner',
      exportRights: true,
      exportsThisMonth: 0,
    });
    expect(sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner })).toMatchObject({ total: 1, thisMonth: 0 });
  });

  it('limits requests per key per clock minute with 429 and Retry-After; refused ones do not count', async () => {
    sandbox.control.setRateLimit(3);
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i++) remaining.push((await call({ path: '/v1/subscription' })).headers.get('x-ratelimit-remaining'));
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await call({ path: '/v1/subscription' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.headers.get('retry-after')).toBe('45');
    clock.advance({ seconds: 44 });
    expect((await call({ path: '/v1/subscription' })).headers.get('retry-after')).toBe('1');
    // Another key has its own window.
    expect((await call({ path: '/v1/subscription', key: SANDBOX_KEYS.customers.basic })).status).toBe(200);
    clock.advance({ seconds: 1 });
    for (let i = 0; i < 3; i++) expect((await call({ path: '/v1/subscription' })).status).toBe(200);
    expect((await call({ path: '/v1/subscription' })).status).toBe(429);
  });

  it('answers 503 during an outage, before looking at the key, and counts nothing', async () => {
    sandbox.control.setRateLimit(1);
    sandbox.control.setOutage(true);
    for (const key of [SANDBOX_KEYS.partner, 'tt_nope_nope']) {
      const answer = await call({ path: '/v1/subscription', key });
      expect(answer).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
      expect(answer.headers.get('retry-after')).toBe('120');
    }
    sandbox.control.setOutage(false);
    expect((await call({ path: '/v1/subscription' })).status).toBe(200);
  });

  it('fails the next requests on command without doing anything', async () => {
    sandbox.control.failNextRequests({ count: 2, status: 502 });
    expect((await exportOf('0314595348', 'k-1')).status).toBe(502);
    expect((await exportOf('0314595348', 'k-1')).status).toBe(502);
    expect(sandbox.control.exports()).toEqual([]);
    expect((await exportOf('0314595348', 'k-1')).status).toBe(200);
    expect(sandbox.control.requests().map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it('slow mode holds each answer through the injected sleep, after the work is done', async () => {
    const waits: number[] = [];
    let release: () => void = () => {};
    const slow = await startTrendsTopSandbox({
      clock,
      sleep: (ms) => {
        waits.push(ms);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    try {
      slow.control.setSlowMode(5_000);
      const pending = call({ path: '/v1/companies/0314595348/export', method: 'POST', idempotencyKey: 'k-1', on: slow });
      while (waits.length === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(waits).toEqual([5_000]);
      expect(slow.control.exports()).toHaveLength(1);
      release();
      expect((await pending).status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('breaks the next answers on command after the work is done', async () => {
    sandbox.control.malformNextAnswers({ count: 1, kind: 'not_json' });
    const response = await fetch(`${sandbox.url}/v1/companies/0314595348/export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_KEYS.partner}`, 'idempotency-key': 'k-1' },
    });
    expect(response.status).toBe(200);
    await expect(response.clone().json()).rejects.toThrow();
    expect(sandbox.control.exports()).toHaveLength(1);
    sandbox.control.malformNextAnswers({ count: 1, kind: 'wrong_shape' });
    expect((await call({ path: '/v1/subscription' })).body).toMatchObject({ status: 'ok', data: { formula: 'partner' } });
    expect((await call({ path: '/v1/subscription' })).body.formula).toBe('partner');
  });
});

describe('the sandbox control over HTTP', () => {
  it('creates keys, changes formulas, sets switches, reads counts and test numbers, resets', async () => {
    const created = await control('keys', { formula: 'xl', customerId: 'acme' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'customer', customerId: 'acme', formula: 'xl', revoked: false });
    const apiKey = created.body.apiKey as string;
    expect((await exportOf('0200065765', 'k-1', apiKey)).status).toBe(200);
    expect((await control(`keys/${apiKey}`, { formula: 'basic' })).body.formula).toBe('basic');
    expect((await exportOf('0314595348', 'k-2', apiKey)).status).toBe(403);

    expect((await control('rate-limit', { perMinute: 0 })).status).toBe(200);
    expect((await call({ path: '/v1/subscription' })).status).toBe(429);
    expect((await control('rate-limit', { perMinute: 100 })).status).toBe(200);
    expect((await control('outage', { on: true })).status).toBe(200);
    expect((await call({ path: '/v1/subscription' })).status).toBe(503);
    expect((await control('outage', { on: false })).status).toBe(200);
    expect((await control('slow', { ms: 0 })).status).toBe(200);
    expect((await control('failures', { count: 1, status: 500 })).status).toBe(200);
    expect((await call({ path: '/v1/subscription' })).status).toBe(500);
    expect((await control('malformed', { count: 0 })).status).toBe(200);

    const exports = await control('exports');
    expect(exports.body.counts.find((c: { apiKey: string }) => c.apiKey === apiKey)).toMatchObject({ customerId: 'acme', total: 1 });
    expect(exports.body.exports).toHaveLength(1);
    expect((await control('test-numbers')).body).toEqual(JSON.parse(JSON.stringify(TEST_ENTERPRISE_NUMBERS)));
    expect((await control('companies')).body.companies.length).toBeGreaterThanOrEqual(300);
    expect((await control('requests')).body.requests.length).toBeGreaterThan(0);
    expect((await control(`keys/${apiKey}/revoke`, {})).body.revoked).toBe(true);

    expect((await control('reset', {})).status).toBe(200);
    expect(sandbox.control.exports()).toEqual([]);
    expect(sandbox.control.keys().map((k) => k.apiKey)).not.toContain(apiKey);
  });

  it('refuses bad control input with 400 invalid_control, unknown controls with 404', async () => {
    expect(await control('keys', { formula: 'gold' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_control' } } });
    expect((await control('outage', { on: 'yes' })).status).toBe(400);
    expect((await control('slow', { ms: -1 })).status).toBe(400);
    expect((await control('rate-limit', { perMinute: 1.5 })).status).toBe(400);
    expect((await control('failures', { count: 1, status: 200 })).status).toBe(400);
    expect((await control('malformed', { count: 1, kind: 'html' })).status).toBe(400);
    expect((await control(`keys/${SANDBOX_KEYS.partner}`, { formula: 'plus' })).status).toBe(400);
    expect((await control('nothing-here')).status).toBe(404);
  });
});

describe('the sandbox state', () => {
  it('survives a restart: keys, exports (replayed as before) and the export counter', async () => {
    const own = sandbox.control.createCustomerKey({ formula: 'marketing', customerId: 'acme', apiKey: 'tt_acme_own_key' });
    const first = await exportOf('0314595348', 'k-1', own.apiKey);
    expect(changes).toBeGreaterThan(0);
    const state = JSON.parse(JSON.stringify(sandbox.control.exportState()));
    const restarted = await startTrendsTopSandbox({ clock, state });
    try {
      const replay = await call({ path: '/v1/companies/0314595348/export', method: 'POST', key: own.apiKey, idempotencyKey: 'k-1', on: restarted });
      expect(replay.body).toEqual(first.body);
      const next = await call({ path: '/v1/companies/0200065765/export', method: 'POST', key: own.apiKey, idempotencyKey: 'k-2', on: restarted });
      expect(next.body.exportId).toBe('exp_00000002');
      expect(restarted.control.exportCount({ apiKey: own.apiKey }).total).toBe(2);
    } finally {
      await restarted.close();
    }
    expect(() => sandbox.control.importState({ version: 2 } as never)).toThrow(/unknown version/);
  });
});
