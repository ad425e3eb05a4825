import { randomUUID } from 'node:crypto';
import { TollgateError, type Clock, type Logger, type PluginDatabase, type PluginWallet, type Queryable } from '@tollgate/plugin-sdk';
import { reminderSendTime } from './meeting-time.js';
import { CHANNEL_ID, reminderSpendKey, type SmsReminderRequest } from './sms-reminder.channel.js';

const DAY_MS = 86_400_000;
/** The hold must outlive the wait plus a margin for a late sweep or provider retries. */
const HOLD_MARGIN_MS = 2 * DAY_MS;
/** A moved reminder keeps its hold only while the hold still outlives the new send time by this much. */
const HOLD_COVER_MS = DAY_MS;
/** A reminder still `holding` after this long was orphaned by a crash (a hold call takes milliseconds, or the refill wait). */
const STALE_HOLDING_MS = 10 * 60_000;

export interface MeetingRef {
  id: string;
  accountId: string;
  startsAt: Date;
  timeZone: string;
}

export interface InviteeRef {
  id: string;
  phone: string;
}

/**
 * Creates, moves and cancels the one reminder of an invitation, with its wallet reservation. The
 * row is written first (status `holding`), then the text is reserved (`wallet.reserve`: the hold
 * fixes the catalog price in force now, whatever the price when the text goes out) with the
 * reminder's spend key; a cancellation that races the hold finds the row already `cancelled` and
 * gives back what it got (`wallet.cancel`).
 */
export class ReminderScheduler {
  constructor(
    private readonly deps: {
      db: Pick<PluginDatabase, 'query' | 'transaction'>;
      clock: Clock;
      wallet: Pick<PluginWallet, 'reserve' | 'cancel'>;
      logger: Logger;
      /** The send rule (options.send): `daysBefore` days before the meeting at `at`, in its zone. */
      send: { daysBefore: number; at: string };
    },
  ) {}

  sendTimeFor(meeting: Pick<MeetingRef, 'startsAt' | 'timeZone'>): Date {
    const at = reminderSendTime({ startsAt: meeting.startsAt, timeZone: meeting.timeZone, ...this.deps.send });
    const now = this.deps.clock.now();
    // Already past (meeting booked for tomorrow morning): the next sweep sends it.
    return at < now ? now : at;
  }

  /** Schedules the invitee's reminder unless one is live already. */
  async schedule(input: { meeting: MeetingRef; invitee: InviteeRef }): Promise<void> {
    const { meeting, invitee } = input;
    const now = this.deps.clock.now();
    const sendAt = this.sendTimeFor(meeting);
    const holdExpiresAt = new Date(sendAt.getTime() + HOLD_MARGIN_MS);
    const id = `rem_${randomUUID().replaceAll('-', '')}`;
    const { rowCount } = await this.deps.db.query(
      `insert into sms_reminders_reminders (id, account_id, meeting_id, invitee_id, status, send_at, due_at, hold_expires_at, created_at, updated_at)
       values ($1, $2, $3, $4, 'holding', $5, $5, $6, $7, $7)
       on conflict (invitee_id) where status in ('holding', 'scheduled', 'sending') do nothing`,
      [id, meeting.accountId, meeting.id, invitee.id, sendAt, holdExpiresAt, now],
    );
    if (rowCount === 0) return;
    await this.#placeHold({ id, accountId: meeting.accountId, meetingId: meeting.id, to: invitee.phone, holdExpiresAt });
  }

  async #placeHold(r: { id: string; accountId: string; meetingId: string; to: string; holdExpiresAt: Date }): Promise<void> {
    let held: { holdId: string; amount: string };
    try {
      const reservation = await this.deps.wallet.reserve<SmsReminderRequest>({
        accountId: r.accountId,
        channelId: CHANNEL_ID,
        request: { reminderId: r.id, meetingId: r.meetingId, to: r.to },
        idempotencyKey: reminderSpendKey(r.id),
        expiresAt: r.holdExpiresAt,
      });
      held = { holdId: reservation.holdId, amount: reservation.amount.toString() };
    } catch (error) {
      // Refusals (no credit, blocked wallet) end the reminder; faults propagate and the sweep resumes it.
      if (!(error instanceof TollgateError && error.status < 500)) throw error;
      await this.deps.db.query(`update sms_reminders_reminders set status = 'refused', reason = $2, updated_at = $3 where id = $1 and status = 'holding'`, [
        r.id,
        error.code,
        this.deps.clock.now(),
      ]);
      this.deps.logger.info({ reminderId: r.id, reason: error.code }, 'sms-reminders: reminder refused by the wallet');
      return;
    }
    const { rowCount } = await this.deps.db.query(
      `update sms_reminders_reminders set status = 'scheduled', hold_id = $2, amount = $3, updated_at = $4 where id = $1 and status = 'holding'`,
      [r.id, held.holdId, held.amount, this.deps.clock.now()],
    );
    // Cancelled while the hold was being placed: give it back.
    if (rowCount === 0) await this.#release({ accountId: r.accountId, reminderId: r.id, holdId: held.holdId });
  }

  /** Gives the reservation back; a hold that already ended (captured, expired) needs nothing more. */
  async #release(input: { accountId: string; reminderId: string; holdId: string | null }): Promise<void> {
    if (input.holdId) await this.deps.wallet.cancel({ accountId: input.accountId, holdId: input.holdId, idempotencyKey: reminderSpendKey(input.reminderId) });
  }

  /**
   * Finishes reminders left in `holding` by a crash between the insert and the wallet's answer:
   * the hold call is repeated with the same key and parameters, so the wallet returns the first outcome.
   */
  async resumeHolding(): Promise<number> {
    const now = this.deps.clock.now();
    const { rows } = await this.deps.db.query<{ id: string; account_id: string; meeting_id: string; phone: string; hold_expires_at: Date | string }>(
      `select r.id, r.account_id, r.meeting_id, i.phone, r.hold_expires_at from sms_reminders_reminders r join sms_reminders_invitees i on i.id = r.invitee_id
       where r.status = 'holding' and r.updated_at <= $1 order by r.seq limit 100`,
      [new Date(now.getTime() - STALE_HOLDING_MS)],
    );
    for (const r of rows) {
      const holdExpiresAt = new Date(r.hold_expires_at);
      // An expiry already past cannot be held any more: refuse rather than fail every minute.
      if (holdExpiresAt <= now) {
        await this.deps.db.query(
          `update sms_reminders_reminders set status = 'refused', reason = 'hold_not_placed', updated_at = $2 where id = $1 and status = 'holding'`,
          [r.id, now],
        );
        continue;
      }
      await this.#placeHold({ id: r.id, accountId: r.account_id, meetingId: r.meeting_id, to: r.phone, holdExpiresAt });
    }
    return rows.length;
  }

  /** Cancels live reminders matching `where` and releases their holds. `sending` ones are past stopping. */
  async cancel(input: { accountId: string; meetingId: string; inviteeId?: string; reason: string; db?: Queryable }): Promise<number> {
    const { rows } = await (input.db ?? this.deps.db).query<{ id: string; hold_id: string | null }>(
      `update sms_reminders_reminders set status = 'cancelled', reason = $4, updated_at = $5
       where account_id = $1 and meeting_id = $2 and ($3::text is null or invitee_id = $3) and status in ('holding', 'scheduled')
       returning id, hold_id`,
      [input.accountId, input.meetingId, input.inviteeId ?? null, input.reason, this.deps.clock.now()],
    );
    for (const r of rows) await this.#release({ accountId: input.accountId, reminderId: r.id, holdId: r.hold_id });
    return rows.length;
  }

  /**
   * The meeting moved: each scheduled reminder moves with it. Its hold stays when it still covers
   * the new send time; otherwise the reminder is replaced (new id, new hold, old hold released).
   */
  async reschedule(input: { meeting: MeetingRef }): Promise<void> {
    const { meeting } = input;
    const sendAt = this.sendTimeFor(meeting);
    const now = this.deps.clock.now();
    const { rows } = await this.deps.db.query<{ id: string; invitee_id: string; phone: string }>(
      `update sms_reminders_reminders r set send_at = $3, due_at = $3, updated_at = $4
       from sms_reminders_invitees i
       where r.account_id = $1 and r.meeting_id = $2 and r.status = 'scheduled' and i.id = r.invitee_id
         and r.hold_expires_at >= $5
       returning r.id, r.invitee_id, i.phone`,
      [meeting.accountId, meeting.id, sendAt, now, new Date(sendAt.getTime() + HOLD_COVER_MS)],
    );
    const moved = new Set(rows.map((r) => r.invitee_id));
    const { rows: stale } = await this.deps.db.query<{ invitee_id: string; phone: string }>(
      `select r.invitee_id, i.phone from sms_reminders_reminders r join sms_reminders_invitees i on i.id = r.invitee_id
       where r.account_id = $1 and r.meeting_id = $2 and r.status = 'scheduled'`,
      [meeting.accountId, meeting.id],
    );
    for (const s of stale.filter((r) => !moved.has(r.invitee_id))) {
      await this.cancel({ accountId: meeting.accountId, meetingId: meeting.id, inviteeId: s.invitee_id, reason: 'rescheduled' });
      await this.schedule({ meeting, invitee: { id: s.invitee_id, phone: s.phone } });
    }
  }
}
