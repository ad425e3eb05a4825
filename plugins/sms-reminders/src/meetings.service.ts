import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError, type AccountLocale, type Clock, type PluginAccounts, type PluginDatabase } from '@tollgate/plugin-sdk';
import { isTimeZone, localTimeOf } from './meeting-time.js';
import { normalisePhoneNumber } from './phone-number.js';
import { reminderSegments } from './reminder-text.js';
import type { MeetingRef, ReminderScheduler } from './reminder-scheduler.js';

export interface MeetingInput {
  title: string;
  location: string;
  timeZone: string;
  startsAt: Date;
}

export interface InviteeInput {
  firstName: string;
  phone: string;
  smsReminder: boolean;
}

export interface ReminderView {
  id: string;
  meetingId: string;
  inviteeId: string;
  to: string;
  status: string;
  reason: string | null;
  sendAt: string;
  amount: string | null;
  messageSid: string | null;
  createdAt: string;
}

export interface InviteeView {
  id: string;
  firstName: string;
  phone: string;
  smsReminder: boolean;
  reminder: ReminderView | null;
}

export interface MeetingView extends MeetingInput {
  id: string;
  /** "14:30": the start as the text will say it. */
  localTime: string;
  status: 'scheduled' | 'cancelled';
  invitees: InviteeView[];
  createdAt: string;
}

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v instanceof Date ? v : new Date(v as string)).toISOString();
const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

function toReminder(r: Row): ReminderView {
  return {
    id: r.id as string,
    meetingId: r.meeting_id as string,
    inviteeId: r.invitee_id as string,
    to: r.phone as string,
    status: r.status as string,
    reason: (r.reason as string | null) ?? null,
    sendAt: iso(r.send_at),
    amount: r.amount === null || r.amount === undefined ? null : String(r.amount),
    messageSid: (r.message_sid as string | null) ?? null,
    createdAt: iso(r.created_at),
  };
}

/**
 * Meetings and their invitees, scoped to one account (another account's meeting is a 404). Every
 * check that would make a text unsendable (number, time zone, length) runs before anything is
 * written, so bad input costs nothing.
 */
export class MeetingsService {
  constructor(
    private readonly deps: {
      db: Pick<PluginDatabase, 'query' | 'transaction'>;
      clock: Clock;
      scheduler: ReminderScheduler;
      /** The account's locale: the text's language, so its length and encoding. */
      accounts: Pick<PluginAccounts, 'get'>;
      defaultCountry: string;
      maxSegments: number;
    },
  ) {}

  async create(input: {
    accountId: string;
    meeting: MeetingInput;
    invitees: InviteeInput[];
    idempotencyKey?: string;
  }): Promise<{ meeting: MeetingView; created: boolean }> {
    const locale = await this.#locale(input.accountId);
    this.#checkMeeting(input.meeting, locale);
    const invitees = input.invitees.map((i, n) => this.#checkInvitee({ meeting: input.meeting, invitee: i, field: `invitees.${n}`, locale }));
    const now = this.deps.clock.now();
    const id = newId('mtg');
    const m = input.meeting;
    const { rows } = await this.deps.db.query<{ id: string }>(
      `insert into sms_reminders_meetings (id, account_id, title, location, time_zone, starts_at, status, idempotency_key, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $8, $8) on conflict (account_id, idempotency_key) do nothing returning id`,
      [id, input.accountId, m.title, m.location, m.timeZone, m.startsAt, input.idempotencyKey ?? null, now],
    );
    if (rows.length === 0) {
      // A retry of the same POST: answer with the meeting the first one made.
      const existing = await this.deps.db.query<{ id: string }>('select id from sms_reminders_meetings where account_id = $1 and idempotency_key = $2', [
        input.accountId,
        input.idempotencyKey,
      ]);
      return { meeting: await this.get({ accountId: input.accountId, meetingId: existing.rows[0]!.id }), created: false };
    }
    for (const invitee of invitees) await this.#addChecked({ accountId: input.accountId, meetingId: id, invitee });
    return { meeting: await this.get({ accountId: input.accountId, meetingId: id }), created: true };
  }

  async list(input: { accountId: string; status?: 'scheduled' | 'cancelled' }): Promise<MeetingView[]> {
    const { rows } = await this.deps.db.query<{ id: string }>(
      'select id from sms_reminders_meetings where account_id = $1 and ($2::text is null or status = $2) order by starts_at, id limit 500',
      [input.accountId, input.status ?? null],
    );
    return Promise.all(rows.map((r) => this.get({ accountId: input.accountId, meetingId: r.id })));
  }

  async get(input: { accountId: string; meetingId: string }): Promise<MeetingView> {
    const m = await this.#meeting(input);
    const { rows: invitees } = await this.deps.db.query<Row>(
      'select * from sms_reminders_invitees where meeting_id = $1 and removed_at is null order by created_at, id',
      [m.id],
    );
    const { rows: reminders } = await this.deps.db.query<Row>(
      `select r.*, i.phone from sms_reminders_reminders r join sms_reminders_invitees i on i.id = r.invitee_id where r.meeting_id = $1 order by r.seq`,
      [m.id],
    );
    // The latest reminder of each invitee is the one that tells its story.
    const latest = new Map<string, Row>();
    for (const r of reminders) latest.set(r.invitee_id as string, r);
    return {
      id: m.id,
      title: m.title,
      location: m.location,
      timeZone: m.timeZone,
      startsAt: m.startsAt,
      localTime: localTimeOf(m.startsAt, m.timeZone),
      status: m.status,
      createdAt: m.createdAt,
      invitees: invitees.map((i) => {
        const r = latest.get(i.id as string);
        return {
          id: i.id as string,
          firstName: i.first_name as string,
          phone: i.phone as string,
          smsReminder: i.sms_reminder as boolean,
          reminder: r ? toReminder(r) : null,
        };
      }),
    };
  }

  /** Reschedule (startsAt, timeZone), relocate or rename. The reminders follow the meeting. */
  async update(input: { accountId: string; meetingId: string; changes: Partial<MeetingInput> }): Promise<MeetingView> {
    const current = await this.#meeting(input);
    if (current.status === 'cancelled') throw new ConflictError({ code: 'meeting_cancelled', message: 'This meeting is cancelled.' });
    const next: MeetingInput = { title: current.title, location: current.location, timeZone: current.timeZone, startsAt: current.startsAt, ...input.changes };
    const locale = await this.#locale(input.accountId);
    this.#checkMeeting(next, locale);
    const { rows: names } = await this.deps.db.query<{ first_name: string }>(
      'select first_name from sms_reminders_invitees where meeting_id = $1 and removed_at is null and sms_reminder',
      [current.id],
    );
    for (const n of names)
      this.#checkLength({ meeting: next, firstName: n.first_name, field: input.changes.location !== undefined ? 'location' : 'startsAt', locale });
    await this.deps.db.query('update sms_reminders_meetings set title = $2, location = $3, time_zone = $4, starts_at = $5, updated_at = $6 where id = $1', [
      current.id,
      next.title,
      next.location,
      next.timeZone,
      next.startsAt,
      this.deps.clock.now(),
    ]);
    if (next.startsAt.getTime() !== current.startsAt.getTime() || next.timeZone !== current.timeZone) {
      await this.deps.scheduler.reschedule({ meeting: { id: current.id, accountId: input.accountId, startsAt: next.startsAt, timeZone: next.timeZone } });
    }
    return this.get(input);
  }

  async cancel(input: { accountId: string; meetingId: string }): Promise<MeetingView> {
    await this.#meeting(input);
    await this.deps.db.query(`update sms_reminders_meetings set status = 'cancelled', updated_at = $2 where id = $1`, [input.meetingId, this.deps.clock.now()]);
    await this.deps.scheduler.cancel({ accountId: input.accountId, meetingId: input.meetingId, reason: 'meeting_cancelled' });
    return this.get(input);
  }

  /** Adds an invitee; the same number twice on one meeting returns the first invitation (safe retries). */
  async addInvitee(input: { accountId: string; meetingId: string; invitee: InviteeInput }): Promise<{ invitee: InviteeView; created: boolean }> {
    const m = await this.#meeting(input);
    if (m.status === 'cancelled') throw new ConflictError({ code: 'meeting_cancelled', message: 'This meeting is cancelled.' });
    const checked = this.#checkInvitee({ meeting: m, invitee: input.invitee, field: '', locale: await this.#locale(input.accountId) });
    const result = await this.#addChecked({ accountId: input.accountId, meetingId: m.id, invitee: checked });
    const view = (await this.get(input)).invitees.find((i) => i.id === result.id)!;
    return { invitee: view, created: result.created };
  }

  async removeInvitee(input: { accountId: string; meetingId: string; inviteeId: string }): Promise<void> {
    await this.#meeting(input);
    const { rowCount } = await this.deps.db.query(
      'update sms_reminders_invitees set removed_at = $3 where id = $1 and meeting_id = $2 and removed_at is null',
      [input.inviteeId, input.meetingId, this.deps.clock.now()],
    );
    if (rowCount === 0) throw new NotFoundError({ message: `No invitee ${input.inviteeId} on meeting ${input.meetingId}` });
    await this.deps.scheduler.cancel({ accountId: input.accountId, meetingId: input.meetingId, inviteeId: input.inviteeId, reason: 'invitee_removed' });
  }

  /** Ticks or unticks the "SMS reminder" box (or fixes the first name). */
  async updateInvitee(input: {
    accountId: string;
    meetingId: string;
    inviteeId: string;
    changes: { smsReminder?: boolean; firstName?: string };
  }): Promise<InviteeView> {
    const m = await this.#meeting(input);
    const { rows } = await this.deps.db.query<Row>('select * from sms_reminders_invitees where id = $1 and meeting_id = $2 and removed_at is null', [
      input.inviteeId,
      m.id,
    ]);
    const current = rows[0];
    if (!current) throw new NotFoundError({ message: `No invitee ${input.inviteeId} on meeting ${input.meetingId}` });
    const firstName = input.changes.firstName ?? (current.first_name as string);
    const smsReminder = input.changes.smsReminder ?? (current.sms_reminder as boolean);
    const locale = smsReminder ? await this.#locale(input.accountId) : 'en';
    if (smsReminder && !current.sms_reminder) this.#checkRemindable({ meeting: m, firstName, field: 'firstName', locale });
    else if (smsReminder) this.#checkLength({ meeting: m, firstName, field: 'firstName', locale });
    if (smsReminder && !current.sms_reminder && m.status === 'cancelled')
      throw new ConflictError({ code: 'meeting_cancelled', message: 'This meeting is cancelled.' });
    await this.deps.db.query('update sms_reminders_invitees set first_name = $2, sms_reminder = $3 where id = $1', [current.id, firstName, smsReminder]);
    if (!smsReminder && current.sms_reminder) {
      await this.deps.scheduler.cancel({ accountId: input.accountId, meetingId: m.id, inviteeId: current.id as string, reason: 'sms_unticked' });
    }
    if (smsReminder && !current.sms_reminder)
      await this.deps.scheduler.schedule({ meeting: this.#ref(input.accountId, m), invitee: { id: current.id as string, phone: current.phone as string } });
    return (await this.get(input)).invitees.find((i) => i.id === current.id)!;
  }

  async reminders(input: { accountId: string; status?: string; meetingId?: string }): Promise<ReminderView[]> {
    const { rows } = await this.deps.db.query<Row>(
      `select r.*, i.phone from sms_reminders_reminders r join sms_reminders_invitees i on i.id = r.invitee_id
       where r.account_id = $1 and ($2::text is null or r.status = $2) and ($3::text is null or r.meeting_id = $3)
       order by r.seq desc limit 500`,
      [input.accountId, input.status ?? null, input.meetingId ?? null],
    );
    return rows.map(toReminder);
  }

  async #addChecked(input: { accountId: string; meetingId: string; invitee: InviteeInput }): Promise<{ id: string; created: boolean }> {
    const id = newId('inv');
    const i = input.invitee;
    const { rows } = await this.deps.db.query<{ id: string }>(
      `insert into sms_reminders_invitees (id, meeting_id, account_id, first_name, phone, sms_reminder, created_at)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (meeting_id, phone) where removed_at is null do nothing returning id`,
      [id, input.meetingId, input.accountId, i.firstName, i.phone, i.smsReminder, this.deps.clock.now()],
    );
    if (rows.length === 0) {
      const existing = await this.deps.db.query<{ id: string }>(
        'select id from sms_reminders_invitees where meeting_id = $1 and phone = $2 and removed_at is null',
        [input.meetingId, i.phone],
      );
      return { id: existing.rows[0]!.id, created: false };
    }
    if (i.smsReminder) {
      const m = await this.#meeting({ accountId: input.accountId, meetingId: input.meetingId });
      await this.deps.scheduler.schedule({ meeting: this.#ref(input.accountId, m), invitee: { id, phone: i.phone } });
    }
    return { id, created: true };
  }

  /** The account's language; an account the host does not know (tests without accounts) reads English. */
  async #locale(accountId: string): Promise<AccountLocale> {
    return (await this.deps.accounts.get({ accountId }))?.locale ?? 'en';
  }

  #checkMeeting(m: MeetingInput, locale: AccountLocale): void {
    if (!isTimeZone(m.timeZone))
      throw new ValidationError({
        code: 'invalid_time_zone',
        message: `timeZone ${JSON.stringify(m.timeZone)} is not an IANA time zone`,
        details: { field: 'timeZone' },
      });
    if (m.startsAt <= this.deps.clock.now())
      throw new ValidationError({ code: 'meeting_in_past', message: 'startsAt must be in the future', details: { field: 'startsAt' } });
    this.#checkLength({ meeting: m, firstName: '', field: 'location', locale });
  }

  /** Normalises the number and checks the text fits; returns the invitee as it will be stored. */
  #checkInvitee(input: { meeting: MeetingInput; invitee: InviteeInput; field: string; locale: AccountLocale }): InviteeInput {
    const prefix = input.field ? `${input.field}.` : '';
    const phone = normalisePhoneNumber({ number: input.invitee.phone, defaultCountry: this.deps.defaultCountry });
    if (!phone)
      throw new ValidationError({
        code: 'invalid_phone_number',
        message: `${prefix}phone ${JSON.stringify(input.invitee.phone)} is not a valid phone number`,
        details: { field: `${prefix}phone` },
      });
    const firstName = input.invitee.firstName.trim();
    if (input.invitee.smsReminder) this.#checkRemindable({ meeting: input.meeting, firstName, field: `${prefix}firstName`, locale: input.locale });
    return { firstName, phone: phone.e164, smsReminder: input.invitee.smsReminder };
  }

  /** A text can still be useful (the meeting is ahead) and fits the segment limit. */
  #checkRemindable(input: { meeting: MeetingInput; firstName: string; field: string; locale: AccountLocale }): void {
    if (input.meeting.startsAt <= this.deps.clock.now())
      throw new ValidationError({ code: 'meeting_in_past', message: 'The meeting has started: no reminder can be scheduled', details: { field: 'startsAt' } });
    this.#checkLength(input);
  }

  /** Counted on the text as it will go out: the account's language, worded for the planned send time (accents may make it UCS-2). */
  #checkLength(input: { meeting: MeetingInput; firstName: string; field: string; locale: AccountLocale }): void {
    const sentAt = this.deps.scheduler.sendTimeFor(input.meeting);
    const count = reminderSegments({ firstName: input.firstName, ...input.meeting, locale: input.locale, sentAt });
    if (count.segments > this.deps.maxSegments) {
      throw new ValidationError({
        code: 'reminder_too_long',
        message: `${input.field} makes the reminder ${count.segments} SMS segments (${count.encoding}, ${count.units} characters); at most ${this.deps.maxSegments} are allowed`,
        details: { field: input.field, segments: count.segments, encoding: count.encoding, maxSegments: this.deps.maxSegments },
      });
    }
  }

  #ref(accountId: string, m: { id: string; startsAt: Date; timeZone: string }): MeetingRef {
    return { id: m.id, accountId, startsAt: m.startsAt, timeZone: m.timeZone };
  }

  async #meeting(input: {
    accountId: string;
    meetingId: string;
  }): Promise<MeetingInput & { id: string; status: 'scheduled' | 'cancelled'; createdAt: string }> {
    const { rows } = await this.deps.db.query<Row>('select * from sms_reminders_meetings where id = $1 and account_id = $2', [
      input.meetingId,
      input.accountId,
    ]);
    const r = rows[0];
    if (!r) throw new NotFoundError({ message: `No meeting ${input.meetingId}` });
    return {
      id: r.id as string,
      title: r.title as string,
      location: r.location as string,
      timeZone: r.time_zone as string,
      startsAt: new Date(r.starts_at as string),
      status: r.status as 'scheduled' | 'cancelled',
      createdAt: iso(r.created_at),
    };
  }
}
