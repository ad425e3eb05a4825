import { createHash } from 'node:crypto';
import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, pgArray, type Database, type Transaction } from '@tollgate/db';
import { ConfigError, ValidationError } from '@tollgate/errors';
import { inject, injectable } from 'tsyringe';
import { MAIL_TRANSPORT, type MailAttachment, type MailTransport } from './mail-transport.js';
import {
  checkNotificationData,
  renderNotification,
  resolveLocale,
  type NotificationData,
  type NotificationTemplate,
  type RenderedNotification,
} from './notification.templates.js';

export interface NotificationOptions {
  /** The From header: 'Tollgate <billing@example.com>'. Its domain also names the Message-IDs. */
  from: string;
  /** Tries before a notification is given up as 'failed'. Default 8. */
  maxAttempts?: number;
  /** How long a worker owns the rows it claimed; a crashed worker's rows are retried after it. Default 300. */
  claimSeconds?: number;
  /** Signs the mails. Default 'Tollgate'. */
  productName?: string;
}
export const NOTIFICATION_OPTIONS = Symbol.for('tollgate.NotificationOptions');

/** Wait before try n+1 after n failures: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then daily. */
export const RETRY_BACKOFF_SECONDS: readonly number[] = [60, 300, 1_800, 7_200, 21_600, 43_200, 86_400];

export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface NotificationSummary {
  id: string;
  template: string;
  recipient: string;
  subject: string;
  status: NotificationStatus;
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
}

export interface DeliveryResult {
  sent: number;
  /** Given up: maxAttempts reached, or the stored notification no longer renders. */
  failed: number;
  /** Failed this time, scheduled again after the backoff. */
  retried: number;
}

interface ClaimedRow {
  id: string;
  event_key: string;
  recipient: string;
  template: string;
  locale: string;
  data: unknown;
  attempts: number;
}

const INTERRUPTED = 'delivery interrupted: the claim expired before the worker reported back';
const RECIPIENT = /^[^\s@<>()[\]\\,;:"']+@[^\s@<>()[\]\\,;:"']+\.[^\s@<>()[\]\\,;:"']+$/;
const ID = /^[1-9]\d{0,18}$/;
/** Attachments of one mail, all together; most SMTP servers refuse mails above 10 to 25 MB once encoded. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
// No path separators, no control characters (checked apart: the rule forbids them in a regex).
const FILENAME = /^[^\\/"<>|:*?]{1,200}$/;
const hasControl = (text: string) => [...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

function checkAttachments(attachments: readonly MailAttachment[] | undefined): MailAttachment[] {
  if (attachments === undefined) return [];
  if (!Array.isArray(attachments)) throw new ValidationError({ code: 'invalid_attachments', message: 'attachments must be an array.' });
  let total = 0;
  for (const a of attachments) {
    if (typeof a?.filename !== 'string' || !FILENAME.test(a.filename) || hasControl(a.filename) || a.filename.trim() !== a.filename)
      throw new ValidationError({ code: 'invalid_attachments', message: `Not a usable file name: ${JSON.stringify(a?.filename)}` });
    if (typeof a.contentType !== 'string' || !CONTENT_TYPE.test(a.contentType))
      throw new ValidationError({ code: 'invalid_attachments', message: `Not a content type: ${JSON.stringify(a.contentType)}` });
    if (!(a.content instanceof Uint8Array)) throw new ValidationError({ code: 'invalid_attachments', message: 'An attachment’s content must be bytes.' });
    total += a.content.byteLength;
  }
  if (total > MAX_ATTACHMENT_BYTES)
    throw new ValidationError({ code: 'attachments_too_large', message: `Attachments may take ${MAX_ATTACHMENT_BYTES} bytes together, got ${total}.` });
  return attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.content) }));
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 1_000 ? `${text.slice(0, 1_000)}…` : text;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError({ message: `notifications: ${name} must be a positive integer, got ${String(value)}` });
  return value;
}

/**
 * E-mails to accounts (C-6) through a durable outbox: `enqueue` writes one row per recipient,
 * unique per event, in the caller's transaction; `deliverDue` claims due rows with SKIP LOCKED,
 * sends them outside the transaction, and records the outcome with retries and backoff.
 * Delivery is at least once: a worker that dies after the server accepted a mail but before it
 * recorded it leaves a claim that expires, and the mail goes again with the same Message-ID.
 */
@injectable()
export class NotificationService {
  readonly #from: string;
  readonly #domain: string;
  readonly #maxAttempts: number;
  readonly #claimSeconds: number;
  readonly #productName: string | undefined;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @inject(NOTIFICATION_OPTIONS) options: NotificationOptions,
  ) {
    const domain = /@([^\s@<>]+)>?\s*$/.exec(options?.from ?? '')?.[1];
    if (!domain) throw new ConfigError({ message: `notifications: "from" must hold an e-mail address, got ${JSON.stringify(options?.from)}` });
    this.#from = options.from;
    this.#domain = domain.toLowerCase();
    this.#maxAttempts = positiveInteger(options.maxAttempts ?? 8, 'maxAttempts');
    this.#claimSeconds = positiveInteger(options.claimSeconds ?? 300, 'claimSeconds');
    this.#productName = options.productName;
  }

  /**
   * Queues one mail per recipient for an event. Idempotent per (eventKey, recipient): replaying
   * the event adds nothing. Pass `tx` to queue in the same transaction as the change it reports.
   * The template and data are rendered once here, so a bad notification is refused now.
   */
  async enqueue<T extends NotificationTemplate>(input: {
    accountId: string;
    eventKey: string;
    template: T;
    locale: string;
    recipients: readonly string[];
    data: NotificationData[T];
    /** Files sent with every recipient's mail (at most MAX_ATTACHMENT_BYTES together), stored with the rows. */
    attachments?: readonly MailAttachment[];
    tx?: Transaction;
  }): Promise<{ created: number }> {
    if (typeof input.accountId !== 'string' || input.accountId.length < 1 || input.accountId.length > 255) {
      throw new ValidationError({ code: 'invalid_account_id', message: 'accountId (1 to 255 characters) is required.' });
    }
    if (typeof input.eventKey !== 'string' || input.eventKey.length < 1 || input.eventKey.length > 255) {
      throw new ValidationError({ code: 'invalid_event_key', message: 'eventKey (1 to 255 characters) is required.' });
    }
    if (!Array.isArray(input.recipients))
      throw new ValidationError({ code: 'invalid_recipients', message: 'recipients must be an array of e-mail addresses.' });
    const recipients = [...new Set(input.recipients.map((r) => (typeof r === 'string' ? r.trim().toLowerCase() : r)))];
    for (const recipient of recipients) {
      if (typeof recipient !== 'string' || recipient.length > 254 || !RECIPIENT.test(recipient)) {
        throw new ValidationError({ code: 'invalid_recipient', message: `Not an e-mail address: ${JSON.stringify(recipient)}`, details: { recipient } });
      }
    }
    const locale = resolveLocale(input.locale);
    const data = checkNotificationData({ template: input.template, data: input.data });
    const attachments = checkAttachments(input.attachments);
    this.#render({ template: input.template, locale, data });
    // No one to tell is not an error: it must not roll back the caller's transaction.
    if (recipients.length === 0) return { created: 0 };
    const now = this.clock.now();
    const insert = async (q: Transaction | Database) => {
      const { rows } = await q.query<{ id: string }>(
        `insert into notifications (account_id, event_key, recipient, template, locale, data, status, attempts, next_attempt_at, created_at)
         select $1, $2, r, $3, $4, $5::jsonb, 'pending', 0, $6, $6 from unnest($7::text[]) as r
         on conflict (event_key, recipient) do nothing returning id`,
        [input.accountId, input.eventKey, input.template, locale, data, now, pgArray(recipients)],
      );
      for (const { id } of rows) {
        for (const [position, a] of attachments.entries()) {
          await q.query('insert into notification_attachments (notification_id, position, filename, content_type, content) values ($1, $2, $3, $4, $5)', [
            id,
            position,
            a.filename,
            a.contentType,
            a.content,
          ]);
        }
      }
      return { created: rows.length };
    };
    // A row and its attachments commit together: a worker never sends the mail without its files.
    if (input.tx || attachments.length === 0) return insert(input.tx ?? this.db);
    return this.db.transaction((tx) => insert(tx));
  }

  /**
   * Sends the notifications that are due, at most `limit`. Safe to run on several hosts at once:
   * each row is claimed by one worker (SKIP LOCKED) before anything is sent.
   */
  async deliverDue(input: { limit?: number } = {}): Promise<DeliveryResult> {
    const limit = input.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1_000)
      throw new ValidationError({ code: 'invalid_limit', message: 'limit must be an integer from 1 to 1000' });
    const now = this.clock.now();
    const claimedUntil = new Date(now.getTime() + this.#claimSeconds * 1_000);
    const result: DeliveryResult = { sent: 0, failed: 0, retried: 0 };

    // Short transaction: claim, commit, then talk to the mail server with no locks held.
    const claimed = await this.db.transaction(async (tx) => {
      // A claim that ran out means the worker died mid-send: that counts as a failed try.
      const exhausted = await tx.query(
        `update notifications set status = 'failed', attempts = attempts + 1, last_error = $2, claimed_until = null
         where id in (select id from notifications where status = 'sending' and claimed_until <= $1 and attempts + 1 >= $3 for update skip locked)`,
        [now, INTERRUPTED, this.#maxAttempts],
      );
      result.failed += exhausted.rowCount;
      const { rows } = await tx.query<ClaimedRow>(
        `update notifications n
         set status = 'sending', claimed_until = $2,
             attempts = n.attempts + case when n.status = 'sending' then 1 else 0 end,
             last_error = case when n.status = 'sending' then $4 else n.last_error end
         from (select id from notifications
               where (status = 'pending' or (status = 'sending' and claimed_until <= $1)) and next_attempt_at <= $1
               order by next_attempt_at, id limit $3 for update skip locked) due
         where n.id = due.id
         returning n.id, n.event_key, n.recipient, n.template, n.locale, n.data, n.attempts`,
        [now, claimedUntil, limit, INTERRUPTED],
      );
      return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    });

    // Stop well before the claim runs out, so no other worker can take a row this one still sends.
    const margin = Math.min(60, this.#claimSeconds / 2) * 1_000;
    for (const [index, row] of claimed.entries()) {
      if (this.clock.now().getTime() >= claimedUntil.getTime() - margin) {
        await this.db.query(
          `update notifications set status = 'pending', claimed_until = null where id = any($1::bigint[]) and status = 'sending' and claimed_until = $2`,
          [pgArray(claimed.slice(index).map((r) => r.id)), claimedUntil],
        );
        break;
      }
      const outcome = await this.#deliver(row, claimedUntil);
      result[outcome] += 1;
    }
    return result;
  }

  /** Where the mails of some events stand (one entry per event and recipient), for callers that track what they sent. */
  async outcomes(input: {
    eventKeys: readonly string[];
  }): Promise<Array<{ eventKey: string; recipient: string; status: NotificationStatus; sentAt: Date | null; lastError: string | null }>> {
    if (input.eventKeys.length === 0) return [];
    const { rows } = await this.db.query<{ event_key: string; recipient: string; status: NotificationStatus; sent_at: Date | null; last_error: string | null }>(
      'select event_key, recipient, status, sent_at, last_error from notifications where event_key = any($1::text[]) order by id',
      [pgArray([...input.eventKeys])],
    );
    return rows.map((r) => ({ eventKey: r.event_key, recipient: r.recipient, status: r.status, sentAt: r.sent_at, lastError: r.last_error }));
  }

  /** An account's notifications, newest first; page with `before` = the last id seen. */
  async list(input: { accountId: string; limit?: number; before?: string }): Promise<NotificationSummary[]> {
    const limit = input.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw new ValidationError({ code: 'invalid_limit', message: 'limit must be an integer from 1 to 200' });
    if (input.before !== undefined && (typeof input.before !== 'string' || !ID.test(input.before))) {
      throw new ValidationError({ code: 'invalid_cursor', message: 'before must be a notification id' });
    }
    const { rows } = await this.db.query<{
      id: string;
      template: string;
      locale: string;
      data: unknown;
      recipient: string;
      status: NotificationStatus;
      attempts: number;
      created_at: Date;
      sent_at: Date | null;
    }>(
      `select id, template, locale, data, recipient, status, attempts, created_at, sent_at from notifications
       where account_id = $1 and ($2::bigint is null or id < $2::bigint) order by id desc limit $3`,
      [input.accountId, input.before ?? null, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      template: row.template,
      recipient: row.recipient,
      subject: this.#tryRender(row)?.subject ?? row.template,
      status: row.status,
      attempts: row.attempts,
      createdAt: row.created_at,
      sentAt: row.sent_at,
    }));
  }

  /** Stable per row, so a mail sent twice (see class comment) can be recognised as the same one. */
  messageIdOf(row: { id: string; eventKey: string }): string {
    const digest = createHash('sha256').update(row.eventKey).digest('hex').slice(0, 24);
    return `<notification.${row.id}.${digest}@${this.#domain}>`;
  }

  async #deliver(row: ClaimedRow, claimedUntil: Date): Promise<'sent' | 'failed' | 'retried'> {
    const mine = `id = $1 and status = 'sending' and claimed_until = $2`;
    const rendered = this.#tryRender(row);
    if (!rendered) {
      await this.db.query(`update notifications set status = 'failed', claimed_until = null, last_error = $3 where ${mine}`, [
        row.id,
        claimedUntil,
        'the stored notification no longer renders',
      ]);
      return 'failed';
    }
    const messageId = this.messageIdOf({ id: row.id, eventKey: row.event_key });
    try {
      const attachments = await this.#attachments(row.id);
      await this.transport.send({
        ...(attachments.length ? { attachments } : {}),
        from: this.#from,
        to: row.recipient,
        ...rendered,
        messageId,
        // RFC 3834: tells autoresponders not to answer.
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Tollgate-Notification': row.template },
      });
    } catch (error) {
      const attempts = row.attempts + 1;
      const now = this.clock.now();
      if (attempts >= this.#maxAttempts) {
        await this.db.query(`update notifications set status = 'failed', attempts = $3, last_error = $4, claimed_until = null where ${mine}`, [
          row.id,
          claimedUntil,
          attempts,
          errorText(error),
        ]);
        return 'failed';
      }
      const wait = RETRY_BACKOFF_SECONDS[Math.min(attempts, RETRY_BACKOFF_SECONDS.length) - 1]!;
      await this.db.query(
        `update notifications set status = 'pending', attempts = $3, last_error = $4, claimed_until = null, next_attempt_at = $5 where ${mine}`,
        [row.id, claimedUntil, attempts, errorText(error), new Date(now.getTime() + wait * 1_000)],
      );
      return 'retried';
    }
    await this.db.query(`update notifications set status = 'sent', sent_at = $3, message_id = $4, claimed_until = null where ${mine}`, [
      row.id,
      claimedUntil,
      this.clock.now(),
      messageId,
    ]);
    return 'sent';
  }

  async #attachments(id: string): Promise<MailAttachment[]> {
    const { rows } = await this.db.query<{ filename: string; content_type: string; content: Uint8Array }>(
      'select filename, content_type, content from notification_attachments where notification_id = $1 order by position',
      [id],
    );
    return rows.map((r) => ({ filename: r.filename, contentType: r.content_type, content: Buffer.from(r.content) }));
  }

  #render(input: { template: string; locale: string; data: unknown }): RenderedNotification {
    return renderNotification({ ...input, ...(this.#productName === undefined ? {} : { productName: this.#productName }) });
  }

  #tryRender(row: { template: string; locale: string; data: unknown }): RenderedNotification | undefined {
    try {
      return this.#render(row);
    } catch {
      return undefined;
    }
  }
}
