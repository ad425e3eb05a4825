import { ManualClock } from '@tollgate/clock';
import { renderTestLetterPdf, SANDBOX_ACCOUNTS, SANDBOX_VENDOR_ID, startEPostSandbox, type EPostSandbox } from '@tollgate/sandbox-epost';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EPostClient, type EPostClientConfig, type UploadLetterInput } from './epost.client.js';
import { EPostInvalidCredentialsError, EPostRateLimitedError, EPostRejectedError, EPostUnavailableError } from './epost.errors.js';

/**
 * The client against the sandbox on loopback: the sandbox runs on the test's ManualClock, the
 * client reads the same clock for token expiry and "sleeps" by moving it (no real waits).
 */
const A = SANDBOX_ACCOUNTS.active;

describe('EPostClient against the E-POSTBUSINESS sandbox', () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  let sandbox: EPostSandbox;
  let pdf: Uint8Array;
  const slept: number[] = [];
  const sleep = async (ms: number) => {
    slept.push(ms);
    clock.advance({ ms });
  };
  const client = (over: Partial<EPostClientConfig> = {}) =>
    new EPostClient({ baseUrl: sandbox.url, vendorId: SANDBOX_VENDOR_ID, ...A, sleep, now: () => clock.now(), backoff: { jitter: false }, ...over });
  let n = 0;
  const letter = (over: Partial<UploadLetterInput> = {}): UploadLetterInput => ({
    fileName: `invoice-${++n}.pdf`,
    pdf,
    recipient: { lines: ['Muster GmbH', 'Hauptstraße 5', '10115 Berlin'], zipCode: '10115', city: 'Berlin' },
    ...over,
  });
  const logins = () => sandbox.control.requests().filter((r) => r.path === '/api/Login').length;

  beforeAll(async () => {
    sandbox = await startEPostSandbox({ clock });
    pdf = await renderTestLetterPdf({ recipient: ['Muster GmbH', 'Hauptstraße 5', '10115 Berlin'] });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(() => {
    sandbox.control.reset();
    sandbox.control.setStatusQueryInterval(0);
    slept.length = 0;
  });

  it('logs in once, caches the token until a minute before it expires, and logs in again after', async () => {
    const c = client({ tokenDurationMinutes: 60 });
    const { expiresAt } = await c.login();
    expect(expiresAt.toISOString()).toBe('2026-03-02T10:00:00.000Z');
    const { letterID } = await c.uploadLetter(letter());
    await c.letterStatus(letterID);
    expect(logins()).toBe(1);
    clock.advance({ ms: 59 * 60_000 });
    await c.letterStatus(letterID);
    expect(logins()).toBe(2);
  });

  it('wrong credentials, unknown vendor IDs and blocked EKPs are EPostInvalidCredentialsError (never retried)', async () => {
    for (const over of [{ password: 'wrong-pass' }, { vendorId: 'not-ours' }, { ...SANDBOX_ACCOUNTS.blocked }]) {
      const error = await client({ ...over })
        .login()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EPostInvalidCredentialsError);
      expect(error).toMatchObject({ code: 'epost_credentials_invalid', status: 422 });
    }
    expect(
      (
        (await client({ ...SANDBOX_ACCOUNTS.blocked })
          .login()
          .catch((e: unknown) => e)) as EPostInvalidCredentialsError
      ).vendorCode,
    ).toBe('E004');
    expect(logins()).toBe(4);
  });

  it('a 401 on a cached token (rotation) logs in again once; the old password then fails as invalid credentials', async () => {
    const c = client();
    await c.login();
    sandbox.control.rotateCredentials({ ekp: A.ekp });
    const error = await c.uploadLetter(letter()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EPostInvalidCredentialsError);
    expect(sandbox.control.letters()).toHaveLength(0);
  });

  it('an expired token (E101) is renewed transparently', async () => {
    const c = client({ now: () => new Date(0) });
    await c.login();
    clock.advance({ ms: 25 * 3_600_000 });
    const { letterID } = await c.uploadLetter(letter());
    expect(letterID).toBeGreaterThan(0);
    expect(logins()).toBe(2);
  });

  it('uploads a letter with its options and reads its status and bulk status', async () => {
    const c = client();
    const sent = await c.uploadLetter(letter({ color: true, duplex: true, custom: ['RE-2026-0042'] }));
    expect(sent).toMatchObject({ fileName: 'invoice-' + n + '.pdf', duplicate: false });
    expect(sandbox.control.letters()[0]).toMatchObject({
      letterID: sent.letterID,
      isColor: true,
      isDuplex: true,
      custom: ['RE-2026-0042', null, null, null, null],
    });
    expect(await c.letterStatus(sent.letterID)).toMatchObject({ statusID: 1, custom1: 'RE-2026-0042' });
    clock.advance({ ms: 3 * 3_600_000 });
    expect((await c.letterStatuses([sent.letterID, 1]))[0]).toMatchObject({ letterID: sent.letterID, statusID: 3 });
    expect(await c.letterStatus(1)).toBeNull();
  });

  it('sends the cover-sheet option with the sender line and the Einschreiben kind; registered + duplex never leaves the client', async () => {
    const c = client();
    const sent = await c.uploadLetter(
      letter({ registered: 'Einwurf Einschreiben', coverLetter: true, senderLine: 'Tollgate BV, Kerkstraat 1, 1000 Brussel, BELGIEN' }),
    );
    expect(sandbox.control.letters().find((l) => l.letterID === sent.letterID)).toMatchObject({ registeredLetter: 'Einwurf Einschreiben', coverLetter: true });
    await expect(c.uploadLetter(letter({ registered: 'Einschreiben', duplex: true }))).rejects.toThrow(/E312/);
    await expect(c.uploadLetter(letter({ fileName: 'a b' }))).rejects.toThrow(RangeError);
  });

  it('a refused letter is EPostRejectedError with the API code and description', async () => {
    const misplaced = await renderTestLetterPdf({ recipient: ['Muster GmbH', 'Hauptstraße 5', '10115 Berlin'], topMm: 55 });
    const error = (await client()
      .uploadLetter(letter({ pdf: misplaced }))
      .catch((e: unknown) => e)) as EPostRejectedError;
    expect(error).toBeInstanceOf(EPostRejectedError);
    expect(error).toMatchObject({ code: 'epost_letter_rejected', status: 422, vendorCode: 'E306' });
    expect(error.vendorDescription).toMatch(/mm from the top/);
  });

  it('retries 5xx with backoff; an outage past the retries is EPostUnavailableError', async () => {
    sandbox.control.failNextRequests({ count: 2, status: 502 });
    const c = client({ retries: 3 });
    await c.login();
    expect(slept).toEqual([500, 1000]);
    sandbox.control.setOutage(true);
    const error = await client({ retries: 1 })
      .login()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EPostUnavailableError);
    expect(error).toMatchObject({ code: 'epost_unavailable', status: 503, upstreamStatus: 503 });
  });

  it('an upload whose answer was lost is retried and answered with the same letter (duplicate failsafe), posted once', async () => {
    const c = client();
    await c.login();
    const same = letter();
    await c.uploadLetter(same);
    // The first upload went through but its answer was lost: the retry comes back with the first letter ID.
    const again = await c.uploadLetter({ ...same, fileName: 'invoice-retry.pdf' });
    expect(again).toMatchObject({ letterID: sandbox.control.letters()[0]!.letterID, duplicate: true });
    expect(sandbox.control.letters()).toHaveLength(1);
  });

  it('status queries faster than every 5 s wait and retry (429 E322); still limited after the retries is EPostRateLimitedError', async () => {
    sandbox.control.setStatusQueryInterval(5_000);
    const c = client();
    const { letterID } = await c.uploadLetter(letter());
    await c.letterStatus(letterID);
    await c.letterStatus(letterID);
    expect(slept).toEqual([5_000]);
    const error = await client({ retries: 0, sleep: async () => {} })
      .letterStatus(letterID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EPostRateLimitedError);
  });
});
