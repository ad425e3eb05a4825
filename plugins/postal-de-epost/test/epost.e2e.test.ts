import { randomBytes } from 'node:crypto';
import { postalAddressLines, type LetterSpec, type PostalCarrier } from '@tollgate/plugin-sdk';
import { renderTestLetterPdf, SANDBOX_ACCOUNTS, SANDBOX_VENDOR_ID, startEPostSandbox, type EPostSandbox } from '@tollgate/sandbox-epost';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsView } from '../src/epost.responses.js';
import { epostPlugin } from '../src/index.js';

/**
 * The plugin in a real host against the E-POST sandbox on loopback, through the real client
 * (`@tollgate/epost`): credentials checked and sealed, letters refused before anything happens,
 * one upload per idempotency key (two requests at once, two hosts), statuses read back on the
 * sandbox clock, and the wallet never touched. The sandbox runs on the test's clock.
 */
const BASE = '/v1/plugins/postal-de-epost';
const A = SANDBOX_ACCOUNTS.active;
const RECIPIENT = { name: 'Muster GmbH', street: 'Hauptstraße 5', postalCode: '10115', city: 'Berlin', country: 'DE' };
const SENDER = { name: 'Tollgate BV', street: 'Kerkstraat 1', postalCode: '1000', city: 'Brussel', country: 'BE' };

const spec = (over: Partial<LetterSpec> = {}): LetterSpec => ({
  recipient: RECIPIENT,
  sender: SENDER,
  pages: 1,
  color: false,
  duplex: false,
  product: 'standard',
  ...over,
});

for (const engine of testEngines()) {
  describe(`postal-de-epost plugin against the E-POST sandbox [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    const sealingKey = randomBytes(32).toString('base64');
    let sandbox: EPostSandbox;
    let t: TestHost;
    let carrier: PostalCarrier;
    let pdf: Uint8Array;
    /**
     * A letter of its own: E-POST's duplicate failsafe (which the client turns on) takes an identical
     * PDF to the same address within the hour as the same letter, so each test letter carries its
     * reference, as rendered letters do.
     */
    const letterPdf = (reference: string, over: { topMm?: number; pages?: number } = {}) =>
      renderTestLetterPdf({
        recipient: postalAddressLines({ address: RECIPIENT, fromCountry: 'BE', locale: 'de' }),
        extra: [{ text: `Referenz ${reference}`, xMm: 125, yMm: 60 }],
        ...over,
      });
    const options = () => ({ baseUrl: sandbox.url, vendorId: SANDBOX_VENDOR_ID, sealingKey, retries: 0 });
    const putCredentials = (key: string, body: unknown) => t.request({ method: 'PUT', path: `${BASE}/credentials`, key, body });
    const wallet = async (key: string) => ({
      balance: (await t.request({ path: '/v1/wallet', key })).body,
      history: (await t.request({ path: '/v1/wallet/history', key })).body.data,
    });
    /** An account with the active sandbox contract stored. */
    const accountWithCredentials = async () => {
      const account = await t.createAccount();
      const res = await putCredentials(account.ownerKey, { ekp: A.ekp, password: A.password, secret: A.secret });
      expect(res.status).toBe(200);
      return account;
    };

    beforeAll(async () => {
      sandbox = await startEPostSandbox({ clock });
      t = await createTestHost({ engine, clock, plugins: [{ plugin: epostPlugin, options: options() }] });
      carrier = t.host.pluginHost.postalCarriers.get('postal-de-epost')!;
      pdf = await letterPdf('shared');
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('registers the carrier: Germany only, the account pays, no barcode', async () => {
      const entry = (await t.request({ path: '/plugins' })).body.data.find((p: { id: string }) => p.id === 'postal-de-epost');
      expect(entry.postalCarriers).toEqual([
        {
          id: 'postal-de-epost',
          label: 'Deutsche Post E-POST (own contract)',
          countries: ['DE'],
          products: ['standard', 'registered'],
          billing: 'own_account',
        },
      ]);
      expect(carrier.barcode).toBe(false);
      expect(entry.routes).toEqual(expect.arrayContaining([`PUT ${BASE}/credentials`, `GET ${BASE}/credentials`, `DELETE ${BASE}/credentials`]));
    });

    it('credentials: refused when E-POST refuses them, stored sealed when it takes them, shown masked to members, deleted', async () => {
      const account = await t.createAccount();
      const member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: account.ownerKey, body: { name: 'reader', role: 'member' } })).body
        .key as string;
      const wrong = await putCredentials(account.ownerKey, { ekp: A.ekp, password: 'wrong-password', secret: A.secret });
      expect(wrong).toMatchObject({ status: 422, body: { error: { code: 'epost_credentials_invalid' } } });
      // Blank secret or password: a 400 before E-POST is asked (the client refuses them; it was a 500).
      for (const blank of [{ secret: ' ' }, { password: '      ' }])
        expect(await putCredentials(account.ownerKey, { ekp: A.ekp, password: A.password, secret: A.secret, ...blank })).toMatchObject({
          status: 400,
          body: { error: { code: 'validation_failed' } },
        });
      const blocked = SANDBOX_ACCOUNTS.blocked;
      expect((await putCredentials(account.ownerKey, { ...blocked })).body.error).toMatchObject({
        code: 'epost_credentials_invalid',
        details: { vendorCode: 'E004' },
      });
      expect((await putCredentials(account.ownerKey, { ekp: '123', password: 'x', secret: '' })).status).toBe(400);
      expect((await putCredentials(member, { ekp: A.ekp, password: A.password, secret: A.secret })).status).toBe(403);
      expect((await t.request({ path: `${BASE}/credentials`, key: member })).body).toMatchObject({ configured: false });

      const stored = await putCredentials(account.ownerKey, { ekp: A.ekp, password: A.password, secret: A.secret });
      expect(stored.status).toBe(200);
      expect(credentialsView.parse(stored.body)).toMatchObject({ configured: true, ekp: '******5678', updatedBy: account.ownerId });
      const rows = (await t.pluginDatabase('postal-de-epost').query('select * from credentials where account_id = $1', [account.accountId])).rows;
      expect(rows).toHaveLength(1);
      const raw = JSON.stringify(rows[0]);
      for (const secret of [A.password, A.secret, A.ekp]) expect(raw).not.toContain(secret);
      expect(String(rows[0]!.sealed_credentials)).toMatch(/^eps1\.k1\./);
      const shown = await t.request({ path: `${BASE}/credentials`, key: member });
      expect(shown.body).toMatchObject({ configured: true, ekp: '******5678' });
      expect(JSON.stringify(shown.body)).not.toContain(A.password);

      expect((await t.request({ method: 'DELETE', path: `${BASE}/credentials`, key: member })).status).toBe(403);
      expect((await t.request({ method: 'DELETE', path: `${BASE}/credentials`, key: account.ownerKey })).body).toMatchObject({ configured: false });
      await expect(carrier.quote({ accountId: account.accountId, letter: spec() })).rejects.toMatchObject({ status: 422, code: 'epost_credentials_missing' });
    });

    it('quote: Germany only (naming DE), a valid address, a known product, and credentials; no charges', async () => {
      const account = await accountWithCredentials();
      const quote = await carrier.quote({ accountId: account.accountId, letter: spec({ pages: 3, duplex: true }) });
      expect(quote).toMatchObject({ units: '2', sheets: 2, country: 'DE', charges: [] });
      const refusals: Array<[Partial<LetterSpec>, string, number]> = [
        [{ recipient: { ...RECIPIENT, country: 'FR', postalCode: '75001' } }, 'postal_country_unsupported', 422],
        [{ recipient: { ...RECIPIENT, postalCode: '1011' } }, 'invalid_address', 400],
        [{ product: 'priority' }, 'postal_product_unsupported', 422],
        [{ product: 'registered', duplex: true }, 'epost_registered_duplex', 422],
        [{ pages: 95 }, 'letter_too_long', 422],
      ];
      for (const [over, code, status] of refusals)
        await expect(carrier.quote({ accountId: account.accountId, letter: spec(over) }), code).rejects.toMatchObject({ code, status });
      const fr = (await carrier
        .quote({ accountId: account.accountId, letter: spec({ recipient: { ...RECIPIENT, country: 'FR' } }) })
        .catch((e: unknown) => e)) as Error;
      expect(fr.message).toContain('(DE)');
      const none = await t.createAccount();
      await expect(carrier.quote({ accountId: none.accountId, letter: spec() })).rejects.toMatchObject({ code: 'epost_credentials_missing', status: 422 });
      await expect(carrier.submit({ accountId: none.accountId, letter: spec(), pdf, idempotencyKey: 'k-none' })).rejects.toMatchObject({
        code: 'epost_credentials_missing',
      });
      expect(sandbox.control.letters()).toHaveLength(0);
    });

    it('two submits of the same letter at once: one upload, the same E-POST letter, the wallet untouched', async () => {
      const account = await accountWithCredentials();
      const before = await wallet(account.ownerKey);
      const uploadsBefore = sandbox.control.letters().length;
      const input = { accountId: account.accountId, letter: spec(), pdf: await letterPdf('ltr_0001'), idempotencyKey: 'letter-1', reference: 'ltr_0001' };
      const [first, second] = await Promise.all([carrier.submit(input), carrier.submit(input)]);
      expect(first).toMatchObject({ status: 'submitted' });
      expect(second).toEqual(first);
      expect(await carrier.submit(input)).toEqual(first);
      const received = sandbox.control.letters().slice(uploadsBefore);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        letterID: Number(first.carrierLetterId),
        ekp: A.ekp,
        custom: ['ltr_0001', 'tollgate', null, null, null],
        testFlag: false,
      });
      expect(received[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
      // Another PDF under the same key is a conflict, not a second letter.
      const other = await letterPdf('ltr_0001', { pages: 2 });
      await expect(carrier.submit({ ...input, pdf: other })).rejects.toMatchObject({ status: 409, code: 'idempotency_key_reused' });
      expect(await wallet(account.ownerKey)).toEqual(before);
    });

    it("registered letters go out as Einschreiben with E-POST's cover sheet (the address 68 mm down) and the sender line", async () => {
      const account = await accountWithCredentials();
      const letter = spec({ product: 'registered', pages: 2 });
      expect(await carrier.quote({ accountId: account.accountId, letter })).toMatchObject({ sheets: 3, units: '3', charges: [] });
      const before = sandbox.control.letters().length;
      const sent = await carrier.submit({
        accountId: account.accountId,
        letter,
        pdf: await letterPdf('registered-1', { pages: 2 }),
        idempotencyKey: 'registered-1',
      });
      expect(sent.status).toBe('submitted');
      const [received] = sandbox.control.letters().slice(before);
      expect(received).toMatchObject({ registeredLetter: 'Einschreiben', coverLetter: true, isDuplex: false, pages: 2 });
    });

    it('getStatus follows E-POST on the sandbox clock: submitted → accepted → printed → posted → delivered', async () => {
      const account = await accountWithCredentials();
      const { carrierLetterId } = await carrier.submit({
        accountId: account.accountId,
        letter: spec(),
        pdf: await letterPdf('status-1'),
        idempotencyKey: 'status-1',
      });
      const status = async () => (await carrier.getStatus!({ accountId: account.accountId, carrierLetterId }))!;
      expect(await status()).toMatchObject({ status: 'submitted', carrierLetterId, eventId: `epost:${carrierLetterId}:submitted` });
      const steps: Array<[number, string]> = [
        [5 * 60_000, 'accepted'],
        [2 * 3_600_000, 'printed'],
        [24 * 3_600_000, 'posted'],
        [24 * 3_600_000, 'delivered'],
      ];
      for (const [ms, expected] of steps) {
        clock.advance({ ms });
        expect((await status()).status).toBe(expected);
      }
      clock.advance({ ms: 5_000 });
      expect(await carrier.getStatus!({ accountId: account.accountId, carrierLetterId: '1' })).toBeNull();
    });

    it('a polling round over several letters asks E-POST once (it allows one status query per 5 s)', async () => {
      const account = await accountWithCredentials();
      const ids: string[] = [];
      for (const n of [1, 2, 3])
        ids.push(
          (await carrier.submit({ accountId: account.accountId, letter: spec(), pdf: await letterPdf(`round-${n}`), idempotencyKey: `round-${n}` }))
            .carrierLetterId,
        );
      clock.advance({ ms: 10 * 60_000 });
      const statusCalls = () => sandbox.control.requests().filter((r) => r.path.startsWith('/api/Letter/'));
      const before = statusCalls().length;
      const round = await Promise.all(ids.map((carrierLetterId) => carrier.getStatus!({ accountId: account.accountId, carrierLetterId })));
      expect(round.map((event) => event!.status)).toEqual(['accepted', 'accepted', 'accepted']);
      for (const carrierLetterId of ids) expect((await carrier.getStatus!({ accountId: account.accountId, carrierLetterId }))!.status).toBe('accepted');
      expect(statusCalls().slice(before)).toEqual([expect.objectContaining({ method: 'POST', path: '/api/Letter/StatusQuery', status: 200 })]);
      const rows = await t
        .pluginDatabase('postal-de-epost')
        .query<{ last_status: string }>('select last_status from submissions where account_id = $1', [account.accountId]);
      expect(rows.rows.map((row) => row.last_status)).toEqual(['accepted', 'accepted', 'accepted']);
    });

    it('a letter the print centre rejects ends failed with the reason; one E-POST refuses at upload is rejected', async () => {
      const account = await accountWithCredentials();
      sandbox.control.rejectNextLetters({ count: 1, stage: 'print' });
      const printed = await carrier.submit({ accountId: account.accountId, letter: spec(), pdf: await letterPdf('reject-1'), idempotencyKey: 'reject-1' });
      clock.advance({ ms: 20 * 3_600_000 });
      expect(await carrier.getStatus!({ accountId: account.accountId, carrierLetterId: printed.carrierLetterId })).toMatchObject({
        status: 'failed',
        reason: 'print_centre_rejected',
      });
      const misplaced = await letterPdf('reject-2', { topMm: 40 });
      const before = sandbox.control.letters().length;
      const refused = await carrier.submit({ accountId: account.accountId, letter: spec(), pdf: misplaced, idempotencyKey: 'reject-2' });
      expect(refused).toMatchObject({ status: 'rejected', reason: 'address_not_in_window' });
      expect(await carrier.submit({ accountId: account.accountId, letter: spec(), pdf: misplaced, idempotencyKey: 'reject-2' })).toEqual(refused);
      expect(sandbox.control.letters()).toHaveLength(before);
    });

    it('credentials E-POST stopped taking (rotated): the letter is rejected with epost_credentials_invalid, nothing uploaded', async () => {
      const account = await t.createAccount();
      const ekp = String(5_030_000_000 + Math.floor(Math.random() * 999_999));
      const contract = sandbox.control.addAccount({ ekp, password: 'First-Pass' });
      expect((await putCredentials(account.ownerKey, { ekp, password: 'First-Pass', secret: contract.secret })).status).toBe(200);
      sandbox.control.rotateCredentials({ ekp });
      const before = sandbox.control.letters().length;
      const result = await carrier.submit({ accountId: account.accountId, letter: spec(), pdf: await letterPdf('rotated-1'), idempotencyKey: 'rotated-1' });
      expect(result).toMatchObject({ status: 'rejected', reason: 'epost_credentials_invalid' });
      expect(sandbox.control.letters()).toHaveLength(before);
    });

    it('an outage frees the submission: the retry uploads once', async () => {
      const account = await accountWithCredentials();
      const input = { accountId: account.accountId, letter: spec(), pdf: await letterPdf('outage-1'), idempotencyKey: 'outage-1' };
      sandbox.control.setOutage(true);
      await expect(carrier.submit(input)).rejects.toMatchObject({ code: 'epost_unavailable', status: 503 });
      sandbox.control.setOutage(false);
      const before = sandbox.control.letters().length;
      const sent = await carrier.submit(input);
      expect(sent.status).toBe('submitted');
      expect(await carrier.submit(input)).toEqual(sent);
      expect(sandbox.control.letters()).toHaveLength(before + 1);
    });

    it('a second host on the same database answers the same letter without uploading it again', async () => {
      const account = await accountWithCredentials();
      const second = await createTestHost({ engine, clock, db: t.db, plugins: [{ plugin: epostPlugin, options: options() }] });
      try {
        const other = second.host.pluginHost.postalCarriers.get('postal-de-epost')!;
        const input = { accountId: account.accountId, letter: spec(), pdf: await letterPdf('two-hosts-1'), idempotencyKey: 'two-hosts-1' };
        const before = sandbox.control.letters().length;
        const [a, b] = await Promise.all([carrier.submit(input), other.submit(input)]);
        expect(b).toEqual(a);
        expect(sandbox.control.letters()).toHaveLength(before + 1);
      } finally {
        await second.close();
      }
    });
  });
}
