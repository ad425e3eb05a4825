import { Money } from '@tollgate/money';
import type { OpKind, Operation } from './operations.js';

/*
 * The end-of-run proof, kept free of I/O so it can be unit-tested: every acknowledged operation is
 * in the ledger exactly once (one transaction with its key, of its type, with the amount its answer
 * gave), no refused or unknown key left a trace, no key of the run is in the ledger without an
 * operation, and each wallet moved by exactly the sum of its acknowledged effects.
 */

export interface LedgerRow {
  id: string;
  accountId: string;
  type: string;
  amount: string;
  holdId: string | null;
  /** Without the `api:` prefix the host adds. */
  key: string;
}

export interface WalletFigures {
  available: string;
  pending: string;
}

export interface Violation {
  check: string;
  detail: string;
}

/** The ledger transaction type each operation books. */
export const LEDGER_TYPE: Record<OpKind, string> = {
  charge: 'charge',
  hold: 'hold',
  capture: 'capture',
  release: 'release',
  reverse: 'reversal',
  grant: 'grant',
};

/** Refusals a correct run can get: a charge or hold larger than what is left. Any other is a finding. */
export const EXPECTED_REFUSALS = new Set(['insufficient_funds']);

export function reconcile(input: {
  ops: readonly Operation[];
  ledger: readonly LedgerRow[];
  initial: ReadonlyMap<string, WalletFigures>;
  final: ReadonlyMap<string, WalletFigures>;
}): { violations: Violation[]; expected: Map<string, WalletFigures> } {
  const violations: Violation[] = [];
  const rowsByKey = new Map<string, LedgerRow[]>();
  for (const row of input.ledger) {
    const list = rowsByKey.get(row.key);
    if (list) list.push(row);
    else rowsByKey.set(row.key, [row]);
  }

  const expected = new Map<string, { available: Money; pending: Money }>();
  for (const [accountId, w] of input.initial) expected.set(accountId, { available: Money.of(w.available), pending: Money.of(w.pending) });

  const seen = new Set<string>();
  for (const op of input.ops) {
    if (seen.has(op.key)) violations.push({ check: 'key_sent_twice', detail: `the run used key ${op.key} for two operations` });
    seen.add(op.key);
    const rows = rowsByKey.get(op.key) ?? [];
    const what = `${op.kind} ${op.key} (${op.accountId})`;
    if (op.state === 'acked') {
      const ack = op.ack!;
      if (rows.length !== 1) {
        violations.push({
          check: rows.length === 0 ? 'acked_missing' : 'acked_duplicated',
          detail: `${what}: acknowledged, ${rows.length} ledger transactions`,
        });
      }
      const row = rows[0];
      if (row) {
        if (row.type !== LEDGER_TYPE[op.kind]) violations.push({ check: 'wrong_type', detail: `${what}: booked as ${row.type}` });
        if (row.accountId !== op.accountId) violations.push({ check: 'wrong_wallet', detail: `${what}: booked on ${row.accountId}` });
        if (!Money.of(row.amount).equals(Money.of(ack.available)))
          violations.push({ check: 'wrong_amount', detail: `${what}: answer moved ${ack.available}, ledger ${row.amount}` });
        if (ack.transactionId !== null && row.id !== ack.transactionId)
          violations.push({ check: 'wrong_transaction', detail: `${what}: answer named transaction ${ack.transactionId}, ledger has ${row.id}` });
        if (op.kind === 'hold' && row.holdId !== ack.holdId)
          violations.push({ check: 'wrong_hold', detail: `${what}: answer named hold ${ack.holdId}, ledger has ${row.holdId}` });
      }
      const wallet = expected.get(op.accountId);
      if (!wallet) violations.push({ check: 'unknown_wallet', detail: `${what}: no starting balance for the wallet` });
      else expected.set(op.accountId, { available: wallet.available.plus(Money.of(ack.available)), pending: wallet.pending.plus(Money.of(ack.pending)) });
    } else if (op.state === 'refused') {
      if (rows.length > 0)
        violations.push({ check: 'refused_but_booked', detail: `${what}: refused ${op.status} ${op.code}, yet ${rows.length} ledger transactions` });
      if (!EXPECTED_REFUSALS.has(op.code ?? '')) violations.push({ check: 'unexpected_refusal', detail: `${what}: ${op.status} ${op.code}` });
    } else {
      violations.push({
        check: 'unsettled',
        detail: `${what}: no host ever gave a final answer (last: ${op.code ?? 'none'}); ${rows.length} ledger transactions`,
      });
    }
  }
  for (const [key, rows] of rowsByKey) {
    if (!seen.has(key))
      violations.push({ check: 'phantom', detail: `key ${key} is in the ledger (${rows.length}×, ${rows[0]!.type}) but no operation sent it` });
  }

  const figures = new Map<string, WalletFigures>();
  for (const [accountId, want] of expected) {
    figures.set(accountId, { available: want.available.toString(), pending: want.pending.toString() });
    const got = input.final.get(accountId);
    if (!got) {
      violations.push({ check: 'wallet_missing', detail: `wallet ${accountId} is gone` });
      continue;
    }
    if (!Money.of(got.available).equals(want.available) || !Money.of(got.pending).equals(want.pending)) {
      violations.push({
        check: 'wallet_balance',
        detail: `wallet ${accountId}: available ${got.available}, pending ${got.pending}; acknowledged operations make ${want.available}, ${want.pending}`,
      });
    }
  }
  return { violations, expected: figures };
}
