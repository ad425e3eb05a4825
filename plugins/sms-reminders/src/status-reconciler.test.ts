import { ManualClock, testEngines, type TestDatabase } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusReconciler } from './status-reconciler.js';
import { migratedDatabase, silentLogger } from '../test/unit-test-kit.js';
import { SmsProviderError, type MessageState, type SmsProvider } from './twilio-sms.client.js';

const silent = silentLogger;

for (const engine of testEngines()) {
  describe(`StatusReconciler [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-09T17:00:00.000Z');
    let db: TestDatabase;
    let n = 0;

    beforeAll(async () => {
      db = await migratedDatabase(engine);
    });
    afterAll(() => db?.dispose());

    /** A sent text, due for its first check now. */
    const sentText = async () => {
      const id = `r${++n}`;
      const now = clock.now();
      await db.query(`insert into sms_reminders_meetings values ($1, 'acc', 'T', 'HQ', 'Europe/Brussels', $2, 'scheduled', null, $2, $2)`, [`m${n}`, now]);
      await db.query(`insert into sms_reminders_invitees values ($1, $2, 'acc', 'Ann', '+32470000000', true, $3, null)`, [`i${n}`, `m${n}`, now]);
      await db.query(
        `insert into sms_reminders_reminders (id, account_id, meeting_id, invitee_id, status, send_at, due_at, hold_expires_at, message_sid, sent_at, check_due_at, created_at, updated_at)
         values ($1, 'acc', $2, $3, 'sent', $4, $4, $4, $5, $4, $4, $4, $4)`,
        [id, `m${n}`, `i${n}`, now, `SM${String(n).padStart(32, '0')}`],
      );
      return { id, sid: `SM${String(n).padStart(32, '0')}` };
    };
    const row = async (id: string) =>
      (await db.query<{ checks: number; check_due_at: Date | null }>('select checks, check_due_at from sms_reminders_reminders where id = $1', [id])).rows[0]!;
    const settled: string[] = [];
    const reconciler = (answer: (sid: string) => MessageState, applied: string[] = [], limits = { reconcileAfterMinutes: 15, maxChecks: 3 }) => {
      const provider: SmsProvider = {
        send: async () => ({ outcome: 'unknown', httpStatus: null, message: 'not used' }),
        fetchStatus: async ({ sid }) => answer(sid),
        verifySignature: () => ({ valid: false, reason: 'signature_mismatch' }),
      };
      return new StatusReconciler({
        db,
        clock,
        provider: () => provider,
        reports: {
          apply: async (input) => {
            applied.push(`${input.messageSid}:${input.status}:${input.errorCode}:${input.source}`);
            await db.query(`update sms_reminders_reminders set status = $2, check_due_at = null where message_sid = $1`, [input.messageSid, input.status]);
            return 'applied';
          },
          settle: async (reminderId) => {
            settled.push(reminderId);
            await db.query(`update sms_reminders_reminders set reversal_transaction_id = 'refund' where id = $1`, [reminderId]);
          },
        },
        logger: silent,
        ...limits,
      });
    };

    it('applies a fetched final status through the callback path, marked as a fetch', async () => {
      const a = await sentText();
      const applied: string[] = [];
      const result = await reconciler(() => ({ status: 'undelivered', errorCode: '30003' }), applied).reconcile();
      expect(result).toMatchObject({ checked: 1, applied: 1 });
      expect(applied).toEqual([`${a.sid}:undelivered:30003:fetch`]);
      expect(await reconciler(() => ({ status: 'undelivered', errorCode: null })).reconcile()).toMatchObject({ checked: 0 });
    });

    it('not final yet, or Twilio unreachable: asked again after 30, then 60 minutes; after maxChecks it stops (the text stays sent)', async () => {
      const a = await sentText();
      const start = clock.now().getTime();
      let answers = 0;
      const r = reconciler(() => {
        answers++;
        if (answers === 2) throw new SmsProviderError('socket hang up', null, null);
        return { status: 'sent', errorCode: null };
      });
      expect(await r.reconcile()).toMatchObject({ checked: 1, stillPending: 1 });
      expect(await row(a.id)).toEqual({ checks: 1, check_due_at: new Date(start + 30 * 60_000) });
      clock.advance({ minutes: 29 });
      expect(await r.reconcile()).toMatchObject({ checked: 0 });
      clock.advance({ minutes: 1 });
      expect(await r.reconcile()).toMatchObject({ checked: 1, errors: 1, stillPending: 1 });
      expect(await row(a.id)).toEqual({ checks: 2, check_due_at: new Date(start + 90 * 60_000) });
      clock.advance({ minutes: 60 });
      expect(await r.reconcile()).toMatchObject({ checked: 1, gaveUp: 1 });
      expect(await row(a.id)).toEqual({ checks: 3, check_due_at: null });
      clock.advance({ days: 3 });
      expect(await r.reconcile()).toMatchObject({ checked: 0 });
      expect(answers).toBe(3);
    });

    it('a text claimed for its last check whose run then crashed is still claimed (no integer overflow) and given up, with the largest limits', async () => {
      const a = await sentText();
      const b = await sentText();
      // reconcileAfterMinutes 1440 and maxChecks 20 (the largest allowed): the 20th claim was made, then the host stopped.
      await db.query('update sms_reminders_reminders set checks = 20 where id = $1', [a.id]);
      const r = reconciler(() => ({ status: 'sent', errorCode: null }), [], { reconcileAfterMinutes: 1440, maxChecks: 20 });
      expect(await r.reconcile()).toMatchObject({ checked: 2, gaveUp: 1, stillPending: 1, errors: 0 });
      expect(await row(a.id)).toEqual({ checks: 21, check_due_at: null });
      expect((await row(b.id)).checks).toBe(1);
    });

    it('a failed text whose refund was never made (a crash between the two writes) is refunded by the next run, once', async () => {
      const charged = await sentText();
      const refunded = await sentText();
      const free = await sentText();
      await db.query(`update sms_reminders_reminders set status = 'undelivered', check_due_at = null, capture_transaction_id = 'cap' where id = $1`, [
        charged.id,
      ]);
      await db.query(
        `update sms_reminders_reminders set status = 'failed', check_due_at = null, capture_transaction_id = 'cap', reversal_transaction_id = 'rev' where id = $1`,
        [refunded.id],
      );
      await db.query(`update sms_reminders_reminders set status = 'failed', check_due_at = null where id = $1`, [free.id]);
      settled.length = 0;
      expect(await reconciler(() => ({ status: 'delivered', errorCode: null })).reconcile()).toMatchObject({ refunded: 1 });
      expect(settled).toEqual([charged.id]);
      expect(await reconciler(() => ({ status: 'delivered', errorCode: null })).reconcile()).toMatchObject({ refunded: 0 });
      expect(settled).toEqual([charged.id]);
    });

    it('two runs at once fetch each due text once', async () => {
      const texts = [await sentText(), await sentText(), await sentText()];
      const fetched: string[] = [];
      const slow = reconciler((sid) => {
        fetched.push(sid);
        return { status: 'delivered', errorCode: null };
      });
      await Promise.all([slow.reconcile(), slow.reconcile()]);
      expect(fetched.sort()).toEqual(texts.map((t) => t.sid).sort());
    });
  });
}
