import { randomBytes } from 'node:crypto';
import { ManualClock } from '@tollgate/clock';
import { migrate, openDatabase, pgArray, testEngines, type Database, type TestDatabase } from '@tollgate/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from './event-log.js';
import { recordEvent } from './event-outbox.js';
import { eventMigrations } from './events.migrations.js';

let n = 0;
const account = (name: string) => `acc_${name}_${++n}_${randomBytes(3).toString('hex')}`;

const charged = (amount: string) => ({ transactionId: `t-${amount}`, channel: 'sms', amount, balanceAfter: '10.00' });

async function outbox(db: Database, accountId: string, type: string, data: object, occurredAt: Date): Promise<void> {
  // recordEvent is typed on the catalog; an unknown type goes in the way a source of an internal type would write it.
  await db.query('insert into event_outbox (account_id, type, data, occurred_at) values ($1, $2, $3, $4)', [accountId, type, JSON.stringify(data), occurredAt]);
}

async function endpoint(
  db: Database,
  input: { accountId: string; types: string[]; createdAt: Date; status?: 'enabled' | 'disabled'; deletedAt?: Date },
): Promise<string> {
  const id = `we_${randomBytes(6).toString('hex')}`;
  await db.query(
    `insert into webhook_endpoints (id, account_id, url, event_types, status, secret, created_at, updated_at, deleted_at)
     values ($1, $2, 'https://hooks.example.com/x', $3, $4, 'whsec_x', $5, $5, $6)`,
    [id, input.accountId, pgArray(input.types), input.status ?? 'enabled', input.createdAt, input.deletedAt ?? null],
  );
  return id;
}

const eventsOf = async (db: Database, accountId: string) =>
  (
    await db.query<{ id: string; seq: string; type: string; source_id: string; data: { amount?: string }; version: number }>(
      'select id, seq, type, source_id, data, version from events where account_id = $1 order by seq',
      [accountId],
    )
  ).rows.map((r) => ({ ...r, seq: Number(r.seq) }));

const deliveriesOf = async (db: Database, accountId: string) =>
  (
    await db.query<{ event_id: string; kind: string; target: string; status: string; seq: string; type: string }>(
      `select d.event_id, d.kind, d.target, d.status, d.seq, e.type from event_deliveries d join events e on e.id = d.event_id
        where d.account_id = $1 order by d.seq, d.kind, d.target`,
      [accountId],
    )
  ).rows;

for (const engine of testEngines()) {
  describe(`event log [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-12-06T09:00:00.000Z');
    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [eventMigrations] });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('appends the outbox in its order, with a sequence 1..n per account', async () => {
      const log = new EventLog({ db, clock });
      const a = account('a');
      const b = account('b');
      const at = clock.now();
      await recordEvent({ q: db, accountId: a, type: 'wallet.charged', data: charged('1.00') as never, occurredAt: at });
      await recordEvent({ q: db, accountId: b, type: 'wallet.charged', data: charged('2.00') as never, occurredAt: at });
      await recordEvent({ q: db, accountId: a, type: 'wallet.topped_up', data: charged('3.00') as never, occurredAt: at });
      await recordEvent({ q: db, accountId: a, type: 'wallet.charged', data: charged('4.00') as never, occurredAt: at });
      await recordEvent({ q: db, accountId: b, type: 'wallet.depleted', data: charged('5.00') as never, occurredAt: at });
      expect(await log.relayOutbox()).toBe(5);
      const ea = await eventsOf(db, a);
      const eb = await eventsOf(db, b);
      expect(ea.map((e) => [e.seq, e.type, e.data.amount])).toEqual([
        [1, 'wallet.charged', '1.00'],
        [2, 'wallet.topped_up', '3.00'],
        [3, 'wallet.charged', '4.00'],
      ]);
      expect(eb.map((e) => [e.seq, e.type, e.data.amount])).toEqual([
        [1, 'wallet.charged', '2.00'],
        [2, 'wallet.depleted', '5.00'],
      ]);
      expect(ea.every((e) => e.version === 1 && /^evt_/.test(e.id))).toBe(true);
      // Outbox ids ascend with the sequence.
      expect(ea.map((e) => Number(e.source_id))).toEqual([...ea.map((e) => Number(e.source_id))].sort((x, y) => x - y));
      const { rows } = await db.query<{ n: string }>('select count(*) as n from event_outbox where published_at is null');
      expect(Number(rows[0]!.n)).toBe(0);

      // A later relay continues the sequences.
      await recordEvent({ q: db, accountId: b, type: 'wallet.charged', data: charged('6.00') as never, occurredAt: at });
      await recordEvent({ q: db, accountId: a, type: 'wallet.charged', data: charged('7.00') as never, occurredAt: at });
      expect(await log.relayOutbox()).toBe(2);
      expect((await eventsOf(db, a)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect((await eventsOf(db, b)).map((e) => e.seq)).toEqual([1, 2, 3]);
      const listed = await log.list({ accountId: a, afterSequence: 2, limit: 10 });
      expect(listed.map((e) => [e.sequence, e.data])).toEqual([
        [3, expect.objectContaining({ amount: '4.00' })],
        [4, expect.objectContaining({ amount: '7.00' })],
      ]);
      expect(await log.get({ accountId: a, eventId: listed[0]!.id })).toEqual(listed[0]);
      expect(await log.get({ accountId: b, eventId: listed[0]!.id })).toBeNull();
    });

    it('pages through a large outbox in order', async () => {
      const log = new EventLog({ db, clock });
      const a = account('paged');
      for (let i = 1; i <= 23; i++) await outbox(db, a, 'wallet.charged', charged(`${i}.00`), clock.now());
      expect(await log.relayOutbox({ limit: 5 })).toBe(23);
      const events = await eventsOf(db, a);
      expect(events.map((e) => [e.seq, e.data.amount])).toEqual(Array.from({ length: 23 }, (_, i) => [i + 1, `${i + 1}.00`]));
    });

    it('drops unknown types: not appended, no sequence used, the outbox row still published', async () => {
      const log = new EventLog({ db, clock });
      const a = account('unknown');
      await outbox(db, a, 'wallet.charged', charged('1.00'), clock.now());
      await outbox(db, a, 'internal.something', { x: 1 }, clock.now());
      await outbox(db, a, 'wallet.charged', charged('2.00'), clock.now());
      expect(await log.relayOutbox()).toBe(3);
      expect((await eventsOf(db, a)).map((e) => [e.seq, e.type, e.data.amount])).toEqual([
        [1, 'wallet.charged', '1.00'],
        [2, 'wallet.charged', '2.00'],
      ]);
      const { rows } = await db.query<{ type: string; published_at: Date | null }>('select type, published_at from event_outbox where account_id = $1', [a]);
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => r.published_at !== null)).toBe(true);
      expect(await log.relayOutbox()).toBe(0);
    });

    it('appends an event once per (source, sourceId), without using a sequence for the repeat', async () => {
      const log = new EventLog({ db, clock });
      const a = account('dup');
      const event = (sourceId: string, amount: string) => ({
        source: 'wallet',
        sourceId,
        accountId: a,
        type: 'wallet.charged',
        data: charged(amount),
        occurredAt: clock.now(),
      });
      const first = await db.transaction(async (tx) => {
        await EventLog.lock(tx);
        return log.append(tx, [event('w1', '1.00'), event('w2', '2.00')]);
      });
      expect(first).toHaveLength(2);
      const second = await db.transaction(async (tx) => {
        await EventLog.lock(tx);
        return log.append(tx, [event('w2', '2.00'), event('w3', '3.00'), event('w1', '1.00')]);
      });
      expect(second).toHaveLength(1);
      // Same sourceId from another source is another event.
      const third = await db.transaction(async (tx) => {
        await EventLog.lock(tx);
        return log.append(tx, [{ ...event('w1', '9.00'), source: 'outbox' }]);
      });
      expect(third).toHaveLength(1);
      expect((await eventsOf(db, a)).map((e) => [e.seq, e.source_id, e.data.amount])).toEqual([
        [1, 'w1', '1.00'],
        [2, 'w2', '2.00'],
        [3, 'w3', '3.00'],
        [4, 'w1', '9.00'],
      ]);
      const { rows } = await db.query<{ last_seq: string }>('select last_seq from event_account_seq where account_id = $1', [a]);
      expect(Number(rows[0]!.last_seq)).toBe(4);
    });

    it('creates webhook deliveries for the enabled, live endpoints of the account that want the type and existed when it occurred', async () => {
      const log = new EventLog({ db, clock });
      const a = account('hooks');
      const other = account('other');
      const t0 = new Date('2026-12-06T09:00:00.000Z');
      const charges = await endpoint(db, { accountId: a, types: ['wallet.charged'], createdAt: t0 });
      const all = await endpoint(db, { accountId: a, types: ['*'], createdAt: t0 });
      const topUps = await endpoint(db, { accountId: a, types: ['wallet.topped_up', 'wallet.depleted'], createdAt: t0 });
      await endpoint(db, { accountId: a, types: ['*'], createdAt: t0, status: 'disabled' });
      await endpoint(db, { accountId: a, types: ['*'], createdAt: t0, status: 'disabled', deletedAt: t0 });
      await endpoint(db, { accountId: a, types: ['*'], createdAt: t0, deletedAt: t0 });
      await endpoint(db, { accountId: other, types: ['*'], createdAt: t0 });
      const later = await endpoint(db, { accountId: a, types: ['*'], createdAt: new Date('2026-12-06T10:00:00.000Z') });

      await outbox(db, a, 'wallet.charged', charged('1.00'), new Date('2026-12-06T08:59:59.999Z')); // before every endpoint
      await outbox(db, a, 'wallet.charged', charged('2.00'), t0); // at the creation: included
      await outbox(db, a, 'wallet.topped_up', charged('3.00'), new Date('2026-12-06T09:30:00.000Z'));
      await outbox(db, a, 'wallet.charged', charged('4.00'), new Date('2026-12-06T10:00:00.000Z'));
      await log.relayOutbox();

      const deliveries = await deliveriesOf(db, a);
      expect(deliveries.every((d) => d.kind === 'webhook' && d.status === 'pending')).toBe(true);
      const byEvent = (seq: number) =>
        deliveries
          .filter((d) => Number(d.seq) === seq)
          .map((d) => d.target)
          .sort();
      expect(byEvent(1)).toEqual([]);
      expect(byEvent(2)).toEqual([charges, all].sort());
      expect(byEvent(3)).toEqual([all, topUps].sort());
      expect(byEvent(4)).toEqual([charges, all, later].sort());
      expect(await deliveriesOf(db, other)).toEqual([]);
    });

    it('creates handler deliveries for the subscribed types only', async () => {
      const log = new EventLog({ db, clock });
      log.setHandlers([
        { target: 'loyalty/points', types: ['wallet.charged', 'wallet.topped_up'] },
        { target: 'crm/sync', types: ['wallet.topped_up'] },
        { target: 'idle/none', types: [] },
      ]);
      const a = account('handlers');
      await outbox(db, a, 'wallet.charged', charged('1.00'), clock.now());
      await outbox(db, a, 'wallet.topped_up', charged('2.00'), clock.now());
      await outbox(db, a, 'wallet.depleted', charged('3.00'), clock.now());
      await log.relayOutbox();
      const deliveries = await deliveriesOf(db, a);
      expect(deliveries.map((d) => [Number(d.seq), d.kind, d.target, d.status])).toEqual([
        [1, 'handler', 'loyalty/points', 'pending'],
        [2, 'handler', 'crm/sync', 'pending'],
        [2, 'handler', 'loyalty/points', 'pending'],
      ]);
    });

    it('gives two relays running at once each row once, with gapless sequences', async () => {
      const first = new EventLog({ db, clock });
      const second = new EventLog({ db, clock });
      const accounts = [account('race'), account('race'), account('race')];
      for (let i = 0; i < 60; i++) await outbox(db, accounts[i % 3]!, 'wallet.charged', charged(`${i}.00`), clock.now());
      const moved = await Promise.all([
        first.relayOutbox({ limit: 7 }),
        second.relayOutbox({ limit: 5 }),
        first.relayOutbox({ limit: 3 }),
        second.relayOutbox({ limit: 11 }),
      ]);
      expect(moved.reduce((x, y) => x + y, 0)).toBe(60);
      for (const [k, acc] of accounts.entries()) {
        const events = await eventsOf(db, acc);
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(events.map((e) => e.data.amount)).toEqual(Array.from({ length: 20 }, (_, i) => `${i * 3 + k}.00`));
      }
    });
  });
}

const url = process.env.TEST_DATABASE_URL;
if (url) {
  describe('event log [postgres] two relays on two pools, one schema', () => {
    const schema = `t_evlog_${randomBytes(5).toString('hex')}`;
    const clock = new ManualClock('2026-12-06T09:00:00.000Z');
    let first: Database;
    let second: Database;
    beforeAll(async () => {
      first = await openDatabase({ url, schema, poolSize: 4 });
      second = await openDatabase({ url, schema, poolSize: 4 });
      await migrate({ db: first, sets: [eventMigrations] });
    });
    afterAll(async () => {
      await second?.close();
      await first?.query(`drop schema if exists ${schema} cascade`);
      await first?.close();
    });

    it('appends every outbox row once, in outbox order, with gapless sequences per account', async () => {
      const accounts = [account('pg'), account('pg'), account('pg'), account('pg')];
      const total = 400;
      for (let i = 0; i < total; i += 50) {
        const values = Array.from({ length: 50 }, (_, j) => i + j);
        await first.query(
          `insert into event_outbox (account_id, type, data, occurred_at)
           select (array[${accounts.map((_, k) => `$${k + 1}`).join(', ')}])[1 + (x % ${accounts.length})], 'wallet.charged',
                  jsonb_build_object('amount', x::text || '.00'), $${accounts.length + 1}
             from unnest($${accounts.length + 2}::int[]) with ordinality as u(x, o) order by o`,
          [...accounts, clock.now(), pgArray(values)],
        );
      }
      const logs = [new EventLog({ db: first, clock }), new EventLog({ db: second, clock })];
      // Every relay pages small, so they interleave page by page.
      const moved = await Promise.all(Array.from({ length: 8 }, (_, i) => logs[i % 2]!.relayOutbox({ limit: 3 + i, maxPages: 100 })));
      expect(moved.reduce((x, y) => x + y, 0)).toBe(total);
      const { rows: counts } = await first.query<{ n: string; distinct_sources: string }>(
        "select count(*) as n, count(distinct source_id) as distinct_sources from events where source = 'outbox'",
      );
      expect(Number(counts[0]!.n)).toBe(total);
      expect(Number(counts[0]!.distinct_sources)).toBe(total);
      for (const [k, acc] of accounts.entries()) {
        const events = await eventsOf(first, acc);
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: total / accounts.length }, (_, i) => i + 1));
        expect(events.map((e) => e.data.amount)).toEqual(Array.from({ length: total / accounts.length }, (_, i) => `${i * accounts.length + k}.00`));
        // Outbox order = sequence order.
        const ids = events.map((e) => Number(e.source_id));
        expect(ids).toEqual([...ids].sort((x, y) => x - y));
      }
    });
  });
}
