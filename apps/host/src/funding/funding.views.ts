import type { AutoRefillSettings, IncomingCredit, PaymentMethod, Purchase, Refund } from '@tollgate/funding';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function paymentMethodView(m: PaymentMethod) {
  return { id: m.id, provider: m.providerId, kind: m.kind, label: m.label, metadata: m.metadata, status: m.status, createdAt: m.createdAt.toISOString() };
}

export function purchaseView(p: Purchase) {
  return {
    id: p.id,
    amount: p.amount.toString(),
    currency: 'EUR' as const,
    paymentMethodId: p.paymentMethodId,
    hosted: p.hosted,
    provider: p.providerId,
    providerPaymentId: p.providerPaymentId,
    origin: p.origin,
    status: p.status,
    reason: p.reason,
    lotId: p.lotId,
    scope: p.scope,
    createdAt: p.createdAt.toISOString(),
    settledAt: iso(p.settledAt),
    expectedSettlementDate: p.expectedSettlementDate,
    ...(p.redirectUrl ? { redirectUrl: p.redirectUrl } : {}),
  };
}

export function autoRefillView(s: AutoRefillSettings | null) {
  if (!s)
    return {
      enabled: false,
      minimum: null,
      mode: null,
      pack: null,
      target: null,
      schedule: null,
      nextScheduledAt: null,
      paymentMethodId: null,
      maxPerPeriod: null,
      periodHours: null,
      paused: false,
      pausedAt: null,
      pausedReason: null,
      resumesAt: null,
      window: null,
      lastDecline: null,
    };
  return {
    enabled: s.enabled,
    minimum: s.minimum.toString(),
    mode: s.mode,
    pack: s.pack?.toString() ?? null,
    target: s.target?.toString() ?? null,
    schedule: s.schedule ? { dayOfMonth: s.schedule.dayOfMonth } : null,
    nextScheduledAt: iso(s.nextScheduledAt),
    paymentMethodId: s.paymentMethodId,
    maxPerPeriod: s.maxPerPeriod,
    periodHours: s.periodHours,
    paused: s.pausedAt !== null,
    pausedAt: iso(s.pausedAt),
    pausedReason: s.pausedReason,
    resumesAt: iso(s.resumesAt),
    window: { since: s.window.since.toISOString(), refills: s.window.refills, declined: s.window.declined },
    lastDecline: s.lastDecline ? { purchaseId: s.lastDecline.purchaseId, reason: s.lastDecline.reason, at: s.lastDecline.at.toISOString() } : null,
  };
}

/** Money on its way (GET /v1/wallet `incoming`): unsettled purchases, not holds. */
export function incomingView(i: IncomingCredit) {
  return { amount: i.amount.toString(), purchases: i.purchases, nextExpectedSettlementDate: i.nextExpectedSettlementDate };
}

export function refundView(r: Refund) {
  return {
    id: r.id,
    accountId: r.accountId,
    credits: r.credits.toString(),
    fee: r.fee.toString(),
    payout: r.payout.toString(),
    currency: 'EUR' as const,
    status: r.status,
    refundTransactionId: r.refundTransactionId,
    feeTransactionId: r.feeTransactionId,
    createdAt: r.createdAt.toISOString(),
    paidAt: iso(r.paidAt),
    payoutReference: r.payoutReference,
  };
}
