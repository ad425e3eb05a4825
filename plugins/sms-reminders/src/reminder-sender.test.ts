import { Money } from '@tollgate/plugin-sdk';
import { ManualClock, testEngines, type TestDatabase } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReminderSender } from './reminder-sender.js';
import { migratedDatabase, silentLogger } from '../test/unit-test-kit.js';
import { SmsReminderChannel, type SmsReminderRequest } from './sms-reminder.channel.js';
import type { SendOutcome, SmsProvider } from './twilio-sms.client.js';

const silent = silentLogger;

/** A wallet whose `complete` runs the channel's execute and records the money move it would make (the real runner is tested in @tollgate/wallet and end to end). */
function recordingWallet(channel: SmsReminderChannel) {
  const calls: string[] = [];
  const wallet = {
    async complete(input: { accountId: string; request: SmsReminderRequest; idempotencyKey: string; holdId: string }) {
      const outcome = await channel.execute(input);
      if (outcome.status === 'done') {
        calls.push(`capture ${input.holdId}`);
        return {
          status: 'completed',
          holdId: input.holdId,
          transactionId: `tx-${input.holdId}`,
          units: '1',
          amount: Money.of('0.18'),
          balanceAfter: Money.of('1.82'),
          result: outcome.result,
        };
      }
      if (outcome.status === 'failed') calls.push(`release ${input.holdId}`);
      return { status: outcome.status, holdId: input.holdId, reason: outcome.reason };
    },
  };
  return { calls, wallet: wallet as never };
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
    fetchStatus: async () => ({ status: 'sent', errorCode: null }),
    verifySignature: () => ({ valid: false, reason: 'signature_mismatch' }),
  };
}

for (const engine of testEngines()) {
  describe(`ReminderSender [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-09T17:00:00.000Z');
    let db: TestDatabase;
    let n = 0;

    beforeAll(async () => {
      db = await migratedDatabase(engine);
    });
    afterAll(() => db?.dispose());

    const due = async (count: number) => {
      const now = clock.now();
      const m = `m${++n}`;
      await db.query(`insert into sms_reminders_meetings values ($1, 'acc', 'T', 'HQ', 'Europe/Brussels', $2, 'scheduled', null, $3, $3)`, [
        m,
        new Date(now.getTime() + 86_400_000),
        now,
      ]);
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
    const channel = (provider: SmsProvider) =>
      new SmsReminderChannel({
        db,
        clock,
        accounts: { get: async () => null },
        provider: () => provider,
        host: { baseUrl: 'http://127.0.0.1:1', sandbox: true },
        logger: silent,
        maxSendAttempts: 2,
        reconcileAfterMinutes: 15,
        prices: [],
      });
    const sender = (wallet: never, settled: string[] = []) =>
      new ReminderSender({ db, clock, wallet, logger: silent, settle: async (id) => void settled.push(id) });
    const statuses = async (prefix: string) =>
      (
        await db.query<{ status: string; reason: string | null }>(`select status, reason from sms_reminders_reminders where id like $1 order by id`, [
          `${prefix}%`,
        ])
      ).rows;

    it('two sweeps at once send each due reminder exactly once, then capture it', async () => {
      const phones = await due(6);
      const provider = slowProvider(() => ({ outcome: 'accepted', sid: `SM${Math.random().toString(16).slice(2)}`, status: 'queued', segments: 1 }));
      const { calls, wallet } = recordingWallet(channel(provider));
      const settled: string[] = [];
      const [a, b] = await Promise.all([sender(wallet, settled).sendDue(), sender(wallet, settled).sendDue()]);
      expect(a.accepted + b.accepted).toBe(6);
      expect([...provider.sent].sort()).toEqual([...phones].sort());
      expect(calls.filter((c) => c.startsWith('capture'))).toHaveLength(6);
      expect(settled).toHaveLength(6);
      expect((await statuses(`m${n}-`)).every((r) => r.status === 'sent')).toBe(true);
      // A third sweep finds nothing.
      expect((await sender(wallet).sendDue()).claimed).toBe(0);
    });

    it('a refusal releases the hold; "retry" comes back a minute later until attempts run out; "unknown" is never retried', async () => {
      await due(3);
      const m = `m${n}`;
      const answers: Record<string, SendOutcome> = {
        0: { outcome: 'refused', httpStatus: 400, code: 21614, message: 'not a mobile' },
        1: { outcome: 'retry', httpStatus: 503, message: 'busy' },
        2: { outcome: 'unknown', httpStatus: null, message: 'socket hang up' },
      };
      const provider = slowProvider((to) => answers[to.slice(-1)]!);
      const { calls, wallet } = recordingWallet(channel(provider));
      await sender(wallet).sendDue();
      expect(await statuses(`${m}-`)).toEqual([
        { status: 'refused', reason: 'provider_refused_21614' },
        { status: 'scheduled', reason: 'provider_unavailable' },
        { status: 'failed', reason: 'provider_outcome_unknown' },
      ]);
      expect((await sender(wallet).sendDue()).claimed).toBe(0);
      clock.advance({ minutes: 1 });
      await sender(wallet).sendDue();
      expect((await statuses(`${m}-`))[1]).toEqual({ status: 'refused', reason: 'provider_unavailable' });
      expect(provider.sent).toHaveLength(4);
      expect(calls.sort()).toEqual([`release h-${m}-0`, `release h-${m}-1`, `release h-${m}-2`]);
    });
  });
}
