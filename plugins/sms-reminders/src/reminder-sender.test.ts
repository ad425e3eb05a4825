import { ManualClock, testEngines, type TestDatabase } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReminderBilling } from './reminder-billing.js';
import { ReminderSender } from './reminder-sender.js';
import { smsRemindersMigrations } from './sms-reminders.migrations.js';
import type { SendOutcome, SmsProvider } from './twilio-sms.client.js';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } } as never;

/** A wallet that records what it was asked to do. */
function recordingWallet() {
  const calls: string[] = [];
  const wallet = {
    capture: async (i: { holdId: string }) => (calls.push(`capture ${i.holdId}`), { transactionId: `tx-${i.holdId}`, captured: '0.18' }),
    release: async (i: { holdId: string }) => (calls.push(`release ${i.holdId}`), {}),
    reverse: async (i: { transactionId: string }) => (calls.push(`reverse ${i.transactionId}`), { transactionId: `rev-${i.transactionId}` }),
  };
  return { calls, billing: new ReminderBilling({ wallet: wallet as never, logger: silent }) };
}

/** A provider that answers after the other sweep had every chance to run, and counts what it was asked. */
function slowProvider(answer: (to: string) => SendOutcome): SmsProvider & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async send({ to }) {
      sent.push(to);
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      return answer(to);
    },
    verifySignature: () => false,
  };
}

for (const engine of testEngines()) {
  describe(`ReminderSender [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-09T17:00:00.000Z');
    let db: TestDatabase;
    let n = 0;

    beforeAll(async () => {
      db = await engine.open();
      // The host's migrator is not a plugin's to import: run the statements one by one (comments dropped).
      const sql = smsRemindersMigrations[0]!.sql.replace(/^\s*--.*$/gm, '');
      for (const statement of sql.split(';').filter((s) => s.trim())) await db.query(statement);
    });
    afterAll(() => db?.dispose());

    const due = async (count: number) => {
      const now = clock.now();
      const m = `m${++n}`;
      await db.query(`insert into sms_reminders_meetings values ($1, 'acc', 'T', 'HQ', 'Europe/Brussels', $2, 'scheduled', null, $3, $3)`, [m, new Date(now.getTime() + 86_400_000), now]);
      const phones: string[] = [];
      for (let i = 0; i < count; i++) {
        const phone = `+324700000${String(n).padStart(2, '0')}${i}`;
        phones.push(phone);
        await db.query(`insert into sms_reminders_invitees values ($1, $2, 'acc', 'Ann', $3, true, $4, null)`, [`${m}-i${i}`, m, phone, now]);
        await db.query(
          `insert into sms_reminders_reminders (id, account_id, meeting_id, invitee_id, status, send_at, due_at, hold_id, hold_expires_at, created_at, updated_at)
           values ($1, 'acc', $2, $3, 'scheduled', $4, $4, $5, $6, $4, $4)`,
          [`${m}-r${i}`, m, `${m}-i${i}`, now, `h-${m}-${i}`, new Date(now.getTime() + 2 * 86_400_000)],
        );
      }
      return phones;
    };
    const sender = (provider: SmsProvider, billing: ReminderBilling, settled: string[] = []) =>
      new ReminderSender({ db, clock, provider: () => provider, billing, host: { baseUrl: 'http://127.0.0.1:1', sandbox: true }, logger: silent, maxSendAttempts: 2, settle: async (id) => void settled.push(id) });
    const statuses = async (prefix: string) => (await db.query<{ status: string; reason: string | null }>(`select status, reason from sms_reminders_reminders where id like $1 order by id`, [`${prefix}%`])).rows;

    it('two sweeps at once send each due reminder exactly once, then capture it', async () => {
      const phones = await due(6);
      const provider = slowProvider(() => ({ outcome: 'accepted', sid: `SM${Math.random().toString(16).slice(2)}`, status: 'queued', segments: 1 }));
      const { calls, billing } = recordingWallet();
      const settled: string[] = [];
      const [a, b] = await Promise.all([sender(provider, billing, settled).sendDue(), sender(provider, billing, settled).sendDue()]);
      expect(a.accepted + b.accepted).toBe(6);
      expect([...provider.sent].sort()).toEqual([...phones].sort());
      expect(calls.filter((c) => c.startsWith('capture'))).toHaveLength(6);
      expect(settled).toHaveLength(6);
      expect((await statuses(`m${n}-`)).every((r) => r.status === 'sent')).toBe(true);
      // A third sweep finds nothing.
      expect((await sender(provider, billing).sendDue()).claimed).toBe(0);
    });

    it('a refusal releases the hold; "retry" comes back a minute later until attempts run out; "unknown" is never retried', async () => {
      await due(3);
      const m = `m${n}`;
      const { calls, billing } = recordingWallet();
      const answers: Record<string, SendOutcome> = {
        0: { outcome: 'refused', httpStatus: 400, code: 21614, message: 'not a mobile' },
        1: { outcome: 'retry', httpStatus: 503, message: 'busy' },
        2: { outcome: 'unknown', httpStatus: null, message: 'socket hang up' },
      };
      const provider = slowProvider((to) => answers[to.slice(-1)]!);
      await sender(provider, billing).sendDue();
      expect(await statuses(`${m}-`)).toEqual([
        { status: 'refused', reason: 'provider_refused_21614' },
        { status: 'scheduled', reason: 'provider_unavailable' },
        { status: 'failed', reason: 'provider_outcome_unknown' },
      ]);
      expect((await sender(provider, billing).sendDue()).claimed).toBe(0);
      clock.advance({ minutes: 1 });
      await sender(provider, billing).sendDue();
      expect((await statuses(`${m}-`))[1]).toEqual({ status: 'refused', reason: 'provider_unavailable' });
      expect(provider.sent).toHaveLength(4);
      expect(calls.sort()).toEqual([`release h-${m}-0`, `release h-${m}-1`, `release h-${m}-2`]);
    });
  });
}
