import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, type Database, type Queryable, type Transaction } from '@tollgate/db';
import { recordEvent } from '@tollgate/events';
import { FILE_STORE, type FileStore } from '@tollgate/files';
import { inject, injectable } from 'tsyringe';
import { CollectionRefService } from './collection-refs.js';
import { InvitationAlreadySentError, InvitationNotPossibleError, InvoiceNotFoundError, PdfNotAvailableError } from './invoice-sync.errors.js';

export const INVITATION_OPTIONS = Symbol.for('tollgate.InvitationOptions');

/** What the mail says (the notifications template `invoice_invitation`); an empty string leaves a part out. */
export interface InvitationMailData {
  accountName: string;
  customerName: string;
  invoiceNumber: string;
  /** Decimal string in euros. */
  amount: string;
  /** YYYY-MM-DD. */
  dueOn: string;
  payUrl: string;
  directDebit: boolean;
  mandateReference: string;
  iban: string;
  bic: string;
  beneficiary: string;
  structuredReference: string;
}

/**
 * The mail outbox as invitations use it (the host adapts @tollgate/notifications): `queue` writes
 * one mail in the caller's transaction, idempotent per event key; `outcomes` says where they stand.
 */
export interface InvitationMailer {
  queue(input: {
    tx: Transaction;
    accountId: string;
    eventKey: string;
    locale: InvitationLocale;
    recipient: string;
    data: InvitationMailData;
    attachment: { filename: string; contentType: string; content: Buffer };
  }): Promise<void>;
  outcomes(input: { eventKeys: readonly string[] }): Promise<Array<{ eventKey: string; status: string; sentAt: Date | null; lastError: string | null }>>;
}

export const INVITATION_LOCALES = ['nl', 'fr', 'en', 'de'] as const;
export type InvitationLocale = (typeof INVITATION_LOCALES)[number];

/** The customer's language if we write it ('nl-BE' → 'nl'), else English. */
export function invitationLocale(language: string | null): InvitationLocale {
  const code = (language ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return (INVITATION_LOCALES as readonly string[]).includes(code) ? (code as InvitationLocale) : 'en';
}

export interface InvitationOptions {
  /** Where the mail goes out (the host's notifications outbox). */
  mailer: InvitationMailer;
  /** The host's public address; the payment link is `<baseUrl>/pay/<payToken>`. Read at each send (a test host learns its port late). */
  baseUrl: () => string;
  /** The name customers know the sender by (the account's name); used when no beneficiary is set. */
  accountName?: (input: { accountId: string }) => Promise<string | null>;
}

export type InvitationStatus = 'queued' | 'sent' | 'failed';
export type InvitationTrigger = 'automatic' | 'manual';

/** An invoice's invitation e-mail (S-7): at most one that is queued or sent, ever. */
export interface Invitation {
  invoiceId: string;
  status: InvitationStatus;
  trigger: InvitationTrigger;
  /** 1, then +1 for each manual retry of a failed one. */
  attempt: number;
  recipient: string | null;
  locale: string | null;
  /** Why it failed (no_recipient, no_bank_account, …, or the mail server's answer). */
  reason: string | null;
  queuedAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
}

export interface InvitationRoundResult {
  queued: number;
  failed: number;
  skipped: number;
  sent: number;
  /** Invoices that hit an unexpected error (file store, database); tried again next round. */
  errors: Array<{ invoiceId: string; message: string }>;
}

interface InvitationRow {
  invoice_id: string;
  account_id: string;
  attempt: number;
  trigger: InvitationTrigger;
  status: InvitationStatus;
  recipient: string | null;
  locale: string | null;
  event_key: string | null;
  reason: string | null;
  queued_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
}

interface Context {
  id: string;
  account_id: string;
  connection_id: string;
  kind: string;
  number: string;
  currency: string;
  amount_due: string;
  due_on: string;
  status: string;
  pdf_status: string;
  pdf_key: string | null;
  customer_name: string;
  email: string | null;
  language: string | null;
  direct_debit: boolean;
  payment_link: boolean;
  transfer: boolean;
  mandate_reference: string | null;
  iban: string | null;
  bic: string | null;
  beneficiary: string | null;
}

/** A refusal of the invoice as it is: the manual send answers 422, the job records a failed invitation. */
class NotPossible extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const view = (row: InvitationRow): Invitation => ({
  invoiceId: row.invoice_id,
  status: row.status,
  trigger: row.trigger,
  attempt: row.attempt,
  recipient: row.recipient,
  locale: row.locale,
  reason: row.reason,
  queuedAt: row.queued_at,
  sentAt: row.sent_at,
  failedAt: row.failed_at,
});

const dateOnly = (value: unknown): string => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10));

/**
 * Invitations (S-7): the invoice e-mailed to its customer in the customer's language, the PDF
 * attached, with the payment options of the invoice's profile (payment link, direct debit when the
 * customer has an active mandate, transfer with the structured communication).
 *
 * Exactly once: the `sync_invitations` row (primary key = the invoice) is the claim. The mail is
 * queued in the notifications outbox in the same transaction that inserts it, so whoever inserts
 * first — the job on any host or a manual send — queues the one mail; the others find the row.
 * The outbox then delivers it (retries, one Message-ID); `settle` copies its outcome back.
 */
@injectable()
export class InvitationService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(FILE_STORE) private readonly files: FileStore,
    @inject(CollectionRefService) private readonly refs: CollectionRefService,
    @inject(INVITATION_OPTIONS) private readonly options: InvitationOptions,
  ) {}

  /** The invoice's invitation, or null when none was ever made (404 only for an unknown invoice). */
  async get({ accountId, invoiceId }: { accountId: string; invoiceId: string }): Promise<Invitation | null> {
    const { rows } = await this.db.query<{ id: string } & Partial<InvitationRow>>(
      `select i.id, v.* from sync_invoices i left join sync_invitations v on v.invoice_id = i.id where i.id = $1 and i.account_id = $2`,
      [invoiceId, accountId],
    );
    if (!rows[0]) throw new InvoiceNotFoundError(invoiceId);
    return rows[0].invoice_id ? view(rows[0] as InvitationRow) : null;
  }

  /**
   * A manual send: 409 invitation_already_sent when one is queued or sent, 409 pdf_not_available
   * without the PDF, 422 invitation_not_possible when the invoice cannot be offered as it is. A
   * failed invitation is tried again (attempt + 1). A refusal changes nothing.
   */
  async sendNow({ accountId, invoiceId }: { accountId: string; invoiceId: string }): Promise<Invitation> {
    const context = await this.#context({ accountId, invoiceId });
    const existing = await this.#row(this.db, invoiceId);
    if (existing && existing.status !== 'failed') throw new InvitationAlreadySentError({ invoiceId, status: existing.status });
    try {
      const result = await this.#queue({ context, trigger: 'manual' });
      if (result) return result;
    } catch (error) {
      if (error instanceof NotPossible) throw new InvitationNotPossibleError({ invoiceId, reason: error.reason, message: error.message });
      throw error;
    }
    // Lost the race to the job or another host: that one's mail is the one.
    const winner = await this.#row(this.db, invoiceId);
    throw new InvitationAlreadySentError({ invoiceId, status: winner?.status ?? 'queued' });
  }

  /**
   * The job's round: every invoice whose profile sends invitations, whose PDF is available and that
   * has no invitation yet gets one (or a failed one saying why); then queued ones are settled.
   * Safe on every host at once.
   */
  async runOnce(input: { limit?: number } = {}): Promise<InvitationRoundResult> {
    const result: InvitationRoundResult = { queued: 0, failed: 0, skipped: 0, sent: 0, errors: [] };
    const { rows } = await this.db.query<{ id: string; account_id: string }>(
      `select i.id, i.account_id from sync_invoices i
         join sync_profiles p on p.id = i.profile_id
         left join sync_invitations v on v.invoice_id = i.id
       where p.send_invitation and i.pdf_status = 'available' and i.kind = 'invoice' and i.status <> 'paid' and v.invoice_id is null
       order by i.created_at, i.id limit $1`,
      [input.limit ?? 100],
    );
    for (const row of rows) {
      try {
        const context = await this.#context({ accountId: row.account_id, invoiceId: row.id });
        const queued = await this.#queue({ context, trigger: 'automatic' });
        if (queued) result.queued++;
        else result.skipped++;
      } catch (error) {
        if (error instanceof PdfNotAvailableError) {
          // Marked available but not in the store (yet): the PDF fetcher's business; try next round.
          result.skipped++;
        } else if (error instanceof NotPossible) {
          if (await this.#recordFailure({ invoiceId: row.id, accountId: row.account_id, reason: error.reason, message: error.message })) result.failed++;
          else result.skipped++;
        } else {
          // One invoice's trouble does not hold up the others.
          result.errors.push({ invoiceId: row.id, message: error instanceof Error ? error.message : String(error) });
        }
      }
    }
    const settled = await this.settle();
    result.sent = settled.sent;
    result.failed += settled.failed;
    return result;
  }

  /** Copies the outbox's outcome of queued invitations: sent (event `invoice.invitation_sent`) or failed. */
  async settle(input: { limit?: number } = {}): Promise<{ sent: number; failed: number }> {
    const out = { sent: 0, failed: 0 };
    const { rows } = await this.db.query<InvitationRow>(`select * from sync_invitations where status = 'queued' order by queued_at limit $1`, [
      input.limit ?? 500,
    ]);
    const outcomes = await this.options.mailer.outcomes({ eventKeys: rows.map((r) => r.event_key!).filter(Boolean) });
    for (const row of rows) {
      const outcome = outcomes.find((o) => o.eventKey === row.event_key);
      if (!outcome || (outcome.status !== 'sent' && outcome.status !== 'failed')) continue;
      await this.db.transaction(async (tx) => {
        const now = this.clock.now();
        if (outcome.status === 'sent') {
          const sentAt = outcome.sentAt ?? now;
          const { rowCount } = await tx.query(
            `update sync_invitations set status = 'sent', sent_at = $3 where invoice_id = $1 and event_key = $2 and status = 'queued'`,
            [row.invoice_id, row.event_key, sentAt],
          );
          if (!rowCount) return;
          await this.#event(tx, row.invoice_id, now, 'invitation_sent', { recipient: row.recipient, attempt: row.attempt, trigger: row.trigger });
          const { rows: inv } = await tx.query<{ connection_id: string; number: string }>('select connection_id, number from sync_invoices where id = $1', [
            row.invoice_id,
          ]);
          await recordEvent({
            q: tx,
            accountId: row.account_id,
            type: 'invoice.invitation_sent',
            data: {
              invoiceId: row.invoice_id,
              connectionId: inv[0]!.connection_id,
              number: inv[0]!.number,
              recipient: row.recipient ?? '',
              locale: row.locale ?? 'en',
              trigger: row.trigger,
              sentAt: sentAt.toISOString(),
            },
            occurredAt: now,
          });
          out.sent++;
        } else {
          const reason = `mail_failed: ${outcome.lastError ?? 'the mail server refused it'}`.slice(0, 500);
          const { rowCount } = await tx.query(
            `update sync_invitations set status = 'failed', failed_at = $3, reason = $4 where invoice_id = $1 and event_key = $2 and status = 'queued'`,
            [row.invoice_id, row.event_key, now, reason],
          );
          if (!rowCount) return;
          await this.#event(tx, row.invoice_id, now, 'invitation_failed', { reason, attempt: row.attempt, trigger: row.trigger });
          out.failed++;
        }
      });
    }
    return out;
  }

  async #context({ accountId, invoiceId }: { accountId: string; invoiceId: string }): Promise<Context> {
    const { rows } = await this.db.query<Context>(
      `select i.id, i.account_id, i.connection_id, i.kind, i.number, i.currency, i.amount_due::text as amount_due, i.due_on, i.status, i.pdf_status, i.pdf_key,
              c.name as customer_name, c.email, c.language, p.direct_debit, p.payment_link, p.transfer,
              m.reference as mandate_reference, s.iban, s.bic, s.beneficiary
         from sync_invoices i
         join sync_customers c on c.id = i.customer_id
         join sync_profiles p on p.id = i.profile_id
         left join sync_mandates m on m.customer_id = c.id and m.status = 'active'
         left join sync_collection_settings s on s.account_id = i.account_id
        where i.id = $1 and i.account_id = $2`,
      [invoiceId, accountId],
    );
    if (!rows[0]) throw new InvoiceNotFoundError(invoiceId);
    return rows[0];
  }

  /** Checks, reads the PDF, then claims and queues in one transaction. Null when another caller holds the claim. */
  async #queue({ context, trigger }: { context: Context; trigger: InvitationTrigger }): Promise<Invitation | null> {
    const c = context;
    if (c.kind !== 'invoice') throw new NotPossible('credit_note', 'A credit note is not sent as a payment invitation.');
    if (c.status === 'paid') throw new NotPossible('already_paid', `Invoice ${c.number} is already paid.`);
    if (c.pdf_status !== 'available' || !c.pdf_key) throw new PdfNotAvailableError(c.id);
    const recipient = c.email?.trim().toLowerCase() ?? '';
    if (!recipient) throw new NotPossible('no_recipient', `The customer ${c.customer_name} has no e-mail address.`);
    if (c.currency !== 'EUR') throw new NotPossible('currency_not_eur', `Invoice ${c.number} is in ${c.currency}; only euro invoices are collected.`);
    const directDebit = c.direct_debit && c.mandate_reference !== null;
    const transfer = c.transfer && c.iban !== null;
    if (c.transfer && !c.iban && !c.payment_link && !directDebit) {
      throw new NotPossible('no_bank_account', 'The profile offers a transfer but the account has no IBAN: set it in the collection settings.');
    }
    if (!directDebit && !c.payment_link && !transfer) {
      throw new NotPossible('no_payment_option', 'None of the profile’s payment options applies to this customer (direct debit needs an active mandate).');
    }
    const refs = c.payment_link || transfer ? await this.refs.ensure({ accountId: c.account_id, invoiceId: c.id }) : null;
    const pdf = await this.files.read({ key: c.pdf_key });
    if (!pdf) throw new PdfNotAvailableError(c.id);
    const accountName = c.beneficiary ?? (await this.options.accountName?.({ accountId: c.account_id })) ?? 'Tollgate';
    const locale = invitationLocale(c.language);
    const now = this.clock.now();
    const baseUrl = this.options.baseUrl().replace(/\/+$/, '');

    return this.db.transaction(async (tx) => {
      // The claim. The job never retries a failed invitation; a manual send does, as the next attempt.
      const { rows } = await tx.query<InvitationRow>(
        `insert into sync_invitations (invoice_id, account_id, attempt, trigger, status, recipient, locale, event_key, queued_at)
         values ($1, $2, 1, $3, 'queued', $4, $5, 'invoice_invitation:' || $1 || ':1', $6)
         on conflict (invoice_id) do update set attempt = sync_invitations.attempt + 1, trigger = excluded.trigger, status = 'queued',
           recipient = excluded.recipient, locale = excluded.locale, reason = null, queued_at = excluded.queued_at, sent_at = null, failed_at = null,
           event_key = 'invoice_invitation:' || excluded.invoice_id || ':' || (sync_invitations.attempt + 1)
         where sync_invitations.status = 'failed' and $3 = 'manual'
         returning *`,
        [c.id, c.account_id, trigger, recipient, locale, now],
      );
      const row = rows[0];
      if (!row) return null;
      await this.options.mailer.queue({
        accountId: c.account_id,
        eventKey: row.event_key!,
        locale,
        recipient,
        data: {
          accountName,
          customerName: c.customer_name,
          invoiceNumber: c.number,
          amount: c.amount_due,
          dueOn: dateOnly(c.due_on),
          payUrl: c.payment_link && refs ? `${baseUrl}/pay/${refs.payToken}` : '',
          directDebit,
          mandateReference: directDebit ? c.mandate_reference! : '',
          iban: transfer ? c.iban! : '',
          bic: transfer ? (c.bic ?? '') : '',
          beneficiary: transfer ? (c.beneficiary ?? '') : '',
          structuredReference: transfer && refs ? refs.structuredReference : '',
        },
        attachment: { filename: `${c.number.replace(/[^\p{L}\p{N} ._-]+/gu, '-').trim() || 'invoice'}.pdf`, contentType: 'application/pdf', content: pdf.body },
        tx,
      });
      await this.#event(tx, c.id, now, 'invitation_queued', {
        trigger,
        attempt: row.attempt,
        recipient,
        locale,
        paymentOptions: { directDebit, paymentLink: c.payment_link, transfer },
      });
      return view(row);
    });
  }

  /** The job's record of an invoice it cannot invite for: once (a failed row), visible in the event log. */
  async #recordFailure({ invoiceId, accountId, reason, message }: { invoiceId: string; accountId: string; reason: string; message: string }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const { rows } = await tx.query(
        `insert into sync_invitations (invoice_id, account_id, attempt, trigger, status, recipient, reason, queued_at, failed_at)
         values ($1, $2, 1, 'automatic', 'failed', (select email from sync_customers c join sync_invoices i on i.customer_id = c.id where i.id = $1), $3, $4, $4)
         on conflict (invoice_id) do nothing returning invoice_id`,
        [invoiceId, accountId, reason, now],
      );
      if (!rows[0]) return false;
      await this.#event(tx, invoiceId, now, 'invitation_failed', { reason, message, attempt: 1, trigger: 'automatic' });
      return true;
    });
  }

  async #row(q: Queryable, invoiceId: string): Promise<InvitationRow | null> {
    const { rows } = await q.query<InvitationRow>('select * from sync_invitations where invoice_id = $1', [invoiceId]);
    return rows[0] ?? null;
  }

  async #event(q: Queryable, invoiceId: string, at: Date, type: string, detail: Record<string, unknown>): Promise<void> {
    await q.query('insert into sync_invoice_events (invoice_id, at, type, detail) values ($1, $2, $3, $4)', [invoiceId, at, type, JSON.stringify(detail)]);
  }
}
