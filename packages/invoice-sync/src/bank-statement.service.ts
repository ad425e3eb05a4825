import { CLOCK, type Clock } from '@tollgate/clock';
import { isTollgateError } from '@tollgate/errors';
import { inject, injectable } from 'tsyringe';
import { parseBankStatement, type StatementKind } from './bank-statement.js';
import { CollectionRefService } from './collection-refs.js';
import { InvoicePaymentService } from './invoice-payments.js';
import { formatStructuredCommunication } from './structured-communication.js';

export type UnmatchedReason = 'no_reference' | 'unknown_reference' | 'ambiguous_reference' | 'not_payable' | 'conflict';

export interface StatementLine {
  ref: string;
  amount: string;
  currency: string;
  bookingDate: string | null;
  /** The structured communication the line was matched on (or the first one found), +++ form. */
  reference: string | null;
  remittance: string | null;
  debtorName: string | null;
}

export interface BankStatementReport {
  kind: StatementKind;
  msgId: string;
  /** Booked incoming transfers on the statement. */
  credits: number;
  /** Debits, reversals and unbooked entries: not looked at. */
  ignored: number;
  matched: Array<StatementLine & { invoiceId: string; paymentId: string; invoiceStatus: string; amountDue: string }>;
  /** Recorded by an earlier import of this (or an overlapping) statement: nothing recorded now. */
  duplicates: Array<StatementLine & { invoiceId: string; paymentId: string }>;
  unmatched: Array<StatementLine & { reason: UnmatchedReason; invoiceId?: string; detail?: string }>;
}

/**
 * S-5, transfers: reads a camt.053 statement or camt.054 notification, matches each booked credit
 * to an invoice of the account by its Belgian structured communication, and records it as a
 * `transfer` payment keyed by the bank's reference — so importing the same statement again, or the
 * notification and then the statement, records nothing more. Lines that match nothing are reported.
 */
@injectable()
export class BankStatementService {
  constructor(
    @inject(InvoicePaymentService) private readonly payments: InvoicePaymentService,
    @inject(CollectionRefService) private readonly refs: CollectionRefService,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async import(input: { accountId: string; xml: string }): Promise<BankStatementReport> {
    const statement = parseBankStatement(input.xml);
    const report: BankStatementReport = {
      kind: statement.kind,
      msgId: statement.msgId,
      credits: statement.credits.length,
      ignored: statement.ignored,
      matched: [],
      duplicates: [],
      unmatched: [],
    };
    for (const credit of statement.credits) {
      const base: StatementLine = {
        ref: credit.ref,
        amount: credit.amount,
        currency: credit.currency,
        bookingDate: credit.bookingDate,
        reference: credit.references[0] ? formatStructuredCommunication(credit.references[0]) : null,
        remittance: credit.remittance,
        debtorName: credit.debtorName,
      };
      if (credit.references.length === 0) {
        report.unmatched.push({ ...base, reason: 'no_reference' });
        continue;
      }
      const hits: Array<{ digits: string; invoiceId: string }> = [];
      for (const digits of credit.references) {
        const invoiceId = await this.refs.invoiceByReference({ accountId: input.accountId, digits });
        if (invoiceId) hits.push({ digits, invoiceId });
      }
      if (hits.length === 0) {
        report.unmatched.push({ ...base, reason: 'unknown_reference' });
        continue;
      }
      if (new Set(hits.map((h) => h.invoiceId)).size > 1) {
        report.unmatched.push({ ...base, reason: 'ambiguous_reference', detail: hits.map((h) => formatStructuredCommunication(h.digits)).join(', ') });
        continue;
      }
      const { digits, invoiceId } = hits[0]!;
      const line = { ...base, reference: formatStructuredCommunication(digits) };
      const paidAt = credit.bookingDate ? new Date(`${credit.bookingDate}T00:00:00.000Z`) : (statement.createdAt ?? this.clock.now());
      try {
        const result = await this.payments.record({
          accountId: input.accountId,
          invoiceId,
          amount: credit.amount,
          currency: credit.currency,
          method: 'transfer',
          externalRef: credit.ref,
          paidAt,
        });
        if (result.duplicate) report.duplicates.push({ ...line, invoiceId, paymentId: result.payment.id });
        else
          report.matched.push({
            ...line,
            invoiceId,
            paymentId: result.payment.id,
            invoiceStatus: result.invoice.status,
            amountDue: result.invoice.amountDue,
          });
      } catch (error) {
        // One line the invoice cannot take (paid already, another currency) does not stop the others.
        if (!isTollgateError(error)) throw error;
        report.unmatched.push({
          ...line,
          invoiceId,
          reason: error.code === 'payment_conflict' ? 'conflict' : 'not_payable',
          detail: error.message,
        });
      }
    }
    return report;
  }
}
