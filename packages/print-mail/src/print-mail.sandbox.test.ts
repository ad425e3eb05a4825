import { ManualClock } from '@tollgate/clock';
import { makeTestPdf, SANDBOX_KEYS, startPrintMailSandbox, type PrintMailSandbox } from '@tollgate/sandbox-print-mail';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PrintMailClient } from './print-mail.client.js';
import {
  PrintMailAuthError,
  PrintMailIdempotencyConflictError,
  PrintMailNotCancellableError,
  PrintMailNotFoundError,
  PrintMailRejectedError,
  PrintMailResponseError,
  PrintMailTimeoutError,
  PrintMailUnavailableError,
} from './print-mail.errors.js';

/** The client against the real sandbox on loopback; waits are recorded, never slept. */
describe('PrintMailClient against the print-mail sandbox', () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  let sandbox: PrintMailSandbox;
  let pdf: Uint8Array;
  const waits: number[] = [];
  const client = (over: Partial<ConstructorParameters<typeof PrintMailClient>[0]> = {}) =>
    new PrintMailClient({
      baseUrl: sandbox.url,
      apiKey: SANDBOX_KEYS.test,
      sleep: async (ms) => {
        waits.push(ms);
      },
      backoff: { jitter: false },
      ...over,
    });
  const to = { name: 'Bakkerij Peeters BV', street: 'Kerkstraat 12 bus 3', postalCode: '2000', city: 'Antwerpen', country: 'BE' };
  const from = { name: 'Tollgate Demo BV', street: 'Markt 1', postalCode: '9000', city: 'Gent', country: 'BE' };
  const letter = (over: Record<string, unknown> = {}) => ({
    pdf,
    to,
    from,
    color: false,
    duplex: true,
    product: 'registered' as const,
    reference: 'let_42',
    idempotencyKey: 'letter-42',
    metadata: { accountId: 'acc_1' },
    ...over,
  });

  beforeAll(async () => {
    sandbox = await startPrintMailSandbox({ clock });
    pdf = await makeTestPdf({ pages: 3 });
  });
  afterEach(() => {
    sandbox.control.reset();
    waits.length = 0;
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('creates a letter (submitted, sheets from duplex pages), replays it for the same key, refuses the key for another letter', async () => {
    const created = await client().createLetter(letter());
    expect(created).toMatchObject({ status: 'submitted', pages: 3, sheets: 2, product: 'registered', reference: 'let_42', reason: null });
    expect(created.createdAt).toEqual(sandbox.control.now());
    expect(created.events.map((e) => e.status)).toEqual(['submitted']);
    expect((await client().createLetter(letter())).id).toBe(created.id);
    await expect(client().createLetter(letter({ color: true }))).rejects.toBeInstanceOf(PrintMailIdempotencyConflictError);
    expect(sandbox.control.letter(created.id)).toMatchObject({ metadata: { accountId: 'acc_1' }, idempotencyKey: 'letter-42' });
  });

  it('retries 503 with Retry-After and the same Idempotency-Key: one letter', async () => {
    sandbox.control.failNextRequests({ count: 2, retryAfterSeconds: 3 });
    const created = await client().createLetter(letter());
    expect(waits).toEqual([3000, 3000]);
    expect(sandbox.control.letters()).toHaveLength(1);
    const keys = sandbox.control.requests().map((r) => r.idempotencyKey);
    expect(keys).toEqual(['letter-42', 'letter-42', 'letter-42']);
    expect(created.status).toBe('submitted');
  });

  it('backs off on a 500 without Retry-After; gives up after the retries with PrintMailUnavailableError', async () => {
    sandbox.control.failNextRequests({ count: 5, status: 500 });
    const error = await client({ retries: 2 })
      .createLetter(letter())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrintMailUnavailableError);
    expect(error).toMatchObject({ code: 'print_mail_unavailable', status: 503, upstreamStatus: 500 });
    expect(waits).toEqual([500, 1000]);
    expect(sandbox.control.letters()).toHaveLength(0);
  });

  it('an outage whose Retry-After is longer than allowed is not waited for', async () => {
    sandbox.control.setOutage({ on: true, retryAfterSeconds: 600 });
    const error = await client()
      .createLetter(letter())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrintMailUnavailableError);
    expect((error as PrintMailUnavailableError).retryAfterSeconds).toBe(600);
    expect(waits).toEqual([]);
  });

  it('a refused letter is a PrintMailRejectedError with the vendor code and the fields', async () => {
    const error = await client()
      .createLetter(letter({ to: { ...to, postalCode: '1011 SS', country: 'NL' } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrintMailRejectedError);
    expect(error).toMatchObject({ code: 'print_mail_rejected', status: 422, vendorCode: 'address_invalid', fields: [{ field: 'to.address_zip' }] });
    const landscape = await makeTestPdf({ size: [841.89, 595.28] });
    expect(
      await client()
        .createLetter(letter({ pdf: landscape, idempotencyKey: 'l2' }))
        .catch((e: unknown) => e),
    ).toMatchObject({ vendorCode: 'pdf_not_a4' });
  });

  it('a wrong key is a PrintMailAuthError, never retried', async () => {
    await expect(client({ apiKey: 'pm_wrong' }).getLetter({ id: 'ltr_1' })).rejects.toBeInstanceOf(PrintMailAuthError);
    expect(waits).toEqual([]);
  });

  it('reads a letter with its events, cancels before printing, refuses after', async () => {
    const t0 = sandbox.control.now().getTime();
    const created = await client().createLetter(letter());
    await sandbox.control.advance({ seconds: 300 });
    expect((await client().getLetter({ id: created.id })).events.map((e) => [e.status, e.occurredAt.toISOString()])).toEqual([
      ['submitted', new Date(t0).toISOString()],
      ['accepted', new Date(t0 + 300_000).toISOString()],
    ]);
    expect((await client().cancelLetter({ id: created.id })).status).toBe('cancelled');
    const second = await client().createLetter(letter({ idempotencyKey: 'letter-43' }));
    await sandbox.control.advance({ seconds: 5 * 3600 });
    const late = await client()
      .cancelLetter({ id: second.id })
      .catch((e: unknown) => e);
    expect(late).toBeInstanceOf(PrintMailNotCancellableError);
    expect((late as PrintMailNotCancellableError).letterStatus).toBe('printed');
    await expect(client().getLetter({ id: 'ltr_nope' })).rejects.toBeInstanceOf(PrintMailNotFoundError);
  });

  it('quotes a draft in the service’s own prices', async () => {
    expect(await client().quote({ country: 'BE', pages: 3, color: false, duplex: true, product: 'standard' })).toMatchObject({ sheets: 2, amount: '1.52' });
  });

  it('an answer that does not fit the protocol is a PrintMailResponseError', async () => {
    const broken = client({ fetch: async () => new Response('{"id":1}', { status: 201, headers: { 'content-type': 'application/json' } }) });
    await expect(broken.getLetter({ id: 'ltr_1' })).rejects.toBeInstanceOf(PrintMailResponseError);
    const notJson = client({ fetch: async () => new Response('<html>', { status: 200 }) });
    await expect(notJson.getLetter({ id: 'ltr_1' })).rejects.toMatchObject({ code: 'print_mail_bad_response' });
  });

  it('a timed-out attempt is retried with the same key, then PrintMailTimeoutError', async () => {
    let calls = 0;
    const slow = client({
      retries: 1,
      // Every attempt's timeout fires at once: what a hung connection looks like.
      timeoutSignal: () => AbortSignal.abort(new DOMException('timed out', 'TimeoutError')),
      fetch: async (_url, init) => {
        calls += 1;
        init?.signal?.throwIfAborted();
        throw new Error('unreachable');
      },
    });
    const error = await slow.createLetter(letter()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrintMailTimeoutError);
    expect(error).toMatchObject({ reason: 'timeout', code: 'print_mail_unavailable' });
    expect(calls).toBe(2);
  });

  it('network errors and timeouts are retried, then PrintMailUnavailableError', async () => {
    let calls = 0;
    const down = client({
      retries: 1,
      fetch: async () => {
        calls += 1;
        throw new TypeError('fetch failed');
      },
    });
    await expect(down.getLetter({ id: 'ltr_1' })).rejects.toBeInstanceOf(PrintMailUnavailableError);
    expect(calls).toBe(2);
  });
});
