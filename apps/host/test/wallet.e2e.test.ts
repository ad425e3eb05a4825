import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walletPlugin } from './fixtures/wallet-plugin.js';

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const ID = expect.stringMatching(/^\d+$/);

for (const engine of testEngines()) {
  describe(`wallet e2e [${engine.name}]`, () => {
    let t: TestHost;
    let channels = 0;

    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [walletPlugin] });
    });
    afterAll(async () => {
      await t?.close();
    });

    /** A channel of its own for each test (the catalog is shared by all accounts). */
    const newChannel = () => `sms-${engine.name}-${++channels}`;

    const setPrice = async (channel: string, unitPrice: string, effectiveFrom?: Date) => {
      const res = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel, unit: 'message', unitPrice, ...(effectiveFrom ? { effectiveFrom: effectiveFrom.toISOString() } : {}) },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    };

    /** An account with its owner key and a member key. */
    const newAccount = async (options: { timeZone?: string } = {}) => {
      const account = await t.createAccount(options);
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: account.ownerKey, body: { name: 'reader', role: 'member' } });
      return { ...account, key: account.ownerKey, memberKey: member.body.key as string };
    };

    const charge = (key: string, body: object, headers: Record<string, string> = {}) =>
      t.request({ method: 'POST', path: '/v1/wallet/charges', key, body, headers });

    /** Everything a refused request must leave as it was: ledger rows, lots, holds, quota use, balances. */
    const ledger = async (accountId: string, key: string) => {
      const {
        rows: [row],
      } = await t.db.query(
        `select (select count(*)::int from ledger_transactions where account_id = $1) as transactions,
                (select count(*)::int from ledger_postings p join ledger_transactions x on x.id = p.transaction_id where x.account_id = $1) as postings,
                (select count(*)::int from credit_lots where account_id = $1) as lots,
                (select coalesce(sum(remaining), 0)::text from credit_lots where account_id = $1) as remaining,
                (select count(*)::int from holds where account_id = $1) as holds,
                (select string_agg(id::text || ':' || status || ':' || captured::text, ',' order by id) from holds where account_id = $1) as hold_states,
                (select coalesce(sum(used), 0)::text from quota_usage where account_id = $1) as quota_used,
                (select available::text || '/' || pending::text from wallets where account_id = $1) as wallet`,
        [accountId],
      );
      const balance = await t.request({ path: '/v1/wallet', key });
      return { ...row, balance: balance.body };
    };

    const expectRefused = async (
      who: { accountId: string; key: string },
      request: () => Promise<{ status: number; body: { error?: { code: string; message: string } } }>,
      expected: { status: number; code: string; message?: RegExp },
    ) => {
      const before = await ledger(who.accountId, who.key);
      const res = await request();
      expect(res.status, JSON.stringify(res.body)).toBe(expected.status);
      expect(res.body.error?.code).toBe(expected.code);
      expect(res.body.error?.message).toEqual(expect.any(String));
      if (expected.message) expect(res.body.error?.message).toMatch(expected.message);
      expect(await ledger(who.accountId, who.key)).toEqual(before);
      return res;
    };

    it('opens every new account wallet with €2.00 of trial credit, once (W-1, W-3)', async () => {
      const a = await newAccount();
      const balance = await t.request({ path: '/v1/wallet', key: a.memberKey });
      expect(balance.status).toBe(200);
      expect(balance.body).toEqual({
        accountId: a.accountId,
        currency: 'EUR',
        available: '2.00',
        pending: '0.00',
        total: '2.00',
        owed: '0.00',
        blocked: false,
        refundable: '0.00',
        byKind: {
          trial: { available: '2.00', pending: '0.00' },
          promo: { available: '0.00', pending: '0.00' },
          referral: { available: '0.00', pending: '0.00' },
          purchased: { available: '0.00', pending: '0.00' },
        },
        scoped: [],
        incoming: { amount: '0.00', purchases: 0, nextExpectedSettlementDate: null },
      });
      const lots = await t.request({ path: '/v1/wallet/lots', key: a.key });
      expect(lots.body).toEqual({
        data: [
          {
            id: ID,
            kind: 'trial',
            currency: 'EUR',
            granted: '2.00',
            remaining: '2.00',
            held: '0.00',
            expiresAt: null,
            createdAt: t.clock.now().toISOString(),
            scope: null,
          },
        ],
      });

      // Opening again (a retry, a second host, the start-up sweep) grants nothing more.
      expect(await t.host.wallet.openWallet({ accountId: a.accountId })).toEqual({ created: false });
      const history = await t.request({ path: '/v1/wallet/history', key: a.key });
      expect(history.body.data).toEqual([
        expect.objectContaining({ type: 'grant', status: 'final', currency: 'EUR', amount: '2.00', description: 'Trial credit', entryCount: 1 }),
      ]);
      const support = await t.request({ path: `/admin/accounts/${a.accountId}/wallet`, key: t.adminKey });
      expect(support.body).toEqual(balance.body);
    });

    it('opens the wallet of an account that has none on first use', async () => {
      // An account made before the wallet existed: no wallet row.
      await t.db.query(`insert into accounts (id, name, created_at) values ('acc_00000000000000000000000000', 'Old', $1)`, [t.clock.now()]);
      const issued = await t.request({
        method: 'POST',
        path: '/admin/accounts/acc_00000000000000000000000000/api-keys',
        key: t.adminKey,
        body: { name: 'old', role: 'owner' },
      });
      expect(issued.status).toBe(201);
      const balance = await t.request({ path: '/v1/wallet', key: issued.body.key });
      expect(balance.status).toBe(200);
      expect(balance.body).toMatchObject({ available: '2.00', byKind: { trial: { available: '2.00' } } });
    });

    it('charges at the price in force at the time of use and lists it in the history with the balance after (W-5, W-7, W-9)', async () => {
      const sms = newChannel();
      const a = await newAccount();
      await setPrice(sms, '0.15', new Date(t.clock.now().getTime() - 30 * 86_400_000));
      await setPrice(sms, '0.18', new Date(t.clock.now().getTime() + 3_600_000));
      const prices = await t.request({ path: `/v1/catalog/prices?channel=${sms}`, key: a.memberKey });
      expect(prices.body.data).toEqual([
        { id: ID, channel: sms, unit: 'message', country: '*', plan: '*', currency: 'EUR', unitPrice: '0.15', effectiveFrom: ISO },
        { id: ID, channel: sms, unit: 'message', country: '*', plan: '*', currency: 'EUR', unitPrice: '0.18', effectiveFrom: ISO },
      ]);

      const first = await charge(a.key, { channel: sms, units: '1', description: 'Reminder to Ann', idempotencyKey: 'c-1' });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        transactionId: ID,
        accountId: a.accountId,
        currency: 'EUR',
        channel: sms,
        units: '1',
        freeUnits: '0',
        allowanceUnits: '0',
        unitPrice: '0.15',
        amount: '0.15',
        balanceAfter: '1.85',
        lots: [{ lotId: ID, kind: 'trial', amount: '0.15' }],
        createdAt: t.clock.now().toISOString(),
      });

      t.clock.advance({ hours: 1 });
      const second = await charge(a.key, { channel: sms, units: '1', description: 'Reminder to Bob', idempotencyKey: 'c-2' });
      expect(second.body).toMatchObject({ unitPrice: '0.18', amount: '0.18', balanceAfter: '1.67' });
      expect((await t.request({ path: '/v1/wallet', key: a.key })).body).toMatchObject({ available: '1.67', pending: '0.00', total: '1.67' });

      const history = await t.request({ path: '/v1/wallet/history?view=entries', key: a.memberKey });
      expect(history.status).toBe(200);
      expect(history.body.nextCursor).toBeNull();
      expect(history.body.data.map((e: Record<string, unknown>) => [e.type, e.channel, e.description, e.amount, e.balanceAfter])).toEqual([
        ['charge', sms, 'Reminder to Bob', '-0.18', '1.67'],
        ['charge', sms, 'Reminder to Ann', '-0.15', '1.85'],
        ['grant', null, 'Trial credit', '2.00', '2.00'],
      ]);
      expect(history.body.data[0]).toEqual({
        transactionId: second.body.transactionId,
        type: 'charge',
        channel: sms,
        description: 'Reminder to Bob',
        currency: 'EUR',
        amount: '-0.18',
        balanceAfter: '1.67',
        holdId: null,
        reversesId: null,
        createdAt: ISO,
        lots: [{ lotId: first.body.lots[0].lotId, kind: 'trial', amount: '-0.18' }],
      });

      // As lines (the default): the same three, each final, without the running balance.
      const lines = await t.request({ path: '/v1/wallet/history', key: a.memberKey });
      expect(lines.body.data.map((e: Record<string, unknown>) => [e.id, e.type, e.status, e.description, e.amount])).toEqual([
        [second.body.transactionId, 'spend', 'final', 'Reminder to Bob', '-0.18'],
        [first.body.transactionId, 'spend', 'final', 'Reminder to Ann', '-0.15'],
        [expect.any(String), 'grant', 'final', 'Trial credit', '2.00'],
      ]);

      // Filters and pages.
      const grants = await t.request({ path: '/v1/wallet/history?type=grant', key: a.key });
      expect(grants.body.data.map((e: { type: string }) => e.type)).toEqual(['grant']);
      const byChannel = await t.request({ path: `/v1/wallet/history?channel=${sms}`, key: a.key });
      expect(byChannel.body.data).toHaveLength(2);
      const period = await t.request({
        path: `/v1/wallet/history?from=${encodeURIComponent(new Date(t.clock.now().getTime() - 60_000).toISOString())}`,
        key: a.key,
      });
      expect(period.body.data.map((e: { description: string }) => e.description)).toEqual(['Reminder to Bob']);
      const page1 = await t.request({ path: '/v1/wallet/history?limit=2', key: a.key });
      expect(page1.body.data).toHaveLength(2);
      const page2 = await t.request({ path: `/v1/wallet/history?limit=2&before=${page1.body.nextCursor}`, key: a.key });
      expect(page2.body).toEqual({ data: [expect.objectContaining({ type: 'grant' })], nextCursor: null });
      expect((await t.request({ path: '/v1/wallet/history?type=charge', key: a.key })).body.data).toHaveLength(2);
      expect((await t.request({ path: '/v1/wallet/history?type=payout', key: a.key })).body.data).toEqual([]);
      expect((await t.request({ path: '/v1/wallet/history?type=payout&view=entries', key: a.key })).status).toBe(400);
      expect((await t.request({ path: '/v1/wallet/history?type=gift', key: a.key })).status).toBe(400);
      expect((await t.request({ path: '/v1/wallet/history?view=raw', key: a.key })).status).toBe(400);
    });

    it('exports the history as a CSV attachment', async () => {
      const sms = newChannel();
      const a = await newAccount();
      await setPrice(sms, '0.18');
      await charge(a.key, { channel: sms, units: '2', description: 'Two reminders', idempotencyKey: 'csv-1' });
      const res = await t.request({ path: '/v1/wallet/history.csv?view=entries', key: a.memberKey });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="wallet-history.csv"');
      const lines = String(res.body)
        .trim()
        .split('\n')
        .map((line) => line.split(','));
      expect(lines[0]).toEqual(['date', 'transaction_id', 'type', 'channel', 'description', 'amount', 'balance_after']);
      expect(lines.slice(1).map((l) => l.slice(2))).toEqual([
        ['charge', sms, 'Two reminders', '-0.36', '1.64'],
        ['grant', '', 'Trial credit', '2.00', '2.00'],
      ]);
      expect(lines[1]![0]).toBe(t.clock.now().toISOString());
      const filtered = await t.request({ path: '/v1/wallet/history.csv?type=grant', key: a.key });
      expect(String(filtered.body).trim().split('\n')).toHaveLength(2);
      // The default CSV has one row per line.
      const byLine = String((await t.request({ path: '/v1/wallet/history.csv', key: a.key })).body)
        .trim()
        .split('\n')
        .map((line) => line.split(','));
      expect(byLine[0]).toEqual(['date', 'id', 'type', 'status', 'channel', 'description', 'amount']);
      expect(byLine.slice(1).map((l) => l.slice(2))).toEqual([
        ['spend', 'final', sms, 'Two reminders', '-0.36'],
        ['grant', 'final', '', 'Trial credit', '2.00'],
      ]);
    });

    it('history lines: a use is one line with its final cost, pending while held; its detail lists the entries; personal data is masked', async () => {
      const voice = newChannel();
      const a = await newAccount();
      const b = await newAccount();
      await setPrice(voice, '0.0125');
      // A €0.05 call: €0.50 held for 40 minutes, 4 used.
      const held = await t.request({
        method: 'POST',
        path: '/v1/wallet/holds',
        key: a.key,
        body: { channel: voice, units: '40', description: 'Call to +32 471 23 45 67' },
      });
      expect(held.status).toBe(201);
      const pending = (await t.request({ path: '/v1/wallet/history?limit=1', key: a.memberKey })).body.data[0];
      expect(pending).toMatchObject({
        type: 'spend',
        status: 'pending',
        amount: '-0.50',
        holdId: held.body.id,
        description: 'Call to +32 ••• •• •• 67',
        entryCount: 1,
      });
      // The hold itself reads masked too.
      expect((await t.request({ path: `/v1/wallet/holds/${held.body.id}`, key: a.memberKey })).body.description).toBe('Call to +32 ••• •• •• 67');
      t.clock.advance({ minutes: 5 });
      const captured = await t.request({ method: 'POST', path: `/v1/wallet/holds/${held.body.id}/capture`, key: a.key, body: { units: '4' } });
      expect(captured.status).toBe(200);
      await charge(a.key, { channel: voice, units: '8', description: 'Fax to ann.peeters@acme.test', idempotencyKey: 'fax' });

      const lines = (await t.request({ path: '/v1/wallet/history', key: a.memberKey })).body.data;
      expect(lines.map((l: Record<string, unknown>) => [l.type, l.status, l.description, l.amount, l.entryCount])).toEqual([
        ['spend', 'final', 'Fax to a•••@acme.test', '-0.10', 1],
        ['spend', 'final', 'Call to +32 ••• •• •• 67', '-0.05', 2],
        ['grant', 'final', 'Trial credit', '2.00', 1],
      ]);
      expect(lines[1]).toMatchObject({ id: pending.id, createdAt: pending.createdAt, updatedAt: t.clock.now().toISOString() });

      // The detail, by the line's id or any of its entries' (the capture's), masked too.
      const detail = await t.request({ path: `/v1/wallet/history/${captured.body.transactionId}`, key: a.memberKey });
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({ id: pending.id, type: 'spend', amount: '-0.05', status: 'final' });
      expect(detail.body.entries.map((e: Record<string, unknown>) => [e.type, e.amount, e.description])).toEqual([
        ['hold', '-0.50', 'Call to +32 ••• •• •• 67'],
        ['capture', '0.45', 'Call to +32 ••• •• •• 67'],
      ]);
      expect((await t.request({ path: `/v1/wallet/history/${pending.id}`, key: b.key })).status).toBe(404);
      expect((await t.request({ path: '/v1/wallet/history/999999999', key: a.key })).body.error.code).toBe('not_found');
      expect((await t.request({ path: '/v1/wallet/history/abc', key: a.key })).status).toBe(400);

      // The CSV of lines and of entries masks the same way; the ledger keeps the number.
      const csv = String((await t.request({ path: '/v1/wallet/history.csv', key: a.key })).body);
      const entriesCsv = String((await t.request({ path: '/v1/wallet/history.csv?view=entries', key: a.key })).body);
      for (const text of [csv, entriesCsv]) {
        expect(text).toContain('Call to +32 ••• •• •• 67');
        expect(text).toContain('Fax to a•••@acme.test');
        expect(text).not.toMatch(/471|peeters/);
      }
      expect(csv).toContain(',spend,final,' + voice + ',Call to +32 ••• •• •• 67,-0.05');
      const { rows } = await t.db.query<{ description: string }>('select description from ledger_transactions where hold_id = $1 order by id', [held.body.id]);
      expect(rows.map((r) => r.description)).toEqual(['Call to +32 471 23 45 67', 'Call to +32 471 23 45 67']);
    });

    it('replays an idempotent charge with the first status and body; the key may come in the Idempotency-Key header', async () => {
      const sms = newChannel();
      const a = await newAccount();
      await setPrice(sms, '0.18');

      const first = await charge(a.key, { channel: sms, units: '1' }, { 'Idempotency-Key': 'order-42' });
      expect(first.status).toBe(201);
      const before = await ledger(a.accountId, a.key);
      const replay = await charge(a.key, { channel: sms, units: '1', idempotencyKey: 'order-42' });
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      const both = await charge(a.key, { channel: sms, units: '1', idempotencyKey: 'order-42' }, { 'Idempotency-Key': 'order-42' });
      expect(both.body).toEqual(first.body);
      expect(await ledger(a.accountId, a.key)).toEqual(before);

      await expectRefused(a, () => charge(a.key, { channel: sms, units: '2', idempotencyKey: 'order-42' }), {
        status: 409,
        code: 'idempotency_key_reused',
        message: /order-42/,
      });
      await expectRefused(a, () => charge(a.key, { channel: sms, units: '1', idempotencyKey: 'a' }, { 'Idempotency-Key': 'b' }), {
        status: 400,
        code: 'idempotency_key_mismatch',
      });
      await expectRefused(a, () => charge(a.key, { channel: sms, units: '1' }), { status: 400, code: 'idempotency_key_required' });
      await expectRefused(a, () => charge(a.key, { channel: sms, units: '1' }, { 'Idempotency-Key': 'has space' }), {
        status: 400,
        code: 'invalid_idempotency_key',
      });

      // A refusal is a first response too: the same key gets it again, even once credit is there.
      const refused = await expectRefused(a, () => charge(a.key, { channel: sms, units: '20', idempotencyKey: 'big' }), {
        status: 422,
        code: 'insufficient_funds',
        message: /€3\.60 needed, €1\.82 available/,
      });
      const topUp = await t.request({
        method: 'POST',
        path: `/admin/accounts/${a.accountId}/wallet/grants`,
        key: t.adminKey,
        body: { kind: 'promo', amount: '5.00', idempotencyKey: 'promo-1' },
      });
      expect(topUp.status).toBe(201);
      const again = await charge(a.key, { channel: sms, units: '20', idempotencyKey: 'big' });
      expect(again.status).toBe(422);
      expect(again.body).toEqual(refused.body);
      const fresh = await charge(a.key, { channel: sms, units: '20', idempotencyKey: 'big-2' });
      expect(fresh.status).toBe(201);
      expect(fresh.body).toMatchObject({ amount: '3.60', balanceAfter: '3.22' });
    });

    it('refuses bad input with a 4xx, a clear code and message, and changes nothing in the ledger', async () => {
      const sms = newChannel();
      const a = await newAccount();
      await setPrice(sms, '0.18');
      const ok = { channel: sms, units: '1', idempotencyKey: 'bad-input' };
      const cases: Array<[string, object, number, string, RegExp?]> = [
        ['units as a JSON number', { ...ok, units: 1 }, 400, 'validation_failed', /units: must be a decimal string such as "1", not a JSON number/],
        ['units as a float', { ...ok, units: 0.5 }, 400, 'validation_failed', /units/],
        ['more than 6 decimals', { ...ok, units: '0.1234567' }, 400, 'validation_failed', /at most 6 decimals/],
        ['zero units', { ...ok, units: '0' }, 400, 'validation_failed', /greater than zero/],
        ['negative units', { ...ok, units: '-1' }, 400, 'validation_failed', /greater than zero/],
        ['an exponent', { ...ok, units: '1e3' }, 400, 'validation_failed', /decimal string/],
        ['an unknown channel', { ...ok, channel: 'no-such-channel' }, 400, 'unknown_channel', /no-such-channel/],
        ['a malformed channel', { ...ok, channel: 'Not A Channel' }, 400, 'validation_failed', /channel/],
        ['an unknown currency', { ...ok, currency: 'USD' }, 400, 'unknown_currency', /USD/],
        ['a bad country', { ...ok, country: 'Belgium' }, 400, 'validation_failed', /country/],
        ["another account's wallet", { ...ok, accountId: 'acc_01jzzzzzzzzzzzzzzzzzzzzzzz' }, 400, 'validation_failed', /accountId/],
        ['more than the balance', { ...ok, units: '12', idempotencyKey: 'too-much' }, 422, 'insufficient_funds', /€2\.16 needed, €2\.00 available/],
      ];
      for (const [name, body, status, code, message] of cases) {
        const res = await expectRefused(a, () => charge(a.key, body, {}), { status, code, ...(message ? { message } : {}) });
        expect(res.status, name).toBe(status);
      }
      const numberDetails = await charge(a.key, { ...ok, units: 1 });
      expect(numberDetails.body.error.details).toEqual([expect.objectContaining({ path: ['units'] })]);
      // None of the refusals above spent the key: it still works.
      expect((await charge(a.key, ok)).status).toBe(201);
    });

    it('holds: place, read, capture part (the rest comes back) or release (W-6)', async () => {
      const sms = newChannel();
      const a = await newAccount();
      await setPrice(sms, '0.18');
      const placed = await t.request({
        method: 'POST',
        path: '/v1/wallet/holds',
        key: a.key,
        body: { channel: sms, units: '3', description: 'Call', idempotencyKey: 'h-1' },
      });
      expect(placed.status).toBe(201);
      expect(placed.body).toEqual({
        id: ID,
        accountId: a.accountId,
        currency: 'EUR',
        channel: sms,
        description: 'Call',
        units: '3',
        country: null,
        unitPrice: '0.18',
        freeUnits: '0',
        allowanceUnits: '0',
        amount: '0.54',
        captured: '0.00',
        status: 'pending',
        expiresAt: new Date(t.clock.now().getTime() + 7 * 86_400_000).toISOString(),
        createdAt: t.clock.now().toISOString(),
        settledAt: null,
        lots: [{ lotId: ID, kind: 'trial', amount: '0.54' }],
      });
      const holdId = placed.body.id as string;
      expect((await t.request({ path: '/v1/wallet', key: a.key })).body).toMatchObject({
        available: '1.46',
        pending: '0.54',
        total: '2.00',
        byKind: { trial: { available: '1.46', pending: '0.54' } },
      });
      const read = await t.request({ path: `/v1/wallet/holds/${holdId}`, key: a.memberKey });
      expect(read.body).toMatchObject({ id: holdId, status: 'pending', amount: '0.54', currency: 'EUR' });
      const pending = await t.request({ path: '/v1/wallet/holds?status=pending', key: a.memberKey });
      expect(pending.body).toEqual({ data: [expect.objectContaining({ id: holdId })], nextCursor: null });
      expect((await t.request({ path: '/v1/wallet/lots', key: a.key })).body.data[0]).toMatchObject({ remaining: '1.46', held: '0.54' });

      // A retry a minute later (no expiresAt given) is the same request: the first answer comes back.
      t.clock.advance({ minutes: 1 });
      const retried = await t.request({
        method: 'POST',
        path: '/v1/wallet/holds',
        key: a.key,
        body: { channel: sms, units: '3', description: 'Call' },
        headers: { 'Idempotency-Key': 'h-1' },
      });
      expect(retried.status).toBe(201);
      expect(retried.body).toEqual(placed.body);

      await expectRefused(a, () => t.request({ method: 'POST', path: `/v1/wallet/holds/${holdId}/capture`, key: a.key, body: { amount: '0.60' } }), {
        status: 422,
        code: 'capture_exceeds_hold',
        message: /€0\.60.*€0\.54/,
      });
      await expectRefused(a, () => t.request({ method: 'POST', path: `/v1/wallet/holds/${holdId}/capture`, key: a.key, body: { units: '4' } }), {
        status: 422,
        code: 'capture_exceeds_hold',
      });
      await expectRefused(a, () => t.request({ method: 'POST', path: `/v1/wallet/holds/${holdId}/capture`, key: a.key, body: { amount: '0.1', units: '1' } }), {
        status: 400,
        code: 'validation_failed',
        message: /units or amount/,
      });
      await expectRefused(a, () => t.request({ method: 'POST', path: `/v1/wallet/holds/${holdId}/capture`, key: a.key, body: { amount: 0.1 } }), {
        status: 400,
        code: 'validation_failed',
      });
      await expectRefused(a, () => t.request({ method: 'POST', path: `/v1/wallet/holds/${holdId}/capture`, key: a.key, body: { amount: '0.001' } }), {
        status: 400,
        code: 'validation_failed',
        message: /at most 2 decimals/,
      });
      await expectRefused(a, () => t.request({ method: 'POST', path: `/v1/wallet/holds/${holdId}/capture`, key: a.key, body: { currency: 'GBP' } }), {
        status: 400,
        code: 'unknown_currency',
      });

      const captured = await t.request({
        method: 'POST',
        path: `/v1/wallet/holds/${holdId}/capture`,
        key: a.key,
        body: { units: '2', idempotencyKey: 'cap-1' },
      });
      expect(captured.status).toBe(200);
      expect(captured.body).toMatchObject({
        id: holdId,
        status: 'captured',
        amount: '0.54',
        captured: '0.36',
        balanceAfter: '1.64',
        transactionId: ID,
        settledAt: t.clock.now().toISOString(),
      });
      expect((await t.request({ path: '/v1/wallet', key: a.key })).body).toMatchObject({ available: '1.64', pending: '0.00' });
      const replay = await t.request({
        method: 'POST',
        path: `/v1/wallet/holds/${holdId}/capture`,
        key: a.key,
        body: { units: '2' },
        headers: { 'Idempotency-Key': 'cap-1' },
      });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(captured.body);

      await expectRefused(a, () => t.request({ method: 'POST', path: `/v1/wallet/holds/${holdId}/capture`, key: a.key, body: {} }), {
        status: 409,
        code: 'hold_not_pending',
        message: /captured/,
      });
      await expectRefused(a, () => t.request({ method: 'POST', path: `/v1/wallet/holds/${holdId}/release`, key: a.key, body: {} }), {
        status: 409,
        code: 'hold_not_pending',
      });
      await expectRefused(a, () => t.request({ method: 'POST', path: '/v1/wallet/holds/999999999/capture', key: a.key, body: {} }), {
        status: 404,
        code: 'not_found',
      });

      // Release gives everything back.
      const second = await t.request({ method: 'POST', path: '/v1/wallet/holds', key: a.key, body: { channel: sms, units: '1' } });
      expect((await t.request({ path: '/v1/wallet', key: a.key })).body).toMatchObject({ available: '1.46', pending: '0.18' });
      const released = await t.request({ method: 'POST', path: `/v1/wallet/holds/${second.body.id}/release`, key: a.key });
      expect(released.status).toBe(200);
      expect(released.body).toMatchObject({ status: 'released', captured: '0.00', balanceAfter: '1.64' });
      const history = await t.request({ path: '/v1/wallet/history?limit=3&view=entries', key: a.key });
      expect(history.body.data.map((e: { type: string; amount: string; holdId: string }) => [e.type, e.amount, e.holdId])).toEqual([
        ['release', '0.18', second.body.id],
        ['hold', '-0.18', second.body.id],
        ['capture', '0.18', holdId],
      ]);
      // As lines: each hold is one spend with its final cost: €0.36 of the €0.54 held (the entries' "capture 0.18" is what came back); the released one cost nothing.
      const lines = await t.request({ path: '/v1/wallet/history?limit=2', key: a.key });
      expect(lines.body.data.map((e: { type: string; status: string; amount: string; holdId: string }) => [e.type, e.status, e.amount, e.holdId])).toEqual([
        ['spend', 'final', '0.00', second.body.id],
        ['spend', 'final', '-0.36', holdId],
      ]);
    });

    it('an expired hold cannot be captured or released; the expiry job releases it', async () => {
      const sms = newChannel();
      const a = await newAccount();
      await setPrice(sms, '0.18');
      const expiresAt = new Date(t.clock.now().getTime() + 3_600_000).toISOString();
      const placed = await t.request({ method: 'POST', path: '/v1/wallet/holds', key: a.key, body: { channel: sms, units: '2', expiresAt } });
      expect(placed.status).toBe(201);
      expect(placed.body.expiresAt).toBe(expiresAt);
      await expectRefused(
        a,
        () => t.request({ method: 'POST', path: '/v1/wallet/holds', key: a.key, body: { channel: sms, units: '1', expiresAt: t.clock.now().toISOString() } }),
        { status: 400, code: 'invalid_expiry' },
      );
      await expectRefused(
        a,
        () => t.request({ method: 'POST', path: '/v1/wallet/holds', key: a.key, body: { channel: sms, units: '1', expiresAt: 'tomorrow' } }),
        { status: 400, code: 'validation_failed' },
      );

      t.clock.advance({ hours: 2 });
      await expectRefused(a, () => t.request({ method: 'POST', path: `/v1/wallet/holds/${placed.body.id}/capture`, key: a.key, body: {} }), {
        status: 409,
        code: 'hold_expired',
      });
      await expectRefused(a, () => t.request({ method: 'POST', path: `/v1/wallet/holds/${placed.body.id}/release`, key: a.key, body: {} }), {
        status: 409,
        code: 'hold_expired',
      });
      expect((await t.request({ path: '/v1/wallet', key: a.key })).body).toMatchObject({ available: '1.64', pending: '0.36' });

      expect(await t.host.wallet.expireHolds()).toBeGreaterThanOrEqual(1);
      expect((await t.request({ path: `/v1/wallet/holds/${placed.body.id}`, key: a.key })).body).toMatchObject({ status: 'expired', captured: '0.00' });
      expect((await t.request({ path: '/v1/wallet', key: a.key })).body).toMatchObject({ available: '2.00', pending: '0.00' });
      expect((await t.request({ path: '/v1/wallet/holds?status=expired', key: a.key })).body.data).toHaveLength(1);
    });

    it("keeps accounts apart: another account's hold or transaction is a 404 and nothing moves", async () => {
      const sms = newChannel();
      const a = await newAccount();
      const b = await newAccount();
      await setPrice(sms, '0.18');
      const hold = await t.request({ method: 'POST', path: '/v1/wallet/holds', key: a.key, body: { channel: sms, units: '1' } });
      const spent = await charge(a.key, { channel: sms, units: '1', idempotencyKey: 'mine' });
      const holdPath = `/v1/wallet/holds/${hold.body.id}`;

      expect((await t.request({ path: holdPath, key: b.key })).status).toBe(404);
      for (const [who, path] of [
        [b, `${holdPath}/capture`],
        [b, `${holdPath}/release`],
        [b, `/v1/wallet/transactions/${spent.body.transactionId}/reverse`],
      ] as const) {
        await expectRefused(a, () => t.request({ method: 'POST', path, key: who.key, body: path.endsWith('reverse') ? { reason: 'mine now' } : {} }), {
          status: 404,
          code: 'not_found',
        });
      }
      expect((await t.request({ path: '/v1/wallet', key: b.key })).body).toMatchObject({ accountId: b.accountId, available: '2.00' });
      expect((await t.request({ path: '/v1/wallet/history', key: b.key })).body.data).toHaveLength(1);
      expect((await t.request({ path: '/v1/wallet/holds', key: b.key })).body.data).toEqual([]);
      // Non-numeric ids are refused as input.
      expect((await t.request({ path: '/v1/wallet/holds/abc', key: a.key })).status).toBe(400);
      // An admin key is not an account key.
      expect((await t.request({ path: '/v1/wallet', key: t.adminKey })).status).toBe(403);
    });

    it('a member key reads the wallet but cannot move money (403 insufficient_role)', async () => {
      const sms = newChannel();
      const a = await newAccount();
      await setPrice(sms, '0.18');
      const hold = await t.request({ method: 'POST', path: '/v1/wallet/holds', key: a.key, body: { channel: sms, units: '1' } });
      const spent = await charge(a.key, { channel: sms, units: '1', idempotencyKey: 'owner-charge' });
      for (const path of [
        '/v1/wallet',
        '/v1/wallet/lots',
        '/v1/wallet/holds',
        `/v1/wallet/holds/${hold.body.id}`,
        '/v1/wallet/history',
        '/v1/wallet/history.csv',
        '/v1/wallet/quotas',
        '/v1/catalog/prices',
      ]) {
        expect((await t.request({ path, key: a.memberKey })).status, path).toBe(200);
      }
      const writes: Array<[string, object]> = [
        ['/v1/wallet/charges', { channel: sms, units: '1', idempotencyKey: 'member' }],
        ['/v1/wallet/charges', { units: 1 }], // the role is checked before the input
        ['/v1/wallet/holds', { channel: sms, units: '1' }],
        [`/v1/wallet/holds/${hold.body.id}/capture`, {}],
        [`/v1/wallet/holds/${hold.body.id}/release`, {}],
        [`/v1/wallet/transactions/${spent.body.transactionId}/reverse`, { reason: 'no' }],
      ];
      for (const [path, body] of writes) {
        await expectRefused({ accountId: a.accountId, key: a.key }, () => t.request({ method: 'POST', path, key: a.memberKey, body }), {
          status: 403,
          code: 'insufficient_role',
          message: /admin role/,
        });
      }
      // An admin key of the account may.
      const adminKey = (await t.request({ method: 'POST', path: '/v1/api-keys', key: a.key, body: { name: 'billing', role: 'admin' } })).body.key as string;
      expect((await charge(adminKey, { channel: sms, units: '1', idempotencyKey: 'admin-charge' })).status).toBe(201);
    });

    it('reverses a charge into the lots it came from, once (W-2)', async () => {
      const sms = newChannel();
      const a = await newAccount();
      await setPrice(sms, '0.18');
      const spent = await charge(a.key, { channel: sms, units: '1', idempotencyKey: 'to-refund' });
      const path = `/v1/wallet/transactions/${spent.body.transactionId}/reverse`;
      const reversed = await t.request({ method: 'POST', path, key: a.key, body: { reason: 'SMS not delivered', idempotencyKey: 'refund-1' } });
      expect(reversed.status).toBe(201);
      expect(reversed.body).toEqual({
        transactionId: ID,
        reversesId: spent.body.transactionId,
        accountId: a.accountId,
        currency: 'EUR',
        amount: '0.18',
        balanceAfter: '2.00',
        reason: 'SMS not delivered',
        createdAt: ISO,
      });
      const replay = await t.request({ method: 'POST', path, key: a.key, body: { reason: 'SMS not delivered' }, headers: { 'Idempotency-Key': 'refund-1' } });
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(reversed.body);
      await expectRefused(a, () => t.request({ method: 'POST', path, key: a.key, body: { reason: 'again' } }), {
        status: 409,
        code: 'not_reversible',
        message: /already reversed/,
      });
      const grant = (await t.request({ path: '/v1/wallet/history?type=grant&view=entries', key: a.key })).body.data[0];
      await expectRefused(
        a,
        () => t.request({ method: 'POST', path: `/v1/wallet/transactions/${grant.transactionId}/reverse`, key: a.key, body: { reason: 'x' } }),
        { status: 409, code: 'not_reversible' },
      );
      await expectRefused(a, () => t.request({ method: 'POST', path, key: a.key, body: {} }), { status: 400, code: 'validation_failed', message: /reason/ });
      const history = await t.request({ path: '/v1/wallet/history?limit=1&view=entries', key: a.key });
      expect(history.body.data[0]).toMatchObject({
        type: 'reversal',
        amount: '0.18',
        balanceAfter: '2.00',
        reversesId: spent.body.transactionId,
        description: 'Refund: ' + sms,
      });
      expect((await t.request({ path: '/v1/wallet/lots', key: a.key })).body.data).toEqual([expect.objectContaining({ kind: 'trial', remaining: '2.00' })]);
    });

    it('support grants: promo credit that expires soonest is spent first, then expires into its own account (W-4)', async () => {
      const sms = newChannel();
      const a = await newAccount();
      await setPrice(sms, '0.18');
      const grants = `/admin/accounts/${a.accountId}/wallet/grants`;
      const expiresAt = new Date(t.clock.now().getTime() + 86_400_000).toISOString();
      const promo = await t.request({
        method: 'POST',
        path: grants,
        key: t.adminKey,
        body: { kind: 'promo', amount: '1.00', expiresAt, description: 'Welcome back', idempotencyKey: 'promo-a' },
      });
      expect(promo.status).toBe(201);
      expect(promo.body).toEqual({
        transactionId: ID,
        lotId: ID,
        accountId: a.accountId,
        currency: 'EUR',
        kind: 'promo',
        amount: '1.00',
        expiresAt,
        balanceAfter: '3.00',
        createdAt: ISO,
        scope: null,
      });
      const purchased = await t.request({
        method: 'POST',
        path: grants,
        key: t.adminKey,
        body: { kind: 'purchased', amount: '5.00' },
        headers: { 'Idempotency-Key': 'bank-transfer-7' },
      });
      expect(purchased.body).toMatchObject({ kind: 'purchased', balanceAfter: '8.00' });
      expect(
        (await t.request({ method: 'POST', path: grants, key: t.adminKey, body: { kind: 'purchased', amount: '5.00', idempotencyKey: 'bank-transfer-7' } }))
          .body,
      ).toEqual(purchased.body);

      const bad: Array<[object, string]> = [
        [{ kind: 'gift', amount: '1.00', idempotencyKey: 'g' }, 'validation_failed'],
        [{ kind: 'promo', amount: '1.001', idempotencyKey: 'g' }, 'validation_failed'],
        [{ kind: 'promo', amount: '0', idempotencyKey: 'g' }, 'validation_failed'],
        [{ kind: 'promo', amount: 1, idempotencyKey: 'g' }, 'validation_failed'],
        [{ kind: 'promo', amount: '1.00', currency: 'USD', idempotencyKey: 'g' }, 'unknown_currency'],
        [{ kind: 'promo', amount: '1.00' }, 'idempotency_key_required'],
        [{ kind: 'promo', amount: '1.00', expiresAt: new Date(t.clock.now().getTime() - 1000).toISOString(), idempotencyKey: 'g' }, 'invalid_expiry'],
      ];
      for (const [body, code] of bad) await expectRefused(a, () => t.request({ method: 'POST', path: grants, key: t.adminKey, body }), { status: 400, code });
      await expectRefused(a, () => t.request({ method: 'POST', path: grants, key: a.key, body: { kind: 'promo', amount: '1.00', idempotencyKey: 'self' } }), {
        status: 403,
        code: 'admin_only',
      });
      expect(
        (
          await t.request({
            method: 'POST',
            path: '/admin/accounts/acc_01jzzzzzzzzzzzzzzzzzzzzzzz/wallet/grants',
            key: t.adminKey,
            body: { kind: 'promo', amount: '1.00', idempotencyKey: 'x' },
          })
        ).status,
      ).toBe(404);

      const lots = await t.request({ path: '/v1/wallet/lots', key: a.key });
      expect(lots.body.data.map((l: { kind: string; remaining: string }) => [l.kind, l.remaining])).toEqual([
        ['trial', '2.00'],
        ['promo', '1.00'],
        ['purchased', '5.00'],
      ]);
      const spent = await charge(a.key, { channel: sms, units: '1', idempotencyKey: 'first-spend' });
      expect(spent.body.lots).toEqual([{ lotId: promo.body.lotId, kind: 'promo', amount: '0.18' }]);
      expect((await t.request({ path: '/v1/wallet', key: a.key })).body.byKind).toMatchObject({
        promo: { available: '0.82' },
        trial: { available: '2.00' },
        purchased: { available: '5.00' },
      });

      t.clock.advance({ days: 2 });
      expect((await t.request({ path: '/v1/wallet', key: a.key })).body).toMatchObject({ available: '7.00' }); // expired credit is not spendable
      expect(await t.host.wallet.expireLots()).toBeGreaterThanOrEqual(1);
      const history = await t.request({ path: '/v1/wallet/history?type=expire_lot&view=entries', key: a.key });
      expect(history.body.data).toEqual([expect.objectContaining({ amount: '-0.82', balanceAfter: '7.00', description: 'Expired promo credit' })]);
      const all = await t.request({ path: '/v1/wallet/lots?includeEmpty=true', key: a.key });
      expect(all.body.data.map((l: { kind: string; remaining: string }) => [l.kind, l.remaining])).toEqual([
        ['trial', '2.00'],
        ['promo', '0.00'],
        ['purchased', '5.00'],
      ]);
      expect((await t.request({ path: '/v1/wallet/lots', key: a.key })).body.data).toHaveLength(2);
    });

    it("free monthly quota first, visible to the account, reset at the start of the month in the account's time zone (W-8)", async () => {
      const scan = newChannel();
      const a = await newAccount();
      await setPrice(scan, '0.10');
      const quota = await t.request({ method: 'PUT', path: `/admin/catalog/quotas/${scan}`, key: t.adminKey, body: { freeUnits: '2' } });
      expect(quota.status).toBe(200);
      expect(quota.body).toEqual({ channel: scan, freeUnits: '2' });
      expect((await t.request({ method: 'PUT', path: `/admin/catalog/quotas/${scan}`, key: t.adminKey, body: { freeUnits: 2 } })).status).toBe(400);

      // The account moves to New York: the wallet follows (quota months are the account's).
      const patched = await t.request({ method: 'PATCH', path: '/v1/account', key: a.key, body: { timeZone: 'America/New_York' } });
      expect(patched.status).toBe(200);
      const {
        rows: [wallet],
      } = await t.db.query<{ time_zone: string }>('select time_zone from wallets where account_id = $1', [a.accountId]);
      expect(wallet!.time_zone).toBe('America/New_York');

      const spent = await charge(a.key, { channel: scan, units: '3', idempotencyKey: 'scan-batch' });
      expect(spent.body).toMatchObject({ units: '3', freeUnits: '2', unitPrice: '0.10', amount: '0.10', balanceAfter: '1.90' });
      const month = t.clock.now().toISOString().slice(0, 7);
      const usage = await t.request({ path: '/v1/wallet/quotas', key: a.memberKey });
      expect(usage.body.data).toContainEqual({
        channel: scan,
        period: `${month}-01`,
        freeUnits: '2',
        used: '2',
        remaining: '0',
        resetsAt: expect.stringMatching(/^\d{4}-\d\d-01$/),
      });

      // To the first instant of next month in UTC: still last month in New York.
      const resetsAt = usage.body.data.find((q: { channel: string }) => q.channel === scan).resetsAt as string;
      const utcMonthStart = new Date(`${resetsAt}T00:00:00Z`);
      t.clock.advance({ ms: utcMonthStart.getTime() + 3_600_000 - t.clock.now().getTime() });
      const late = await t.request({ path: '/v1/wallet/quotas', key: a.key });
      expect(late.body.data).toContainEqual(expect.objectContaining({ channel: scan, period: `${month}-01`, remaining: '0' }));
      const stillPaid = await charge(a.key, { channel: scan, units: '1', idempotencyKey: 'late-scan' });
      expect(stillPaid.body).toMatchObject({ freeUnits: '0', amount: '0.10' });

      t.clock.advance({ hours: 5 }); // 01:00 in New York on the 1st
      const reset = await t.request({ path: '/v1/wallet/quotas', key: a.key });
      expect(reset.body.data).toContainEqual({ channel: scan, period: resetsAt, freeUnits: '2', used: '0', remaining: '2', resetsAt: expect.any(String) });
      const free = await charge(a.key, { channel: scan, units: '1', idempotencyKey: 'new-month' });
      expect(free.body).toMatchObject({ freeUnits: '1', amount: '0.00', balanceAfter: '1.80' });
    });

    it('prices and quotas are written by platform admins only; prices are rows with dates, never edited (W-7)', async () => {
      const sms = newChannel();
      const a = await newAccount();
      const at = new Date(t.clock.now().getTime() + 86_400_000);
      expect(
        (await t.request({ method: 'POST', path: '/admin/catalog/prices', key: a.key, body: { channel: sms, unit: 'message', unitPrice: '0.18' } })).status,
      ).toBe(403);
      expect((await t.request({ method: 'PUT', path: `/admin/catalog/quotas/${sms}`, key: a.key, body: { freeUnits: '1' } })).status).toBe(403);
      const bad: Array<[object, string]> = [
        [{ channel: sms, unit: 'message', unitPrice: 0.18 }, 'validation_failed'],
        [{ channel: sms, unit: 'message', unitPrice: '0.1234567' }, 'validation_failed'],
        [{ channel: sms, unit: 'message', unitPrice: '-0.18' }, 'validation_failed'],
        [{ channel: sms, unit: 'message', unitPrice: '0.18', currency: 'USD' }, 'unknown_currency'],
        [{ channel: sms, unit: 'message', unitPrice: '0.18', country: 'be' }, 'validation_failed'],
      ];
      for (const [body, code] of bad) {
        const res = await t.request({ method: 'POST', path: '/admin/catalog/prices', key: t.adminKey, body });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe(code);
      }
      const be = await setPrice(sms, '0.0125', at);
      expect(be).toMatchObject({ unitPrice: '0.0125', effectiveFrom: at.toISOString() });
      const country = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: sms, unit: 'message', unitPrice: '0.20', country: 'NL', effectiveFrom: at.toISOString() },
      });
      expect(country.body).toMatchObject({ country: 'NL', unitPrice: '0.20' });
      const same = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: sms, unit: 'message', unitPrice: '0.0125', effectiveFrom: at.toISOString() },
      });
      expect(same.status).toBe(201); // seeding the same row again is harmless
      const clash = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: sms, unit: 'message', unitPrice: '0.19', effectiveFrom: at.toISOString() },
      });
      expect(clash.status).toBe(409);
      expect(clash.body.error.code).toBe('price_exists');
      expect((await t.request({ path: `/v1/catalog/prices?channel=${sms}`, key: a.memberKey })).body.data).toHaveLength(2);

      // Not in force yet: the channel is known but has no price now.
      await expectRefused(a, () => charge(a.key, { channel: sms, units: '1', idempotencyKey: 'too-early' }), { status: 422, code: 'no_price' });
      t.clock.advance({ days: 1 });
      // Sub-cent unit prices: 3 × 0.0125 = 0.0375, charged 0.04 (half-up); NL has its own price.
      expect((await charge(a.key, { channel: sms, units: '3', idempotencyKey: 'sub-cent' })).body).toMatchObject({ unitPrice: '0.0125', amount: '0.04' });
      expect((await charge(a.key, { channel: sms, units: '1', country: 'NL', idempotencyKey: 'nl' })).body).toMatchObject({
        unitPrice: '0.20',
        amount: '0.20',
      });
    });

    it('plugins spend through coreServices.wallet; a declared free quota is synced to the catalog at start-up', async () => {
      const quotas = await t.request({ path: '/admin/catalog/quotas', key: t.adminKey });
      expect(quotas.body.data).toContainEqual({ channel: 'test-scan', freeUnits: '2' });
      const a = await newAccount();
      const scan = (key: string) => t.request({ method: 'POST', path: '/v1/plugins/test-wallet/scans', key: a.key, body: { file: 'receipt.pdf', key } });
      const quote = () => t.request({ path: '/v1/plugins/test-wallet/quote', key: a.key }).then((r) => r.body);
      expect(await quote()).toEqual({ amount: '0.00', freeUnits: '1', unitPrice: '0.10', available: '2.00', affordable: true, reason: null });
      const first = await scan('r-1');
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.body).toMatchObject({ status: 'completed', amount: '0.00', available: '2.00', result: { fields: 4 } });
      expect((await scan('r-1')).body).toEqual(first.body); // a retried spend converges on the first outcome
      expect((await scan('r-2')).body).toMatchObject({ amount: '0.00' });
      expect(await quote()).toMatchObject({ amount: '0.10', freeUnits: '0', affordable: true }); // the quota is used up: a quote moves nothing
      expect((await scan('r-3')).body).toMatchObject({ amount: '0.10', balanceAfter: '1.90', available: '1.90' });
      const history = await t.request({ path: '/v1/wallet/history?channel=test-scan&type=capture&view=entries', key: a.key });
      expect(history.body.data).toHaveLength(3);
      expect((await t.request({ path: '/v1/wallet/quotas', key: a.key })).body.data).toContainEqual(
        expect.objectContaining({ channel: 'test-scan', used: '2', remaining: '0' }),
      );
    });

    it('documents the wallet and catalog routes in OpenAPI', async () => {
      const doc = (await t.request({ path: '/docs/json' })).body;
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/v1/wallet',
          '/v1/wallet/lots',
          '/v1/wallet/holds',
          '/v1/wallet/holds/{holdId}',
          '/v1/wallet/charges',
          '/v1/wallet/holds/{holdId}/capture',
          '/v1/wallet/holds/{holdId}/release',
          '/v1/wallet/transactions/{transactionId}/reverse',
          '/v1/wallet/history',
          '/v1/wallet/history.csv',
          '/v1/wallet/quotas',
          '/v1/catalog/prices',
          '/admin/catalog/prices',
          '/admin/catalog/quotas/{channel}',
          '/admin/wallet/check',
          '/admin/accounts/{accountId}/wallet/grants',
        ]),
      );
      expect(doc.paths['/v1/wallet/charges'].post.tags).toEqual(['wallet']);
      expect(doc.paths['/v1/catalog/prices'].get.tags).toEqual(['catalog']);
      expect(doc.paths['/admin/catalog/prices'].post.tags).toEqual(['catalog']);
      expect(doc.paths['/admin/wallet/check'].get.tags).toEqual(['wallet']);
      const body = doc.paths['/v1/wallet/charges'].post.requestBody.content['application/json'].schema;
      expect(body).toMatchObject({ type: 'object', required: expect.arrayContaining(['channel', 'units']), properties: { units: { type: 'string' } } });
      expect(doc.paths['/v1/wallet/charges'].post.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
      expect(doc.paths['/v1/wallet'].get.responses['200'].content['application/json'].schema).toMatchObject({
        properties: { available: { type: 'string' }, currency: { enum: ['EUR'] } },
      });
    });

    it('the invariant check answers 200: ok, or ok=false with each problem', async () => {
      const a = await newAccount();
      const sound = await t.request({ path: '/admin/wallet/check', key: t.adminKey });
      expect(sound.status).toBe(200);
      expect(sound.body).toMatchObject({ ok: true, problems: [], counts: { wallets: expect.any(Number), transactions: expect.any(Number) }, checkedAt: ISO });
      expect((await t.request({ path: '/admin/wallet/check', key: a.key })).status).toBe(403);
      await t.db.query('update wallets set available = available + 1 where account_id = $1', [a.accountId]);
      try {
        const broken = await t.request({ path: '/admin/wallet/check', key: t.adminKey });
        expect(broken.status).toBe(200);
        expect(broken.body.ok).toBe(false);
        expect(broken.body.problems).toContainEqual({
          check: 'wallet_available',
          detail: `wallet ${a.accountId}: available 3.00 but its wallet postings sum to 2.00`,
        });
      } finally {
        await t.db.query('update wallets set available = available - 1 where account_id = $1', [a.accountId]);
      }
      expect((await t.request({ path: '/admin/wallet/check', key: t.adminKey })).body.ok).toBe(true);
    });

    it('the sweep relays wallet events to the wallet.events queue and deletes idempotency keys after 45 days', async () => {
      const sms = newChannel();
      const a = await newAccount();
      await setPrice(sms, '0.18');
      await charge(a.key, { channel: sms, units: '1', idempotencyKey: 'old-key' });
      const swept = await t.host.walletJobs.runOnce();
      expect(swept.errors).toBe(0);
      expect(swept.relayedEvents).toBeGreaterThan(0);
      const {
        rows: [unpublished],
      } = await t.db.query<{ n: number }>('select count(*)::int as n from wallet_events where published_at is null');
      expect(unpublished!.n).toBe(0);
      const events: Array<{ accountId: string; type: string; payload: Record<string, unknown> }> = [];
      await t.host.jobs.drain({ name: 'wallet.events', handler: async (job) => void events.push(job.data) });
      expect(
        events
          .filter((e) => e.accountId === a.accountId)
          .map((e) => e.type)
          .sort(),
      ).toEqual(['wallet.charged', 'wallet.topped_up']);
      expect((await t.host.walletJobs.runOnce()).relayedEvents).toBe(0);

      t.clock.advance({ days: 44 });
      expect((await t.host.walletJobs.runOnce()).errors).toBe(0);
      expect((await charge(a.key, { channel: sms, units: '2', idempotencyKey: 'old-key' })).status).toBe(409); // still remembered after 30+ days
      t.clock.advance({ days: 2 });
      expect((await t.host.walletJobs.runOnce()).deletedIdempotencyKeys).toBeGreaterThan(0);
      const { rows: keys } = await t.db.query<{ key: string }>('select key from idempotency_keys where account_id = $1', [a.accountId]);
      expect(keys.map((k) => k.key)).toEqual(['trial-credit']); // kept forever: it makes the trial grant once-only
      expect(await t.host.wallet.openWallet({ accountId: a.accountId })).toEqual({ created: false });
      expect((await t.request({ path: '/v1/wallet', key: a.key })).body.byKind.trial.available).toBe('1.82');
    });
  });
}
