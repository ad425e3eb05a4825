import { CLOCK, ManualClock } from '@tollgate/clock';
import { DATABASE, migrate, testEngines, type Database, type TestDatabase, type Transaction } from '@tollgate/db';
import { container } from 'tsyringe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SmtpSink } from '../test/smtp-sink.js';
import type { MailTransport, OutgoingMail } from './mail-transport.js';
import { UnknownTemplateError } from './notification.errors.js';
import { notificationMigrations } from './notification.migrations.js';
import { NotificationService, type NotificationOptions } from './notification.service.js';
import { registerNotifications } from './registration.js';
import { SmtpMailTransport } from './smtp-mail.transport.js';

const FROM = 'Tollgate <billing@tollgate.test>';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; status: number };
  }
  throw new Error('expected a refusal');
}

/** Holds every send until released: a worker stuck mid-delivery. */
class StuckTransport implements MailTransport {
  readonly started: OutgoingMail[] = [];
  #release!: () => void;
  readonly #released = new Promise<void>((resolve) => (this.#release = resolve));
  #onStart: (() => void) | undefined;
  readonly sending = new Promise<void>((resolve) => (this.#onStart = resolve));

  constructor(private readonly inner: MailTransport) {}

  async send(input: OutgoingMail): Promise<void> {
    this.started.push(input);
    this.#onStart?.();
    await this.#released;
    await this.inner.send(input);
  }

  release(): void {
    this.#release();
  }
}

/** The database as one worker sees it: its claim transaction stops, rows locked, until `gate` opens. */
function pausedAfterClaim(db: Database, input: { claimed: () => void; gate: Promise<void> }): Database {
  const bound = <T extends object>(target: T, prop: string | symbol) => {
    const value: unknown = Reflect.get(target, prop);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const pausing = (tx: Transaction) =>
    new Proxy(tx, {
      get: (target, prop) =>
        prop !== 'query'
          ? bound(target, prop)
          : async (text: string, params?: readonly unknown[]) => {
              const result = await target.query(text, params);
              if (text.includes("set status = 'sending'")) {
                input.claimed();
                await input.gate;
              }
              return result;
            },
    });
  return new Proxy(db, {
    get: (target, prop) =>
      prop === 'transaction' ? <T>(fn: (tx: Transaction) => Promise<T>) => target.transaction((tx) => fn(pausing(tx))) : bound(target, prop),
  });
}

for (const engine of testEngines()) {
  describe(`notifications [${engine.name}]`, () => {
    let db: TestDatabase;
    let sink: SmtpSink;
    let smtp: SmtpMailTransport;
    let clock: ManualClock;
    let n = 0;
    let account: string;

    const service = (options: Partial<NotificationOptions> = {}, transport: MailTransport = smtp) =>
      new NotificationService(db, clock, transport, { from: FROM, ...options });
    const rows = async () =>
      (
        await db.query<{
          id: string;
          recipient: string;
          status: string;
          attempts: number;
          next_attempt_at: Date;
          last_error: string | null;
          message_id: string | null;
          sent_at: Date | null;
          event_key: string;
        }>(
          'select id, recipient, status, attempts, next_attempt_at, last_error, message_id, sent_at, event_key from notifications where account_id = $1 order by id',
          [account],
        )
      ).rows;
    const enqueueLowBalance = (notifications: NotificationService, input: { eventKey?: string; recipients?: string[]; locale?: string } = {}) =>
      notifications.enqueue({
        accountId: account,
        eventKey: input.eventKey ?? `${account}:low-balance:1`,
        template: 'low_balance',
        locale: input.locale ?? 'nl',
        recipients: input.recipients ?? ['ann@acme.test'],
        data: { accountName: 'Acme', available: '12.50', threshold: '20.00' },
      });

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [notificationMigrations] });
      sink = await SmtpSink.start();
      smtp = SmtpMailTransport.fromConfig({ host: '127.0.0.1', port: sink.port });
    });
    afterAll(async () => {
      smtp?.close();
      await sink?.stop();
      await db?.dispose();
    });
    beforeEach(() => {
      account = `acc_${engine.name}_${++n}`;
      clock = new ManualClock('2026-03-01T09:00:00.000Z');
      sink.mails.length = 0;
      sink.rejectNext = 0;
    });
    afterEach(async () => {
      // Leave nothing due for the next test.
      await db.query(`update notifications set status = 'failed' where status in ('pending', 'sending')`);
    });

    it('queues one mail per recipient, once per event however often the event is replayed', async () => {
      const notifications = service();
      expect(await enqueueLowBalance(notifications, { recipients: ['ann@acme.test', 'Bob@Acme.test ', 'bob@acme.test'] })).toEqual({ created: 2 });
      for (let i = 0; i < 10; i++) expect(await enqueueLowBalance(notifications, { recipients: ['ann@acme.test', 'bob@acme.test'] })).toEqual({ created: 0 });
      // A later recipient of the same event still gets it; the others do not get it twice.
      expect(await enqueueLowBalance(notifications, { recipients: ['ann@acme.test', 'cy@acme.test'] })).toEqual({ created: 1 });
      expect((await rows()).map((r) => [r.recipient, r.status, r.attempts])).toEqual([
        ['ann@acme.test', 'pending', 0],
        ['bob@acme.test', 'pending', 0],
        ['cy@acme.test', 'pending', 0],
      ]);
      expect(await enqueueLowBalance(notifications, { eventKey: `${account}:low-balance:2`, recipients: [] })).toEqual({ created: 0 });
    });

    it('refuses a bad notification at enqueue, before anything is stored', async () => {
      const notifications = service();
      const unknown = await refusal(
        notifications.enqueue({
          accountId: account,
          eventKey: 'k1',
          template: 'welcome' as never,
          locale: 'en',
          recipients: ['ann@acme.test'],
          data: {} as never,
        }),
      );
      expect(unknown).toBeInstanceOf(UnknownTemplateError);
      const missing = await refusal(
        notifications.enqueue({ accountId: account, eventKey: 'k2', template: 'depleted', locale: 'en', recipients: ['ann@acme.test'], data: {} as never }),
      );
      expect(missing).toMatchObject({ code: 'invalid_notification_data', status: 400 });
      const recipient = await refusal(enqueueLowBalance(notifications, { recipients: ['ann@acme.test', 'not an address'] }));
      expect(recipient).toMatchObject({ code: 'invalid_recipient', status: 400 });
      expect(await refusal(enqueueLowBalance(notifications, { recipients: ['a@b.test>\r\nBcc: x@y.test'] }))).toMatchObject({ code: 'invalid_recipient' });
      expect(await refusal(enqueueLowBalance(notifications, { eventKey: '' }))).toMatchObject({ code: 'invalid_event_key' });
      expect(await rows()).toEqual([]);
    });

    it('queues inside the caller’s transaction: rolled back with it, committed with it', async () => {
      const notifications = service();
      await expect(
        db.transaction(async (tx) => {
          await notifications.enqueue({
            accountId: account,
            eventKey: `${account}:depleted`,
            template: 'depleted',
            locale: 'fr',
            recipients: ['ann@acme.test'],
            data: { accountName: 'Acme' },
            tx,
          });
          throw new Error('the wallet change failed');
        }),
      ).rejects.toThrow('the wallet change failed');
      expect(await rows()).toEqual([]);
      const created = await db.transaction((tx) =>
        notifications.enqueue({
          accountId: account,
          eventKey: `${account}:depleted`,
          template: 'depleted',
          locale: 'fr',
          recipients: ['ann@acme.test'],
          data: { accountName: 'Acme' },
          tx,
        }),
      );
      expect(created).toEqual({ created: 1 });
      expect(await rows()).toHaveLength(1);
    });

    it('delivers through a real SMTP server: subject, recipient, body and a stable Message-ID arrive', async () => {
      const notifications = service();
      await enqueueLowBalance(notifications, { recipients: ['ann@acme.test'], locale: 'nl-BE' });
      await notifications.enqueue({
        accountId: account,
        eventKey: `${account}:purchase:p1`,
        template: 'purchase_succeeded',
        locale: 'de',
        recipients: ['bob@acme.test'],
        data: { accountName: 'Acme <GmbH>', amount: '100.00', balance: '112.50' },
      });
      clock.advance({ seconds: 1 });
      expect(await notifications.deliverDue()).toEqual({ sent: 2, failed: 0, retried: 0 });

      expect(sink.mails).toHaveLength(2);
      const [nl, de] = sink.mails;
      const [first, second] = await rows();
      expect(nl!.envelopeTo).toEqual(['ann@acme.test']);
      expect(nl!.parsed.to?.[0]).toMatchObject({ address: 'ann@acme.test' });
      expect(nl!.parsed.from).toMatchObject({ name: 'Tollgate', address: 'billing@tollgate.test' });
      expect(nl!.parsed.subject).toBe('Laag saldo voor Acme');
      expect(nl!.parsed.text).toContain('Het beschikbare saldo van Acme is nu € 12,50, lager dan uw waarschuwingsgrens van € 20,00.');
      expect(nl!.parsed.html).toContain('<p>Het beschikbare saldo van Acme is nu € 12,50');
      expect(nl!.parsed.messageId).toBe(notifications.messageIdOf({ id: first!.id, eventKey: first!.event_key }));
      expect(nl!.parsed.messageId).toMatch(new RegExp(`^<notification\\.${first!.id}\\.[0-9a-f]{24}@tollgate\\.test>$`));
      expect(nl!.header('auto-submitted')).toBe('auto-generated');

      expect(de!.envelopeTo).toEqual(['bob@acme.test']);
      expect(de!.parsed.subject).toBe('Aufladung erhalten für Acme <GmbH>');
      expect(de!.parsed.text).toContain('Vielen Dank! 100,00 € wurde dem Guthaben von Acme <GmbH> gutgeschrieben. Das neue Guthaben beträgt 112,50 €.');
      expect(de!.parsed.html).toContain('Acme &lt;GmbH&gt;');
      expect(de!.parsed.messageId).not.toBe(nl!.parsed.messageId);

      expect(first).toMatchObject({ status: 'sent', attempts: 0, message_id: nl!.parsed.messageId, sent_at: clock.now() });
      expect(second).toMatchObject({ status: 'sent', message_id: de!.parsed.messageId });
      // Sent is sent: nothing goes twice.
      clock.advance({ days: 1 });
      expect(await notifications.deliverDue()).toEqual({ sent: 0, failed: 0, retried: 0 });
      expect(sink.mails).toHaveLength(2);
    });

    it('retries a mail the server refused after the backoff, and sends it once it is accepted', async () => {
      const notifications = service();
      await enqueueLowBalance(notifications);
      sink.rejectNext = 2;
      const start = clock.now().getTime();

      expect(await notifications.deliverDue()).toEqual({ sent: 0, failed: 0, retried: 1 });
      let [row] = await rows();
      expect(row).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: new Date(start + 60_000) });
      expect(row!.last_error).toContain('451');
      // Not due yet: nothing is tried before the minute is over.
      clock.advance({ seconds: 59 });
      expect(await notifications.deliverDue()).toEqual({ sent: 0, failed: 0, retried: 0 });
      clock.advance({ seconds: 1 });
      expect(await notifications.deliverDue()).toEqual({ sent: 0, failed: 0, retried: 1 });
      [row] = await rows();
      expect(row).toMatchObject({ status: 'pending', attempts: 2, next_attempt_at: new Date(clock.now().getTime() + 5 * 60_000) });

      clock.advance({ minutes: 4 });
      expect(await notifications.deliverDue()).toEqual({ sent: 0, failed: 0, retried: 0 });
      clock.advance({ minutes: 1 });
      expect(await notifications.deliverDue()).toEqual({ sent: 1, failed: 0, retried: 0 });
      expect(sink.mails).toHaveLength(1);
      expect((await rows())[0]).toMatchObject({ status: 'sent', attempts: 2 });
    });

    it('retries when the SMTP server is gone, and delivers when it is back', async () => {
      const notifications = service();
      await enqueueLowBalance(notifications);
      await sink.stop();
      try {
        expect(await notifications.deliverDue()).toEqual({ sent: 0, failed: 0, retried: 1 });
        expect((await rows())[0]!.last_error).toMatch(/ECONNREFUSED|connect/i);
      } finally {
        await sink.start();
      }
      clock.advance({ minutes: 1 });
      expect(await notifications.deliverDue()).toEqual({ sent: 1, failed: 0, retried: 0 });
      expect(sink.mails.map((m) => m.envelopeTo)).toEqual([['ann@acme.test']]);
    });

    it('gives up after maxAttempts, waiting 1 min, 5 min, 30 min… between tries', async () => {
      const notifications = service({ maxAttempts: 4 });
      await enqueueLowBalance(notifications);
      sink.rejectNext = 100;
      const waits: number[] = [];
      const outcomes = [];
      for (let i = 0; i < 4; i++) {
        outcomes.push(await notifications.deliverDue());
        const [row] = await rows();
        if (row!.status === 'pending') {
          waits.push((row!.next_attempt_at.getTime() - clock.now().getTime()) / 60_000);
          clock.set(row!.next_attempt_at);
        }
      }
      expect(waits).toEqual([1, 5, 30]);
      expect(outcomes.at(-1)).toEqual({ sent: 0, failed: 1, retried: 0 });
      expect((await rows())[0]).toMatchObject({ status: 'failed', attempts: 4 });
      sink.rejectNext = 0;
      clock.advance({ days: 30 });
      expect(await notifications.deliverDue()).toEqual({ sent: 0, failed: 0, retried: 0 });
      expect(sink.mails).toHaveLength(0);
    });

    it('two services delivering at once send each mail exactly once', async () => {
      const a = service();
      const b = service();
      const recipients = Array.from({ length: 12 }, (_, i) => `user${i}@acme.test`);
      expect(await enqueueLowBalance(a, { recipients })).toEqual({ created: 12 });
      const drain = async (notifications: NotificationService) => {
        let sent = 0;
        for (;;) {
          const result = await notifications.deliverDue({ limit: 3 });
          if (result.sent === 0) return sent;
          sent += result.sent;
        }
      };
      const [byA, byB] = await Promise.all([drain(a), drain(b)]);
      expect(byA + byB).toBe(12);
      const received = sink.mails.map((m) => m.envelopeTo[0]).sort();
      expect(received).toEqual([...recipients].sort());
      expect(new Set(sink.mails.map((m) => m.parsed.messageId)).size).toBe(12);
      expect((await rows()).every((r) => r.status === 'sent')).toBe(true);
    });

    // PGlite has one connection, so two claim transactions never overlap there; on PostgreSQL they do.
    if (engine.name === 'postgres') {
      it('a worker skips the rows another worker is claiming, instead of waiting for them', { timeout: 15_000 }, async () => {
        const recipients = Array.from({ length: 6 }, (_, i) => `user${i}@acme.test`);
        let claimed!: () => void;
        let open!: () => void;
        const claimedByA = new Promise<void>((resolve) => (claimed = resolve));
        const gate = new Promise<void>((resolve) => (open = resolve));
        const a = new NotificationService(pausedAfterClaim(db, { claimed, gate }), clock, smtp, { from: FROM });
        const b = service();
        await enqueueLowBalance(b, { recipients });

        const runA = a.deliverDue({ limit: 3 });
        await claimedByA;
        // A's claim is not committed and its rows are locked: B takes the other three.
        expect(await b.deliverDue()).toEqual({ sent: 3, failed: 0, retried: 0 });
        open();
        expect(await runA).toEqual({ sent: 3, failed: 0, retried: 0 });
        expect(sink.mails.map((m) => m.envelopeTo[0]).sort()).toEqual(recipients);
      });
    }

    it('retries a stale claim after claimSeconds, with the same Message-ID', async () => {
      const stuck = new StuckTransport(smtp);
      const crashed = service({ claimSeconds: 300 }, stuck);
      const healthy = service({ claimSeconds: 300 });
      await enqueueLowBalance(healthy);

      const stuckRun = crashed.deliverDue();
      await stuck.sending;
      expect((await rows())[0]).toMatchObject({ status: 'sending', attempts: 0 });
      // Claimed by the stuck worker: the other one leaves it alone until the claim runs out.
      expect(await healthy.deliverDue()).toEqual({ sent: 0, failed: 0, retried: 0 });
      clock.advance({ seconds: 299 });
      expect(await healthy.deliverDue()).toEqual({ sent: 0, failed: 0, retried: 0 });
      clock.advance({ seconds: 1 });
      expect(await healthy.deliverDue()).toEqual({ sent: 1, failed: 0, retried: 0 });
      const [row] = await rows();
      expect(row).toMatchObject({ status: 'sent', attempts: 1 });
      expect(row!.last_error).toContain('claim expired');

      // The stuck worker wakes up: its mail goes too (at least once), but it cannot touch the row.
      stuck.release();
      await stuckRun;
      expect(sink.mails).toHaveLength(2);
      expect(sink.mails[0]!.parsed.messageId).toBe(sink.mails[1]!.parsed.messageId);
      expect((await rows())[0]).toEqual(row);
    });

    it('fails a row whose claims keep expiring once it reaches maxAttempts', async () => {
      const notifications = service({ maxAttempts: 2, claimSeconds: 60 });
      await enqueueLowBalance(notifications);
      const claimedUntil = new Date(clock.now().getTime() - 1);
      await db.query(`update notifications set status = 'sending', claimed_until = $2, attempts = 1 where account_id = $1`, [account, claimedUntil]);
      expect(await notifications.deliverDue()).toEqual({ sent: 0, failed: 1, retried: 0 });
      expect((await rows())[0]).toMatchObject({ status: 'failed', attempts: 2 });
      expect(sink.mails).toHaveLength(0);
    });

    it('hands back the rows it has no time left to send, without counting a try', async () => {
      // A slow server: every send takes 100 of the 300 seconds the claim lasts.
      const slow: MailTransport = {
        send: async (mail) => {
          clock.advance({ seconds: 100 });
          await smtp.send(mail);
        },
      };
      const notifications = service({ claimSeconds: 300 }, slow);
      await enqueueLowBalance(notifications, { recipients: ['a@acme.test', 'b@acme.test', 'c@acme.test', 'd@acme.test'] });
      // Sends at 0 s, 100 s and 200 s; at 300 s less than the 60 s margin is left, so d goes back.
      expect(await notifications.deliverDue()).toEqual({ sent: 3, failed: 0, retried: 0 });
      expect((await rows()).map((r) => [r.recipient, r.status, r.attempts])).toEqual([
        ['a@acme.test', 'sent', 0],
        ['b@acme.test', 'sent', 0],
        ['c@acme.test', 'sent', 0],
        ['d@acme.test', 'pending', 0],
      ]);
      expect(await notifications.deliverDue()).toEqual({ sent: 1, failed: 0, retried: 0 });
      expect(sink.mails.map((m) => m.envelopeTo[0])).toEqual(['a@acme.test', 'b@acme.test', 'c@acme.test', 'd@acme.test']);
    });

    it('lists an account’s notifications newest first, with their subject and status', async () => {
      const notifications = service();
      await enqueueLowBalance(notifications, { locale: 'fr' });
      clock.advance({ minutes: 1 });
      await notifications.enqueue({
        accountId: account,
        eventKey: `${account}:depleted`,
        template: 'depleted',
        locale: 'en',
        recipients: ['ann@acme.test'],
        data: { accountName: 'Acme' },
      });
      await notifications.enqueue({
        accountId: 'someone-else',
        eventKey: `${account}:other`,
        template: 'depleted',
        locale: 'en',
        recipients: ['x@other.test'],
        data: { accountName: 'Other' },
      });
      sink.rejectNext = 1;
      await notifications.deliverDue({ limit: 1 });
      await notifications.deliverDue();

      const list = await notifications.list({ accountId: account });
      expect(list.map((item) => [item.template, item.subject, item.recipient, item.status, item.attempts])).toEqual([
        ['depleted', 'Credit used up for Acme', 'ann@acme.test', 'sent', 0],
        ['low_balance', 'Solde bas pour Acme', 'ann@acme.test', 'pending', 1],
      ]);
      expect(list[0]!.sentAt).toEqual(clock.now());
      expect(list[1]!.sentAt).toBeNull();
      expect(list[1]!.createdAt).toEqual(new Date('2026-03-01T09:00:00.000Z'));
      const page = await notifications.list({ accountId: account, limit: 1, before: list[0]!.id });
      expect(page.map((item) => item.id)).toEqual([list[1]!.id]);
      expect(await refusal(notifications.list({ accountId: account, before: 'abc' }))).toMatchObject({ code: 'invalid_cursor' });
      await db.query(`update notifications set status = 'failed' where account_id = 'someone-else'`);
    });

    it('registers in a tsyringe container', async () => {
      const child = container.createChildContainer();
      child.registerInstance(DATABASE, db);
      child.registerInstance(CLOCK, clock);
      registerNotifications({ container: child, transport: smtp, options: { from: 'billing@tollgate.test' } });
      const notifications = child.resolve(NotificationService);
      expect(child.resolve(NotificationService)).toBe(notifications);
      await notifications.enqueue({
        accountId: account,
        eventKey: `${account}:refund`,
        template: 'refund_processed',
        locale: 'en',
        recipients: ['ann@acme.test'],
        data: { accountName: 'Acme', credits: '40.00', fee: '2.00', payout: '38.00' },
      });
      expect(await notifications.deliverDue()).toEqual({ sent: 1, failed: 0, retried: 0 });
      expect(sink.mails[0]!.parsed.subject).toBe('Refund processed for Acme');
    });

    it('sends a mail’s attachments with it, stored with the row; refuses bad ones before anything is stored', async () => {
      const notifications = service();
      const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0, 1, 2, 255, 254]), Buffer.from('\n%%EOF\n')]);
      const enqueue = (attachments: unknown, eventKey = `${account}:invoice`) =>
        notifications.enqueue({
          accountId: account,
          eventKey,
          template: 'depleted',
          locale: 'en',
          recipients: ['ann@acme.test', 'bob@acme.test'],
          data: { accountName: 'Acme' },
          attachments: attachments as never,
        });
      expect(await refusal(enqueue([{ filename: '../x.pdf', contentType: 'application/pdf', content: pdf }]))).toMatchObject({ code: 'invalid_attachments' });
      expect(await refusal(enqueue([{ filename: 'x.pdf', contentType: 'pdf', content: pdf }]))).toMatchObject({ code: 'invalid_attachments' });
      expect(await refusal(enqueue([{ filename: 'x.pdf', contentType: 'application/pdf', content: 'text' }]))).toMatchObject({ code: 'invalid_attachments' });
      const big = Buffer.alloc(10 * 1024 * 1024 + 1);
      expect(await refusal(enqueue([{ filename: 'x.pdf', contentType: 'application/pdf', content: big }]))).toMatchObject({ code: 'attachments_too_large' });
      expect(await rows()).toEqual([]);

      expect(await enqueue([{ filename: 'Invoice 2026-17.pdf', contentType: 'application/pdf', content: pdf }])).toEqual({ created: 2 });
      // Replayed: no second row, no second copy of the file.
      expect(await enqueue([{ filename: 'Invoice 2026-17.pdf', contentType: 'application/pdf', content: pdf }])).toEqual({ created: 0 });
      const stored = await db.query<{ n: number }>(
        'select count(*)::int as n from notification_attachments a join notifications n on n.id = a.notification_id where n.account_id = $1',
        [account],
      );
      expect(stored.rows[0]!.n).toBe(2);
      expect(await notifications.deliverDue()).toEqual({ sent: 2, failed: 0, retried: 0 });
      expect(sink.mails).toHaveLength(2);
      for (const mail of sink.mails) {
        expect(mail.parsed.attachments).toHaveLength(1);
        const [file] = mail.parsed.attachments;
        expect(file).toMatchObject({ filename: 'Invoice 2026-17.pdf', mimeType: 'application/pdf' });
        expect(Buffer.from(file!.content as ArrayBuffer).equals(pdf)).toBe(true);
      }
    });

    it('refuses options without a sender address', () => {
      expect(() => service({ from: 'Tollgate' })).toThrow(/from/);
      expect(() => service({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    });
  });
}
