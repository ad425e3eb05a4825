import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import type { SpendOutcome, SpendQuote, SpendStepInput } from '@tollgate/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriceCatalog } from './price-catalog.js';
import type { SpendChannel } from './spend-channel.js';
import { SpendRunner } from './spend-runner.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';

/** What a test asks the letter channel's execute to do. */
type Mode = 'ok' | 'whole' | 'throw' | 'fail' | 'retry-once' | 'expire-during';
interface LetterRequest {
  pages: number;
  mode?: Mode;
}
interface LetterResult {
  letterId: string;
}

/** A channel that records what it did and misbehaves on request, like a vendor would. */
class LetterChannel implements SpendChannel<LetterRequest, LetterResult> {
  readonly id: string;
  readonly label = 'Letter by post';
  readonly unit = 'page';
  readonly settlement: 'immediate' | 'deferred';
  readonly executed: string[] = [];
  readonly compensated: Array<{ key: string; reason: string }> = [];
  readonly #retried = new Set<string>();

  constructor(
    input: { id: string; settlement: 'immediate' | 'deferred' },
    private readonly during: (step: SpendStepInput<LetterRequest>) => Promise<void> = async () => undefined,
  ) {
    this.id = input.id;
    this.settlement = input.settlement;
  }

  async quote({ request }: { accountId: string; request: LetterRequest }): Promise<SpendQuote> {
    return { units: String(request.pages), country: 'BE', description: `Letter, ${request.pages} pages`, metadata: { pages: request.pages } };
  }

  async execute(step: SpendStepInput<LetterRequest>): Promise<SpendOutcome<LetterResult>> {
    const { request, idempotencyKey } = step;
    this.executed.push(idempotencyKey);
    const mode = request.mode ?? 'ok';
    if (mode === 'throw') throw new Error('printer on fire');
    if (mode === 'fail') return { status: 'failed', reason: 'address_unknown', result: { letterId: 'none' } };
    if (mode === 'retry-once' && !this.#retried.has(idempotencyKey)) {
      this.#retried.add(idempotencyKey);
      return { status: 'retry', reason: 'printer_busy' };
    }
    if (mode === 'whole') return { status: 'done', result: { letterId: `L-${idempotencyKey}` } };
    if (mode === 'expire-during') await this.during(step);
    // The last page is blank and not charged: the final units differ from the quote.
    return { status: 'done', units: String(Math.max(1, request.pages - 1)), result: { letterId: `L-${idempotencyKey}` } };
  }

  async compensate({ idempotencyKey, reason }: { idempotencyKey: string; reason: string }): Promise<void> {
    this.compensated.push({ key: idempotencyKey, reason });
  }
}

/** A channel without execute: charged in one move. */
const stampChannel: SpendChannel<{ count: number }, never> = {
  id: 'stamp',
  label: 'Stamp',
  unit: 'stamp',
  settlement: 'immediate',
  quote: async ({ request }) => ({ units: String(request.count), description: `${request.count} stamps` }),
};

for (const engine of testEngines()) {
  describe(`spend runner [${engine.name}]`, () => {
    let db: TestDatabase;
    let wallet: WalletService;
    let runner: SpendRunner;
    let letters: LetterChannel;
    let calls: LetterChannel;
    const clock = new ManualClock('2026-05-01T08:00:00.000Z');
    let n = 0;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      wallet = new WalletService(db, clock, {});
      const catalog = new PriceCatalog(db, clock);
      for (const channel of ['letter', 'call'])
        await catalog.setPrice({ channel, unit: 'page', country: 'BE', unitPrice: '0.30', effectiveFrom: new Date('2026-01-01T00:00:00Z') });
      await catalog.setPrice({ channel: 'stamp', unit: 'stamp', unitPrice: '0.25', effectiveFrom: new Date('2026-01-01T00:00:00Z') });
      letters = new LetterChannel({ id: 'letter', settlement: 'immediate' }, async (step) => {
        // The wallet's sweep expires the hold while the vendor is still working.
        clock.advance({ days: 8 });
        await wallet.expireHolds();
        expect(await wallet.getHold({ accountId: step.accountId, holdId: step.holdId! })).toMatchObject({ status: 'expired' });
      });
      calls = new LetterChannel({ id: 'call', settlement: 'deferred' });
      const channels: Record<string, SpendChannel> = { letter: letters, call: calls, stamp: stampChannel };
      runner = new SpendRunner({ db, clock, wallet, channel: (id) => channels[id] });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    const account = async () => {
      const accountId = `acc-${engine.name}-${++n}`;
      await wallet.openWallet({ accountId });
      return accountId;
    };
    const balance = async (accountId: string) => {
      const b = await wallet.balance({ accountId });
      return { available: b.available.toString(), pending: b.pending.toString() };
    };
    const moves = async (accountId: string) => (await wallet.history({ accountId })).data.map((h) => `${h.type} ${h.amount.toString()}`);

    it('immediate: holds the quote, executes, captures what the work really cost; a replay answers the same and moves nothing', async () => {
      const a = await account();
      const result = await runner.spend<LetterRequest, LetterResult>({ accountId: a, channelId: 'letter', request: { pages: 4 }, idempotencyKey: 'send-1' });
      expect(result.status).toBe('completed');
      if (result.status !== 'completed') return;
      // Held 4 × 0.30 = 1.20, captured 3 pages = 0.90.
      expect([result.amount.toString(), result.balanceAfter.toString(), result.units, result.result.letterId]).toEqual(['0.90', '1.10', '3', 'L-send-1']);
      expect(await runner.spend({ accountId: a, channelId: 'letter', request: { pages: 4 }, idempotencyKey: 'send-1' })).toEqual(result);
      expect(letters.executed.filter((k) => k === 'send-1')).toHaveLength(1);
      expect(await balance(a)).toEqual({ available: '1.10', pending: '0.00' });
      expect(await moves(a)).toEqual(['capture 0.30', 'hold -1.20', 'grant 2.00']);
      // The quote's description and metadata are kept with the hold in the ledger.
      const { rows } = await db.query<{ description: string; metadata: unknown }>(
        "select description, metadata from ledger_transactions where hold_id = $1 and type = 'hold'",
        [result.holdId],
      );
      expect(rows).toEqual([{ description: 'Letter, 4 pages', metadata: expect.objectContaining({ pages: 4 }) }]);
    });

    it('done without final units: the whole hold is captured, its units as quoted', async () => {
      const a = await account();
      const result = await runner.spend<LetterRequest, LetterResult>({
        accountId: a,
        channelId: 'letter',
        request: { pages: 2, mode: 'whole' },
        idempotencyKey: 'whole-1',
      });
      expect(result).toMatchObject({ status: 'completed', units: '2' });
      expect(await balance(a)).toEqual({ available: '1.40', pending: '0.00' });
    });

    it('execute throws: the hold is released, compensate is called, 502 spend_failed; a replay does not execute again', async () => {
      const a = await account();
      const spend = () => runner.spend({ accountId: a, channelId: 'letter', request: { pages: 2, mode: 'throw' }, idempotencyKey: 'send-throw' });
      await expect(spend()).rejects.toMatchObject({ code: 'spend_failed', status: 502, message: expect.stringContaining('printer on fire') });
      expect(await balance(a)).toEqual({ available: '2.00', pending: '0.00' });
      expect(letters.compensated).toContainEqual({ key: 'send-throw', reason: 'printer on fire' });
      await expect(spend()).rejects.toMatchObject({ code: 'spend_failed', message: expect.stringContaining('printer on fire') });
      expect(letters.executed.filter((k) => k === 'send-throw')).toHaveLength(1);
      expect(await moves(a)).toEqual(['release 0.60', 'hold -0.60', 'grant 2.00']);
    });

    it("execute says 'failed': released, nothing charged, no compensate; the replay answers the same", async () => {
      const a = await account();
      const spend = () =>
        runner.spend<LetterRequest, LetterResult>({ accountId: a, channelId: 'letter', request: { pages: 2, mode: 'fail' }, idempotencyKey: 'send-fail' });
      const first = await spend();
      expect(first).toMatchObject({ status: 'failed', reason: 'address_unknown', result: { letterId: 'none' } });
      expect(await spend()).toEqual(first);
      expect(letters.executed.filter((k) => k === 'send-fail')).toHaveLength(1);
      expect(letters.compensated.map((c) => c.key)).not.toContain('send-fail');
      expect(await balance(a)).toEqual({ available: '2.00', pending: '0.00' });
    });

    it("reserve, then complete: 'retry' keeps the hold, the next complete does the work once and captures; replays answer the first outcome", async () => {
      const a = await account();
      const reservation = await runner.reserve({
        accountId: a,
        channelId: 'letter',
        request: { pages: 2, mode: 'retry-once' as const },
        idempotencyKey: 'later-1',
      });
      expect([reservation.units, reservation.amount.toString(), reservation.description]).toEqual(['2', '0.60', 'Letter, 2 pages']);
      expect(
        await runner.reserve({ accountId: a, channelId: 'letter', request: { pages: 2, mode: 'retry-once' as const }, idempotencyKey: 'later-1' }),
      ).toEqual(reservation);
      expect(await balance(a)).toEqual({ available: '1.40', pending: '0.60' });

      const complete = () =>
        runner.complete<LetterRequest, LetterResult>({
          accountId: a,
          channelId: 'letter',
          request: { pages: 2, mode: 'retry-once' },
          idempotencyKey: 'later-1',
          holdId: reservation.holdId,
        });
      expect(await complete()).toEqual({ status: 'retry', holdId: reservation.holdId, reason: 'printer_busy' });
      expect(await balance(a)).toEqual({ available: '1.40', pending: '0.60' });
      const done = await complete();
      expect(done).toMatchObject({ status: 'completed', holdId: reservation.holdId, units: '1', result: { letterId: 'L-later-1' } });
      expect(await complete()).toEqual(done);
      expect(letters.executed.filter((k) => k === 'later-1')).toHaveLength(2); // the retry and the work, not the replay
      expect(await balance(a)).toEqual({ available: '1.70', pending: '0.00' });
    });

    it('a cancelled or expired reservation is never executed on: complete answers failed; cancel of an ended hold is null', async () => {
      const a = await account();
      const r1 = await runner.reserve({ accountId: a, channelId: 'letter', request: { pages: 1 }, idempotencyKey: 'cancel-1' });
      const released = await runner.cancel({ accountId: a, holdId: r1.holdId, idempotencyKey: 'cancel-1' });
      expect(released).toMatchObject({ status: 'released', holdId: r1.holdId });
      expect(await runner.cancel({ accountId: a, holdId: r1.holdId, idempotencyKey: 'cancel-1' })).toEqual(released); // a replay
      expect(await runner.complete({ accountId: a, channelId: 'letter', request: { pages: 1 }, idempotencyKey: 'cancel-1', holdId: r1.holdId })).toEqual({
        status: 'failed',
        holdId: r1.holdId,
        reason: 'hold_released',
      });

      const r2 = await runner.reserve({
        accountId: a,
        channelId: 'letter',
        request: { pages: 1 },
        idempotencyKey: 'expire-1',
        expiresAt: new Date(clock.now().getTime() + 3_600_000),
      });
      clock.advance({ hours: 2 });
      await wallet.expireHolds();
      expect(await runner.cancel({ accountId: a, holdId: r2.holdId, idempotencyKey: 'expire-1' })).toBeNull();
      expect(await runner.complete({ accountId: a, channelId: 'letter', request: { pages: 1 }, idempotencyKey: 'expire-1', holdId: r2.holdId })).toMatchObject({
        status: 'failed',
        reason: 'hold_expired',
      });
      expect(letters.executed).not.toContain('cancel-1');
      expect(letters.executed).not.toContain('expire-1');
      expect(await balance(a)).toEqual({ available: '2.00', pending: '0.00' });
    });

    it('the capture is refused after the work (the hold expired meanwhile): compensate undoes the work, nothing is charged', async () => {
      const a = await account();
      const spend = () => runner.spend({ accountId: a, channelId: 'letter', request: { pages: 2, mode: 'expire-during' as const }, idempotencyKey: 'late-1' });
      await expect(spend()).rejects.toMatchObject({ code: 'hold_expired' });
      expect(letters.compensated).toContainEqual({ key: 'late-1', reason: 'capture refused: hold_expired' });
      // The replay does not work again; it meets the same refusal and compensates again (compensate must be idempotent).
      await expect(spend()).rejects.toMatchObject({ code: 'hold_expired' });
      expect(letters.executed.filter((k) => k === 'late-1')).toHaveLength(1);
      expect(await balance(a)).toEqual({ available: '2.00', pending: '0.00' });
    });

    it('deferred: the spend leaves the hold pending; settle captures the final units, releases the rest; replays answer the same', async () => {
      const a = await account();
      const spend = () => runner.spend<LetterRequest, LetterResult>({ accountId: a, channelId: 'call', request: { pages: 5 }, idempotencyKey: 'call-1' });
      const pending = await spend();
      expect(pending).toMatchObject({ status: 'pending', result: { letterId: 'L-call-1' } });
      if (pending.status !== 'pending') return;
      expect(pending.amount.toString()).toBe('1.50');
      expect(await balance(a)).toEqual({ available: '0.50', pending: '1.50' });
      const settled = await runner.settle({ accountId: a, holdId: pending.holdId, idempotencyKey: 'call-1', units: '2' });
      expect([settled.status, settled.captured.toString(), settled.balanceAfter.toString()]).toEqual(['captured', '0.60', '1.40']);
      expect(await runner.settle({ accountId: a, holdId: pending.holdId, idempotencyKey: 'call-1', units: '2' })).toEqual(settled);
      expect(await spend()).toEqual(pending);
      expect(calls.executed.filter((k) => k === 'call-1')).toHaveLength(1);
      expect(await runner.cancel({ accountId: a, holdId: pending.holdId, idempotencyKey: 'call-1' })).toBeNull();
      expect(await balance(a)).toEqual({ available: '1.40', pending: '0.00' });
    });

    it('a channel without execute is charged in one move; refund pays it back; both replay', async () => {
      const a = await account();
      const spend = () => runner.spend({ accountId: a, channelId: 'stamp', request: { count: 2 }, idempotencyKey: 'stamps-1' });
      const charged = await spend();
      expect(charged).toMatchObject({ status: 'completed', holdId: null, units: '2' });
      if (charged.status !== 'completed') return;
      expect([charged.amount.toString(), charged.balanceAfter.toString()]).toEqual(['0.50', '1.50']);
      expect(await spend()).toEqual(charged);
      const refund = await runner.refund({ accountId: a, transactionId: charged.transactionId, idempotencyKey: 'stamps-1', reason: 'lost in the post' });
      expect([refund.reversesId, refund.amount.toString(), refund.balanceAfter.toString()]).toEqual([charged.transactionId, '0.50', '2.00']);
      expect(await runner.refund({ accountId: a, transactionId: charged.transactionId, idempotencyKey: 'stamps-1', reason: 'lost in the post' })).toEqual(
        refund,
      );
      expect(await moves(a)).toEqual(['reversal 0.50', 'charge -0.50', 'grant 2.00']);
    });

    it('refused spends move no money and do no work: no credit, unknown channel, a key reused for another hold', async () => {
      const a = await account();
      const before = letters.executed.length;
      await expect(runner.spend({ accountId: a, channelId: 'letter', request: { pages: 10 }, idempotencyKey: 'big' })).rejects.toMatchObject({
        code: 'insufficient_funds',
        status: 422,
      });
      await expect(runner.spend({ accountId: a, channelId: 'stamp', request: { count: 10 }, idempotencyKey: 'big-stamps' })).rejects.toMatchObject({
        code: 'insufficient_funds',
      });
      await expect(runner.reserve({ accountId: a, channelId: 'letter', request: { pages: 10 }, idempotencyKey: 'big-later' })).rejects.toMatchObject({
        code: 'insufficient_funds',
      });
      await expect(runner.spend({ accountId: a, channelId: 'fax', request: {}, idempotencyKey: 'x' })).rejects.toMatchObject({ code: 'unknown_channel' });
      expect(letters.executed.length).toBe(before);
      expect(await balance(a)).toEqual({ available: '2.00', pending: '0.00' });
      expect(await moves(a)).toEqual(['grant 2.00']);

      const r1 = await runner.reserve({ accountId: a, channelId: 'letter', request: { pages: 1 }, idempotencyKey: 'k-1' });
      const r2 = await runner.reserve({ accountId: a, channelId: 'letter', request: { pages: 1 }, idempotencyKey: 'k-2' });
      await runner.complete({ accountId: a, channelId: 'letter', request: { pages: 1 }, idempotencyKey: 'k-1', holdId: r1.holdId });
      await expect(
        runner.complete({ accountId: a, channelId: 'letter', request: { pages: 1 }, idempotencyKey: 'k-1', holdId: r2.holdId }),
      ).rejects.toMatchObject({ code: 'idempotency_key_reused' });
      await expect(runner.complete({ accountId: a, channelId: 'call', request: { pages: 1 }, idempotencyKey: 'k-2', holdId: r2.holdId })).rejects.toMatchObject(
        { code: 'hold_channel_mismatch' },
      );
      expect(await balance(a)).toEqual({ available: '1.40', pending: '0.30' });
    });
  });
}
