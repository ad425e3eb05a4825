import { Money } from '@tollgate/money';
import type { CaptureResult, ChargeResult, HoldResult, LotKind, LotShare, ReleaseResult, ReversalResult } from '@tollgate/plugin-sdk';
import type { GrantResult } from './wallet.types.js';

/*
 * A command's outcome is kept as JSON (strings for amounts and times) so an idempotent replay
 * answers exactly what the first call did; these turn that record into the typed results of the
 * contract. The HTTP views turn them back into strings.
 */

type Json = Record<string, unknown>;

const money = (value: unknown): Money => Money.of(value as string);
const date = (value: unknown): Date => new Date(value as string);
const maybeDate = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(value as string));

function lots(value: unknown): LotShare[] {
  return (value as Array<{ lotId: string; kind: LotKind; amount: string }>).map((l) => ({ lotId: l.lotId, kind: l.kind, amount: money(l.amount) }));
}

export function toChargeResult(r: Json): ChargeResult {
  return {
    transactionId: r.transactionId as string,
    accountId: r.accountId as string,
    channel: r.channel as string,
    units: r.units as string,
    freeUnits: r.freeUnits as string,
    unitPrice: money(r.unitPrice),
    amount: money(r.amount),
    balanceAfter: money(r.balanceAfter),
    lots: lots(r.lots),
    createdAt: date(r.createdAt),
  };
}

export function toHoldResult(r: Json): HoldResult {
  return {
    holdId: r.holdId as string,
    accountId: r.accountId as string,
    channel: r.channel as string,
    description: r.description as string,
    units: r.units as string,
    country: (r.country as string | null) ?? null,
    unitPrice: money(r.unitPrice),
    freeUnits: r.freeUnits as string,
    amount: money(r.amount),
    captured: money(r.captured),
    status: r.status as HoldResult['status'],
    expiresAt: date(r.expiresAt),
    createdAt: date(r.createdAt),
    settledAt: maybeDate(r.settledAt),
    lots: lots(r.lots),
  };
}

export function toCaptureResult(r: Json): CaptureResult {
  return { ...toHoldResult(r), status: 'captured', transactionId: r.transactionId as string, balanceAfter: money(r.balanceAfter) };
}

export function toReleaseResult(r: Json): ReleaseResult {
  return { ...toHoldResult(r), status: r.status as ReleaseResult['status'], transactionId: r.transactionId as string, balanceAfter: money(r.balanceAfter) };
}

export function toReversalResult(r: Json): ReversalResult {
  return {
    transactionId: r.transactionId as string,
    reversesId: r.reversesId as string,
    accountId: r.accountId as string,
    amount: money(r.amount),
    balanceAfter: money(r.balanceAfter),
    reason: r.reason as string,
    createdAt: date(r.createdAt),
  };
}

export function toGrantResult(r: Json): GrantResult {
  return {
    transactionId: r.transactionId as string,
    lotId: r.lotId as string,
    accountId: r.accountId as string,
    kind: r.kind as LotKind,
    amount: money(r.amount),
    expiresAt: maybeDate(r.expiresAt),
    balanceAfter: money(r.balanceAfter),
    createdAt: date(r.createdAt),
  };
}
