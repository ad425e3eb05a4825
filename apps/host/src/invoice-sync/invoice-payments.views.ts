import type { InvoicePayment, Writeback } from '@tollgate/invoice-sync';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const paymentView = (p: InvoicePayment) => ({
  id: p.id,
  invoiceId: p.invoiceId,
  method: p.method,
  externalRef: p.externalRef,
  amount: p.amount,
  currency: p.currency,
  paidAt: iso(p.paidAt),
  status: p.status,
  reversedAt: iso(p.reversedAt),
  reverseReason: p.reverseReason,
  createdAt: iso(p.createdAt),
});

export const writebackView = (w: Writeback) => ({
  id: w.id,
  invoiceId: w.invoiceId,
  paymentId: w.paymentId,
  action: w.action,
  status: w.status,
  attempts: w.attempts,
  nextAttemptAt: iso(w.nextAttemptAt),
  lastError: w.lastError,
  createdAt: iso(w.createdAt),
  doneAt: iso(w.doneAt),
});
