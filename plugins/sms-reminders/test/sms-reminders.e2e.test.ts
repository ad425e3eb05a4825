import { signTwilioRequest, startTwilioSandbox, TEST_NUMBERS, type TwilioSandbox } from '@tollgate/sandbox-twilio';
import { createTestHost, dropSchemaFamily, ManualClock, openDatabase, testEngines, type Database, type TestHost } from '@tollgate/testing';
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

/**
 * SMS reminders end to end: a real host with the plugin, the official twilio SDK talking to the
 * Twilio sandbox, signed status callbacks back to the plugin's public route, and one manual clock.
 * Meeting: Tuesday 10 March 2026 14:30 in Brussels (13:30 UTC) → text Monday 9 March 18:00 (17:00 UTC).
 */
const START = '2026-03-02T09:00:00.000Z';
const MEETING_AT = '2026-03-10T13:30:00.000Z';
const SEND_AT = '2026-03-09T17:00:00.000Z';
const BASE = '/v1/plugins/sms-reminders';
const CALLBACK_PATH = `${BASE}/status-callbacks`;
// A Twilio SharedKey (Webhook Setting): its id comes in X-Twilio-Webhooks-Signature-Settings, its secret signs.
const SHARED_KEY_ID = 'HK0000000000000000000000000000000a';
const SHARED_KEY_SECRET = 'shared-key-secret-for-tests';

type Reminder = { id: string; status: string; reason: string | null; sendAt: string; amount: string | null; to: string; messageSid: string | null };
type Meeting = {
  id: string;
  localTime: string;
  status: string;
  invitees: Array<{ id: string; firstName: string; phone: string; smsReminder: boolean; reminder: Reminder | null }>;
};

const optionsFor = (sandbox: TwilioSandbox) => ({
  accountSid: sandbox.accountSid,
  authToken: sandbox.authToken,
  baseUrl: sandbox.url,
  from: TEST_NUMBERS.serviceSender,
  webhookSharedKeys: { [SHARED_KEY_ID]: SHARED_KEY_SECRET },
});

/** A fresh Belgian mobile number per call, so tests never see each other's texts. */
let numberSeq = 0;
const nextMobile = () => `+3247${String(1_000_000 + (numberSeq++ % 8_999_999)).padStart(7, '0')}`;

for (const engine of testEngines()) {
  describe(`sms-reminders end to end [${engine.name}]`, () => {
    const clock = new ManualClock(START);
    let sandbox: TwilioSandbox;
    let t: TestHost;

    const createMeeting = async (
      key: string,
      input: Partial<{ title: string; location: string; timeZone: string; startsAt: string; invitees: unknown[] }> = {},
      headers: Record<string, string> = {},
    ) =>
      t.request<Meeting>({
        method: 'POST',
        path: `${BASE}/meetings`,
        key,
        headers,
        body: { title: 'Kick-off', location: 'Grote Markt 1, Leuven', timeZone: 'Europe/Brussels', startsAt: MEETING_AT, invitees: [], ...input },
      });
    const invite = (key: string, meetingId: string, body: object) => t.request({ method: 'POST', path: `${BASE}/meetings/${meetingId}/invitees`, key, body });
    const wallet = async (key: string) => (await t.request<{ available: string; pending: string }>({ path: '/v1/wallet', key })).body;
    /** The raw ledger entries (hold, capture, release… each its own entry). */
    const history = async (key: string) =>
      (
        await t.request<{ data: Array<{ type: string; amount: string; description: string; holdId: string | null }> }>({
          path: '/v1/wallet/history?view=entries',
          key,
        })
      ).body.data;
    /** The history as the account reads it: one line per use with its final cost. */
    const lines = async (key: string) =>
      (await t.request<{ data: Array<{ type: string; status: string; amount: string; description: string }> }>({ path: '/v1/wallet/history', key })).body.data;
    const reminders = async (key: string) => (await t.request<{ data: Reminder[] }>({ path: `${BASE}/reminders`, key })).body.data;
    const textsTo = (to: string) => sandbox.control.messages().filter((m) => m.to === to);
    /** An account with one meeting and one invitee with the box ticked. */
    const scheduled = async (input: { phone?: string; firstName?: string } = {}) => {
      const account = await t.createAccount();
      const phone = input.phone ?? nextMobile();
      const res = await createMeeting(account.ownerKey, { invitees: [{ firstName: input.firstName ?? 'Ann', phone, smsReminder: true }] });
      expect(res.status).toBe(201);
      return { key: account.ownerKey, accountId: account.accountId, meeting: res.body, phone, reminder: res.body.invitees[0]!.reminder! };
    };
    const signedCallback = (
      params: Record<string, string>,
      signature = signTwilioRequest({ authToken: sandbox.authToken, url: `${t.url}${CALLBACK_PATH}`, params }),
    ) =>
      fetch(`${t.url}${CALLBACK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      });

    beforeAll(async () => {
      sandbox = await startTwilioSandbox({ now: () => clock.now() });
      t = await createTestHost({ engine, clock, plugins: [{ plugin, options: optionsFor(sandbox) }] });
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });
    beforeEach(() => clock.set(START));

    it('lists its paid channel and seeds its prices: the default list and a row per plan (classic €0.15, focus €0.18)', async () => {
      const plugins = (await t.request({ path: '/plugins' })).body.data;
      const me = plugins.find((p: { id: string }) => p.id === 'sms-reminders');
      expect(me.spendChannels).toEqual([{ id: 'sms-reminder', label: 'SMS reminder', unit: 'message', settlement: 'immediate' }]);
      const { rows } = await t.db.query<{ plan: string; unit_price: string; effective_from: Date }>(
        "select plan, unit_price::text, effective_from from prices where channel = 'sms-reminder' order by plan, effective_from",
      );
      expect(rows.map((r) => [r.plan, Number(r.unit_price).toFixed(2), new Date(r.effective_from).toISOString().slice(0, 10)])).toEqual([
        ['*', '0.15', '2025-01-01'],
        ['*', '0.18', '2026-01-01'],
        ['classic', '0.15', '2025-01-01'],
        ['focus', '0.18', '2025-01-01'],
      ]);
    });

    it('schedule → the day before at 18:00 the text goes out → captured → "SMS reminder" −0.18 in the history → delivered', async () => {
      const a = await scheduled({ firstName: 'Ann' });
      expect(a.meeting.localTime).toBe('14:30');
      expect(a.reminder).toMatchObject({ status: 'scheduled', sendAt: SEND_AT, amount: '0.18', to: a.phone });
      expect(await wallet(a.key)).toMatchObject({ available: '1.82', pending: '0.18' });

      clock.set('2026-03-09T16:59:00.000Z');
      await t.runJobs();
      expect(textsTo(a.phone)).toHaveLength(0);

      clock.set(SEND_AT);
      await t.runJobs();
      const texts = textsTo(a.phone);
      expect(texts).toHaveLength(1);
      expect(texts[0]!.body).toBe('Dear Ann, this is a reminder for your meeting tomorrow at 14:30. The location is Grote Markt 1, Leuven.');
      expect(texts[0]!.from).toBe(TEST_NUMBERS.serviceSender);
      const [sent] = await reminders(a.key);
      expect(sent).toMatchObject({ status: 'sent', amount: '0.18', messageSid: texts[0]!.sid });
      expect(await wallet(a.key)).toMatchObject({ available: '1.82', pending: '0.00' });
      // The hold took the €0.18 from the available balance; the capture makes it final (amount 0.00: nothing more moves).
      const entries = await history(a.key);
      const hold = entries.find((h) => h.type === 'hold')!;
      // The number is masked in the history (country code and last two digits).
      expect(hold).toMatchObject({ amount: '-0.18', description: `SMS reminder to +32 ••• •• •• ${a.phone.slice(10)}` });
      expect(entries.find((h) => h.type === 'capture')).toMatchObject({ description: hold.description, holdId: hold.holdId });
      // As the account reads it: one line, the text's final cost.
      expect((await lines(a.key)).map((l) => [l.type, l.status, l.amount, l.description])).toEqual([
        ['spend', 'final', '-0.18', hold.description],
        ['grant', 'final', '2.00', 'Trial credit'],
      ]);

      await sandbox.control.deliverCallbacks();
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'delivered', reason: null });
      // Later sweeps send nothing more.
      clock.advance({ minutes: 5 });
      await t.runJobs();
      expect(textsTo(a.phone)).toHaveLength(1);
    });

    it('an nl account gets its text in Dutch; a meeting booked for later today says "vandaag"', async () => {
      const account = await t.createAccount({ locale: 'nl' });
      const phone = nextMobile();
      const res = await createMeeting(account.ownerKey, { invitees: [{ firstName: 'Jan', phone, smsReminder: true }] });
      expect(res.status).toBe(201);
      clock.set(SEND_AT);
      await t.runJobs();
      expect(textsTo(phone).map((m) => m.body)).toEqual([
        'Beste Jan, dit is een herinnering aan je afspraak morgen om 14:30. De locatie is Grote Markt 1, Leuven.',
      ]);

      // Booked at 09:00 for 13:00 the same day: the send time has passed, it goes out now and says today.
      clock.set('2026-03-10T08:00:00.000Z');
      const today = nextMobile();
      const booked = await createMeeting(account.ownerKey, {
        startsAt: '2026-03-10T12:00:00.000Z',
        invitees: [{ firstName: 'Jan', phone: today, smsReminder: true }],
      });
      expect(booked.body.invitees[0]!.reminder).toMatchObject({ sendAt: '2026-03-10T08:00:00.000Z' });
      await t.runJobs();
      expect(textsTo(today).map((m) => m.body)).toEqual([
        'Beste Jan, dit is een herinnering aan je afspraak vandaag om 13:00. De locatie is Grote Markt 1, Leuven.',
      ]);
    });

    it("a reminder costs its plan's price, fixed by the hold when it is placed: €0.15 on classic, €0.18 on focus (already in 2025)", async () => {
      clock.set('2025-06-02T09:00:00.000Z');
      const onFocus = await t.createAccount();
      const focusPhone = nextMobile();
      const focusMeeting = await createMeeting(onFocus.ownerKey, {
        startsAt: '2025-06-10T08:00:00.000Z',
        invitees: [{ firstName: 'Fien', phone: focusPhone, smsReminder: true }],
      });
      expect(focusMeeting.body.invitees[0]!.reminder).toMatchObject({ amount: '0.18' });
      // Moved to classic after its reminder was scheduled: its text still costs the held €0.18.
      await t.host.wallet.setPlan({ accountId: onFocus.accountId, plan: 'classic' });
      const account = await t.createAccount();
      await t.host.wallet.setPlan({ accountId: account.accountId, plan: 'classic' });
      const phone = nextMobile();
      const res = await createMeeting(account.ownerKey, { startsAt: '2025-06-10T08:00:00.000Z', invitees: [{ firstName: 'Jo', phone, smsReminder: true }] });
      expect(res.body.invitees[0]!.reminder).toMatchObject({ amount: '0.15', sendAt: '2025-06-09T16:00:00.000Z' });
      clock.set('2025-06-09T16:00:00.000Z');
      await t.runJobs();
      expect(textsTo(phone)).toHaveLength(1);
      expect((await history(account.ownerKey)).map((h) => [h.type, h.amount])).toEqual([
        ['capture', '0.00'],
        ['hold', '-0.15'],
        ['grant', '2.00'],
      ]);
      expect((await lines(account.ownerKey)).map((h) => [h.type, h.amount])).toEqual([
        ['spend', '-0.15'],
        ['grant', '2.00'],
      ]);
      expect(await wallet(account.ownerKey)).toMatchObject({ available: '1.85', pending: '0.00' });
      expect(textsTo(focusPhone)).toHaveLength(1);
      expect((await lines(onFocus.ownerKey)).map((h) => [h.type, h.status, h.amount])).toEqual([
        ['spend', 'final', '-0.18'],
        ['grant', 'final', '2.00'],
      ]);
    });

    it('cancelling the meeting releases the hold: nothing is sent or charged', async () => {
      const a = await scheduled();
      const cancelled = await t.request<Meeting>({ method: 'POST', path: `${BASE}/meetings/${a.meeting.id}/cancel`, key: a.key });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');
      expect(cancelled.body.invitees[0]!.reminder).toMatchObject({ status: 'cancelled', reason: 'meeting_cancelled' });
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      clock.set(SEND_AT);
      await t.runJobs();
      expect(textsTo(a.phone)).toHaveLength(0);
      expect((await history(a.key)).map((h) => h.type)).toEqual(['release', 'hold', 'grant']);
    });

    it('unticking the box or removing the invitee releases the hold; ticking again schedules a new reminder', async () => {
      const a = await scheduled();
      const invitee = a.meeting.invitees[0]!;
      const path = `${BASE}/meetings/${a.meeting.id}/invitees/${invitee.id}`;
      const off = await t.request({ method: 'PATCH', path, key: a.key, body: { smsReminder: false } });
      expect(off.body).toMatchObject({ smsReminder: false, reminder: { status: 'cancelled', reason: 'sms_unticked' } });
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      const on = await t.request({ method: 'PATCH', path, key: a.key, body: { smsReminder: true } });
      expect(on.body.reminder).toMatchObject({ status: 'scheduled', amount: '0.18' });
      expect(on.body.reminder.id).not.toBe(a.reminder.id);
      expect((await t.request({ method: 'DELETE', path, key: a.key })).status).toBe(204);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect((await reminders(a.key)).map((r) => [r.status, r.reason])).toEqual([
        ['cancelled', 'invitee_removed'],
        ['cancelled', 'sms_unticked'],
      ]);
      clock.set(SEND_AT);
      await t.runJobs();
      expect(textsTo(a.phone)).toHaveLength(0);
    });

    it('rescheduling moves the reminder: the same hold while it still covers, a new one when it does not', async () => {
      const a = await scheduled();
      const patch = (startsAt: string) => t.request<Meeting>({ method: 'PATCH', path: `${BASE}/meetings/${a.meeting.id}`, key: a.key, body: { startsAt } });
      const holdOf = async (id: string) =>
        (await t.pluginDatabase('sms-reminders').query<{ hold_id: string }>('select hold_id from sms_reminders_reminders where id = $1', [id])).rows[0]!
          .hold_id;
      const firstHold = await holdOf(a.reminder.id);

      const earlier = await patch('2026-03-06T09:00:00.000Z');
      expect(earlier.body.localTime).toBe('10:00');
      expect(earlier.body.invitees[0]!.reminder).toMatchObject({ id: a.reminder.id, sendAt: '2026-03-05T17:00:00.000Z', status: 'scheduled' });
      expect(await holdOf(a.reminder.id)).toBe(firstHold);

      const muchLater = await patch('2026-03-30T07:00:00.000Z'); // after the DST switch: 09:00 CEST
      const moved = muchLater.body.invitees[0]!.reminder!;
      expect(moved).toMatchObject({ status: 'scheduled', sendAt: '2026-03-29T16:00:00.000Z' });
      expect(moved.id).not.toBe(a.reminder.id);
      expect(await wallet(a.key)).toMatchObject({ available: '1.82', pending: '0.18' });
      expect((await reminders(a.key)).find((r) => r.id === a.reminder.id)).toMatchObject({ status: 'cancelled', reason: 'rescheduled' });

      clock.set('2026-03-29T16:00:00.000Z');
      await t.runJobs();
      expect(textsTo(a.phone).map((m) => m.body)).toEqual([
        'Dear Ann, this is a reminder for your meeting tomorrow at 09:00. The location is Grote Markt 1, Leuven.',
      ]);
    });

    it('relocating changes the text; a location that no longer fits is refused naming the field', async () => {
      const a = await scheduled();
      const ok = await t.request({ method: 'PATCH', path: `${BASE}/meetings/${a.meeting.id}`, key: a.key, body: { location: 'Rue Neuve 2, Bruxelles' } });
      expect(ok.status).toBe(200);
      const tooLong = await t.request({ method: 'PATCH', path: `${BASE}/meetings/${a.meeting.id}`, key: a.key, body: { location: 'Zaal Ł '.repeat(30) } });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.error).toMatchObject({ code: 'reminder_too_long', details: { field: 'location' } });
      clock.set(SEND_AT);
      await t.runJobs();
      expect(textsTo(a.phone)[0]!.body).toContain('The location is Rue Neuve 2, Bruxelles.');
    });

    it('the provider refuses the number (400 21614): no charge, the reminder says why', async () => {
      const a = await scheduled({ phone: TEST_NUMBERS.smsNotMobile });
      clock.set(SEND_AT);
      await t.runJobs();
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'refused', reason: 'provider_refused_21614' });
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect((await history(a.key)).some((h) => h.type === 'capture')).toBe(false);
    });

    it('503 from the provider: retried a minute later and sent once; unavailable every time: released', async () => {
      const a = await scheduled();
      sandbox.control.failNextRequests({ count: 1, status: 503 });
      clock.set(SEND_AT);
      await t.runJobs();
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'scheduled', reason: 'provider_unavailable' });
      clock.advance({ minutes: 1 });
      await t.runJobs();
      expect(textsTo(a.phone)).toHaveLength(1);
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'sent', amount: '0.18' });

      clock.set(START);
      const b = await scheduled();
      sandbox.control.failNextRequests({ count: 3, status: 503 });
      clock.set(SEND_AT);
      for (let i = 0; i < 3; i++) {
        await t.runJobs();
        clock.advance({ minutes: 1 });
      }
      expect((await reminders(b.key))[0]).toMatchObject({ status: 'refused', reason: 'provider_unavailable' });
      expect(await wallet(b.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      await t.runJobs();
      expect(textsTo(b.phone)).toHaveLength(0);
    });

    it('a 500 whose message was created anyway is never retried (no second text) and not charged', async () => {
      const a = await scheduled();
      sandbox.control.failNextRequests({ count: 1, status: 500, afterExecution: true });
      clock.set(SEND_AT);
      await t.runJobs();
      clock.advance({ minutes: 5 });
      await t.runJobs();
      expect(textsTo(a.phone)).toHaveLength(1);
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'failed', reason: 'provider_outcome_unknown_500' });
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
    });

    it('undelivered after capture: a reversing entry gives the €0.18 back', async () => {
      const a = await scheduled({ phone: TEST_NUMBERS.smsUndelivered });
      clock.set(SEND_AT);
      await t.runJobs();
      expect(await wallet(a.key)).toMatchObject({ available: '1.82' });
      await sandbox.control.deliverCallbacks();
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'undelivered', reason: 'error_30003' });
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect((await history(a.key)).map((h) => [h.type, h.amount])).toEqual([
        ['reversal', '0.18'],
        ['capture', '0.00'],
        ['hold', '-0.18'],
        ['grant', '2.00'],
      ]);
      expect((await lines(a.key)).map((h) => [h.type, h.amount])).toEqual([
        ['refund', '0.18'],
        ['spend', '-0.18'],
        ['grant', '2.00'],
      ]);
    });

    it('duplicate callbacks change things once', async () => {
      const a = await scheduled({ phone: TEST_NUMBERS.smsHeld });
      const b = await scheduled();
      clock.set(SEND_AT);
      await t.runJobs();
      const sid = textsTo(a.phone)[0]!.sid;
      await sandbox.control.deliverCallbacks();
      sandbox.control.deliver({ sid, status: 'failed', errorCode: 30005 });
      sandbox.control.duplicateNextCallbacks(3);
      const report = await sandbox.control.deliverCallbacks();
      expect(report.statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4);
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'failed', reason: 'error_30005' });
      expect((await history(a.key)).filter((h) => h.type === 'reversal')).toHaveLength(1);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00' });
      // The delivered one, too: its duplicates were ignored.
      expect((await reminders(b.key))[0]).toMatchObject({ status: 'delivered' });
      const { rows } = await t
        .pluginDatabase('sms-reminders')
        .query<{ n: number }>('select count(*)::int as n from sms_reminders_delivery_reports where message_sid = $1', [sid]);
      expect(rows[0]!.n).toBe(2); // sent, failed
    });

    it('callbacks: a bad signature is refused with 403; an unknown MessageSid is ignored with 200', async () => {
      const params = { MessageSid: `SM${'0'.repeat(32)}`, MessageStatus: 'delivered', AccountSid: sandbox.accountSid };
      expect((await signedCallback(params, 'bm90IGEgc2lnbmF0dXJl')).status).toBe(403);
      expect((await signedCallback(params, signTwilioRequest({ authToken: 'another-token', url: `${t.url}${CALLBACK_PATH}`, params }))).status).toBe(403);
      const unknown = await signedCallback(params);
      expect(unknown.status).toBe(200);
      expect(await unknown.json()).toEqual({ outcome: 'unknown' });
    });

    /** Posts `pairs` (a key may repeat) with the given headers. */
    const postForm = (pairs: Array<[string, string]>, headers: Record<string, string>) =>
      fetch(`${t.url}${CALLBACK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(pairs).toString(),
      });
    /** Twilio's string to sign: the URL, then name + value sorted by name (a repeated name's values sorted). */
    const signedString = (pairs: Array<[string, string]>) =>
      `${t.url}${CALLBACK_PATH}` +
      [...pairs]
        .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
        .map(([k, v]) => k + v)
        .join('');
    const sentText = async () => {
      const a = await scheduled({ phone: TEST_NUMBERS.smsHeld });
      clock.set(SEND_AT);
      await t.runJobs();
      const sid = (await reminders(a.key))[0]!.messageSid!;
      return { ...a, sid };
    };

    it('a callback signed with a SharedKey (HMAC-SHA256, X-Twilio-Webhooks-Signature-Settings) is accepted; a wrong one is 403', async () => {
      const a = await sentText();
      const pairs: Array<[string, string]> = [
        ['AccountSid', sandbox.accountSid],
        ['MessageSid', a.sid],
        ['MessageStatus', 'undelivered'],
        ['ErrorCode', '30005'],
      ];
      const settings = `key=${SHARED_KEY_ID},algorithm=HMAC_SHA256`;
      const good = createHmac('sha256', SHARED_KEY_SECRET).update(signedString(pairs)).digest('base64');
      const wrongSecret = createHmac('sha256', 'another-secret').update(signedString(pairs)).digest('base64');
      const sha1WithToken = signTwilioRequest({ authToken: sandbox.authToken, url: `${t.url}${CALLBACK_PATH}`, params: Object.fromEntries(pairs) });
      expect((await postForm(pairs, { 'x-twilio-signature': wrongSecret, 'x-twilio-webhooks-signature-settings': settings })).status).toBe(403);
      expect((await postForm(pairs, { 'x-twilio-signature': sha1WithToken, 'x-twilio-webhooks-signature-settings': settings })).status).toBe(403);
      expect(
        (await postForm(pairs, { 'x-twilio-signature': good, 'x-twilio-webhooks-signature-settings': `key=HKunknown,algorithm=HMAC_SHA256` })).status,
      ).toBe(403);
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'sent' });
      const accepted = await postForm(pairs, { 'x-twilio-signature': good, 'x-twilio-webhooks-signature-settings': settings });
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toEqual({ outcome: 'applied' });
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'undelivered', reason: 'error_30005' });
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
    });

    it('the sandbox signing with the SharedKey (as a Twilio Webhook Setting would): its callbacks are accepted end to end', async () => {
      const a = await scheduled({ phone: TEST_NUMBERS.smsUndelivered });
      sandbox.control.signWithSharedKey({ id: SHARED_KEY_ID, secret: SHARED_KEY_SECRET });
      try {
        clock.set(SEND_AT);
        await t.runJobs();
        const report = await sandbox.control.deliverCallbacks();
        expect(report.statuses.every((s) => s === 200)).toBe(true);
        expect((await reminders(a.key))[0]).toMatchObject({ status: 'undelivered', reason: 'error_30003' });
        expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
        // Signed with a key the plugin does not know: refused (403), and with redelivery off it is not sent again.
        sandbox.control.signWithSharedKey({ id: 'HKunknown', secret: SHARED_KEY_SECRET });
        const b = await scheduled();
        clock.set(SEND_AT);
        await t.runJobs();
        const refused = await sandbox.control.deliverCallbacks();
        expect(refused.statuses).toEqual([403, 403]);
        expect(sandbox.control.pendingCallbacks()).toEqual([]);
        expect((await reminders(b.key))[0]).toMatchObject({ status: 'sent' });
      } finally {
        sandbox.control.signWithSharedKey(null);
      }
    });

    it('a callback repeating a key (two ErrorCodes) is checked over every value and accepted; the same body with one value dropped is 403', async () => {
      const a = await sentText();
      const pairs: Array<[string, string]> = [
        ['MessageSid', a.sid],
        ['MessageStatus', 'failed'],
        ['ErrorCode', '30008'],
        ['ErrorCode', '30003'],
        ['AccountSid', sandbox.accountSid],
      ];
      const signature = createHmac('sha1', sandbox.authToken).update(signedString(pairs)).digest('base64');
      expect((await postForm(pairs.slice(0, 3).concat([pairs[4]!]), { 'x-twilio-signature': signature })).status).toBe(403);
      const res = await postForm(pairs, { 'x-twilio-signature': signature });
      expect(res.status).toBe(200);
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'failed', reason: 'error_30008' });
      expect((await history(a.key)).filter((h) => h.type === 'reversal')).toHaveLength(1);
    });

    it('not enough credit: the invitation is saved, the reminder is refused with insufficient_funds', async () => {
      const account = await t.createAccount();
      const price = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: 'drain-e2e', unit: 'message', unitPrice: '1.00', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      expect(price.status).toBe(201);
      expect(
        (
          await t.request({
            method: 'POST',
            path: '/v1/wallet/charges',
            key: account.ownerKey,
            headers: { 'idempotency-key': 'drain' },
            body: { channel: 'drain-e2e', units: '2' },
          })
        ).status,
      ).toBe(201);
      const phone = nextMobile();
      const res = await createMeeting(account.ownerKey, { invitees: [{ firstName: 'Ann', phone, smsReminder: true }] });
      expect(res.status).toBe(201);
      expect(res.body.invitees[0]).toMatchObject({ phone, smsReminder: true, reminder: { status: 'refused', reason: 'insufficient_funds' } });
      expect((await t.request({ path: `${BASE}/reminders?status=refused`, key: account.ownerKey })).body.data).toHaveLength(1);
      clock.set(SEND_AT);
      await t.runJobs();
      expect(textsTo(phone)).toHaveLength(0);
    });

    it('bad input is a 400 naming the field and costs nothing; unknown or foreign meetings are 404', async () => {
      const a = await scheduled();
      const other = await t.createAccount();
      const bad = async (res: Promise<{ status: number; body: unknown }>, code: string, field?: string) => {
        const r = (await res) as { status: number; body: { error: { code: string; details?: { field?: string } } } };
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe(code);
        if (field) expect(r.body.error.details?.field).toBe(field);
      };
      await bad(invite(a.key, a.meeting.id, { firstName: 'Bo', phone: '+3247012345', smsReminder: true }), 'invalid_phone_number', 'phone');
      await bad(createMeeting(a.key, { startsAt: '2026-03-01T09:00:00.000Z' }), 'meeting_in_past', 'startsAt');
      await bad(createMeeting(a.key, { timeZone: 'Mars/Olympus' }), 'invalid_time_zone', 'timeZone');
      await bad(createMeeting(a.key, { location: 'x'.repeat(250) }), 'reminder_too_long', 'location');
      await bad(
        createMeeting(a.key, {
          invitees: [{ firstName: 'Łukasz', phone: nextMobile(), smsReminder: true }],
          location: 'Conference room 2, Main building, Naamsestraat 22, Leuven',
        }),
        'reminder_too_long',
        'invitees.0.firstName',
      );
      await bad(invite(a.key, a.meeting.id, { firstName: 'Ł'.repeat(60), phone: nextMobile(), smsReminder: true }), 'reminder_too_long', 'firstName');
      await bad(createMeeting(a.key, { startsAt: 'tomorrow' }), 'validation_failed');
      clock.set('2026-03-10T14:00:00.000Z'); // the meeting has started
      await bad(invite(a.key, a.meeting.id, { firstName: 'Late', phone: nextMobile(), smsReminder: true }), 'meeting_in_past', 'startsAt');
      clock.set(START);
      // Without the box, a long name is fine: no text will carry it.
      expect((await invite(a.key, a.meeting.id, { firstName: 'x'.repeat(100), phone: nextMobile(), smsReminder: false })).status).toBe(201);
      expect((await t.request({ path: `${BASE}/meetings/mtg_nope`, key: a.key })).status).toBe(404);
      expect((await t.request({ path: `${BASE}/meetings/${a.meeting.id}`, key: other.ownerKey })).status).toBe(404);
      expect((await t.request({ method: 'POST', path: `${BASE}/meetings/${a.meeting.id}/cancel`, key: other.ownerKey })).status).toBe(404);
      expect((await invite(other.ownerKey, a.meeting.id, { firstName: 'Eve', phone: nextMobile(), smsReminder: true })).status).toBe(404);
      expect((await t.request({ path: `${BASE}/meetings`, key: other.ownerKey })).body.data).toEqual([]);
      expect(await wallet(a.key)).toMatchObject({ available: '1.82', pending: '0.18' });
      expect(await wallet(other.ownerKey)).toMatchObject({ available: '2.00', pending: '0.00' });
    });

    it('retries are harmless: the same Idempotency-Key makes one meeting, the same number one invitee, one hold', async () => {
      const account = await t.createAccount();
      const phone = nextMobile();
      const body = { invitees: [{ firstName: 'Ann', phone, smsReminder: true }] };
      const first = await createMeeting(account.ownerKey, body, { 'idempotency-key': 'meeting-1' });
      const again = await createMeeting(account.ownerKey, body, { 'idempotency-key': 'meeting-1' });
      expect([first.status, again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 201, 'true']);
      expect(again.body.id).toBe(first.body.id);
      const reInvite = await invite(account.ownerKey, first.body.id, { firstName: 'Ann', phone: '0' + phone.slice(3), smsReminder: true });
      expect(reInvite.status).toBe(200);
      expect(reInvite.body.id).toBe(first.body.invitees[0]!.id);
      expect(await wallet(account.ownerKey)).toMatchObject({ available: '1.82', pending: '0.18' });
      expect((await t.request({ path: `${BASE}/meetings`, key: account.ownerKey })).body.data).toHaveLength(1);
    });

    it('a reminder orphaned in "holding" by a crash is finished by the sweep with the same hold', async () => {
      const a = await scheduled();
      const { rows } = await t
        .pluginDatabase('sms-reminders')
        .query<{ hold_id: string }>('select hold_id from sms_reminders_reminders where id = $1', [a.reminder.id]);
      // As if the host died after the wallet placed the hold but before the row recorded it.
      await t.pluginDatabase('sms-reminders').query(`update sms_reminders_reminders set status = 'holding', hold_id = null where id = $1`, [a.reminder.id]);
      clock.advance({ minutes: 11 });
      await t.runJobs();
      const after = await t
        .pluginDatabase('sms-reminders')
        .query<{ status: string; hold_id: string }>('select status, hold_id from sms_reminders_reminders where id = $1', [a.reminder.id]);
      expect(after.rows[0]).toEqual({ status: 'scheduled', hold_id: rows[0]!.hold_id });
      expect(await wallet(a.key)).toMatchObject({ available: '1.82', pending: '0.18' });
    });

    /** The reminder row's reconcile bookkeeping and the recorded reports of its text. */
    const trail = async (reminderId: string) => {
      const db = t.pluginDatabase('sms-reminders');
      const row = (
        await db.query<{ message_sid: string; checks: number; check_due_at: Date | null }>(
          'select message_sid, checks, check_due_at from sms_reminders_reminders where id = $1',
          [reminderId],
        )
      ).rows[0]!;
      const reports = (
        await db.query<{ status: string; source: string }>('select status, source from sms_reminders_delivery_reports where message_sid = $1 order by status', [
          row.message_sid,
        ])
      ).rows;
      return { ...row, reports: reports.map((r) => `${r.status}:${r.source}`) };
    };
    const fetchesOf = (sid: string) => sandbox.control.requests().filter((r) => r.method === 'GET' && r.path.endsWith(`/Messages/${sid}.json`)).length;

    it('final callbacks lost: 15 minutes later the reconcile job fetches the status; undelivered is refunded once, delivered stays charged; the late callbacks change nothing', async () => {
      const undelivered = await scheduled({ phone: TEST_NUMBERS.smsUndelivered });
      const delivered = await scheduled();
      clock.set(SEND_AT);
      await t.runJobs();
      // Nothing is delivered: the callbacks stay in the sandbox's queue, as lost as Twilio's unretried ones.
      expect((await reminders(undelivered.key))[0]).toMatchObject({ status: 'sent' });
      expect(await wallet(undelivered.key)).toMatchObject({ available: '1.82' });

      clock.advance({ minutes: 14 });
      await t.runJobs();
      expect((await reminders(undelivered.key))[0]).toMatchObject({ status: 'sent' });
      expect(fetchesOf((await trail(undelivered.reminder.id)).message_sid)).toBe(0);

      clock.advance({ minutes: 1 });
      await t.runJobs();
      expect((await reminders(undelivered.key))[0]).toMatchObject({ status: 'undelivered', reason: 'error_30003' });
      expect(await wallet(undelivered.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect((await history(undelivered.key)).filter((h) => h.type === 'reversal').map((h) => h.amount)).toEqual(['0.18']);
      expect((await reminders(delivered.key))[0]).toMatchObject({ status: 'delivered', amount: '0.18' });
      expect(await wallet(delivered.key)).toMatchObject({ available: '1.82', pending: '0.00' });
      expect(await trail(undelivered.reminder.id)).toMatchObject({ checks: 1, check_due_at: null, reports: ['undelivered:fetch'] });

      // The callbacks arrive after all (answered 200) and change nothing; later runs fetch nothing more.
      const late = await sandbox.control.deliverCallbacks();
      expect(late.statuses.every((s) => s === 200)).toBe(true);
      clock.advance({ hours: 2 });
      await t.runJobs();
      expect(await wallet(undelivered.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      expect((await history(undelivered.key)).filter((h) => h.type === 'reversal')).toHaveLength(1);
      expect(await wallet(delivered.key)).toMatchObject({ available: '1.82' });
      expect(await trail(undelivered.reminder.id)).toMatchObject({ reports: ['sent:callback', 'undelivered:fetch'] });
      expect(fetchesOf((await trail(undelivered.reminder.id)).message_sid)).toBe(1);
    });

    it('the sandbox loses every final callback on purpose: the sent ones arrive, the reconcile job settles the rest', async () => {
      const undelivered = await scheduled({ phone: TEST_NUMBERS.smsUndelivered });
      const delivered = await scheduled();
      sandbox.control.loseFinalCallbacks({ all: true });
      try {
        clock.set(SEND_AT);
        await t.runJobs();
        await sandbox.control.deliverCallbacks();
        const u = await trail(undelivered.reminder.id);
        expect(u.reports).toEqual(['sent:callback']);
        expect(
          sandbox.control
            .callbackLog()
            .filter((c) => c.sid === u.message_sid)
            .map((c) => `${c.status}:${c.outcome}`),
        ).toEqual(['sent:delivered', 'undelivered:lost']);
        clock.advance({ minutes: 15 });
        await t.runJobs();
        expect((await reminders(undelivered.key))[0]).toMatchObject({ status: 'undelivered' });
        expect(await wallet(undelivered.key)).toMatchObject({ available: '2.00', pending: '0.00' });
        expect((await reminders(delivered.key))[0]).toMatchObject({ status: 'delivered' });
        expect(await wallet(delivered.key)).toMatchObject({ available: '1.82', pending: '0.00' });
      } finally {
        sandbox.control.loseFinalCallbacks({ all: false });
      }
    });

    it('a callback that came in time: the reconcile job never asks', async () => {
      const a = await scheduled({ phone: TEST_NUMBERS.smsUndelivered });
      clock.set(SEND_AT);
      await t.runJobs();
      await sandbox.control.deliverCallbacks();
      clock.advance({ hours: 1 });
      await t.runJobs();
      expect(fetchesOf((await trail(a.reminder.id)).message_sid)).toBe(0);
      expect(await trail(a.reminder.id)).toMatchObject({ checks: 0, check_due_at: null, reports: ['sent:callback', 'undelivered:callback'] });
      expect((await history(a.key)).filter((h) => h.type === 'reversal')).toHaveLength(1);
    });

    it('still "sent" at Twilio: asked again after 30, 60… minutes; the late "failed" of the carrier is then fetched and refunded', async () => {
      const a = await scheduled({ phone: TEST_NUMBERS.smsHeld });
      clock.set(SEND_AT);
      await t.runJobs();
      const sid = (await trail(a.reminder.id)).message_sid;
      clock.advance({ minutes: 15 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(1);
      expect(await trail(a.reminder.id)).toMatchObject({ checks: 1, check_due_at: new Date(Date.parse(SEND_AT) + 45 * 60_000) });
      clock.advance({ minutes: 29 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(1);
      sandbox.control.deliver({ sid, status: 'failed', errorCode: 30008 });
      clock.advance({ minutes: 1 });
      await t.runJobs();
      expect(fetchesOf(sid)).toBe(2);
      expect((await reminders(a.key))[0]).toMatchObject({ status: 'failed', reason: 'error_30008' });
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', pending: '0.00' });
      // Its callback, late: a duplicate.
      await sandbox.control.deliverCallbacks();
      expect((await history(a.key)).filter((h) => h.type === 'reversal')).toHaveLength(1);
    });

    it('a meeting booked for tomorrow morning, after today 18:00, is texted at the next sweep', async () => {
      clock.set('2026-03-09T19:00:00.000Z');
      const a = await scheduled();
      expect(a.reminder.sendAt).toBe('2026-03-09T19:00:00.000Z');
      await t.runJobs();
      expect(textsTo(a.phone)).toHaveLength(1);
    });
  });
}

// Two host instances on one PostgreSQL schema, both sweeping at the same moment: one text each.
const postgres = testEngines().find((e) => e.name === 'postgres');
describe.runIf(postgres)('sms-reminders on two hosts [postgres]', () => {
  const clock = new ManualClock(START);
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `t_sms_${randomBytes(5).toString('hex')}`;
  let dbs: Database[] = [];
  const hosts: TestHost[] = [];
  let sandbox: TwilioSandbox;

  beforeAll(async () => {
    sandbox = await startTwilioSandbox({ now: () => clock.now() });
    dbs = [await openDatabase({ url, schema, poolSize: 8 }), await openDatabase({ url, schema, poolSize: 8 })];
    hosts.push(await createTestHost({ db: dbs[0]!, clock, plugins: [{ plugin, options: optionsFor(sandbox) }] }));
    hosts.push(await createTestHost({ db: dbs[1]!, clock, plugins: [{ plugin, options: optionsFor(sandbox) }] }));
  });
  afterAll(async () => {
    for (const h of hosts) await h.close();
    await dropSchemaFamily({ url, schema }); // with its job queue's and plugins' schemas
    for (const d of dbs) await d.close();
    await sandbox?.close();
  });

  it('both hosts run the sweep concurrently: every invitee gets exactly one text', async () => {
    const [h1, h2] = hosts as [TestHost, TestHost];
    const a = await h1.createAccount();
    const phones = Array.from({ length: 8 }, () => nextMobile());
    const res = await h2.request({
      method: 'POST',
      path: `${BASE}/meetings`,
      key: a.ownerKey,
      body: {
        title: 'Board',
        location: 'HQ',
        timeZone: 'Europe/Brussels',
        startsAt: MEETING_AT,
        invitees: phones.map((phone, i) => ({ firstName: `P${i}`, phone, smsReminder: true })),
      },
    });
    expect(res.status).toBe(201);
    clock.set(SEND_AT);
    await Promise.all([h1.runJobs(), h2.runJobs(), h1.runJobs(), h2.runJobs()]);
    for (const phone of phones) expect(sandbox.control.messages().filter((m) => m.to === phone)).toHaveLength(1);
    expect(sandbox.control.messages()).toHaveLength(8);
    expect((await h1.request({ path: '/v1/wallet', key: a.ownerKey })).body).toMatchObject({ available: '0.56', pending: '0.00' });
  });

  it('both hosts run the reconcile job at once: each overdue text is fetched once and refunded once', async () => {
    const [h1, h2] = hosts as [TestHost, TestHost];
    clock.set(START);
    const owners: string[] = [];
    for (let i = 0; i < 4; i++) {
      const a = await h1.createAccount();
      owners.push(a.ownerKey);
      const res = await h2.request({
        method: 'POST',
        path: `${BASE}/meetings`,
        key: a.ownerKey,
        body: {
          title: 'Lost',
          location: 'HQ',
          timeZone: 'Europe/Brussels',
          startsAt: MEETING_AT,
          invitees: [{ firstName: 'U', phone: TEST_NUMBERS.smsUndelivered, smsReminder: true }],
        },
      });
      expect(res.status).toBe(201);
    }
    clock.set(SEND_AT);
    await h1.runJobs();
    const sids = sandbox.control
      .messages()
      .filter((m) => m.to === TEST_NUMBERS.smsUndelivered)
      .map((m) => m.sid);
    expect(sids).toHaveLength(4);
    // No callback is delivered: all four are overdue 15 minutes later.
    clock.advance({ minutes: 15 });
    await Promise.all([h1.runJobs(), h2.runJobs(), h1.runJobs(), h2.runJobs()]);
    for (const sid of sids) expect(sandbox.control.requests().filter((r) => r.method === 'GET' && r.path.endsWith(`/Messages/${sid}.json`))).toHaveLength(1);
    for (const key of owners) {
      expect((await h1.request({ path: '/v1/wallet', key })).body).toMatchObject({ available: '2.00', pending: '0.00' });
      const entries = (await h2.request<{ data: Array<{ type: string }> }>({ path: '/v1/wallet/history?view=entries', key })).body.data;
      expect(entries.filter((e) => e.type === 'reversal')).toHaveLength(1);
    }
  });
});

/*
 * A data dir from before plans: its catalog has the rows earlier versions seeded (0.15 from 2025,
 * 0.18 from 2026; after migration 0005 they are the default list). The plugin still declares them
 * identically beside its plan rows, so the host starts without refusing and prices by plan.
 */
for (const engine of testEngines()) {
  describe(`sms-reminders on a catalog from before plans [${engine.name}]`, () => {
    const clock = new ManualClock(START);
    let sandbox: TwilioSandbox;
    let db: Awaited<ReturnType<typeof engine.open>>;
    let t: TestHost;

    beforeAll(async () => {
      sandbox = await startTwilioSandbox({ now: () => clock.now() });
      db = await engine.open();
      // A host without the plugin makes the tables; the rows an earlier version seeded are then put in as they are after
      // migration 0005 (the default list, plan '*').
      await (await createTestHost({ engine, db, clock })).close();
      for (const [price, from] of [
        ['0.15', '2025-01-01'],
        ['0.18', '2026-01-01'],
      ])
        await db.query(
          `insert into prices (channel, unit, country, plan, unit_price, effective_from, created_at) values ('sms-reminder', 'message', '*', '*', $1, $2, $2)`,
          [price, new Date(`${from}T00:00:00.000Z`)],
        );
      t = await createTestHost({ engine, db, clock, plugins: [{ plugin, options: optionsFor(sandbox) }] });
    });
    afterAll(async () => {
      await t?.close();
      await db?.dispose();
      await sandbox?.close();
    });

    it('starts cleanly and prices each plan: classic €0.15, focus €0.18', async () => {
      const { rows } = await t.db.query<{ n: number }>("select count(*)::int as n from prices where channel = 'sms-reminder'");
      expect(rows[0]!.n).toBe(4);
      const focus = await t.createAccount();
      const classic = await t.createAccount();
      await t.host.wallet.setPlan({ accountId: classic.accountId, plan: 'classic' });
      const costs = [];
      for (const a of [classic, focus]) {
        const res = await t.request<Meeting>({
          method: 'POST',
          path: `${BASE}/meetings`,
          key: a.ownerKey,
          body: {
            title: 'Kick-off',
            location: 'Leuven',
            timeZone: 'Europe/Brussels',
            startsAt: MEETING_AT,
            invitees: [{ firstName: 'Ann', phone: nextMobile(), smsReminder: true }],
          },
        });
        expect(res.status).toBe(201);
        costs.push(res.body.invitees[0]!.reminder!.amount);
      }
      expect(costs).toEqual(['0.15', '0.18']);
    });
  });
}
