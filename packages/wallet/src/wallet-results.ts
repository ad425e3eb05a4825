import { Money } from '@tollgate/money';
import type { CaptureResult, ChargeResult, HoldResult, LotKind, LotShare, ReleaseResult, ReversalResult } from '@tollgate/plugin-sdk';
import type { CommandResults, ExpiryResult, Json, JsonObject, Op } from './wallet-state.js';
import type { ClawbackResult, GrantResult, RefundResult } from './wallet.types.js';

/*
 * The rules return typed results (amounts are Money, times are Date). A command's outcome is
 * also kept as JSON (strings for amounts and times) so an idempotent replay, even from another
 * host a month later, answers exactly what the first call did: `jsonOf` makes that record, the
 * `to…Result` functions turn it back into the typed result. The HTTP views turn results into strings.
 */

type Record_ = Record<string, unknown>;

/** A typed result in its stored JSON shape: Money as a decimal string, Date as ISO 8601. */
export function jsonOf(value: object): JsonObject {
  const out: JsonObject = {};
  for (const key in value) out[key] = jsonValue((value as Record_)[key]);
  return out;
}

function jsonValue(value: unknown): Json {
  if (value === null || typeof value !== 'object') return value as Json;
  if (value instanceof Money) return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonValue);
  return jsonOf(value);
}

const money = (value: unknown): Money => Money.of(value as string);
const date = (value: unknown): Date => new Date(value as string);
const maybeDate = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(value as string));

function lots(value: unknown): LotShare[] {
  return (value as Array<{ lotId: string; kind: LotKind; amount: string }>).map((l) => ({ lotId: l.lotId, kind: l.kind, amount: money(l.amount) }));
}

export function toChargeResult(r: Record_): ChargeResult {
  return {
    transactionId: r.transactionId as string,
    accountId: r.accountId as string,
    channel: r.channel as string,
    units: r.units as string,
    freeUnits: r.freeUnits as string,
    // Stored before allowances (issue 22): none were used.
    allowanceUnits: (r.allowanceUnits as string | undefined) ?? '0',
    unitPrice: money(r.unitPrice),
    amount: money(r.amount),
    balanceAfter: money(r.balanceAfter),
    lots: lots(r.lots),
    createdAt: date(r.createdAt),
  };
}

export function toHoldResult(r: Record_): HoldResult {
  return {
    holdId: r.holdId as string,
    accountId: r.accountId as string,
    channel: r.channel as string,
    description: r.description as string,
    units: r.units as string,
    country: (r.country as string | null) ?? null,
    unitPrice: money(r.unitPrice),
    freeUnits: r.freeUnits as string,
    // Stored before allowances (issue 22): none were used.
    allowanceUnits: (r.allowanceUnits as string | undefined) ?? '0',
    amount: money(r.amount),
    captured: money(r.captured),
    status: r.status as HoldResult['status'],
    expiresAt: date(r.expiresAt),
    createdAt: date(r.createdAt),
    settledAt: maybeDate(r.settledAt),
    lots: lots(r.lots),
  };
}

export function toCaptureResult(r: Record_): CaptureResult {
  return { ...toHoldResult(r), status: 'captured', transactionId: r.transactionId as string, balanceAfter: money(r.balanceAfter) };
}

export function toReleaseResult(r: Record_): ReleaseResult {
  return { ...toHoldResult(r), status: r.status as ReleaseResult['status'], transactionId: r.transactionId as string, balanceAfter: money(r.balanceAfter) };
}

export function toReversalResult(r: Record_): ReversalResult {
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

export function toGrantResult(r: Record_): GrantResult {
  return {
    transactionId: r.transactionId as string,
    lotId: r.lotId as string,
    accountId: r.accountId as string,
    kind: r.kind as LotKind,
    amount: money(r.amount),
    expiresAt: maybeDate(r.expiresAt),
    balanceAfter: money(r.balanceAfter),
    createdAt: date(r.createdAt),
    // Grants stored before scoped credit have no scope: general credit.
    scope: (r.scope as string[] | null | undefined) ?? null,
  };
}

export function toClawbackResult(r: Record_): ClawbackResult {
  return {
    transactionId: r.transactionId as string,
    accountId: r.accountId as string,
    lotId: r.lotId as string,
    amount: money(r.amount),
    recovered: money(r.recovered),
    shortfall: money(r.shortfall),
    owed: money(r.owed),
    balanceAfter: money(r.balanceAfter),
    reason: r.reason as string,
    createdAt: date(r.createdAt),
  };
}

export function toRefundResult(r: Record_): RefundResult {
  return {
    refundTransactionId: r.refundTransactionId as string,
    feeTransactionId: (r.feeTransactionId as string | null) ?? null,
    accountId: r.accountId as string,
    credits: money(r.credits),
    fee: money(r.fee),
    payout: money(r.payout),
    balanceAfter: money(r.balanceAfter),
    lots: lots(r.lots),
    createdAt: date(r.createdAt),
  };
}

function toExpiryResult(r: Record_): ExpiryResult {
  return { expiredLots: r.expiredLots as string[], transactionIds: r.transactionIds as string[] };
}

/** Stored JSON → typed result, by the operation that stored it. */
export const fromJson: { [K in Op]: (r: Record_) => CommandResults[K] } = {
  grant: toGrantResult,
  charge: toChargeResult,
  hold: toHoldResult,
  capture: toCaptureResult,
  release: toReleaseResult,
  reverse: toReversalResult,
  expire_lots: toExpiryResult,
  clawback: toClawbackResult,
  refund: toRefundResult,
};
