import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDatabase } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { send, type Endpoint } from './api.js';
import { HOST_MAIN, HostProcess } from './host-process.js';
import { settle, type Operation, type OpKind, type Settler } from './operations.js';
import type { CommonOptions } from './options.js';
import { stamp } from './report.js';
import type { WalletFigures } from './reconcile.js';
import { walletFigures } from './verify.js';

/*
 * What both modes share: a fresh PostgreSQL database, two host processes on it, a platform admin
 * key (made with the CLI, as an operator would), accounts with their owner keys and a price made
 * through the admin API, wallets topped up, and the client loop that drives the load.
 */

export const CHANNEL = 'chaos-sms';
export const UNIT_PRICE = '0.07';
/** Each wallet's purchased credit at the start, and each top-up when a client finds it low. */
const START_CREDIT = '300.00';
const TOP_UP = '200.00';
const LOW_BALANCE = Money.of('25.00');

export const RESULTS_DIR = resolve(import.meta.dirname, '../results');
const HOST_CLI = resolve(HOST_MAIN, '../cli.js');

export interface Wallet {
  accountId: string;
  ownerKey: string;
}

export interface Run {
  id: string;
  dir: string;
  databaseName: string;
  databaseUrl: string;
  hosts: HostProcess[];
  endpoints: Endpoint[];
  adminKey: string;
  wallets: Wallet[];
  initial: Map<string, WalletFigures>;
  keyPrefix: string;
}

function databaseUrlFor(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function setUpRun(input: { mode: 'chaos' | 'soak'; options: CommonOptions; log: (line: string) => void }): Promise<Run> {
  const id = `${input.mode}-${stamp()}`;
  const dir = join(RESULTS_DIR, id);
  mkdirSync(dir, { recursive: true });
  const databaseName = `tg_${id.replace(/-/g, '_')}`;
  const admin = await openDatabase({ url: input.options.adminUrl, poolSize: 1 });
  try {
    await admin.query(`create database ${databaseName}`);
  } finally {
    await admin.close();
  }
  const databaseUrl = databaseUrlFor(input.options.adminUrl, databaseName);
  input.log(`run ${id}: database ${databaseName}, logs and configs in ${dir}`);

  const hosts = ['host-a', 'host-b'].map((name, i) => new HostProcess(name, input.options.port + i, { dir, databaseUrl, logLevel: input.options.logLevel }));
  killOnExit(hosts);
  // The operator's first admin key comes from the CLI (it also applies the migrations).
  const cli = spawnSync(process.execPath, [HOST_CLI, 'admin-keys', 'create', '--name', 'chaos'], {
    env: { ...process.env, TOLLGATE_CONFIG: join(dir, 'host-a.config.json'), DATABASE_URL: '' },
    encoding: 'utf8',
  });
  if (cli.status !== 0) throw new Error(`tollgate admin-keys create failed: ${cli.stderr}`);
  const adminKey = (JSON.parse(cli.stdout) as { key: string }).key;

  for (const host of hosts) input.log(`${host.name} healthy on ${host.url} after ${Math.round(await host.start())} ms`);
  const endpoints: Endpoint[] = hosts.map((h) => ({ name: h.name, url: h.url, inFlight: 0 }));
  const call = async (path: string, body: unknown, token: string, key?: string) => {
    const res = await send({ endpoint: endpoints[0]!, method: 'POST', path, token, body, ...(key ? { idempotencyKey: key } : {}) });
    if (!res.answered || res.status >= 300) throw new Error(`setup POST ${path}: ${res.answered ? `${res.status} ${JSON.stringify(res.body)}` : res.error}`);
    return res.body;
  };

  await call('/admin/catalog/prices', { channel: CHANNEL, unit: 'message', unitPrice: UNIT_PRICE }, adminKey);
  const wallets: Wallet[] = [];
  for (let i = 0; i < input.options.wallets; i++) {
    const created = (await call('/admin/accounts', { name: `Chaos ${i + 1}`, owner: { email: `owner${i + 1}@chaos.test`, name: 'Owner' } }, adminKey)) as {
      account: { id: string };
      apiKey: { key: string };
    };
    await call(`/admin/accounts/${created.account.id}/wallet/grants`, { kind: 'purchased', amount: START_CREDIT }, adminKey, `${id}-setup-${i}`);
    wallets.push({ accountId: created.account.id, ownerKey: created.apiKey.key });
  }
  const initial = await walletFigures({ databaseUrl, accountIds: wallets.map((w) => w.accountId) });
  return { id, dir, databaseName, databaseUrl, hosts, endpoints, adminKey, wallets, initial, keyPrefix: `${id}-op` };
}

/** A SIGKILL for every host still running when this process ends, however it ends. */
function killOnExit(hosts: HostProcess[]): void {
  const killAll = () => {
    for (const h of hosts) if (h.running) h.child?.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export async function tearDownRun(run: Run, input: { keepDatabase: boolean; adminUrl: string }): Promise<void> {
  await Promise.all(run.hosts.map((h) => h.stop()));
  if (input.keepDatabase) return;
  const admin = await openDatabase({ url: input.adminUrl, poolSize: 1 });
  try {
    await admin.query(`drop database if exists ${run.databaseName} with (force)`);
  } finally {
    await admin.close();
  }
}

/** A small seeded generator (mulberry32), so a run's choices can be replayed with --seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function units(random: () => number): string {
  const whole = 1 + Math.floor(random() * 5);
  // Some halves, so prices round to the cent (2.5 × 0.07 = 0.175 → 0.18).
  return random() < 0.2 ? `${whole}.5` : String(whole);
}

/**
 * One client: charges, holds that it later captures (in full or in part) or releases, reversals of
 * its own earlier spends, and a top-up grant when its wallet runs low. It sends one operation at a
 * time and settles it before the next (retrying the same key on the other host). With `intervalMs`
 * it paces itself to one operation per interval (the soak's fixed rate); without, it runs flat out.
 */
export async function runClient(input: {
  index: number;
  wallet: Wallet;
  run: Run;
  settler: Settler;
  random: () => number;
  ops: Operation[];
  /** Epoch ms: no new operation after it. */
  stopAt: number;
  /** Epoch ms: an operation still unsettled then is left 'unknown' for the reconciliation pass. */
  settleBy: number;
  intervalMs?: number;
  onLate?: () => void;
}): Promise<void> {
  const { random, wallet } = input;
  const holds: Array<{ holdId: string; units: string }> = [];
  const spends: string[] = [];
  let seq = 0;
  let low = false;
  let next = Date.now() + (input.intervalMs ? random() * input.intervalMs : 0);

  const op = (kind: OpKind, path: string, body: Record<string, unknown>, admin = false): Operation => {
    const created: Operation = {
      key: `${input.run.keyPrefix}-c${input.index}-${++seq}`,
      kind,
      accountId: wallet.accountId,
      path,
      body,
      admin,
      state: 'pending',
      attempts: 0,
      failures: 0,
    };
    input.ops.push(created);
    return created;
  };

  while (Date.now() < input.stopAt) {
    if (input.intervalMs) {
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      // A client that fell more than a second behind skips ahead instead of bursting.
      if (Date.now() - next > 1_000) {
        input.onLate?.();
        next = Date.now();
      }
      next += input.intervalMs;
      if (Date.now() >= input.stopAt) break;
    }
    const r = random();
    let current: Operation;
    if (low) {
      current = op('grant', `/admin/accounts/${wallet.accountId}/wallet/grants`, { kind: 'purchased', amount: TOP_UP, description: 'chaos top-up' }, true);
    } else if (holds.length > 0 && r < 0.25) {
      const settling = holds.splice(Math.floor(random() * holds.length), 1)[0]!;
      const how = random();
      if (how < 0.2) current = op('release', `/v1/wallet/holds/${settling.holdId}/release`, {});
      else if (how < 0.4) current = op('capture', `/v1/wallet/holds/${settling.holdId}/capture`, { units: '1' });
      else current = op('capture', `/v1/wallet/holds/${settling.holdId}/capture`, {});
    } else if (spends.length > 0 && r < 0.32) {
      const spend = spends.splice(Math.floor(random() * spends.length), 1)[0]!;
      current = op('reverse', `/v1/wallet/transactions/${spend}/reverse`, { reason: 'chaos reversal' });
    } else if (r < 0.55) {
      current = op('hold', '/v1/wallet/holds', { channel: CHANNEL, units: units(random), description: 'chaos hold' });
    } else {
      current = op('charge', '/v1/wallet/charges', { channel: CHANNEL, units: units(random), description: 'chaos charge' });
    }

    await settle(current, input.settler, { deadline: input.settleBy, by: 'client' });
    if (current.state === 'acked') {
      const ack = current.ack!;
      if (current.kind === 'grant') low = false;
      if (current.kind === 'hold') holds.push({ holdId: ack.holdId!, units: String(current.body.units) });
      if ((current.kind === 'charge' || current.kind === 'capture') && ack.transactionId && ack.amount !== '0.00') spends.push(ack.transactionId);
      // Every answer but a hold's says what the wallet has left; other clients share it, so this is a hint.
      if (ack.balanceAfter !== null && Money.of(ack.balanceAfter).lessThan(LOW_BALANCE)) low = true;
    } else if (current.state === 'refused' && current.code === 'insufficient_funds') {
      low = true;
    }
    // An operation left 'unknown' is for the reconciliation pass; its hold or spend is not used again here.
  }
}
