import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriceCatalog } from './price-catalog.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';
import type { HistoryLine } from './wallet.types.js';

const plain = (l: HistoryLine) => [l.type, l.status, l.channel, l.amount.toString(), l.entryCount];

for (const engine of testEngines()) {
  describe(`wallet history lines [${engine.name}]`, () => {
    let db: TestDatabase;
    let clock: ManualClock;
    let wallet: WalletService;
    let n = 0;
    const account = async () => {
      const id = `acc_lines_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id, timeZone: 'Europe/Brussels' });
      return id;
    };

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      clock = new ManualClock('2026-06-01T10:00:00.000Z');
      wallet = new WalletService(db, clock, {});
      const catalog = new PriceCatalog(db, clock);
      await catalog.setPrice({ channel: 'voice', unit: 'minute', unitPrice: '0.0125', effectiveFrom: new Date('2025-01-01T00:00:00Z') });
      await catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.18', effectiveFrom: new Date('2025-01-01T00:00:00Z') });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('folds a hold and its capture or release into one line with the final cost; other moves are their own lines', async () => {
      const id = await account();
      const tick = () => clock.advance({ minutes: 1 });
      tick();
      await wallet.grant({ accountId: id, kind: 'purchased', amount: '10.00', idempotencyKey: 'buy' });
      tick();
      // A €0.05 call: €0.50 held, 4 minutes used.
      const call = await wallet.hold({ accountId: id, channel: 'voice', units: '40', idempotencyKey: 'call' });
      tick();
      const captured = await wallet.capture({ accountId: id, holdId: call.holdId, units: '4', idempotencyKey: 'call-end' });
      tick();
      // An SMS: the whole hold captured (the capture entry itself moves 0.00).
      const sms = await wallet.hold({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'sms' });
      await wallet.capture({ accountId: id, holdId: sms.holdId, idempotencyKey: 'sms-sent' });
      tick();
      const dropped = await wallet.hold({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'dropped' });
      await wallet.release({ accountId: id, holdId: dropped.holdId, idempotencyKey: 'dropped-release' });
      tick();
      const charged = await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'charge' });
      await wallet.reverse({ accountId: id, transactionId: charged.transactionId, reason: 'undelivered', idempotencyKey: 'refund' });
      tick();
      await wallet.hold({ accountId: id, channel: 'voice', units: '40', idempotencyKey: 'open' });

      const { data, nextCursor } = await wallet.historyLines({ accountId: id });
      expect(nextCursor).toBeNull();
      expect(data.map(plain)).toEqual([
        ['spend', 'pending', 'voice', '-0.50', 1],
        ['refund', 'final', 'sms-reminder', '0.18', 1],
        ['spend', 'final', 'sms-reminder', '-0.18', 1],
        ['spend', 'final', 'sms-reminder', '0.00', 2],
        ['spend', 'final', 'sms-reminder', '-0.18', 2],
        ['spend', 'final', 'voice', '-0.05', 2],
        ['top_up', 'final', null, '10.00', 1],
        ['grant', 'final', null, '2.00', 1],
      ]);
      // The final lines add up to the balance before holds (available + pending); the pending line is what is held.
      const balance = await wallet.balance({ accountId: id });
      const final = data.filter((l) => l.status === 'final').reduce((a, l) => a.plus(l.amount), balance.available.minus(balance.available));
      expect(final.toString()).toBe(balance.available.plus(balance.pending).toString());
      expect(data[0]!.amount.negated().toString()).toBe(balance.pending.toString());

      // The detail: the line with its entries, found by any of its entries' ids.
      const detail = await wallet.historyLine({ accountId: id, id: captured.transactionId });
      expect(detail?.line).toMatchObject({ type: 'spend', holdId: call.holdId, status: 'final' });
      expect(detail?.line.amount.toString()).toBe('-0.05');
      expect(detail?.entries.map((e) => [e.type, e.amount.toString()])).toEqual([
        ['hold', '-0.50'],
        ['capture', '0.45'],
      ]);
      expect((await wallet.historyLine({ accountId: id, id: detail!.line.id }))?.line.id).toBe(detail!.line.id);
      expect(await wallet.historyLine({ accountId: 'someone-else', id: detail!.line.id })).toBeNull();
      expect(await wallet.historyLine({ accountId: id, id: 'x1' })).toBeNull();

      // Filters: line type, channel; paging by the last line's id visits every line once.
      expect((await wallet.historyLines({ accountId: id, type: 'spend' })).data).toHaveLength(5);
      expect((await wallet.historyLines({ accountId: id, type: 'top_up' })).data.map((l) => l.amount.toString())).toEqual(['10.00']);
      expect((await wallet.historyLines({ accountId: id, channel: 'voice' })).data).toHaveLength(2);
      const seen: string[] = [];
      let before: string | undefined;
      do {
        const page = await wallet.historyLines({ accountId: id, limit: 3, ...(before ? { before } : {}) });
        seen.push(...page.data.map((l) => l.id));
        before = page.nextCursor ?? undefined;
      } while (before);
      expect(seen).toEqual(data.map((l) => l.id));

      const csv = await wallet.historyLinesCsv({ accountId: id, type: 'spend', describe: (d) => d.toUpperCase() });
      expect(csv.split('\n')[0]).toBe('date,id,type,status,channel,description,amount');
      expect(csv.trim().split('\n')).toHaveLength(6);
    });
  });
}
