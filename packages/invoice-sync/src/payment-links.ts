import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, sqlStateOf, type Database } from '@tollgate/db';
import { TollgateError } from '@tollgate/errors';
import { Money } from '@tollgate/money';
import type { OneOffPayment, PaymentEvent, PaymentProvider } from '@tollgate/plugin-sdk';
import { inject, injectable } from 'tsyringe';
import { CollectionRefService } from './collection-refs.js';
import { InvoicePaymentService, invoiceEvent } from './invoice-payments.js';
import { InvoiceNotPayableError, PaymentNotFoundError } from './invoice-sync.errors.js';
import type { InvoiceStatus } from './invoice-sync.types.js';
import { newId, type Row } from './invoice-sync.views.js';

/** A provider that takes one-off card payments (PaymentProvider.createOneOffPayment / getOneOffPayment). */
export type OneOffPaymentProvider = Pick<PaymentProvider, 'id' | 'label'> & Required<Pick<PaymentProvider, 'createOneOffPayment' | 'getOneOffPayment'>>;

export const PAYMENT_LINK_PROVIDERS = Symbol.for('tollgate.PaymentLinkProviders');

/** Which provider takes the card payments of the payment link page (the host's loaded plugins). */
export interface PaymentLinkProviderDirectory {
  card(): OneOffPaymentProvider | undefined;
}

export type PaymentLinkStatus = 'creating' | 'open' | 'succeeded' | 'failed' | 'reversed';

/** Why the page offers no pay button. */
export type NotPayableReason = 'paid' | 'credit_note' | 'collection_pending' | 'payment_link_not_in_profile' | 'currency' | 'no_card_provider';

/** What the payment link page shows (S-7), in the customer's language. */
export interface PaymentLinkPage {
  accountId: string;
  invoiceId: string;
  number: string;
  kind: 'invoice' | 'credit_note';
  customerName: string;
  /** nl, fr, en or de (the customer's language, else en). */
  language: 'nl' | 'fr' | 'en' | 'de';
  currency: string;
  amountDue: string;
  totalInclVat: string;
  dueOn: string;
  status: InvoiceStatus;
  payable: boolean;
  notPayableReason: NotPayableReason | null;
  /** The latest card attempt, if any. */
  attempt: { id: string; status: PaymentLinkStatus; reason: string | null } | null;
}

export type StartOutcome = { kind: 'redirect'; url: string; attemptId: string } | { kind: 'not_payable'; page: PaymentLinkPage };

/** The provider could not start the payment; the page says so and the payer may try again. */
export class PaymentLinkProviderError extends TollgateError {
  constructor(input: { cause: unknown }) {
    const status = input.cause instanceof TollgateError && input.cause.status === 503 ? 503 : 502;
    super({ code: 'payment_provider_error', status, message: 'The card payment could not be started; try again in a moment.', cause: input.cause });
  }
}

const LANGUAGES = ['nl', 'fr', 'en', 'de'] as const;
const OPEN: readonly PaymentLinkStatus[] = ['creating', 'open'];

/**
 * S-7 payment link page: a customer pays one invoice by card, through the card plugin's hosted
 * page (3-D Secure included). One open attempt per invoice at a time (a unique index), for the
 * amount due when it started: a second click, a reload or a second host gets the same attempt and
 * the same provider payment (its id is the provider's idempotency key). The provider's events come
 * back by our reference (the attempt id) and are recorded as `payment_link` payments through
 * InvoicePaymentService (idempotent per provider payment id), each step in the invoice's event log.
 */
@injectable()
export class PaymentLinkService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(CollectionRefService) private readonly refs: CollectionRefService,
    @inject(InvoicePaymentService) private readonly payments: InvoicePaymentService,
    @inject(PAYMENT_LINK_PROVIDERS) private readonly providers: PaymentLinkProviderDirectory,
  ) {}

  /** The page behind a token, or null for an unknown token. */
  async page({ token }: { token: string }): Promise<PaymentLinkPage | null> {
    const found = await this.refs.invoiceByPayToken({ token });
    if (!found) return null;
    return this.#page(found);
  }

  async #page(input: { accountId: string; invoiceId: string }): Promise<PaymentLinkPage> {
    const { rows } = await this.db.query<Row>(
      `select i.*, c.name as customer_name, c.language as customer_language, p.payment_link as profile_payment_link
         from sync_invoices i join sync_customers c on c.id = i.customer_id join sync_profiles p on p.id = i.profile_id
        where i.id = $1 and i.account_id = $2`,
      [input.invoiceId, input.accountId],
    );
    const row = rows[0]!;
    const attempt = await this.#latest({ invoiceId: input.invoiceId });
    const amountDue = Money.of(row.amount_due as string, row.currency as string);
    const status = row.status as InvoiceStatus;
    const reason: NotPayableReason | null =
      row.kind !== 'invoice'
        ? 'credit_note'
        : status === 'paid' || !amountDue.isPositive()
          ? 'paid'
          : status === 'pending'
            ? 'collection_pending'
            : !row.profile_payment_link
              ? 'payment_link_not_in_profile'
              : row.currency !== 'EUR'
                ? 'currency'
                : !this.providers.card()
                  ? 'no_card_provider'
                  : null;
    const language =
      LANGUAGES.find(
        (l) =>
          l ===
          String(row.customer_language ?? '')
            .toLowerCase()
            .slice(0, 2),
      ) ?? 'en';
    return {
      accountId: input.accountId,
      invoiceId: input.invoiceId,
      number: row.number as string,
      kind: row.kind as 'invoice' | 'credit_note',
      customerName: row.customer_name as string,
      language,
      currency: row.currency as string,
      amountDue: amountDue.toString(),
      totalInclVat: Money.of(row.total_incl_vat as string, row.currency as string).toString(),
      dueOn: dayOf(row.due_on),
      status,
      payable: reason === null,
      notPayableReason: reason,
      attempt: attempt ? { id: attempt.id as string, status: attempt.status as PaymentLinkStatus, reason: (attempt.reason as string | null) ?? null } : null,
    };
  }

  /**
   * The pay button: the open attempt for the amount due (made now if there is none), and where to
   * send the payer. Never two open attempts for an invoice, never two provider payments for one attempt.
   */
  async startCardPayment({ token, returnUrl }: { token: string; returnUrl: string }): Promise<StartOutcome | null> {
    const found = await this.refs.invoiceByPayToken({ token });
    if (!found) return null;
    const page = await this.#page(found);
    if (!page.payable) return { kind: 'not_payable', page };
    const provider = this.providers.card()!;
    let attempt: Row | undefined = await this.#open({ invoiceId: found.invoiceId });
    if (attempt && attempt.provider_payment_id) {
      const sameAmount = Money.of(attempt.amount as string, attempt.currency as string).equals(Money.of(page.amountDue, page.currency));
      const now = sameAmount ? await this.#refresh({ attempt, provider }) : null;
      if (now?.status === 'pending' && now.redirectUrl) return { kind: 'redirect', url: now.redirectUrl, attemptId: attempt.id as string };
      if (now?.status === 'succeeded') return { kind: 'not_payable', page: await this.#page(found) };
      // Paid by another way in part, or expired at the provider: this attempt is over, a new one starts.
      if (!now || now.status !== 'pending') await this.#close({ attempt, status: 'failed', reason: sameAmount ? (now?.reason ?? 'ended') : 'amount_changed' });
      attempt = undefined;
    }
    attempt ??= await this.#create({ page, providerId: provider.id });
    let created: OneOffPayment;
    try {
      created = await provider.createOneOffPayment({
        accountId: page.accountId,
        amount: Money.of(attempt.amount as string, attempt.currency as string),
        currency: attempt.currency as string,
        reference: attempt.id as string,
        description: `Invoice ${page.number}`,
        returnUrl,
        // The attempt id: a retry after a lost answer, or a second host, gets the same provider payment.
        idempotencyKey: attempt.id as string,
        locale: page.language,
      });
    } catch (error) {
      await invoiceEvent(this.db, page.invoiceId, this.clock.now(), 'payment_link_error', { attemptId: attempt.id, error: (error as Error).message });
      throw new PaymentLinkProviderError({ cause: error });
    }
    const { rows } = await this.db.query<Row>(
      `update sync_payment_links set provider_payment_id = $2, status = 'open', updated_at = $3 where id = $1 and status = 'creating' returning *`,
      [attempt.id, created.providerPaymentId, this.clock.now()],
    );
    if (rows[0]) {
      await invoiceEvent(this.db, page.invoiceId, this.clock.now(), 'payment_link_started', {
        attemptId: attempt.id,
        providerId: provider.id,
        providerPaymentId: created.providerPaymentId,
        amount: attempt.amount,
        currency: attempt.currency,
      });
    }
    if (created.status === 'succeeded') {
      await this.#apply({ attemptId: attempt.id as string, status: 'succeeded', occurredAt: this.clock.now() });
      return { kind: 'not_payable', page: await this.#page(found) };
    }
    if (!created.redirectUrl) throw new PaymentLinkProviderError({ cause: new Error('the provider gave no payment page') });
    return { kind: 'redirect', url: created.redirectUrl, attemptId: attempt.id as string };
  }

  /**
   * The payer is back from the provider's page: the attempt's state is read at the provider (a
   * webhook may still be on its way) and applied, then the page is shown with the outcome.
   */
  async returned({ token }: { token: string }): Promise<PaymentLinkPage | null> {
    const found = await this.refs.invoiceByPayToken({ token });
    if (!found) return null;
    const attempt = await this.#latest({ invoiceId: found.invoiceId });
    const provider = this.providers.card();
    if (attempt && OPEN.includes(attempt.status as PaymentLinkStatus) && attempt.provider_payment_id && provider) {
      await this.#refresh({ attempt, provider }).catch(() => null);
    }
    return this.#page(found);
  }

  /**
   * Provider events: those about payment link attempts (found by our reference, or by the provider's
   * payment id) are applied here, once per event id; the others are left for the funding service.
   */
  async handleProviderEvents(input: { providerId: string; events: readonly PaymentEvent[] }): Promise<{
    rest: PaymentEvent[];
    counts: { accepted: number; duplicates: number };
  }> {
    const rest: PaymentEvent[] = [];
    const counts = { accepted: 0, duplicates: 0 };
    for (const event of input.events) {
      const attempt = await this.#attemptFor({ providerId: input.providerId, event });
      if (!attempt) {
        rest.push(event);
        continue;
      }
      if (event.status === 'pending') {
        counts.accepted++;
        continue;
      }
      const { rowCount } = await this.db.query(
        'insert into sync_payment_link_events (provider_id, event_id, attempt_id, status, received_at) values ($1, $2, $3, $4, $5) on conflict do nothing',
        [input.providerId, event.eventId, attempt.id, event.status, this.clock.now()],
      );
      const fresh = (rowCount ?? 0) > 0;
      try {
        // A replayed event is applied again (idempotent): it may have been stored before a crash that kept it from being applied.
        await this.#apply({
          attemptId: attempt.id as string,
          status: event.status,
          reason: event.reason,
          occurredAt: event.occurredAt,
          eventId: event.eventId,
        });
      } catch (error) {
        // Not applied: forget the event so the provider's next delivery counts as new.
        if (fresh) await this.db.query('delete from sync_payment_link_events where provider_id = $1 and event_id = $2', [input.providerId, event.eventId]);
        throw error;
      }
      if (!fresh) {
        counts.duplicates++;
        continue;
      }
      counts.accepted++;
    }
    return { rest, counts };
  }

  async #attemptFor(input: { providerId: string; event: PaymentEvent }): Promise<Row | undefined> {
    const { event } = input;
    if (event.reference?.startsWith('plk_')) {
      const { rows } = await this.db.query<Row>('select * from sync_payment_links where id = $1 and provider_id = $2', [event.reference, input.providerId]);
      if (rows[0]) return rows[0];
    }
    const { rows } = await this.db.query<Row>('select * from sync_payment_links where provider_id = $1 and provider_payment_id = $2', [
      input.providerId,
      event.providerPaymentId,
    ]);
    return rows[0];
  }

  async #refresh(input: { attempt: Row; provider: OneOffPaymentProvider }): Promise<OneOffPayment> {
    const now = await input.provider.getOneOffPayment({
      accountId: input.attempt.account_id as string,
      providerPaymentId: input.attempt.provider_payment_id as string,
    });
    if (now.status !== 'pending') {
      await this.#apply({ attemptId: input.attempt.id as string, status: now.status, reason: now.reason, occurredAt: this.clock.now() });
    }
    return now;
  }

  /** One outcome for an attempt: the attempt's status moves once, the payment is recorded or reversed once. */
  async #apply(input: { attemptId: string; status: PaymentEvent['status']; reason?: string | undefined; occurredAt: Date; eventId?: string }): Promise<void> {
    const { rows } = await this.db.query<Row>('select * from sync_payment_links where id = $1', [input.attemptId]);
    const attempt = rows[0]!;
    const now = this.clock.now();
    const invoiceId = attempt.invoice_id as string;
    const accountId = attempt.account_id as string;
    const externalRef = attempt.provider_payment_id as string;
    const via = input.eventId ? { eventId: input.eventId } : { via: 'provider_lookup' };
    // Recording and reversing are idempotent per provider payment (InvoicePaymentService), so an
    // outcome is applied again whenever it comes again (a crash half-way leaves nothing lost); the
    // event log gets an entry only the first time.
    if (input.status === 'succeeded') {
      const moved = await this.#move({ attempt, from: ['creating', 'open', 'failed'], to: 'succeeded' });
      const paid = { attemptId: attempt.id, providerPaymentId: externalRef, amount: attempt.amount, ...via };
      try {
        const result = await this.payments.record({
          accountId,
          invoiceId,
          amount: attempt.amount as string,
          method: 'payment_link',
          externalRef,
          paidAt: input.occurredAt,
        });
        if (!result.duplicate) await invoiceEvent(this.db, invoiceId, now, 'payment_link_paid', paid);
      } catch (error) {
        if (!(error instanceof InvoiceNotPayableError)) throw error;
        // Paid twice (another way meanwhile): the money is in, the invoice cannot take it; someone has to refund it.
        if (moved) await invoiceEvent(this.db, invoiceId, now, 'payment_link_unapplied', { ...paid, reason: error.code });
      }
      return;
    }
    if (input.status === 'failed') {
      if (!(await this.#move({ attempt, from: ['creating', 'open'], to: 'failed', reason: input.reason ?? null }))) return;
      await invoiceEvent(this.db, invoiceId, now, 'payment_link_failed', {
        attemptId: attempt.id,
        providerPaymentId: externalRef,
        reason: input.reason ?? null,
        ...via,
      });
      return;
    }
    // reversed: a refund, chargeback or dispute of a paid attempt.
    const moved = await this.#move({ attempt, from: ['succeeded'], to: 'reversed', reason: input.reason ?? null });
    let reversedNow = moved;
    try {
      reversedNow = !(await this.payments.reverse({ accountId, method: 'payment_link', externalRef, reason: input.reason ?? 'reversed' })).alreadyReversed;
    } catch (error) {
      // Never recorded (paid twice, see above): only the attempt changes.
      if (!(error instanceof PaymentNotFoundError)) throw error;
    }
    if (reversedNow) {
      await invoiceEvent(this.db, invoiceId, now, 'payment_link_reversed', {
        attemptId: attempt.id,
        providerPaymentId: externalRef,
        reason: input.reason ?? null,
        ...via,
      });
    }
  }

  async #move(input: { attempt: Row; from: readonly PaymentLinkStatus[]; to: PaymentLinkStatus; reason?: string | null }): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `update sync_payment_links set status = $2, reason = coalesce($3, reason), updated_at = $4 where id = $1 and status = any(string_to_array($5, ','))`,
      // A comma list, not an array parameter: both engines take text the same way.
      [input.attempt.id, input.to, input.reason ?? null, this.clock.now(), input.from.join(',')],
    );
    return (rowCount ?? 0) > 0;
  }

  async #close(input: { attempt: Row; status: 'failed'; reason: string }): Promise<void> {
    if (await this.#move({ attempt: input.attempt, from: OPEN, to: input.status, reason: input.reason })) {
      await invoiceEvent(this.db, input.attempt.invoice_id as string, this.clock.now(), 'payment_link_closed', {
        attemptId: input.attempt.id,
        reason: input.reason,
      });
    }
  }

  async #create(input: { page: PaymentLinkPage; providerId: string }): Promise<Row> {
    const now = this.clock.now();
    try {
      const { rows } = await this.db.query<Row>(
        `insert into sync_payment_links (id, account_id, invoice_id, provider_id, amount, currency, status, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, 'creating', $7, $7) returning *`,
        [newId('plk'), input.page.accountId, input.page.invoiceId, input.providerId, input.page.amountDue, input.page.currency, now],
      );
      return rows[0]!;
    } catch (error) {
      // Another click or host opened one first: use that one.
      if (sqlStateOf(error) !== '23505') throw error;
      const open = await this.#open({ invoiceId: input.page.invoiceId });
      if (!open) throw error;
      return open;
    }
  }

  async #open({ invoiceId }: { invoiceId: string }): Promise<Row | undefined> {
    const { rows } = await this.db.query<Row>(`select * from sync_payment_links where invoice_id = $1 and status in ('creating', 'open')`, [invoiceId]);
    return rows[0];
  }

  async #latest({ invoiceId }: { invoiceId: string }): Promise<Row | undefined> {
    const { rows } = await this.db.query<Row>('select * from sync_payment_links where invoice_id = $1 order by created_at desc, id desc limit 1', [invoiceId]);
    return rows[0];
  }
}

function dayOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}
