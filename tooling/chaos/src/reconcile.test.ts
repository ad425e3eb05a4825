import { describe, expect, it } from 'vitest';
import { ackOf, type Operation, type OpKind } from './operations.js';
import { reconcile, type LedgerRow } from './reconcile.js';
import { judgeSoak, type Minute } from './soak-judge.js';

const ACC = 'acc_1';

function acked(key: string, kind: OpKind, answer: Record<string, unknown>): Operation {
  return {
    key,
    kind,
    accountId: ACC,
    path: '/',
    body: {},
    admin: false,
    state: 'acked',
    attempts: 1,
    failures: 0,
    settledBy: 'client',
    ack: ackOf(kind, answer),
  };
}

function row(key: string, type: string, amount: string, id: string, holdId: string | null = null): LedgerRow {
  return { key, type, amount, id, holdId, accountId: ACC };
}

const initial = new Map([[ACC, { available: '10.00', pending: '0.00' }]]);
const ops = [
  acked('k1', 'charge', { transactionId: '11', amount: '0.21', balanceAfter: '9.79' }),
  acked('k2', 'hold', { id: '5', amount: '0.35', captured: '0.00' }),
  acked('k3', 'capture', { id: '5', transactionId: '13', amount: '0.35', captured: '0.07', balanceAfter: '9.72' }),
  acked('k4', 'reverse', { transactionId: '14', amount: '0.21', balanceAfter: '9.93' }),
  { ...acked('k5', 'charge', { transactionId: '0', amount: '0.00' }), state: 'refused', code: 'insufficient_funds', status: 422, ack: undefined } as Operation,
];
const ledger = [
  row('k1', 'charge', '-0.21', '11'),
  row('k2', 'hold', '-0.35', '12', '5'),
  row('k3', 'capture', '0.28', '13', '5'),
  row('k4', 'reversal', '0.21', '14'),
];

describe('reconcile', () => {
  it('passes when every acknowledged operation is booked once and the wallet moved by their sum', () => {
    const result = reconcile({ ops, ledger, initial, final: new Map([[ACC, { available: '9.93', pending: '0.00' }]]) });
    expect(result.violations).toEqual([]);
    expect(result.expected.get(ACC)).toEqual({ available: '9.93', pending: '0.00' });
  });

  it('names a duplicated, a missing, a phantom and a refused-but-booked key, and a wallet that does not add up', () => {
    const broken = [
      ...ledger.filter((r) => r.key !== 'k4'),
      row('k1', 'charge', '-0.21', '15'),
      row('k5', 'charge', '-0.07', '16'),
      row('k9', 'charge', '-0.07', '17'),
    ];
    const result = reconcile({ ops, ledger: broken, initial, final: new Map([[ACC, { available: '9.58', pending: '0.00' }]]) });
    expect(result.violations.map((v) => v.check).sort()).toEqual(['acked_duplicated', 'acked_missing', 'phantom', 'refused_but_booked', 'wallet_balance']);
  });

  it('an operation never answered is a violation, and so is a refusal the run should not get', () => {
    const unknown = { ...ops[0]!, key: 'k6', state: 'unknown', ack: undefined, code: 'ECONNREFUSED' } as Operation;
    const reused = { ...ops[0]!, key: 'k7', state: 'refused', ack: undefined, code: 'idempotency_key_reused', status: 409 } as Operation;
    const result = reconcile({ ops: [...ops, unknown, reused], ledger, initial, final: new Map([[ACC, { available: '9.93', pending: '0.00' }]]) });
    expect(result.violations.map((v) => v.check)).toEqual(['unsettled', 'unexpected_refusal']);
  });
});

describe('judgeSoak', () => {
  const minute = (n: number, rss: number, p99: number): Minute => ({
    minute: n,
    ops: 12_000,
    perSecond: 200,
    errors: 0,
    late: 0,
    p50: 5,
    p99,
    max: p99 * 2,
    rssMb: [rss, rss],
    heapUsedMb: [40, 40],
    load1: 1,
  });

  it('passes flat memory and a steady p99, fails a growing RSS and a drifting p99', () => {
    const flat = Array.from({ length: 30 }, (_, i) => minute(i + 1, 150 + (i % 3), 20));
    expect(judgeSoak({ minutes: flat, rate: 200 }).ok).toBe(true);
    const leaking = flat.map((m, i) => ({ ...m, rssMb: [150 + i * 5, 150] }));
    expect(judgeSoak({ minutes: leaking, rate: 200 }).findings.filter((f) => !f.ok)).toHaveLength(1);
    const drifting = flat.map((m, i) => ({ ...m, p99: 20 + i * 2 }));
    expect(judgeSoak({ minutes: drifting, rate: 200 }).findings.find((f) => f.what.startsWith('p99'))?.ok).toBe(false);
  });
});
