// The raw-SQL baselines the wallet is compared with: the least a balance-checked charge can cost
// (one guarded UPDATE, one INSERT), once per transaction and batched as an expert would by hand.
import { pgArray, type Database } from '@tollgate/db';
import type { Money } from '@tollgate/money';

export const RAW_SCHEMA = `
  create table if not exists bench_balances (
    account_id  text primary key,
    balance     numeric(18,2) not null check (balance >= 0)
  );
  create table if not exists bench_entries (
    id          bigserial primary key,
    account_id  text not null,
    amount      numeric(18,2) not null,
    created_at  timestamptz not null
  );
`;

/** The minimal balance-checked charge: one guarded UPDATE and one INSERT in one transaction. */
export async function rawCharge(db: Database, accountId: string, price: Money): Promise<void> {
  await db.transaction(async (tx) => {
    const { rowCount } = await tx.query('update bench_balances set balance = balance - $2 where account_id = $1 and balance >= $2', [
      accountId,
      price.toString(),
    ]);
    if (rowCount !== 1) throw new Error(`raw: insufficient funds on ${accountId}`);
    await tx.query('insert into bench_entries (account_id, amount, created_at) values ($1, $2, $3)', [accountId, price.negated().toString(), new Date()]);
  });
}

/** Gives each account its balance (set-up). */
export async function fundRaw(db: Database, balances: Map<string, Money>): Promise<void> {
  await db.query('insert into bench_balances (account_id, balance) select * from unnest($1::text[], $2::numeric[])', [
    pgArray([...balances.keys()]),
    pgArray([...balances.values()].map(String)),
  ]);
}

interface Queued {
  accountId: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The same UPDATE and INSERT, but group-committed the way one would write it by hand: charges queue
 * up while a transaction runs, then up to `maxBatch` of them go in the next one, as one UPDATE of
 * each account's total (still guarded by balance >= total) and one INSERT of every entry (unnest).
 * Accounts are split over `writers` lanes by hash, one transaction in flight per lane, so two
 * transactions never lock the same balance row (no deadlocks, no lock waits). When a balance cannot
 * cover its batch's total, the batch is rolled back and its charges run one by one, each judged alone.
 */
export class BatchedRawCharges {
  readonly #lanes: Array<{ queue: Queued[]; running: boolean }>;
  /** Transactions committed, and the charges they held (mean batch = charges / transactions). */
  transactions = 0;
  charges = 0;

  constructor(
    private readonly db: Database,
    private readonly price: Money,
    private readonly options: { maxBatch: number; writers: number },
  ) {
    this.#lanes = Array.from({ length: options.writers }, () => ({ queue: [], running: false }));
  }

  charge(accountId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const lane = this.#lanes[laneOf(accountId, this.#lanes.length)]!;
      lane.queue.push({ accountId, resolve, reject });
      if (!lane.running) void this.#drain(lane);
    });
  }

  async #drain(lane: { queue: Queued[]; running: boolean }): Promise<void> {
    lane.running = true;
    while (lane.queue.length) {
      const batch = lane.queue.splice(0, this.options.maxBatch);
      await this.#commit(batch).catch((error: unknown) => {
        for (const q of batch) q.reject(error);
      });
    }
    lane.running = false;
  }

  async #commit(batch: Queued[]): Promise<void> {
    const accounts = batch.map((q) => q.accountId);
    const amounts = batch.map(() => this.price.toString());
    const covered = await this.db
      .transaction(async (tx) => {
        const {
          rows: [u],
        } = await tx.query<{ updated: number; wanted: number }>(
          `with c as (select a, sum(m) as total from unnest($1::text[], $2::numeric[]) as c(a, m) group by a),
              u as (update bench_balances b set balance = b.balance - c.total from c where b.account_id = c.a and b.balance >= c.total returning 1)
         select (select count(*) from u)::int as updated, (select count(*) from c)::int as wanted`,
          [pgArray(accounts), pgArray(amounts)],
        );
        if (u!.updated !== u!.wanted) throw new NotCovered();
        await tx.query('insert into bench_entries (account_id, amount, created_at) select a, -m, $3 from unnest($1::text[], $2::numeric[]) as t(a, m)', [
          pgArray(accounts),
          pgArray(amounts),
          new Date(),
        ]);
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof NotCovered) return false;
        throw error;
      });
    if (covered) {
      this.transactions++;
      this.charges += batch.length;
      for (const q of batch) q.resolve();
      return;
    }
    // A balance that cannot pay for its whole batch: each charge on its own (some may still pass).
    for (const q of batch) {
      await rawCharge(this.db, q.accountId, this.price).then(
        () => {
          this.transactions++;
          this.charges++;
          q.resolve();
        },
        (error: unknown) => q.reject(error),
      );
    }
  }
}

class NotCovered extends Error {}

function laneOf(accountId: string, lanes: number): number {
  let h = 0;
  for (let i = 0; i < accountId.length; i++) h = (h * 31 + accountId.charCodeAt(i)) | 0;
  return Math.abs(h) % lanes;
}
