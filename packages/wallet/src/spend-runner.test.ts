import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriceCatalog } from './price-catalog.js';
import type { SpendChannel } from './spend-channel.js';
import { SpendRunner } from './spend-runner.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';

/** A channel that records what it did and fails on request, like a provider would. */
class LetterChannel implements SpendChannel<{ pages: number; fail?: 'execute' }, { letterId: string }> {
  readonly id = 'letter';
  readonly label = 'Letter by post';
  readonly unit = 'page';
  readonly settlement = 'immediate' as const;
  readonly sent = new Map<string, string>();
  readonly compensated: string[] = [];
  async quote({ request }: { request: { pages: number } }) {
    return { units: String(request.pages), country: 'BE', description: `Letter, ${request.pages} pages` };
  }
  async execute({ request, idempotencyKey }: { request: { pages: number; fail?: 'execute' }; idempotencyKey: string }) {
    if (request.fail === 'execute') throw new Error('printer on fire');
    if (!this.sent.has(idempotencyKey)) this.sent.set(idempotencyKey, `L${this.sent.size + 1}`);
    return { units: String(Math.max(1, request.pages - 1)), result: { letterId: this.sent.get(idempotencyKey)! } };
  }
  async compensate({ idempotencyKey }: { idempotencyKey: string }) {
    this.compensated.push(idempotencyKey);
  }
}

for (const engine of testEngines()) {
  describe(`spend runner [${engine.name}]`, () => {
    let db: TestDatabase;
    let wallet: WalletService;
    let runner: SpendRunner;
    let letters: LetterChannel;
    const clock = new ManualClock('2026-05-01T08:00:00.000Z');

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      wallet = new WalletService(db, clock, {});
      await new PriceCatalog(db, clock).setPrice({ channel: 'letter', unit: 'page', country: 'BE', unitPrice: '0.30', effectiveFrom: new Date('2026-01-01T00:00:00Z') });
      letters = new LetterChannel();
      runner = new SpendRunner({ wallet, channel: (id) => (id === 'letter' ? (letters as SpendChannel) : undefined) });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('holds the quote, executes, and captures what the work really cost', async () => {
      await wallet.openWallet({ accountId: 'a1' });
      const result = await runner.spend({ accountId: 'a1', channelId: 'letter', request: { pages: 4 }, idempotencyKey: 'send-1' });
      expect(result).toMatchObject({ status: 'completed', amount: '0.90', balanceAfter: '1.10', result: { letterId: 'L1' } }); // held 1.20, captured 3 pages
      const again = await runner.spend({ accountId: 'a1', channelId: 'letter', request: { pages: 4 }, idempotencyKey: 'send-1' });
      expect(again).toEqual(result);
      expect((await wallet.balance({ accountId: 'a1' })).available.toString()).toBe('1.10');
    });

    it('keeps no money when the channel fails, and tells the channel to compensate', async () => {
      await wallet.openWallet({ accountId: 'a2' });
      await expect(runner.spend({ accountId: 'a2', channelId: 'letter', request: { pages: 2, fail: 'execute' }, idempotencyKey: 'send-2' })).rejects.toMatchObject({ code: 'spend_failed', status: 502 });
      const balance = await wallet.balance({ accountId: 'a2' });
      expect([balance.available.toString(), balance.pending.toString()]).toEqual(['2.00', '0.00']);
      expect(letters.compensated).toContain('send-2');
    });

    it('refuses before executing when the wallet cannot cover the quote', async () => {
      await wallet.openWallet({ accountId: 'a3' });
      const before = letters.sent.size;
      await expect(runner.spend({ accountId: 'a3', channelId: 'letter', request: { pages: 10 }, idempotencyKey: 'send-3' })).rejects.toMatchObject({ code: 'insufficient_funds' });
      expect(letters.sent.size).toBe(before);
      await expect(runner.spend({ accountId: 'a3', channelId: 'fax', request: {}, idempotencyKey: 'x' })).rejects.toMatchObject({ code: 'unknown_channel' });
    });
  });
}
