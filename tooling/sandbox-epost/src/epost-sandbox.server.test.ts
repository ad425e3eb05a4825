import { createHash } from 'node:crypto';
import { ManualClock } from '@tollgate/clock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_ACCOUNTS, SANDBOX_VENDOR_ID, startEPostSandbox, type EPostSandbox } from './epost-sandbox.server.js';
import { renderTestLetterPdf } from './test-letter.js';

const A = SANDBOX_ACCOUNTS.active;
const RECIPIENT = ['Muster GmbH', 'Hauptstraße 5', '10115 Berlin'];

describe('E-POSTBUSINESS sandbox', () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  let sandbox: EPostSandbox;
  let good: Uint8Array;

  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const login = async (over: Record<string, unknown> = {}) =>
    call('POST', '/api/Login', { vendorID: SANDBOX_VENDOR_ID, ekp: A.ekp, secret: A.secret, password: A.password, ...over });
  const token = async () => (await login()).body.token as string;
  const letter = (pdf: Uint8Array, over: Record<string, unknown> = {}) => ({
    fileName: `letter-${Math.random().toString(36).slice(2, 10)}.pdf`,
    data: Buffer.from(pdf).toString('base64'),
    isColor: false,
    isDuplex: false,
    addressLine1: 'Muster GmbH',
    addressLine2: 'Hauptstraße 5',
    zipCode: '10115',
    city: 'Berlin',
    ...over,
  });

  beforeAll(async () => {
    sandbox = await startEPostSandbox({ clock });
    good = await renderTestLetterPdf({ recipient: RECIPIENT });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(() => {
    sandbox.control.reset();
    sandbox.control.setStatusQueryInterval(0);
  });

  it('logs in with vendor ID, EKP, secret and password and answers a JWT that expires on the sandbox clock', async () => {
    const res = await login({ tokenDuration: 60 });
    expect(res.status).toBe(200);
    const claims = JSON.parse(Buffer.from(String(res.body.token).split('.')[1]!, 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(3600);
    expect((await call('GET', '/api/Letter/1', undefined, res.body.token)).status).toBe(404);
    sandbox.control.advance(3_600_000);
    const expired = await call('GET', '/api/Letter/1', undefined, res.body.token);
    expect(expired).toMatchObject({ status: 401, body: { code: 'E101' } });
  });

  it('refuses unknown vendor IDs, unknown EKPs, wrong passwords and secrets, and blocked EKPs', async () => {
    for (const over of [{ vendorID: 'someone-else' }, { ekp: '5999999999' }, { password: 'wrong-password' }, { secret: 'nope' }])
      expect(await login(over)).toMatchObject({ status: 401, body: { level: 'Error', code: 'E001' } });
    const blocked = SANDBOX_ACCOUNTS.blocked;
    expect(await login({ ekp: blocked.ekp, password: blocked.password, secret: blocked.secret })).toMatchObject({ status: 401, body: { code: 'E004' } });
    expect((await call('POST', '/api/Login', { vendorID: SANDBOX_VENDOR_ID })).status).toBe(400);
  });

  it('accounts can be added; a rotation makes old credentials and old tokens invalid', async () => {
    const added = sandbox.control.addAccount({ ekp: '5011111111', password: 'Another-1' });
    expect((await login({ ekp: added.ekp, password: 'Another-1', secret: added.secret })).status).toBe(200);
    const old = await token();
    const rotated = sandbox.control.rotateCredentials({ ekp: A.ekp, password: 'Rotated-Pass' });
    expect(await login()).toMatchObject({ status: 401, body: { code: 'E001' } });
    expect(await call('GET', '/api/Letter/1', undefined, old)).toMatchObject({ status: 401, body: { code: 'E101' } });
    expect((await login({ password: 'Rotated-Pass', secret: rotated.secret })).status).toBe(200);
  });

  it('takes a well-placed letter, keeps its sha256, and moves it through the statuses on the clock', async () => {
    const t = await token();
    const sent = letter(good, { custom1: 'RE-1' });
    const res = await call('POST', '/api/Letter', [sent], t);
    expect(res.status).toBe(200);
    const [{ letterID, fileName }] = res.body;
    expect(fileName).toBe(sent.fileName);
    const kept = sandbox.control.letters();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ letterID, ekp: A.ekp, sha256: createHash('sha256').update(good).digest('hex'), pages: 1 });
    expect(kept[0]!.addressBlockMm!.top).toBeGreaterThanOrEqual(60);
    // A token lives 24 h at most: log in again for each look.
    const status = async () => (await call('GET', `/api/Letter/${letterID}`, undefined, await token())).body;
    expect(await status()).toMatchObject({ statusID: 1, custom1: 'RE-1', processedDate: null });
    sandbox.control.advance(5 * 60_000);
    expect(await status()).toMatchObject({ statusID: 2 });
    sandbox.control.advance(2 * 3_600_000);
    expect(await status()).toMatchObject({ statusID: 3 });
    sandbox.control.advance(24 * 3_600_000);
    expect(await status()).toMatchObject({ statusID: 4, destinationAreaStatus: null });
    sandbox.control.advance(24 * 3_600_000);
    expect((await status()).destinationAreaStatus).toBeTruthy();
    const bulk = await call('POST', '/api/Letter/StatusQuery?onlyIssues=false', [letterID, 999], await token());
    expect(bulk.body.map((s: { letterID: number }) => s.letterID)).toEqual([letterID]);
  });

  it('refuses a recipient printed outside 60–85.5 mm from the top / 22–107.5 mm from the left, with the measured position', async () => {
    const t = await token();
    const high = await renderTestLetterPdf({ recipient: RECIPIENT, topMm: 55 });
    const res = await call('POST', '/api/Letter', [letter(high)], t);
    expect(res).toMatchObject({ status: 400, body: { code: 'E306' } });
    expect(res.body.description).toMatch(/60–85\.5 mm from the top/);
    const left = await renderTestLetterPdf({ recipient: RECIPIENT, leftMm: 120 });
    expect((await call('POST', '/api/Letter', [letter(left)], t)).body.code).toBe('E323');
    const registered = await call('POST', '/api/Letter', [letter(good, { registeredLetter: 'Einschreiben' })], t);
    expect(registered.body.code).toBe('E306');
    expect(sandbox.control.letters()).toHaveLength(0);
  });

  it("with coverLetter the API's own cover carries the address: page 1 is not checked, but the sender fields are required", async () => {
    const t = await token();
    const high = await renderTestLetterPdf({ recipient: RECIPIENT, topMm: 55 });
    const noSender = await call('POST', '/api/Letter', [letter(high, { coverLetter: true, registeredLetter: 'Einschreiben' })], t);
    expect(noSender).toMatchObject({ status: 400, body: { code: 'E333' } });
    const res = await call(
      'POST',
      '/api/Letter',
      [letter(high, { coverLetter: true, registeredLetter: 'Einschreiben', senderAdressLineComplete: 'Tollgate BV, Kerkstraat 1, 1000 Brussel, BELGIEN' })],
      t,
    );
    expect(res.status).toBe(200);
    const status = (await call('GET', `/api/Letter/${res.body[0].letterID}`, undefined, t)).body;
    expect(status).toMatchObject({ coverLetter: true, noOfPages: 2, registeredLetter: 'Einschreiben' });
    sandbox.control.advance(3 * 3_600_000);
    expect((await call('GET', `/api/Letter/${res.body[0].letterID}`, undefined, t)).body.registeredLetterID).toMatch(/^RR\d{9}DE$/);
  });

  it('refuses unreadable PDFs, landscape and non-A4 pages, text at the edge, a missing sender line and address fields the PDF does not show', async () => {
    const t = await token();
    const cases: Array<[Uint8Array | string, string, Record<string, unknown>?]> = [
      [Buffer.from('not a pdf at all'), 'E301'],
      [Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(200, 7)]), 'E301'],
      [await renderTestLetterPdf({ recipient: RECIPIENT, size: { widthPt: 841.89, heightPt: 595.28 } }), 'E307'],
      [await renderTestLetterPdf({ recipient: RECIPIENT, size: { widthPt: 612, heightPt: 792 } }), 'E308'],
      [await renderTestLetterPdf({ recipient: RECIPIENT, extra: [{ text: 'edge', xMm: 2, yMm: 150 }] }), 'E399'],
      [await renderTestLetterPdf({ recipient: RECIPIENT, senderLine: null }), 'E333'],
      [good, 'E203', { zipCode: '80331', city: 'München' }],
    ];
    for (const [pdf, code, over] of cases) {
      const res = await call('POST', '/api/Letter', [letter(pdf as Uint8Array, over)], t);
      expect(res, code).toMatchObject({ status: 400, body: { code } });
    }
    expect(sandbox.control.letters()).toHaveLength(0);
  });

  it('checks the schema and the option rules (E313, E317, E311, E312, E309) and takes all letters of a request or none', async () => {
    const t = await token();
    expect((await call('POST', '/api/Letter', [letter(good, { extra: 1 })], t)).body.code).toBe('E313');
    expect((await call('POST', '/api/Letter', [letter(good, { fileName: 'bad name!.pdf' })], t)).body.code).toBe('E313');
    expect((await call('POST', '/api/Letter', [letter(good, { registeredLetter: 'Express' })], t)).body.code).toBe('E317');
    expect((await call('POST', '/api/Letter', [letter(good, { registeredLetter: 'Einschreiben', country: 'BELGIEN', zipCode: '1000' })], t)).body.code).toBe(
      'E311',
    );
    expect((await call('POST', '/api/Letter', [letter(good, { registeredLetter: 'Einschreiben', isDuplex: true })], t)).body.code).toBe('E312');
    const one = letter(good);
    expect((await call('POST', '/api/Letter', [one, { ...letter(good), fileName: one.fileName }], t)).body.code).toBe('E309');
    expect((await call('POST', '/api/Letter', [letter(good), letter(Buffer.from('nope'))], t)).status).toBe(400);
    expect(sandbox.control.letters()).toHaveLength(0);
  });

  it('the duplicate failsafe names the earlier letter ID within the hour', async () => {
    const t = await token();
    const first = await call('POST', '/api/Letter', [letter(good, { activateDuplicateFailsafe: true })], t);
    const again = await call('POST', '/api/Letter', [letter(good, { activateDuplicateFailsafe: true })], t);
    expect(again).toMatchObject({ status: 400, body: { code: 'E324' } });
    expect(again.body.description).toContain(`LetterID ${first.body[0].letterID}`);
    sandbox.control.advance(3_600_000);
    expect((await call('POST', '/api/Letter', [letter(good, { activateDuplicateFailsafe: true })], t)).status).toBe(200);
  });

  it('failure switches: outage, injected 5xx, rejections in processing and print, slow processing, the status query rate limit', async () => {
    const t = await token();
    sandbox.control.setOutage(true);
    expect(await login()).toMatchObject({ status: 503, body: { code: 'E501' } });
    sandbox.control.setOutage(false);
    sandbox.control.failNextRequests({ count: 1, status: 502 });
    expect((await login()).status).toBe(502);
    sandbox.control.rejectNextLetters({ count: 1, stage: 'print' });
    sandbox.control.setSlowProcessing(3_600_000);
    const [{ letterID }] = (await call('POST', '/api/Letter', [letter(good)], t)).body;
    sandbox.control.advance(30 * 60_000);
    expect((await call('GET', `/api/Letter/${letterID}`, undefined, t)).body.statusID).toBe(1);
    sandbox.control.advance(5 * 3_600_000);
    expect((await call('GET', `/api/Letter/${letterID}`, undefined, t)).body.statusID).toBe(3);
    sandbox.control.advance(12 * 3_600_000);
    const failed = (await call('GET', `/api/Letter/${letterID}`, undefined, t)).body;
    expect(failed).toMatchObject({ statusID: 99, errorList: [{ code: 'E318' }] });
    expect(failed.printUploadDate).not.toBeNull();
    sandbox.control.setStatusQueryInterval(5_000);
    sandbox.control.advance(5_000);
    expect((await call('GET', `/api/Letter/${letterID}`, undefined, t)).status).toBe(200);
    expect(await call('GET', `/api/Letter/${letterID}`, undefined, t)).toMatchObject({ status: 429, body: { code: 'E322' } });
    sandbox.control.advance(5_000);
    expect((await call('GET', `/api/Letter/${letterID}`, undefined, t)).status).toBe(200);
  });

  it('the control surface over HTTP; advance moves an injected ManualClock, exportState/importState carry accounts, letters and the clock', async () => {
    const t = await token();
    await call('POST', '/api/Letter', [letter(good)], t);
    const before = clock.now().getTime();
    expect((await call('POST', '/_sandbox/advance', { ms: 60_000 })).body.now).toBe(new Date(before + 60_000).toISOString());
    expect(clock.now().getTime()).toBe(before + 60_000);
    expect((await call('POST', '/_sandbox/accounts', { ekp: '5022222222', password: 'Added-Pass' })).status).toBe(201);
    expect((await call('GET', '/_sandbox/letters')).body.letters).toHaveLength(1);
    expect((await call('POST', '/_sandbox/reject', { count: 1, stage: 'nowhere' })).status).toBe(400);
    // A sandbox on a plain `now` keeps its own offset, exported with the state.
    const fixed = new Date('2026-05-01T08:00:00.000Z');
    const offset = await startEPostSandbox({ now: () => fixed, state: sandbox.control.exportState() });
    try {
      offset.control.advance(90_000);
      expect(offset.control.now().toISOString()).toBe('2026-05-01T08:01:30.000Z');
      expect(offset.control.letters()).toHaveLength(1);
      expect(offset.control.accounts().map((a) => a.ekp)).toContain('5022222222');
      const other = await startEPostSandbox({ now: () => fixed, state: offset.control.exportState() });
      try {
        expect(other.control.now().toISOString()).toBe('2026-05-01T08:01:30.000Z');
      } finally {
        await other.close();
      }
    } finally {
      await offset.close();
    }
  });
});
