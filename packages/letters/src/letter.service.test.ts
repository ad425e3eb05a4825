import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOCK, ManualClock } from '@tollgate/clock';
import { migrate, registerDatabase, testEngines, type JobQueue, type TestDatabase } from '@tollgate/db';
import { eventMigrations } from '@tollgate/events';
import { FILE_STORE, LocalFileStore } from '@tollgate/files';
import { invoiceSyncMigrations, registerInvoiceSync } from '@tollgate/invoice-sync';
import type { LetterEvent, PostalCarrier, PostalQuote } from '@tollgate/plugin-sdk';
import { PriceCatalog, registerWallet, walletMigrations, WalletService } from '@tollgate/wallet';
import { ValidationError } from '@tollgate/errors';
import { container as root } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LetterService } from './letter.service.js';
import { letterMigrations } from './letters.migrations.js';
import type { LetterRenderer, LetterRequest } from './letters.types.js';
import { registerLetters } from './registration.js';

const BE = { name: 'Acme NV', street: 'Kerkstraat 12', postalCode: '1000', city: 'Brussel', country: 'BE' };
const SENDER = { name: 'Tollgate BV', street: 'Stationsplein 1', postalCode: '3511 ED', city: 'Utrecht', country: 'NL' };
const DE = { name: 'Muster GmbH', street: 'Hauptstr. 5', postalCode: '10115', city: 'Berlin', country: 'DE' };

/** A carrier whose answers the test scripts: charges per the SDK contract (postage + print per sheet). */
class ScriptedCarrier implements PostalCarrier {
  readonly label: string;
  readonly products = ['standard', 'priority', 'registered'] as const;
  submits: string[] = [];
  /** Scripted answers per letter id (default accepted). */
  next = new Map<string, Array<'accepted' | 'submitted' | 'rejected' | Error>>();
  status: LetterEvent | null = null;
  constructor(
    readonly id: string,
    readonly countries: readonly string[],
    readonly billing: 'wallet' | 'own_account',
  ) {
    this.label = id;
  }
  async quote(input: Parameters<PostalCarrier['quote']>[0]): Promise<PostalQuote> {
    const sheets = input.letter.duplex ? Math.ceil(input.letter.pages / 2) : input.letter.pages;
    const base = { units: String(sheets), country: input.letter.recipient.country, sheets, description: 'letter' };
    if (this.billing === 'own_account') return base;
    return {
      ...base,
      charges: [
        { channel: `${this.id}-postage-${input.letter.product}`, units: '1', description: 'Postage' },
        { channel: `${this.id}-print-${input.letter.color ? 'color' : 'bw'}`, units: String(sheets), description: 'Printing' },
      ],
    };
  }
  async submit(input: Parameters<PostalCarrier['submit']>[0]) {
    this.submits.push(input.idempotencyKey);
    const next = this.next.get(input.idempotencyKey)?.shift() ?? 'accepted';
    if (next instanceof Error) throw next;
    return { carrierLetterId: `c-${input.idempotencyKey}`, status: next, ...(next === 'rejected' ? { reason: 'address_undeliverable' } : {}) };
  }
  async getStatus() {
    return this.status;
  }
}

const renderer: LetterRenderer = {
  async render(input) {
    const pages = 1 + (input.attachments?.length ?? 0) + (input.html ? 1 : 0);
    const pdf = new Uint8Array(Buffer.from(`%PDF-1.4\n% ${input.reference} ${pages}\n%%EOF\n`));
    return { pdf, pages, sha256: 'x', renderMs: 1 };
  },
  async close() {},
};

for (const engine of testEngines()) {
  describe(`LetterService [${engine.name}]`, () => {
    let db: TestDatabase;
    let dir: string;
    let letters: LetterService;
    let wallet: WalletService;
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    const be = new ScriptedCarrier('postal-be', ['BE'], 'wallet');
    const de = new ScriptedCarrier('postal-de-epost', ['DE'], 'own_account');
    const carriers = [be, de];
    const plans = new Map<string, string[]>();
    const sent: string[] = [];
    let n = 0;

    beforeAll(async () => {
      db = await engine.open();
      dir = await mkdtemp(join(tmpdir(), 'letters-test-'));
      await migrate({ db, sets: [walletMigrations, eventMigrations, invoiceSyncMigrations, letterMigrations] });
      const c = root.createChildContainer();
      c.register(CLOCK, { useValue: clock });
      c.register(FILE_STORE, { useValue: new LocalFileStore({ root: dir }) });
      const jobs = { send: async (input: { data: { letterId: string } }) => (sent.push(input.data.letterId), 'job') } as unknown as JobQueue;
      registerDatabase({ container: c, db, jobQueue: jobs });
      registerWallet({ container: c, options: { trialCredit: '0' } });
      registerInvoiceSync({ container: c, sources: { get: () => undefined } });
      registerLetters({
        container: c,
        carriers: { get: (id) => carriers.find((x) => x.id === id), list: () => carriers },
        renderer,
        options: {
          planCountries: async ({ accountId }) => plans.get(accountId) ?? ['BE', 'NL'],
          account: async () => ({ locale: 'nl', timeZone: 'Europe/Brussels' }),
          baseUrl: () => 'http://tollgate.test',
          maxSubmitAttempts: 3,
          retrySeconds: 60,
        },
      });
      letters = c.resolve(LetterService);
      wallet = c.resolve(WalletService);
      const catalog = c.resolve(PriceCatalog);
      const from = new Date('2026-01-01T00:00:00Z');
      await catalog.setPrice({ channel: 'postal-be-postage-standard', unit: 'letter', unitPrice: '1.25', country: 'BE', effectiveFrom: from });
      await catalog.setPrice({ channel: 'postal-be-print-bw', unit: 'sheet', unitPrice: '0.10', country: 'BE', effectiveFrom: from });
    });
    afterAll(async () => {
      await db?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    async function account(credit = '10.00', plan?: string[]) {
      const accountId = `acc_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId });
      if (credit !== '0') await wallet.grant({ accountId, kind: 'promo', amount: credit, idempotencyKey: `grant-${accountId}` });
      if (plan) plans.set(accountId, plan);
      return accountId;
    }
    const request = (accountId: string, over: Partial<LetterRequest> = {}): LetterRequest => ({
      accountId,
      idempotencyKey: `k-${Math.random()}`,
      recipient: BE,
      sender: SENDER,
      bodyText: 'Hello',
      color: false,
      duplex: false,
      product: 'standard',
      ...over,
    });
    const available = async (accountId: string) => (await wallet.balance({ accountId })).available.toString();
    /** The letter's `letter.status_changed` events in the outbox, in order: [previousStatus, status, reason, amount]. */
    const moves = async (letterId: string) => {
      const { rows } = await db.query<{ data: object | string }>(`select data from event_outbox where type = 'letter.status_changed' order by id`);
      return rows
        .map(
          (r) =>
            (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as {
              letterId: string;
              previousStatus: string;
              status: string;
              reason: string;
              amount: string;
            },
        )
        .filter((d) => d.letterId === letterId)
        .map((d) => [d.previousStatus, d.status, d.reason, d.amount]);
    };

    it('holds each charge, captures all when the carrier accepts: the catalog price, once', async () => {
      const accountId = await account();
      const { letter } = await letters.create(request(accountId, { pdf: new Uint8Array(Buffer.from('%PDF-1.4 x')) }));
      expect(letter.status).toBe('held');
      expect(letter.pages).toBe(2);
      expect(letter.charges.map((c) => [c.channel, c.units, c.amount, c.status])).toEqual([
        ['postal-be-postage-standard', '1', '1.25', 'held'],
        ['postal-be-print-bw', '2', '0.20', 'held'],
      ]);
      expect(letter.amount).toBe('1.45');
      expect(await available(accountId)).toBe('8.55');
      expect(await letters.submit({ letterId: letter.id })).toBe('submitted');
      expect(await letters.submit({ letterId: letter.id })).toBe('skipped');
      const after = await letters.get({ accountId, id: letter.id });
      expect(after.status).toBe('accepted');
      expect(after.charges.every((c) => c.status === 'captured')).toBe(true);
      expect(await available(accountId)).toBe('8.55');
      expect((await wallet.balance({ accountId })).pending.toString()).toBe('0.00');
      // A replayed accepted and a late one after posted change nothing.
      const ev = (eventId: string, status: LetterEvent['status']): LetterEvent => ({
        eventId,
        carrierLetterId: `c-${letter.id}`,
        status,
        occurredAt: clock.now(),
      });
      expect(await letters.applyEvents({ carrierId: 'postal-be', events: [ev('e1', 'posted'), ev('e1', 'posted'), ev('e2', 'accepted')] })).toEqual({
        applied: 2,
        duplicates: 1,
        unmatched: 0,
      });
      expect((await letters.get({ accountId, id: letter.id })).status).toBe('posted');
      expect(await available(accountId)).toBe('8.55');
      // One event per real move, in the moving transaction: none for the skipped submit, the replay or the late event.
      expect(await moves(letter.id)).toEqual([
        [null, 'held', null, null],
        ['held', 'submitted', null, null],
        ['submitted', 'accepted', null, '1.45'],
        ['accepted', 'posted', null, '1.45'],
      ]);
    });

    it('a rejection releases every hold: nothing charged', async () => {
      const accountId = await account();
      const { letter } = await letters.create(request(accountId));
      be.next.set(letter.id, ['rejected']);
      await letters.submit({ letterId: letter.id });
      const after = await letters.get({ accountId, id: letter.id });
      expect([after.status, after.reason]).toEqual(['rejected', 'address_undeliverable']);
      expect(after.charges.every((c) => c.status === 'released')).toBe(true);
      expect(await available(accountId)).toBe('10.00');
      expect((await moves(letter.id)).slice(1)).toEqual([
        ['held', 'submitted', null, null],
        ['submitted', 'rejected', 'address_undeliverable', null],
      ]);
    });

    it('a refused hold releases those placed and keeps nothing', async () => {
      const accountId = await account('1.30');
      await expect(letters.create(request(accountId, { idempotencyKey: 'poor' }))).rejects.toMatchObject({ code: 'insufficient_funds', status: 422 });
      expect(await available(accountId)).toBe('1.30');
      expect((await letters.list({ accountId })).data).toEqual([]);
      const holds = await wallet.holds({ accountId });
      expect(holds.data.every((h) => h.status === 'released')).toBe(true);
    });

    it('same key + same body → the same letter; another body → idempotency_key_reused; concurrent → one letter, one set of holds', async () => {
      const accountId = await account();
      const first = await letters.create(request(accountId, { idempotencyKey: 'same' }));
      const again = await letters.create(request(accountId, { idempotencyKey: 'same' }));
      expect([first.created, again.created, again.letter.id]).toEqual([true, false, first.letter.id]);
      await expect(letters.create(request(accountId, { idempotencyKey: 'same', bodyText: 'Other' }))).rejects.toMatchObject({ code: 'idempotency_key_reused' });
      const racing = await Promise.all([1, 2, 3].map(() => letters.create(request(accountId, { idempotencyKey: 'race' }))));
      expect(new Set(racing.map((r) => r.letter.id)).size).toBe(1);
      expect(racing.filter((r) => r.created)).toHaveLength(1);
      expect((await wallet.holds({ accountId })).data).toHaveLength(4);
      expect(await available(accountId)).toBe('7.30');
    });

    it('thrown submits are retried with doubling waits, then failed and released', async () => {
      const accountId = await account();
      const { letter } = await letters.create(request(accountId));
      be.next.set(letter.id, [new Error('print service down'), new Error('still down'), new Error('down')]);
      expect(await letters.submit({ letterId: letter.id })).toBe('retry');
      const attempts = async () => (await letters.get({ accountId, id: letter.id })).attempts;
      await letters.runDue();
      expect(await attempts()).toBe(1); // not due yet
      clock.advance({ minutes: 1 });
      await letters.runDue();
      expect(await attempts()).toBe(2);
      clock.advance({ minutes: 2 });
      expect((await letters.runDue()).failed).toBe(1);
      const after = await letters.get({ accountId, id: letter.id });
      expect([after.status, after.attempts, after.lastError]).toEqual(['failed', 3, 'down']);
      expect(await available(accountId)).toBe('10.00');
      expect(await moves(letter.id)).toEqual([
        [null, 'held', null, null],
        ['held', 'failed', 'submit_failed', null],
      ]);
    });

    it('a carrier refusal at submit (4xx) fails the letter at once, released', async () => {
      const accountId = await account();
      const { letter } = await letters.create(request(accountId));
      be.next.set(letter.id, [new ValidationError({ code: 'epost_credentials_missing', message: 'no credentials' })]);
      expect(await letters.submit({ letterId: letter.id })).toBe('failed');
      const after = await letters.get({ accountId, id: letter.id });
      expect([after.status, after.reason, after.attempts]).toEqual(['failed', 'epost_credentials_missing', 1]);
      expect(await available(accountId)).toBe('10.00');
    });

    it('own-account carriers never touch the wallet; the poll picks up the status', async () => {
      const accountId = await account('10.00', ['BE', 'NL', 'DE']);
      const before = (await wallet.history({ accountId })).data.length;
      const { letter } = await letters.create(request(accountId, { recipient: DE }));
      expect([letter.status, letter.carrierId, letter.amount, letter.charges]).toEqual(['ready', 'postal-de-epost', null, []]);
      de.next.set(letter.id, ['submitted']);
      await letters.submit({ letterId: letter.id });
      de.status = { eventId: 'p1', carrierLetterId: `c-${letter.id}`, status: 'posted', occurredAt: clock.now() };
      await letters.runDue();
      expect((await letters.get({ accountId, id: letter.id })).status).toBe('submitted');
      clock.advance({ minutes: 15 });
      expect((await letters.runDue()).polled).toBeGreaterThanOrEqual(1);
      expect((await letters.get({ accountId, id: letter.id })).status).toBe('posted');
      expect((await wallet.history({ accountId })).data.length).toBe(before);
      expect(await moves(letter.id)).toEqual([
        [null, 'ready', null, null],
        ['ready', 'submitted', null, null],
        ['submitted', 'posted', null, null],
      ]);
    });

    it('refuses a country not offered, naming the countries, with nothing held', async () => {
      const accountId = await account();
      const fr = { ...BE, postalCode: '75001', city: 'Paris', country: 'FR' };
      await expect(letters.create(request(accountId, { recipient: fr }))).rejects.toMatchObject({
        status: 422,
        code: 'postal_country_not_offered',
        details: { country: 'FR', offered: ['BE'] },
      });
      await expect(letters.create(request(accountId, { recipient: DE }))).rejects.toMatchObject({ code: 'postal_country_not_offered' });
      expect((await wallet.holds({ accountId })).data).toEqual([]);
    });

    it('cancels a held letter (holds released) and refuses to cancel a posted one', async () => {
      const accountId = await account();
      const { letter } = await letters.create(request(accountId));
      expect((await letters.cancel({ accountId, id: letter.id })).status).toBe('cancelled');
      expect(await available(accountId)).toBe('10.00');
      expect(await letters.submit({ letterId: letter.id })).toBe('skipped');
      await expect(letters.cancel({ accountId, id: letter.id })).rejects.toMatchObject({ code: 'letter_not_cancellable' });
      expect(await moves(letter.id)).toEqual([
        [null, 'held', null, null],
        ['held', 'cancelled', 'cancelled_by_user', null],
      ]);
    });
  });
}
