import { pgArray, type Queryable } from '@tollgate/db';
import { Money } from '@tollgate/money';
import type { AllowanceRule } from './allowance-period.js';
import { namedStatement } from './named-sql.js';
import { trimUnits } from './wallet-rules.js';
import { monthStart } from './quota-period.js';
import {
  usageKey,
  type Book,
  type CapKind,
  type CatalogSlice,
  type Command,
  type HoldState,
  type IdPool,
  type LotState,
  type WalletSnapshot,
} from './wallet-state.js';
import { compareForChannel } from './lot-order.js';
import type { LotKind, TransactionType } from './wallet.types.js';

/*
 * Reads what a transaction's commands need. The wallets are locked first, in account order (so
 * two hosts never deadlock), then ONE statement reads everything else for every account at once:
 * idempotency records, lots, prices and quotas, holds, the transactions to reverse, and ids
 * taken from the sequences for the rows the commands may create. It runs after the lock, so it
 * sees what the previous holder committed.
 */

/** One account's commands in a transaction. */
export interface AccountCommands {
  accountId: string;
  commands: readonly Command[];
}

interface WalletRow {
  account_id: string;
  available: string;
  pending: string;
  owed: string;
  low_balance: string;
  time_zone: string;
  plan: string;
}

const WALLET_COLUMNS = 'account_id, available, pending, owed, low_balance, time_zone, plan';
const LOCK = `select ${WALLET_COLUMNS} from wallets where account_id = any($1::text[]) order by account_id for update`;
const PEEK = `select ${WALLET_COLUMNS} from wallets where account_id = $1`;

type ReadParams = {
  now: Date;
  /** (account, key) pairs of the idempotency records to read. */
  keyAccounts: string[];
  keys: string[];
  /** Accounts whose lots are read (every account with a command other than a grant). */
  lotAccounts: string[];
  channels: string[];
  /** The plans of the accounts that price: their rows are read besides the default list ('*'). */
  plans: string[];
  holdIds: string[];
  reverseIds: string[];
  clawLots: string[];
  /** Each account's quota month, and the (account, channel) counters its charges and holds use. */
  periodAccounts: string[];
  periods: string[];
  usageAccounts: string[];
  usageChannels: string[];
  /** Accounts running expire_lots: their expired lots each need a transaction id. */
  expiringAccounts: string[];
  txCount: number;
  lotCount: number;
  holdCount: number;
};

const READ = namedStatement<ReadParams>(`
  select
    (select coalesce(json_agg(json_build_object('accountId', account_id, 'key', key, 'operation', operation, 'hash', request_hash, 'response', response)), '[]')
       from idempotency_keys where (account_id, key) in (select * from unnest(:keyAccounts::text[], :keys::text[]))) as idem,
    (select coalesce(json_agg(json_build_object('accountId', account_id, 'id', id::text, 'kind', kind, 'granted', granted::text,
                                                'remaining', remaining::text, 'expiresAt', expires_at, 'createdAt', created_at,
                                                'clawedBack', clawed_back_at, 'scope', scope)), '[]')
       from credit_lots
      where account_id = any(:lotAccounts::text[])
        and (remaining > 0 or id = any(:clawLots::bigint[]) or id in (select lot_id from hold_lots where hold_id = any(:holdIds::bigint[]))
             or id in (select lot_id from ledger_postings where transaction_id = any(:reverseIds::bigint[]) and lot_id is not null))) as lots,
    (select coalesce(json_agg(json_build_object('channel', p.channel, 'unit', p.unit, 'country', p.country, 'plan', p.plan, 'unitPrice', p.unit_price::text,
                                                'effectiveFrom', p.effective_from, 'freeUnits', q.free_units::text)
                          order by p.effective_from desc), '[]')
       from prices p left join channel_quotas q on q.channel = p.channel
      where p.channel = any(:channels::text[]) and p.effective_from <= :now and (p.plan = '*' or p.plan = any(:plans::text[]))) as prices,
    (select coalesce(json_agg(json_build_object('accountId', u.account_id, 'channel', u.channel, 'used', u.used::text)), '[]')
       from quota_usage u
      where (u.account_id, u.period) in (select * from unnest(:periodAccounts::text[], :periods::date[]))
        and ((u.account_id, u.channel) in (select * from unnest(:usageAccounts::text[], :usageChannels::text[]))
             or (u.account_id, u.channel) in (select account_id, channel from holds where id = any(:holdIds::bigint[])))) as usage,
    (select coalesce(json_agg(json_build_object('id', h.id::text, 'accountId', h.account_id, 'channel', h.channel, 'description', h.description,
                                                'units', h.units::text, 'country', h.country, 'unitPrice', h.unit_price::text, 'amount', h.amount::text,
                                                'captured', h.captured::text, 'freeUnits', h.free_units::text, 'allowanceUnits', h.allowance_units::text, 'status', h.status,
                                                'expiresAt', h.expires_at, 'createdAt', h.created_at, 'settledAt', h.settled_at, 'userId', h.user_id,
                                                'lots', (select coalesce(json_agg(json_build_object('lotId', hl.lot_id::text, 'amount', hl.amount::text)), '[]')
                                                           from hold_lots hl where hl.hold_id = h.id))), '[]')
       from holds h where h.id = any(:holdIds::bigint[]) and h.account_id = any(:lotAccounts::text[])) as holds,
    (select coalesce(json_agg(json_build_object('id', t.id::text, 'accountId', t.account_id, 'type', t.type, 'channel', t.channel,
                                                'description', t.description,
                                                'reversed', exists (select 1 from ledger_transactions r where r.reverses_id = t.id),
                                                'createdAt', t.created_at,
                                                'userId', coalesce(t.metadata->>'userId', (select hu.user_id from holds hu where hu.id = t.hold_id)),
                                                'postings', (select json_agg(json_build_object('book', p.book, 'lotId', p.lot_id::text, 'channel', p.channel,
                                                                                               'amount', p.amount::text) order by p.seq)
                                                               from ledger_postings p where p.transaction_id = t.id))), '[]')
       from ledger_transactions t where t.id = any(:reverseIds::bigint[]) and t.account_id = any(:lotAccounts::text[])) as reversals,
    (select array_agg(distinct channel) from prices where channel = any(:channels::text[])) as known,
    (select coalesce(json_agg(json_build_object('channel', channel, 'tag', tag) order by channel, tag), '[]') from channel_tags) as tags,
    (select coalesce(json_agg(json_build_object('accountId', account_id, 'kind', kind, 'target', target, 'limit', monthly_limit::text)), '[]')
       from spending_caps where account_id = any(:lotAccounts::text[])) as caps,
    (select coalesce(json_agg(json_build_object('accountId', s.account_id, 'kind', s.kind, 'target', s.target, 'amount', s.amount::text)), '[]')
       from spend_usage s where (s.account_id, s.period) in (select * from unnest(:periodAccounts::text[], :periods::date[]))) as spend,
    -- Plan allowances (issue 22): the batch's plans' rules, and each (account, channel)'s last month up to now.
    (select coalesce(json_agg(json_build_object('plan', plan, 'channel', channel, 'units', units::text, 'rolloverMax', rollover_max::text,
                                                'rolloverMonths', rollover_months)), '[]')
       from plan_allowances where plan = any(:plans::text[]) and channel = any(:channels::text[])) as allowance_rules,
    (select coalesce(json_agg(json_build_object('accountId', a.account_id, 'channel', a.channel, 'period', a.period::text, 'granted', a.granted::text,
                                                'carried', a.carried, 'used', a.used::text)), '[]')
       from (select distinct on (ap.account_id, ap.channel) ap.*
               from allowance_periods ap join unnest(:periodAccounts::text[], :periods::date[]) as w(account_id, period)
                 on w.account_id = ap.account_id and ap.period <= w.period
              where (ap.account_id, ap.channel) in (select * from unnest(:usageAccounts::text[], :usageChannels::text[]))
                 or (ap.account_id, ap.channel) in (select account_id, channel from holds where id = any(:holdIds::bigint[]))
              order by ap.account_id, ap.channel, ap.period desc) a) as allowance_months,
    (select array_agg(nextval('ledger_transactions_id_seq')) from generate_series(1, :txCount::int
       + (select count(*)::int from credit_lots where account_id = any(:expiringAccounts::text[]) and remaining > 0 and expires_at <= :now))) as tx_ids,
    (select array_agg(nextval('credit_lots_id_seq')) from generate_series(1, :lotCount::int)) as lot_ids,
    (select array_agg(nextval('holds_id_seq')) from generate_series(1, :holdCount::int)) as hold_ids`);

interface ReadRow {
  idem: Array<{ accountId: string; key: string; operation: string; hash: string; response: unknown }>;
  lots: Array<{
    accountId: string;
    id: string;
    kind: LotKind;
    granted: string;
    remaining: string;
    expiresAt: string | null;
    createdAt: string;
    clawedBack: string | null;
    scope: string[] | null;
  }>;
  prices: Array<{ channel: string; unit: string; country: string; plan: string; unitPrice: string; effectiveFrom: string; freeUnits: string | null }>;
  usage: Array<{ accountId: string; channel: string; used: string }>;
  holds: Array<{
    id: string;
    accountId: string;
    channel: string;
    description: string;
    units: string;
    country: string | null;
    unitPrice: string;
    amount: string;
    captured: string;
    freeUnits: string;
    allowanceUnits: string;
    status: HoldState['status'];
    expiresAt: string;
    createdAt: string;
    settledAt: string | null;
    userId: string | null;
    lots: Array<{ lotId: string; amount: string }>;
  }>;
  reversals: Array<{
    id: string;
    accountId: string;
    type: TransactionType;
    channel: string | null;
    description: string;
    reversed: boolean;
    createdAt: string;
    userId: string | null;
    postings: Array<{ book: Book; lotId: string | null; channel: string | null; amount: string }> | null;
  }>;
  known: string[] | null;
  tags: Array<{ channel: string; tag: string }>;
  caps: Array<{ accountId: string; kind: CapKind; target: string; limit: string }>;
  spend: Array<{ accountId: string; kind: CapKind; target: string; amount: string }>;
  allowance_rules: Array<{ plan: string; channel: string; units: string; rolloverMax: string | null; rolloverMonths: number | null }>;
  allowance_months: Array<{
    accountId: string;
    channel: string;
    period: string;
    granted: string;
    carried: Array<{ from: string; units: string }>;
    used: string;
  }>;
  tx_ids: string[] | null;
  lot_ids: string[] | null;
  hold_ids: string[] | null;
}

const money = (value: string) => Money.of(value);
const maybeDate = (value: string | null) => (value === null ? null : new Date(value));

/**
 * Locks the wallets of every account in `requests` and reads what their commands need. Returns a
 * snapshot per account that has a wallet, and the ids preallocated for the whole transaction.
 */
export async function loadSnapshots(
  tx: Queryable,
  input: { now: Date; requests: readonly AccountCommands[] },
): Promise<{ snapshots: Map<string, WalletSnapshot>; ids: IdPool }> {
  const { now, requests } = input;
  const accounts = [...new Set(requests.map((r) => r.accountId))].sort();
  const { rows: wallets } = await tx.query<WalletRow>(LOCK, [pgArray(accounts)]);
  const catalog: CatalogSlice = { prices: [], freeUnits: new Map(), channels: new Set(), tags: new Map(), allowances: new Map() };
  const snapshots = new Map(wallets.map((w) => [w.account_id, emptySnapshot(w, now, catalog)]));
  const ids: IdPool = { tx: [], lot: [], hold: [] };
  const params = paramsFor(now, requests, snapshots);
  if (!params) return { snapshots, ids };
  const {
    rows: [row],
  } = await tx.query<ReadRow>(READ.text, READ.values(params));
  fill(row!, snapshots, catalog);
  ids.tx.push(...(row!.tx_ids ?? []));
  ids.lot.push(...(row!.lot_ids ?? []));
  ids.hold.push(...(row!.hold_ids ?? []));
  return { snapshots, ids };
}

/**
 * One wallet as a charge of `channel` would see it now, read WITHOUT locking and without taking ids:
 * what a quote prices. null when the account has no wallet.
 */
export async function peekSnapshot(db: Queryable, input: { now: Date; accountId: string; channel: string }): Promise<WalletSnapshot | null> {
  const {
    rows: [wallet],
  } = await db.query<WalletRow>(PEEK, [input.accountId]);
  if (!wallet) return null;
  const catalog: CatalogSlice = { prices: [], freeUnits: new Map(), channels: new Set(), tags: new Map(), allowances: new Map() };
  const snapshot = emptySnapshot(wallet, input.now, catalog);
  const a = [input.accountId];
  const params: ReadParams = {
    now: input.now,
    keyAccounts: [],
    keys: [],
    lotAccounts: a,
    channels: [input.channel],
    plans: [snapshot.plan],
    holdIds: [],
    reverseIds: [],
    clawLots: [],
    periodAccounts: a,
    periods: [snapshot.period],
    usageAccounts: a,
    usageChannels: [input.channel],
    expiringAccounts: [],
    txCount: 0,
    lotCount: 0,
    holdCount: 0,
  };
  const {
    rows: [row],
  } = await db.query<ReadRow>(READ.text, READ.values(params));
  fill(row!, new Map([[input.accountId, snapshot]]), catalog);
  return snapshot;
}

function emptySnapshot(w: WalletRow, now: Date, catalog: CatalogSlice): WalletSnapshot {
  return {
    accountId: w.account_id,
    available: money(w.available),
    pending: money(w.pending),
    owed: money(w.owed),
    lowBalance: money(w.low_balance),
    timeZone: w.time_zone,
    plan: w.plan,
    period: monthStart(now, w.time_zone),
    lots: new Map(),
    holds: new Map(),
    quotaUsed: new Map(),
    caps: [],
    spendUsed: new Map(),
    allowanceLast: new Map(),
    idempotency: new Map(),
    reversalSources: new Map(),
    catalog,
  };
}

/** The read statement's parameters for the accounts that have a wallet; null when none has. */
function paramsFor(now: Date, requests: readonly AccountCommands[], snapshots: ReadonlyMap<string, WalletSnapshot>): ReadParams | null {
  const p: ReadParams = {
    now,
    keyAccounts: [],
    keys: [],
    lotAccounts: [],
    channels: [],
    plans: [],
    holdIds: [],
    reverseIds: [],
    clawLots: [],
    periodAccounts: [],
    periods: [],
    usageAccounts: [],
    usageChannels: [],
    expiringAccounts: [],
    txCount: 0,
    lotCount: 0,
    holdCount: 0,
  };
  const channels = new Set<string>();
  const plans = new Set<string>();
  let any = false;
  for (const { accountId, commands } of requests) {
    const snapshot = snapshots.get(accountId);
    if (!snapshot) continue;
    any = true;
    p.periodAccounts.push(accountId);
    p.periods.push(snapshot.period);
    // A command writes at most three transactions (refund + fee, or one + a debt settlement).
    p.txCount += commands.length * 3;
    let readsLots = false;
    let expires = false;
    for (const c of commands) {
      if ('idempotencyKey' in c && c.idempotencyKey) {
        p.keyAccounts.push(accountId);
        p.keys.push(c.idempotencyKey);
      }
      switch (c.op) {
        case 'grant':
          p.lotCount++;
          continue; // a grant needs no lots
        case 'hold':
          p.holdCount++;
        // falls through: a hold is priced like a charge
        case 'charge':
          channels.add(c.channel);
          plans.add(snapshot.plan);
          p.usageAccounts.push(accountId);
          p.usageChannels.push(c.channel);
          break;
        case 'capture':
        case 'release':
          p.holdIds.push(c.holdId);
          break;
        case 'reverse':
          p.reverseIds.push(c.transactionId);
          break;
        case 'clawback':
          p.clawLots.push(c.lotId);
          break;
        case 'expire_lots':
          expires = true;
          break;
        case 'refund':
          break;
      }
      readsLots = true;
    }
    if (readsLots) p.lotAccounts.push(accountId);
    if (expires) p.expiringAccounts.push(accountId);
  }
  p.channels = [...channels];
  p.plans = [...plans];
  return any ? p : null;
}

/** Puts the read statement's rows into the snapshots (and the shared catalog slice). */
function fill(row: ReadRow, snapshots: ReadonlyMap<string, WalletSnapshot>, catalog: CatalogSlice): void {
  const prices = catalog.prices as CatalogSlice['prices'][number][];
  const freeUnits = catalog.freeUnits as Map<string, Money>;
  const channels = catalog.channels as Set<string>;
  for (const r of row.prices) {
    prices.push({
      channel: r.channel,
      unit: r.unit,
      country: r.country,
      plan: r.plan,
      unitPrice: money(r.unitPrice),
      effectiveFrom: new Date(r.effectiveFrom),
    });
    if (r.freeUnits !== null) freeUnits.set(r.channel, money(r.freeUnits));
  }
  for (const channel of row.known ?? []) channels.add(channel);
  const tags = catalog.tags as Map<string, string[]>;
  for (const t of row.tags) {
    const list = tags.get(t.channel);
    if (list) list.push(t.tag);
    else tags.set(t.channel, [t.tag]);
  }
  for (const c of row.caps) snapshots.get(c.accountId)?.caps.push({ kind: c.kind, target: c.target, limit: money(c.limit) });
  for (const u of row.spend) snapshots.get(u.accountId)?.spendUsed.set(usageKey(u.kind, u.target), money(u.amount));
  fillAllowances(row, snapshots, catalog);
  for (const r of row.idem) snapshots.get(r.accountId)!.idempotency.set(r.key, { operation: r.operation, hash: r.hash, response: r.response });
  for (const r of row.lots) {
    const lot: LotState = {
      id: r.id,
      kind: r.kind,
      granted: money(r.granted),
      remaining: money(r.remaining),
      expiresAt: maybeDate(r.expiresAt),
      createdAt: new Date(r.createdAt),
      clawedBack: maybeDate(r.clawedBack),
      scope: r.scope,
    };
    snapshots.get(r.accountId)!.lots.set(lot.id, lot);
  }
  for (const r of row.usage) snapshots.get(r.accountId)!.quotaUsed.set(r.channel, money(r.used));
  for (const r of row.holds) {
    const snapshot = snapshots.get(r.accountId);
    if (!snapshot) continue;
    // Parts in the order they were held: the spending order, which never changes for a lot.
    const parts = r.lots
      .map((l) => ({ lotId: l.lotId, amount: money(l.amount) }))
      .sort((a, b) =>
        compareForChannel({ channel: r.channel, tags: catalog.tags.get(r.channel) ?? [] })(snapshot.lots.get(a.lotId)!, snapshot.lots.get(b.lotId)!),
      );
    snapshot.holds.set(r.id, {
      id: r.id,
      channel: r.channel,
      description: r.description,
      // numeric(18,6) reads back as "60.000000": shown as given ("60"), as getHold shows it.
      units: trimUnits(money(r.units)),
      country: r.country,
      unitPrice: money(r.unitPrice),
      amount: money(r.amount),
      captured: money(r.captured),
      freeUnits: trimUnits(money(r.freeUnits)),
      allowanceUnits: trimUnits(money(r.allowanceUnits)),
      status: r.status,
      expiresAt: new Date(r.expiresAt),
      createdAt: new Date(r.createdAt),
      settledAt: maybeDate(r.settledAt),
      userId: r.userId,
      lots: parts,
    });
  }
  for (const t of row.reversals) {
    snapshots.get(t.accountId)?.reversalSources.set(t.id, {
      type: t.type,
      channel: t.channel,
      description: t.description,
      reversed: t.reversed,
      userId: t.userId,
      createdAt: new Date(t.createdAt),
      postings: (t.postings ?? []).map((p) => ({
        book: p.book,
        own: p.book === 'wallet' || p.book === 'holds',
        lotId: p.lotId,
        channel: p.channel,
        amount: money(p.amount),
      })),
    });
  }
}

/** Plan allowance rules into the shared slice, each account's last stored month into its snapshot (issue 22). */
function fillAllowances(row: ReadRow, snapshots: ReadonlyMap<string, WalletSnapshot>, catalog: CatalogSlice): void {
  const byPlan = catalog.allowances as Map<string, Map<string, AllowanceRule>>;
  for (const r of row.allowance_rules) {
    let rules = byPlan.get(r.plan);
    if (!rules) byPlan.set(r.plan, (rules = new Map()));
    rules.set(r.channel, {
      units: money(r.units),
      rolloverMax: r.rolloverMax === null ? null : money(r.rolloverMax),
      rolloverMonths: r.rolloverMonths,
    });
  }
  for (const r of row.allowance_months) {
    snapshots.get(r.accountId)?.allowanceLast.set(r.channel, {
      period: r.period,
      granted: money(r.granted),
      carried: r.carried.map((c) => ({ from: c.from, units: money(c.units) })),
      used: money(r.used),
    });
  }
}
