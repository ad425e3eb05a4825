import type { Letter, LetterEventRecord, LetterQuote } from '@tollgate/letters';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A letter as the API shows it: amounts as strings, the holds it placed, where its PDF is. */
export function letterView(letter: Letter) {
  return {
    id: letter.id,
    status: letter.status,
    reason: letter.reason,
    country: letter.country,
    carrier: { id: letter.carrierId, billing: letter.billing },
    product: letter.product,
    color: letter.color,
    duplex: letter.duplex,
    pages: letter.pages,
    sheets: letter.sheets,
    invoiceId: letter.invoiceId,
    subject: letter.subject,
    recipient: letter.recipient,
    sender: letter.sender,
    charges: letter.charges.map((c) => ({ channel: c.channel, units: c.units, description: c.description, amount: c.amount })),
    amount: letter.amount,
    currency: letter.currency,
    holds: letter.charges.map((c) => ({ channel: c.channel, holdId: c.holdId, amount: c.amount, status: c.status })),
    carrierLetterId: letter.carrierLetterId,
    pdf: { ...letter.pdf, url: `/v1/letters/${letter.id}/pdf` },
    attempts: letter.attempts,
    lastError: letter.lastError,
    createdAt: letter.createdAt.toISOString(),
    updatedAt: letter.updatedAt.toISOString(),
    submittedAt: iso(letter.submittedAt),
  };
}

export function letterEventView(event: LetterEventRecord) {
  return { ...event, occurredAt: event.occurredAt.toISOString(), receivedAt: event.receivedAt.toISOString() };
}

export function letterQuoteView(quote: LetterQuote) {
  const { carrierId, billing, ...rest } = quote;
  return { carrier: { id: carrierId, billing }, ...rest };
}
