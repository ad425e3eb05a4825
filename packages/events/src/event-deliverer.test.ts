import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@tollgate/clock';
import { migrate, pgArray, testEngines, type Database, type TestDatabase, type Transaction } from '@tollgate/db';
import type { TollgateEvent } from '@tollgate/plugin-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventDeliverer, WEBHOOK_BACKOFF_SECONDS, handlerBackoffSeconds, type EventDeliveryOptions } from './event-deliverer.js';
import { EventLog } from './event-log.js';
import { eventMigrations } from './events.migrations.js';

interface Hit {
  eventId: string;
  deliveryId: string;
  signature: string;
  body: string;
}

/** A webhook receiver on 127.0.0.1:0 answering each request with `status(hit)`. */
async function receiver(status: (hit: Hit) => number) {
  const hits: Hit[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const hit = {
        eventId: String(req.headers['tollgate-event-id']),
        deliveryId: String(req.headers['tollgate-delivery-id']),
        signature: String(req.headers['tollgate-signature']),
        body,
      };
      hits.push(hit);
      res.writeHead(status(hit)).end('answer');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { hits, url: `http://127.0.0.1:${port}/hook`, close };
}

const T0 = '2026-12-06T09:00:00.000Z';
const charged = (amount: string) => ({ transactionId: `t-${amount}`, channel: 'sms', amount, balanceAfter: '10.00' });

for (const engine of testEngines()) {
  describe(`event deliverer [${engine.name}]`, () => {
    let db: TestDatabase;
    const closers: Array<() => Promise<void>> = [];
    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [eventMigrations] });
    });
    afterEach(async () => {
      await Promise.all(closers.splice(0).map((close) => close()));
      // Each test starts with nothing due from the one before.
      await db.query(`update event_deliveries set status = 'failed' where status = 'pending'`);
      await db.query(`update webhook_endpoints set status = 'disabled'`);
    });
    afterAll(async () => {
      await db?.dispose();
    });

    async function setup(input: { options?: Partial<EventDeliveryOptions>; status?: (hit: Hit) => number; events?: number; withEndpoint?: boolean }) {
      const clock = new ManualClock(T0);
      const accountId = `acc_${randomBytes(5).toString('hex')}`;
      const server = await receiver(input.status ?? (() => 200));
      closers.push(server.close);
      const endpointId = `we_${randomBytes(6).toString('hex')}`;
      const secret = `whsec_${randomBytes(8).toString('hex')}`;
      if (input.withEndpoint ?? true)
        await db.query(
          `insert into webhook_endpoints (id, account_id, url, event_types, status, secret, created_at, updated_at)
           values ($1, $2, $3, $4, 'enabled', $5, $6, $6)`,
          [endpointId, accountId, server.url, pgArray(['*']), secret, clock.now()],
        );
      const disabled: Array<{ tx: Transaction; accountId: string; endpointId: string; url: string; failingSince: Date; statusInTx: string }> = [];
      const deliverer = new EventDeliverer({
        db,
        clock,
        options: { sandbox: true, webhookTimeoutMs: 2000, ...input.options },
        onEndpointDisabled: async (d) => {
          const { rows } = await d.tx.query<{ status: string }>('select status from webhook_endpoints where id = $1', [d.endpointId]);
          disabled.push({ ...d, statusInTx: rows[0]!.status });
        },
      });
      const log = new EventLog({ db, clock });
      return { clock, accountId, server, endpointId, secret, deliverer, log, disabled };
    }

    async function record(log: EventLog, db: Database, accountId: string, clock: ManualClock, count: number): Promise<void> {
      for (let i = 1; i <= count; i++)
        await db.query('insert into event_outbox (account_id, type, data, occurred_at) values ($1, $2, $3, $4)', [
          accountId,
          'wallet.charged',
          JSON.stringify(charged(`${i}.00`)),
          clock.now(),
        ]);
      await log.relayOutbox();
    }

    const deliveries = async (target: string) =>
      (
        await db.query<{
          id: string;
          seq: string;
          event_id: string;
          status: string;
          attempts: number;
          next_attempt_at: Date;
          last_status: number | null;
          last_error: string | null;
        }>('select id, seq, event_id, status, attempts, next_attempt_at, last_status, last_error from event_deliveries where target = $1 order by seq', [
          target,
        ])
      ).rows.map((r) => ({ ...r, seq: Number(r.seq), next_attempt_at: new Date(r.next_attempt_at).toISOString() }));

    const at = (clock: ManualClock, seconds: number) => new Date(clock.now().getTime() + seconds * 1000).toISOString();

    it('sends an endpoint its deliveries in order, signed, and holds the rest behind a failing head', async () => {
      let failing = true;
      const { clock, accountId, server, endpointId, secret, deliverer, log } = await setup({ status: () => (failing ? 500 : 200) });
      await record(log, db, accountId, clock, 3);
      const round = await deliverer.deliverDue();
      expect(round).toEqual({ delivered: 0, retried: 1, parked: 0, failed: 0, disabled: [] });
      expect(server.hits).toHaveLength(1);
      const before = await deliveries(endpointId);
      expect(before.map((d) => [d.seq, d.status, d.attempts])).toEqual([
        [1, 'pending', 1],
        [2, 'pending', 0],
        [3, 'pending', 0],
      ]);
      expect(server.hits[0]!.eventId).toBe(before[0]!.event_id);
      expect(before[0]).toMatchObject({ last_status: 500, last_error: 'HTTP 500', next_attempt_at: at(clock, 60) });

      // The others are due, but wait behind the head.
      await deliverer.deliverDue();
      expect(server.hits).toHaveLength(1);

      failing = false;
      clock.advance({ seconds: 59 });
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0 });
      expect(server.hits).toHaveLength(1);
      clock.advance({ seconds: 1 });
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 3, retried: 0 });
      expect(server.hits.map((h) => h.eventId)).toEqual([before[0]!.event_id, before[0]!.event_id, before[1]!.event_id, before[2]!.event_id]);
      expect((await deliveries(endpointId)).map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);

      // Each request is the event, signed with the endpoint's secret at the clock's time.
      const last = server.hits.at(-1)!;
      const event = JSON.parse(last.body) as TollgateEvent;
      expect(event).toMatchObject({ id: before[2]!.event_id, type: 'wallet.charged', sequence: 3, accountId, data: { amount: '3.00' } });
      const t = Math.floor(clock.now().getTime() / 1000);
      expect(last.signature).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${last.body}`).digest('hex')}`);
      expect(last.deliveryId).toBe(String(before[2]!.id));
      const { rows: attempts } = await db.query<{ status_code: number }>('select status_code from webhook_attempts where endpoint_id = $1 order by id', [
        endpointId,
      ]);
      expect(attempts.map((a) => a.status_code)).toEqual([500, 200, 200, 200]);
    });

    it('retries a failing webhook on the backoff schedule, then every 10 hours', async () => {
      const { clock, accountId, server, endpointId, deliverer, log } = await setup({ status: () => 503, options: { disableAfterHours: 1000 } });
      await record(log, db, accountId, clock, 1);
      expect(WEBHOOK_BACKOFF_SECONDS).toEqual([60, 300, 1800, 7200, 18_000, 36_000]);
      for (const [i, wait] of [...WEBHOOK_BACKOFF_SECONDS, 36_000].entries()) {
        expect(await deliverer.deliverDue()).toMatchObject({ retried: 1, failed: 0 });
        expect(server.hits).toHaveLength(i + 1);
        const [d] = await deliveries(endpointId);
        expect(d).toMatchObject({ status: 'pending', attempts: i + 1, next_attempt_at: at(clock, wait), last_status: 503 });
        clock.advance({ seconds: wait - 1 });
        await deliverer.deliverDue();
        expect(server.hits).toHaveLength(i + 1);
        clock.advance({ seconds: 1 });
      }
    });

    it('gives a delivery up after the retry window, and the next one goes', async () => {
      let failingEvent = '';
      const { clock, accountId, server, endpointId, deliverer, log } = await setup({
        status: (hit) => (hit.eventId === failingEvent ? 500 : 200),
        options: { webhookRetryHours: 1, disableAfterHours: 1000 },
      });
      await record(log, db, accountId, clock, 2);
      const [first, second] = await deliveries(endpointId);
      failingEvent = first!.event_id;
      // Attempts at 0, 60 s, 360 s, 2160 s: the fifth would be at 9360 s, past the hour: given up at the fourth.
      const waits = [60, 300, 1800];
      for (const wait of waits) {
        expect(await deliverer.deliverDue()).toMatchObject({ retried: 1, failed: 0 });
        clock.advance({ seconds: wait });
      }
      expect(await deliverer.deliverDue()).toMatchObject({ retried: 0, failed: 1, delivered: 0 });
      expect(server.hits.map((h) => h.eventId)).toEqual([first!.event_id, first!.event_id, first!.event_id, first!.event_id]);
      expect((await deliveries(endpointId)).map((d) => [d.status, d.attempts])).toEqual([
        ['failed', 4],
        ['pending', 0],
      ]);
      // The next delivery is the head now.
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 1 });
      expect(server.hits.at(-1)!.eventId).toBe(second!.event_id);
      const { rows } = await db.query<{ failing_since: Date | null; status: string }>('select failing_since, status from webhook_endpoints where id = $1', [
        endpointId,
      ]);
      expect(rows[0]).toEqual({ failing_since: null, status: 'enabled' });
    });

    it('disables an endpoint that has failed for disableAfterHours, and tells once, in the transaction', async () => {
      const { clock, accountId, server, endpointId, deliverer, log, disabled } = await setup({ status: () => 500, options: { disableAfterHours: 1 } });
      await record(log, db, accountId, clock, 2);
      // Attempts at 0, 60, 360, 2160 s (failing for 36 min), then 9360 s: failing for more than the hour.
      for (const wait of [60, 300, 1800, 7200]) {
        expect(await deliverer.deliverDue()).toMatchObject({ retried: 1, disabled: [] });
        clock.advance({ seconds: wait });
      }
      expect(disabled).toHaveLength(0);
      const round = await deliverer.deliverDue();
      expect(round).toMatchObject({ retried: 1, disabled: [endpointId] });
      expect(disabled).toHaveLength(1);
      expect(disabled[0]).toMatchObject({ accountId, endpointId, url: server.url, failingSince: new Date(T0), statusInTx: 'disabled' });
      expect(typeof disabled[0]!.tx.query).toBe('function');
      const { rows } = await db.query<{ status: string; disabled_reason: string | null }>(
        'select status, disabled_reason from webhook_endpoints where id = $1',
        [endpointId],
      );
      expect(rows[0]).toEqual({ status: 'disabled', disabled_reason: 'failing' });
      // Nothing more goes to it, and the account is not told again.
      const sent = server.hits.length;
      expect(sent).toBe(5);
      clock.advance({ days: 2 });
      expect(await deliverer.deliverDue()).toEqual({ delivered: 0, retried: 0, parked: 0, failed: 0, disabled: [] });
      expect(server.hits).toHaveLength(sent);
      expect(disabled).toHaveLength(1);
      expect((await deliveries(endpointId)).map((d) => d.status)).toEqual(['pending', 'pending']);
    });

    it('does not claim a leased webhook delivery before its lease runs out', async () => {
      const { clock, accountId, server, endpointId, deliverer, log } = await setup({});
      await record(log, db, accountId, clock, 1);
      await db.query('update event_deliveries set leased_until = $2 where target = $1', [endpointId, new Date(clock.now().getTime() + 120_000)]);
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0 });
      clock.advance({ seconds: 119 });
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0 });
      expect(server.hits).toHaveLength(0);
      clock.advance({ seconds: 1 });
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 1 });
      expect(server.hits).toHaveLength(1);
      expect((await deliveries(endpointId))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    });

    it('does not claim a leased handler delivery before its lease runs out', async () => {
      const { clock, accountId, deliverer, log } = await setup({ withEndpoint: false });
      const target = `lease-${randomBytes(3).toString('hex')}/h`;
      const seen: TollgateEvent[] = [];
      log.setHandlers([{ target, types: ['wallet.charged'] }]);
      deliverer.setHandlers([{ target, types: ['wallet.charged'], handler: async (e) => void seen.push(e) }]);
      await record(log, db, accountId, clock, 1);
      await db.query('update event_deliveries set leased_until = $2 where target = $1', [target, new Date(clock.now().getTime() + 120_000)]);
      clock.advance({ seconds: 119 });
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0 });
      expect(seen).toHaveLength(0);
      clock.advance({ seconds: 1 });
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 1 });
      expect(seen.map((e) => [e.sequence, e.accountId, e.type])).toEqual([[1, accountId, 'wallet.charged']]);
    });

    it('retries a throwing handler after 30 s, doubling, and parks it at maxAttempts', async () => {
      const { clock, accountId, deliverer, log } = await setup({ withEndpoint: false });
      const target = `retry-${randomBytes(3).toString('hex')}/h`;
      let calls = 0;
      log.setHandlers([{ target, types: ['wallet.charged'] }]);
      deliverer.setHandlers([
        {
          target,
          types: ['wallet.charged'],
          maxAttempts: 3,
          handler: async () => {
            calls++;
            throw new Error(`nope ${calls}`);
          },
        },
      ]);
      await record(log, db, accountId, clock, 1);
      expect(handlerBackoffSeconds(1)).toBe(30);
      expect(handlerBackoffSeconds(2)).toBe(60);
      expect(handlerBackoffSeconds(20)).toBe(3600);

      expect(await deliverer.deliverDue()).toMatchObject({ retried: 1, parked: 0 });
      expect((await deliveries(target))[0]).toMatchObject({ status: 'pending', attempts: 1, last_error: 'nope 1', next_attempt_at: at(clock, 30) });
      clock.advance({ seconds: 29 });
      await deliverer.deliverDue();
      expect(calls).toBe(1);
      clock.advance({ seconds: 1 });
      expect(await deliverer.deliverDue()).toMatchObject({ retried: 1 });
      expect(calls).toBe(2);
      expect((await deliveries(target))[0]).toMatchObject({ status: 'pending', attempts: 2, next_attempt_at: at(clock, 60) });
      clock.advance({ seconds: 60 });
      expect(await deliverer.deliverDue()).toMatchObject({ retried: 0, parked: 1 });
      expect(calls).toBe(3);
      expect((await deliveries(target))[0]).toMatchObject({ status: 'parked', attempts: 3, last_error: 'nope 3' });
      clock.advance({ days: 1 });
      expect(await deliverer.deliverDue()).toEqual({ delivered: 0, retried: 0, parked: 0, failed: 0, disabled: [] });
      expect(calls).toBe(3);
    });

    it('parks at handlerMaxAttempts when the subscription does not say', async () => {
      const { clock, accountId, deliverer, log } = await setup({ withEndpoint: false, options: { handlerMaxAttempts: 2 } });
      const target = `default-${randomBytes(3).toString('hex')}/h`;
      let calls = 0;
      log.setHandlers([{ target, types: ['wallet.charged'] }]);
      deliverer.setHandlers([
        {
          target,
          types: ['wallet.charged'],
          handler: async () => {
            calls++;
            throw new Error('x');
          },
        },
      ]);
      await record(log, db, accountId, clock, 1);
      expect(await deliverer.deliverDue()).toMatchObject({ retried: 1 });
      clock.advance({ seconds: 30 });
      expect(await deliverer.deliverDue()).toMatchObject({ parked: 1 });
      clock.advance({ days: 1 });
      await deliverer.deliverDue();
      expect(calls).toBe(2);
    });

    it('keeps handlers independent: one failing does not hold up another', async () => {
      const { clock, accountId, deliverer, log } = await setup({ withEndpoint: false });
      const failing = `failing-${randomBytes(3).toString('hex')}/h`;
      const working = `working-${randomBytes(3).toString('hex')}/h`;
      const seen: number[] = [];
      let failures = 0;
      log.setHandlers([
        { target: failing, types: ['wallet.charged'] },
        { target: working, types: ['wallet.charged'] },
      ]);
      deliverer.setHandlers([
        {
          target: failing,
          types: ['wallet.charged'],
          handler: async () => {
            failures++;
            throw new Error('down');
          },
        },
        { target: working, types: ['wallet.charged'], handler: async (e) => void seen.push(e.sequence) },
      ]);
      await record(log, db, accountId, clock, 3);
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 3, retried: 3 });
      // (Their order is checked on its own: see the report on handler order.)
      expect([...seen].sort()).toEqual([1, 2, 3]);
      expect(failures).toBe(3);
      expect((await deliveries(working)).map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
      expect((await deliveries(failing)).map((d) => [d.status, d.attempts])).toEqual([
        ['pending', 1],
        ['pending', 1],
        ['pending', 1],
      ]);
      // The delivered ones are not delivered again.
      clock.advance({ seconds: 30 });
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0, retried: 3 });
      expect(seen).toHaveLength(3);
    });

    it('a worker whose lease ran out cannot record over the worker that took the delivery over', async () => {
      const { clock, accountId, endpointId, log } = await setup({});
      // The endpoint's first request hangs until released (then answers 500); later ones answer 200 at once.
      const held: Array<() => void> = [];
      let requests = 0;
      const slow = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          requests++;
          if (requests === 1) held.push(() => res.writeHead(500).end());
          else res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise<void>((resolve) => (slow.closeAllConnections(), slow.close(() => resolve()))));
      await db.query('update webhook_endpoints set url = $2 where id = $1', [endpointId, `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hook`]);
      await record(log, db, accountId, clock, 1);
      const first = new EventDeliverer({ db, clock, options: { sandbox: true, leaseSeconds: 120 } });
      const second = new EventDeliverer({ db, clock, options: { sandbox: true, leaseSeconds: 120 } });
      closers.push(async () => (first.close(), second.close()));
      const stale = first.deliverDue();
      while (!held.length) await new Promise((resolve) => setImmediate(resolve));
      clock.advance({ seconds: 121 });
      expect(await second.deliverDue()).toMatchObject({ delivered: 1 });
      held.shift()!();
      expect(await stale).toMatchObject({ delivered: 0, retried: 0 });
      const [delivery] = await deliveries(endpointId);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, last_status: 200 });
      // Nothing is due again: the endpoint got the event twice (at least once), not a third time.
      clock.advance({ hours: 1 });
      await second.deliverDue();
      expect(requests).toBe(2);
      const { rows } = await db.query<{ status_code: number }>('select status_code from webhook_attempts where delivery_id = $1', [delivery!.id]);
      expect(rows.map((r) => r.status_code)).toEqual([200]);
    });

    it('delivers each webhook once when two deliverers run rounds at once', async () => {
      const { clock, accountId, server, endpointId, log } = await setup({});
      const other = new EventDeliverer({ db, clock, options: { sandbox: true } });
      const one = new EventDeliverer({ db, clock, options: { sandbox: true } });
      await record(log, db, accountId, clock, 6);
      const rounds = await Promise.all([one.deliverDue(), other.deliverDue(), one.deliverDue(), other.deliverDue()]);
      expect(rounds.reduce((n, r) => n + r.delivered, 0)).toBe(6);
      const ids = (await deliveries(endpointId)).map((d) => d.event_id);
      expect(server.hits.map((h) => h.eventId).sort()).toEqual([...ids].sort());
      expect((await deliveries(endpointId)).every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    });
  });
}
