import { TEST_NUMBERS, startTwilioSandbox, type TwilioSandbox } from '@tollgate/sandbox-twilio';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

/**
 * Calls paid per started minute, end to end (P-2, W-5, W-6): a real host with the voice plugin
 * and the official twilio SDK, the Twilio sandbox posting signed status callbacks to the host,
 * and one manual clock for all of them.
 */
const CALLS = '/v1/plugins/voice/calls';
const CALLBACKS = '/v1/plugins/voice/status-callbacks';
const DRAIN = 'drain-e2e';
const CALLER_ID = TEST_NUMBERS.serviceSender;
// A Twilio SharedKey (Webhook Setting): its id comes in X-Twilio-Webhooks-Signature-Settings, its secret signs.
const SHARED_KEY_ID = 'HK0000000000000000000000000000000b';
const SHARED_KEY_SECRET = 'voice-shared-key-secret';

for (const engine of testEngines()) {
  describe(`voice calls, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: TwilioSandbox;
    let t: TestHost;

    const call = (key: string, to: string, idem: string, extra: Record<string, unknown> = {}) =>
      t.request({ method: 'POST', path: CALLS, key, headers: { 'idempotency-key': idem }, body: { to, ...extra } });
    const getCall = async (key: string, id: string) => (await t.request({ path: `${CALLS}/${id}`, key })).body;
    const available = async (key: string) => (await t.request({ path: '/v1/wallet', key })).body.available as string;
    const history = async (key: string) =>
      (await t.request({ path: '/v1/wallet/history?view=entries', key })).body.data as Array<{
        type: string;
        amount: string;
        description: string;
        channel: string | null;
      }>;
    /** An account whose wallet holds exactly `left` of its €2.00 trial credit. */
    const accountWith = async (left: string) => {
      const account = await t.createAccount();
      const spendCents = 200 - Math.round(Number(left) * 100);
      if (spendCents > 0) {
        const res = await t.request({
          method: 'POST',
          path: '/v1/wallet/charges',
          key: account.ownerKey,
          headers: { 'idempotency-key': `drain-${left}` },
          body: { channel: DRAIN, units: String(spendCents) },
        });
        expect(res.status).toBe(201);
      }
      expect(await available(account.ownerKey)).toBe(left);
      return { ...account, key: account.ownerKey };
    };
    const sandboxCall = (sid: string) => sandbox.control.calls().find((c) => c.sid === sid)!;
    /** Posts a status callback the way Twilio does, signed with `token`, or unsigned when `token` is null. */
    const postCallback = (params: Record<string, string>, token: string | null) => {
      const url = `${t.url}${CALLBACKS}`;
      const signed =
        url +
        Object.keys(params)
          .sort()
          .map((k) => k + params[k])
          .join('');
      const signature: Record<string, string> = token === null ? {} : { 'x-twilio-signature': createHmac('sha1', token).update(signed).digest('base64') };
      return t.request({
        method: 'POST',
        path: CALLBACKS,
        body: new URLSearchParams(params).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...signature },
      });
    };

    beforeAll(async () => {
      sandbox = await startTwilioSandbox({ now: () => clock.now() });
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          {
            plugin,
            options: {
              baseUrl: sandbox.url,
              accountSid: sandbox.accountSid,
              authToken: sandbox.authToken,
              from: CALLER_ID,
              staleAfterMinutes: 120,
              webhookSharedKeys: { [SHARED_KEY_ID]: SHARED_KEY_SECRET },
            },
          },
        ],
      });
      const price = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: DRAIN, unit: 'unit', unitPrice: '0.01', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      expect(price.status).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('registers the deferred voice channel, its price and its routes', async () => {
      const res = await t.request({ path: '/plugins' });
      const entry = res.body.data.find((p: { id: string }) => p.id === 'voice');
      expect(entry.spendChannels).toEqual([{ id: 'voice', label: 'Voice call', unit: 'minute', settlement: 'deferred' }]);
      expect(entry.routes).toEqual(
        expect.arrayContaining([`POST ${CALLS}`, `GET ${CALLS}`, `GET ${CALLS}/:id`, `POST ${CALLS}/:id/hangup`, `POST ${CALLBACKS}`]),
      );
      const prices = await t.db.query<{ unit: string; unit_price: string; country: string }>(
        "select unit, unit_price::text as unit_price, country from prices where channel = 'voice'",
      );
      expect(prices.rows).toEqual([{ unit: 'minute', unit_price: '0.050000', country: '*' }]);
    });

    it('a call completed after 61 s is charged 2 minutes from its 10-minute hold; the rest is released and the history shows it', async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, '0470 12 34 56', 'call-61');
      expect(placed.status).toBe(201);
      expect(placed.body).toMatchObject({
        to: '+32470123456',
        from: CALLER_ID,
        status: 'queued',
        maxMinutes: 10,
        unitPrice: '0.05',
        heldAmount: '0.50',
        settlement: 'pending',
        amount: null,
      });
      expect(await available(a.key)).toBe('1.50');

      const [dialled] = sandbox.control.calls().filter((c) => c.sid === placed.body.providerCallSid);
      expect(dialled).toMatchObject({ to: '+32470123456', from: CALLER_ID, status: 'in-progress' });
      const queued = sandbox.control.pendingCallbacks().filter((c) => c.sid === dialled!.sid);
      expect(queued.map((c) => c.params.CallStatus)).toEqual(['initiated', 'ringing', 'in-progress']);
      expect(queued[0]!.url).toBe(`${t.url}${CALLBACKS}`);
      expect((await sandbox.control.deliverCallbacks()).statuses).toEqual([200, 200, 200]);
      expect((await getCall(a.key, placed.body.id)).status).toBe('in-progress');

      // The same key and request again: the first answer is replayed, nothing dialled twice.
      const again = await call(a.key, '0470 12 34 56', 'call-61');
      expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
      expect(again.body.id).toBe(placed.body.id);
      // The same key with the number written otherwise is another request: refused, not dialled.
      expect((await call(a.key, '+32 470 12 34 56', 'call-61')).body.error.code).toBe('idempotency_key_reused');
      expect(sandbox.control.calls().filter((c) => c.to === '+32470123456')).toHaveLength(1);

      sandbox.control.completeCall({ sid: dialled!.sid, durationSeconds: 61 });
      expect((await sandbox.control.deliverCallbacks()).statuses).toEqual([200]);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({
        status: 'completed',
        durationSeconds: 61,
        minutesCharged: 2,
        amount: '0.10',
        settlement: 'captured',
        endedAt: expect.any(String),
      });
      expect(await available(a.key)).toBe('1.90');
      const entries = await history(a.key);
      expect(entries.slice(0, 2).map((h) => [h.type, h.channel, h.amount, h.description])).toEqual([
        ['capture', 'voice', '0.40', 'Call to +32 ••• •• •• 56'],
        ['hold', 'voice', '-0.50', 'Call to +32 ••• •• •• 56'],
      ]);
      // As the account reads it: one line, the call's final cost.
      expect((await t.request({ path: '/v1/wallet/history?limit=1', key: a.key })).body.data[0]).toMatchObject({
        type: 'spend',
        status: 'final',
        amount: '-0.10',
        description: 'Call to +32 ••• •• •• 56',
      });
      const list = (await t.request({ path: CALLS, key: a.key })).body;
      expect(list.data.map((c: { id: string; amount: string }) => [c.id, c.amount])).toEqual([[placed.body.id, '0.10']]);
    });

    it('busy: nothing is charged and the hold is released', async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, TEST_NUMBERS.callBusy, 'busy');
      expect(placed.status).toBe(201);
      expect(await available(a.key)).toBe('1.50');
      await sandbox.control.deliverCallbacks();
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'busy', minutesCharged: 0, amount: '0.00', settlement: 'released' });
      expect(await available(a.key)).toBe('2.00');
      expect((await history(a.key)).map((h) => h.type).slice(0, 2)).toEqual(['release', 'hold']);
    });

    it('no-answer and failed calls are not charged either', async () => {
      const a = await accountWith('2.00');
      const noAnswer = await call(a.key, TEST_NUMBERS.callNoAnswer, 'na');
      const failed = await call(a.key, TEST_NUMBERS.callFailed, 'fail');
      await sandbox.control.deliverCallbacks();
      expect(await getCall(a.key, noAnswer.body.id)).toMatchObject({ status: 'no-answer', amount: '0.00', settlement: 'released' });
      expect(await getCall(a.key, failed.body.id)).toMatchObject({ status: 'failed', amount: '0.00', settlement: 'released' });
      expect(await available(a.key)).toBe('2.00');
    });

    it("prices a call on the account's plan (W-11): a plan's own voice row, held at that price", async () => {
      const row = { channel: 'voice', unit: 'minute', unitPrice: '0.04', plan: 'classic', effectiveFrom: '2026-01-01T00:00:00.000Z' };
      expect((await t.request({ method: 'POST', path: '/admin/catalog/prices', key: t.adminKey, body: row })).status).toBe(201);
      const classic = await accountWith('2.00');
      await t.host.wallet.setPlan({ accountId: classic.accountId, plan: 'classic' });
      const focus = await accountWith('2.00');
      const onClassic = await call(classic.key, '0470 55 66 77', 'plan-call');
      const onFocus = await call(focus.key, '0470 55 66 78', 'plan-call');
      expect(onClassic.body).toMatchObject({ unitPrice: '0.04', maxMinutes: 10, heldAmount: '0.40' });
      expect(onFocus.body).toMatchObject({ unitPrice: '0.05', maxMinutes: 10, heldAmount: '0.50' });
      expect([await available(classic.key), await available(focus.key)]).toEqual(['1.60', '1.50']);
    });

    it('a wallet with €0.03 (under one minute) is refused with 422 and nothing is dialled', async () => {
      const a = await accountWith('0.03');
      const before = sandbox.control.calls().length;
      const res = await call(a.key, '+32 470 99 88 77', 'poor');
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'insufficient_funds', details: { required: '0.05', available: '0.03' } });
      expect(sandbox.control.calls()).toHaveLength(before);
      expect((await t.request({ path: CALLS, key: a.key })).body.data).toEqual([]);
      expect(await available(a.key)).toBe('0.03');
    });

    it('a wallet covering 3 minutes holds 3; the provider ends the call at 3 minutes (TimeLimit), charged 3', async () => {
      const a = await accountWith('0.15');
      const placed = await call(a.key, '+32 470 11 22 33', 'three');
      expect(placed.status).toBe(201);
      expect(placed.body).toMatchObject({ maxMinutes: 3, heldAmount: '0.15' });
      expect(await available(a.key)).toBe('0.00');
      expect(sandbox.control.calls().find((c) => c.sid === placed.body.providerCallSid)).toBeDefined();
      sandbox.control.completeCall({ sid: placed.body.providerCallSid, durationSeconds: 250 }); // the callee would talk longer
      await sandbox.control.deliverCallbacks();
      expect(await getCall(a.key, placed.body.id)).toMatchObject({
        status: 'completed',
        durationSeconds: 180,
        minutesCharged: 3,
        amount: '0.15',
        settlement: 'captured',
      });
      expect(await available(a.key)).toBe('0.00');
    });

    it('a completed callback delivered four times captures once', async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, '+32 470 44 55 66', 'dup');
      await sandbox.control.deliverCallbacks();
      sandbox.control.completeCall({ sid: placed.body.providerCallSid, durationSeconds: 125 });
      sandbox.control.duplicateNextCallbacks(3);
      const delivered = await sandbox.control.deliverCallbacks();
      expect(delivered.statuses).toEqual([200, 200, 200, 200]);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ minutesCharged: 3, amount: '0.15' });
      expect(await available(a.key)).toBe('1.85');
      expect((await history(a.key)).filter((h) => h.type === 'capture')).toHaveLength(1);
      // A late, out-of-order 'ringing' or a second 'completed' with another duration changes nothing either.
      expect((await postCallback({ CallSid: placed.body.providerCallSid, CallStatus: 'ringing' }, sandbox.authToken)).status).toBe(200);
      expect((await postCallback({ CallSid: placed.body.providerCallSid, CallStatus: 'completed', CallDuration: '599' }, sandbox.authToken)).status).toBe(200);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'completed', durationSeconds: 125, minutesCharged: 3, amount: '0.15' });
      expect(await available(a.key)).toBe('1.85');
    });

    it('a callback with a bad or missing signature is refused with 403 and changes nothing', async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, '+32 470 77 88 99', 'forged');
      await sandbox.control.deliverCallbacks();
      const params = { AccountSid: sandbox.accountSid, CallSid: placed.body.providerCallSid, CallStatus: 'completed', CallDuration: '3000' };
      for (const token of ['not-the-token', null]) {
        const res = await postCallback(params, token);
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('invalid_signature');
      }
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'in-progress', settlement: 'pending', amount: null });
      expect(await available(a.key)).toBe('1.50');
      // The same fields signed with the real token are accepted: the 403 was the signature's doing (and 50 min is capped at the 10 held).
      expect((await postCallback(params, sandbox.authToken)).status).toBe(200);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'completed', minutesCharged: 10, amount: '0.50' });
    });

    it('a status callback for an unknown CallSid is ignored', async () => {
      const res = await postCallback({ CallSid: 'CA0123456789abcdef0123456789abcdef', CallStatus: 'completed', CallDuration: '60' }, sandbox.authToken);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ applied: false });
    });

    it('a missed final callback is settled by the reconcile job once the call is stale', async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, '+32 470 10 20 30', 'missed');
      await sandbox.control.deliverCallbacks();
      sandbox.control.completeCall({ sid: placed.body.providerCallSid, durationSeconds: 95 });
      sandbox.control.dropNextCallbacks(1);
      await sandbox.control.deliverCallbacks();
      expect(sandbox.control.pendingCallbacks()).toEqual([]);
      expect((await getCall(a.key, placed.body.id)).status).toBe('in-progress');

      await t.runJobs(); // not stale yet: the provider is not asked
      expect((await getCall(a.key, placed.body.id)).settlement).toBe('pending');
      clock.advance({ minutes: 121 });
      const run = await t.runJobs();
      expect(run.failed).toBe(0);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({
        status: 'completed',
        durationSeconds: 95,
        minutesCharged: 2,
        amount: '0.10',
        settlement: 'captured',
      });
      expect(await available(a.key)).toBe('1.90');
    });

    const fetchesOf = (sid: string) => sandbox.control.requests().filter((r) => r.method === 'GET' && r.path.endsWith(`/Calls/${sid}.json`)).length;
    /** Posts form pairs (a name may repeat) with the given headers. */
    const postPairs = (pairs: Array<[string, string]>, headers: Record<string, string>) =>
      t.request({
        method: 'POST',
        path: CALLBACKS,
        body: new URLSearchParams(pairs).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      });
    /** Twilio's string to sign: the URL, then name + value sorted by name (a repeated name's values sorted). */
    const signedString = (pairs: Array<[string, string]>) =>
      `${t.url}${CALLBACKS}` +
      [...pairs]
        .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
        .map(([k, v]) => k + v)
        .join('');

    it('a lost final callback: fetched once the held minutes + margin have passed (20 min, not 2 h); the late callback then changes nothing', async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, '+32 470 10 20 31', 'lost-final');
      const sid = placed.body.providerCallSid as string;
      await sandbox.control.deliverCallbacks();
      sandbox.control.completeCall({ sid, durationSeconds: 95 });
      // The 'completed' callback stays queued: for the plugin it is lost.
      clock.advance({ minutes: 19 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(0);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'in-progress', settlement: 'pending' });
      clock.advance({ minutes: 1 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(1);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'completed', minutesCharged: 2, amount: '0.10', settlement: 'captured' });
      expect(await available(a.key)).toBe('1.90');

      const late = await sandbox.control.deliverCallbacks();
      expect(late.statuses.every((status) => status === 200)).toBe(true);
      expect((await postCallback({ CallSid: sid, CallStatus: 'completed', CallDuration: '500' }, sandbox.authToken)).status).toBe(200);
      clock.advance({ hours: 3 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(1);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ durationSeconds: 95, minutesCharged: 2, amount: '0.10' });
      expect(await available(a.key)).toBe('1.90');
      expect((await history(a.key)).filter((h) => h.type === 'capture')).toHaveLength(1);
    });

    it("a lost 'busy' callback: the reconcile job releases the whole hold", async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, TEST_NUMBERS.callBusy, 'lost-busy');
      expect(await available(a.key)).toBe('1.50');
      // The sandbox sends initiated and ringing, and loses the final 'busy' on purpose.
      sandbox.control.loseFinalCallbacks({ sid: placed.body.providerCallSid });
      await sandbox.control.deliverCallbacks();
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'ringing', settlement: 'pending' });
      expect(sandbox.control.callbackLog().filter((c) => c.sid === placed.body.providerCallSid && c.outcome === 'lost')).toHaveLength(1);
      clock.advance({ minutes: 20 });
      await t.runJobs();
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'busy', settlement: 'released', amount: '0.00' });
      expect(await available(a.key)).toBe('2.00');
      await sandbox.control.deliverCallbacks();
      expect(await available(a.key)).toBe('2.00');
    });

    it('a call the provider still reports live after its time limit is asked again after 5, then 10 minutes (logged), and settled when it ends', async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, '+32 470 10 20 32', 'still-live');
      const sid = placed.body.providerCallSid as string;
      await sandbox.control.deliverCallbacks();
      clock.advance({ minutes: 20 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(1);
      clock.advance({ minutes: 4 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(1);
      clock.advance({ minutes: 1 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(2);
      sandbox.control.completeCall({ sid, durationSeconds: 30 });
      clock.advance({ minutes: 9 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(2);
      clock.advance({ minutes: 1 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(3);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'completed', minutesCharged: 1, amount: '0.05', settlement: 'captured' });
    });

    it('a call asked about many times (still live, or its fetch failing) does not stop the reconcile job for every call', async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, '+32 470 10 20 33', 'many-checks');
      const sid = placed.body.providerCallSid as string;
      await sandbox.control.deliverCallbacks();
      // ~29 hourly runs later: 5 * 2^29 minutes no longer fits an integer.
      await t.pluginDatabase('voice').query('update voice_calls set reconcile_checks = 29 where id = $1', [placed.body.id]);
      clock.advance({ minutes: 20 });
      const run = await t.runJobs();
      expect(run.failed).toBe(0);
      expect(fetchesOf(sid)).toBe(1);
      sandbox.control.completeCall({ sid, durationSeconds: 30 });
      clock.advance({ minutes: 60 });
      expect((await t.runJobs()).failed).toBe(0);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'completed', minutesCharged: 1, amount: '0.05', settlement: 'captured' });
    });

    it('a callback signed with a SharedKey (HMAC-SHA256) is accepted; with a repeated field, over every value; wrong ones are 403', async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, '+32 470 10 20 33', 'shared-key');
      const sid = placed.body.providerCallSid as string;
      await sandbox.control.deliverCallbacks();
      const pairs: Array<[string, string]> = [
        ['AccountSid', sandbox.accountSid],
        ['CallSid', sid],
        ['CallStatus', 'completed'],
        ['CallDuration', '61'],
        ['StirVerstat', 'TN-Validation-Passed-A'],
        ['StirVerstat', 'TN-Validation-Passed-B'],
      ];
      const settings = `key=${SHARED_KEY_ID},algorithm=HMAC_SHA256`;
      const good = createHmac('sha256', SHARED_KEY_SECRET).update(signedString(pairs)).digest('base64');
      const lastOnly = createHmac('sha256', SHARED_KEY_SECRET)
        .update(signedString(pairs.filter((p) => p[1] !== 'TN-Validation-Passed-A')))
        .digest('base64');
      const bad: Array<Record<string, string>> = [
        { 'x-twilio-signature': createHmac('sha256', 'wrong').update(signedString(pairs)).digest('base64'), 'x-twilio-webhooks-signature-settings': settings },
        { 'x-twilio-signature': lastOnly, 'x-twilio-webhooks-signature-settings': settings },
        { 'x-twilio-signature': good },
        { 'x-twilio-signature': good, 'x-twilio-webhooks-signature-settings': 'key=HKnot-configured,algorithm=HMAC_SHA256' },
      ];
      for (const headers of bad) {
        const res = await postPairs(pairs, headers);
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('invalid_signature');
      }
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'in-progress', settlement: 'pending' });
      const ok = await postPairs(pairs, { 'x-twilio-signature': good, 'x-twilio-webhooks-signature-settings': settings });
      expect(ok.status).toBe(200);
      expect(await getCall(a.key, placed.body.id)).toMatchObject({ status: 'completed', minutesCharged: 2, amount: '0.10' });
    });

    it('hang-up ends the call at the provider and charges the minutes it lasted', async () => {
      const a = await accountWith('2.00');
      const placed = await call(a.key, '+32 470 50 60 70', 'hangup');
      await sandbox.control.deliverCallbacks();
      clock.advance({ seconds: 130 });
      const res = await t.request({ method: 'POST', path: `${CALLS}/${placed.body.id}/hangup`, key: a.key, body: {} });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'completed', durationSeconds: 130, minutesCharged: 3, amount: '0.15', settlement: 'captured' });
      expect(sandboxCall(placed.body.providerCallSid).status).toBe('completed');
      await sandbox.control.deliverCallbacks(); // the completed callback: already settled, nothing more
      expect(await available(a.key)).toBe('1.85');
      const twice = await t.request({ method: 'POST', path: `${CALLS}/${placed.body.id}/hangup`, key: a.key, body: {} });
      expect(twice.status).toBe(200);
    });

    it("another account's call is 404, for reading and hanging up", async () => {
      const a = await accountWith('2.00');
      const b = await accountWith('2.00');
      const placed = await call(a.key, '+32 470 13 14 15', 'mine');
      const read = await t.request({ path: `${CALLS}/${placed.body.id}`, key: b.key });
      expect(read.status).toBe(404);
      expect(read.body.error.code).toBe('call_not_found');
      expect((await t.request({ method: 'POST', path: `${CALLS}/${placed.body.id}/hangup`, key: b.key, body: {} })).status).toBe(404);
      expect((await t.request({ path: CALLS, key: b.key })).body.data).toEqual([]);
      expect(sandboxCall(placed.body.providerCallSid).status).toBe('in-progress');
      await sandbox.control.deliverCallbacks();
    });

    it('refuses an invalid number (400), a missing idempotency key (400) and a reused key (409) without dialling', async () => {
      const a = await accountWith('2.00');
      const before = sandbox.control.calls().length;
      const invalid = await call(a.key, '12345', 'bad-number');
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.code).toBe('invalid_phone_number');
      const noKey = await t.request({ method: 'POST', path: CALLS, key: a.key, body: { to: '+32470123456' } });
      expect(noKey.status).toBe(400);
      expect(noKey.body.error.code).toBe('idempotency_key_required');
      const unknownField = await call(a.key, '+32470123456', 'extra', { record: true });
      expect(unknownField.status).toBe(400);
      expect(sandbox.control.calls()).toHaveLength(before);

      const first = await call(a.key, '+32 470 21 22 23', 'reuse');
      expect(first.status).toBe(201);
      const reused = await call(a.key, '+32 470 31 32 33', 'reuse');
      expect(reused.status).toBe(409);
      expect(reused.body.error.code).toBe('idempotency_key_reused');
      // The same key and request: the host replays the first answer.
      const replay = await call(a.key, '+32 470 21 22 23', 'reuse');
      expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
      expect(replay.body.id).toBe(first.body.id);
      expect(sandbox.control.calls()).toHaveLength(before + 1);
      await sandbox.control.deliverCallbacks();
    });

    it('a provider refusal releases the hold, marks the call failed and answers 502', async () => {
      const a = await accountWith('2.00');
      sandbox.control.failNextRequests({ count: 1, status: 500 });
      const res = await call(a.key, '+32 470 41 42 43', 'refused');
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('provider_refused');
      expect(res.body.error.message).toMatch(/refused the call/);
      expect(await available(a.key)).toBe('2.00');
      const [failed] = (await t.request({ path: CALLS, key: a.key })).body.data;
      expect(failed).toMatchObject({ status: 'failed', settlement: 'released', providerCallSid: null, error: { code: expect.any(String) } });
      expect((await history(a.key)).map((h) => h.type).slice(0, 2)).toEqual(['release', 'hold']);
      // A retry with the same key replays the refusal; it does not dial.
      const retry = await call(a.key, '+32 470 41 42 43', 'refused');
      expect(retry.status).toBe(502);
      expect(sandbox.control.calls().filter((c) => c.to === '+32470414243')).toHaveLength(0);
    });

    it("a provider's definite no (4xx) is the spend's 'failed': hold released, call failed with the provider's code, 502", async () => {
      const a = await accountWith('2.00');
      sandbox.control.failNextRequests({ count: 1, status: 429 });
      const res = await call(a.key, '+32 470 51 52 53', 'throttled');
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({ code: 'provider_refused', details: { providerCode: expect.any(String) } });
      expect(await available(a.key)).toBe('2.00');
      const [failed] = (await t.request({ path: CALLS, key: a.key })).body.data;
      expect(failed).toMatchObject({ status: 'failed', settlement: 'released', providerCallSid: null });
      expect((await history(a.key)).map((h) => h.type).slice(0, 2)).toEqual(['release', 'hold']);
    });

    it('leaves the ledger consistent', async () => {
      const check = await t.request({ path: '/admin/wallet/check', key: t.adminKey });
      expect(check.body.problems).toEqual([]);
    });
  });
}
