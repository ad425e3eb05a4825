import { recordEvent } from '@tollgate/events';
import { randomBytes } from 'node:crypto';
import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, pgArray, type Database, type Queryable } from '@tollgate/db';
import { TollgateError, UnavailableError, ValidationError } from '@tollgate/errors';
import { Money } from '@tollgate/money';
import { allowsForAnyPurpose, allowsPaymentMethod, describeMethods, PaymentMethodNotInPlanError, type CardFunding, type FundingPurpose } from '@tollgate/plans';
import { InsufficientFundsError, WalletService, type AutoRefillNote, type PaymentEvent, type PaymentMethodKind, type PaymentProvider } from '@tollgate/wallet';
import { EventEmitter } from 'eventemitter3';
import { inject, injectable } from 'tsyringe';
import {
  AmountOutOfRangeError,
  AutoRefillSettingsError,
  FundingKeyReusedError,
  HostedPaymentProviderError,
  InvalidReferralCodeError,
  NoHostedPaymentProviderError,
  PaymentMethodNotFoundError,
  PurchaseNotFoundError,
  RefundNotFoundError,
  UnknownPackError,
  UnknownProviderError,
} from './funding.errors.js';
import { FUNDING_OPTIONS, PACK_MAX, PACK_MIN, resolveFundingOptions, type FundingOptions, type ResolvedFundingOptions } from './funding.options.js';
import {
  FUNDING_NOTIFIER,
  FUNDING_PLAN_RULES,
  NO_PLAN_RULES,
  PAYMENT_PROVIDERS,
  type AutoRefillMode,
  type AutoRefillPauseReason,
  type AutoRefillSettings,
  type FundingNotifier,
  type FundingPlanRules,
  type IncomingCredit,
  type PaymentMethod,
  type PaymentProviderDirectory,
  type Purchase,
  type PurchaseOrigin,
  type RefillCover,
  type Refund,
} from './funding.types.js';
import {
  CHECKOUT_CHECK_INTERVAL_MS,
  CHECKOUT_SWEEP_AFTER_MS,
  checkoutReturnUrl,
  DEFAULT_RETURN_PATH,
  takesHostedPayments,
  type HostedPayment,
  type HostedPaymentProvider,
} from './hosted-checkout.js';
import { targetRefillAmount } from './refill-amount.js';
import { scheduleState } from './refill-schedule.js';

type Row = Record<string, unknown>;
const newId = (prefix: string) => `${prefix}_${randomBytes(10).toString('hex')}`;
const REFERRAL_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const HOUR_MS = 3_600_000;
/** Limits a person could mean: at least one refill, at most 100, in a period of 1 hour to 31 days. */
const REFILL_LIMITS = { maxPerPeriod: [1, 100], periodHours: [1, 24 * 31] } as const;

export interface FundingEvents {
  /** A purchase changed status (in this process). */
  purchase: [Purchase];
  /** An auto-refill was skipped by the storm guard. */
  refill_guarded: [{ accountId: string; refills: number; periodHours: number; resumesAt: Date | null }];
}

/**
 * Money in and out of the wallet (C-1…C-5): payment methods and purchases through the payment
 * provider plugins, provider events (webhooks, bank files) turned into credit or clawbacks,
 * auto-refill with a one-in-flight guarantee, referral credits and refunds. Every wallet change
 * it makes carries a key derived from the purchase, referral or refund, so replays change nothing.
 */
@injectable()
export class FundingService {
  readonly events = new EventEmitter<FundingEvents>();
  readonly options: ResolvedFundingOptions;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(WalletService) private readonly wallet: WalletService,
    @inject(PAYMENT_PROVIDERS) private readonly providers: PaymentProviderDirectory,
    @inject(FUNDING_NOTIFIER) private readonly notifier: FundingNotifier,
    @inject(FUNDING_OPTIONS) options: FundingOptions = {},
    @inject(FUNDING_PLAN_RULES) private readonly planRules: FundingPlanRules = NO_PLAN_RULES,
  ) {
    this.options = resolveFundingOptions(options);
  }

  // ---- packs ----------------------------------------------------------------------------------

  packs(): Money[] {
    return this.options.packs;
  }

  /** A cash pack amount: a decimal string of at most two places, €5…€1000, one of the configured packs. */
  checkPack(amount: string | Money): Money {
    let value: Money;
    try {
      value = amount instanceof Money ? amount : Money.of(amount, 'EUR', { maxDecimals: 2 });
    } catch {
      throw new ValidationError({ code: 'invalid_amount', message: `amount must be a decimal string like "25.00", not ${JSON.stringify(amount)}` });
    }
    if (value.lessThan(PACK_MIN) || value.greaterThan(PACK_MAX))
      throw new AmountOutOfRangeError({ amount: value.toString(), min: PACK_MIN.toString(), max: PACK_MAX.toString() });
    if (!this.options.packs.some((p) => p.equals(value)))
      throw new UnknownPackError({ amount: value.toString(), packs: this.options.packs.map((p) => p.toString()) });
    return value;
  }

  // ---- payment methods ------------------------------------------------------------------------

  async addPaymentMethod(input: {
    accountId: string;
    providerId: string;
    kind: PaymentMethodKind;
    details: Readonly<Record<string, unknown>>;
    idempotencyKey: string;
  }): Promise<PaymentMethod> {
    const existing = await this.#one('select * from funding_payment_methods where account_id = $1 and idempotency_key = $2', [
      input.accountId,
      input.idempotencyKey,
    ]);
    if (existing) {
      if (existing.provider_id !== input.providerId || existing.kind !== input.kind)
        throw new FundingKeyReusedError({ key: input.idempotencyKey, operation: 'payment method' });
      return methodView(existing);
    }
    const provider = this.#provider(input.providerId);
    if (!provider.methods.includes(input.kind)) {
      throw new ValidationError({
        code: 'unsupported_method',
        message: `${provider.label} does not take ${input.kind}; it takes ${provider.methods.join(', ')}`,
        details: { provider: provider.id, kind: input.kind },
      });
    }
    // A kind the plan takes for no purpose (SEPA on classic) is refused before the provider is asked. A card is
    // saved whatever its funding (known only once the provider has it) and checked when it is used.
    if (input.kind !== 'card') await this.#checkKindInPlan(input.accountId, input.kind);
    const setup = await provider.createPaymentMethod({
      accountId: input.accountId,
      kind: input.kind,
      details: input.details,
      idempotencyKey: `method:${input.accountId}:${input.idempotencyKey}`,
    });
    const { rows } = await this.db.query<Row>(
      `insert into funding_payment_methods (id, account_id, provider_id, provider_method_id, kind, label, metadata, status, idempotency_key, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9)
       on conflict (account_id, idempotency_key) do nothing returning *`,
      [
        newId('pm'),
        input.accountId,
        provider.id,
        setup.providerMethodId,
        setup.kind,
        setup.label,
        JSON.stringify(setup.metadata),
        input.idempotencyKey,
        this.clock.now(),
      ],
    );
    return methodView(
      rows[0] ??
        (await this.#one('select * from funding_payment_methods where account_id = $1 and idempotency_key = $2', [input.accountId, input.idempotencyKey]))!,
    );
  }

  async listPaymentMethods(input: { accountId: string; includeRemoved?: boolean }): Promise<PaymentMethod[]> {
    const { rows } = await this.db.query<Row>(
      `select * from funding_payment_methods where account_id = $1 and ($2 or status = 'active') order by created_at, id`,
      [input.accountId, input.includeRemoved ?? false],
    );
    return rows.map(methodView);
  }

  async getPaymentMethod(input: { accountId: string; id: string }): Promise<PaymentMethod> {
    const row = await this.#activeMethod(this.db, input.accountId, input.id);
    return methodView(row);
  }

  /** Revokes the mandate or detaches the card at the provider; an auto-refill that used it is turned off. */
  async removePaymentMethod(input: { accountId: string; id: string }): Promise<PaymentMethod> {
    const row = await this.#activeMethod(this.db, input.accountId, input.id);
    await this.#provider(row.provider_id as string).removePaymentMethod?.({ accountId: input.accountId, providerMethodId: row.provider_method_id as string });
    const now = this.clock.now();
    const updated = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(`update funding_payment_methods set status = 'removed', removed_at = $2 where id = $1 returning *`, [row.id, now]);
      await tx.query(
        `update funding_auto_refill set enabled = false, paused_at = $2, paused_reason = 'payment_method_removed', updated_at = $2 where payment_method_id = $1 and enabled`,
        [row.id, now],
      );
      return rows[0]!;
    });
    return methodView(updated);
  }

  // ---- purchases ------------------------------------------------------------------------------

  /**
   * Buys a cash pack with a payment method of the account (C-1). The credit becomes spendable when
   * the provider reports success: at once for most cards, days later for SEPA. The same key
   * returns the same purchase; an auto-refill returns null when another is already in flight.
   * A `scope` (channel ids or tags) makes a scoped pack: checked by the wallet before anything is stored
   * or asked of the provider, and granted as scoped credit (issue 22).
   */
  async buy(input: {
    accountId: string;
    amount: string | Money;
    paymentMethodId: string;
    idempotencyKey: string;
    origin?: PurchaseOrigin;
    scope?: readonly string[] | null;
  }): Promise<Purchase | null> {
    const amount = this.checkPack(input.amount);
    const scope = input.scope === undefined || input.scope === null ? null : await this.wallet.checkScope({ scope: input.scope });
    return this.#purchase({ ...input, amount, scope });
  }

  /** A purchase of an amount already checked: a pack, or a target refill's amount (within €5…€1000, not a pack). */
  async #purchase(input: {
    accountId: string;
    amount: Money;
    paymentMethodId: string;
    idempotencyKey: string;
    origin?: PurchaseOrigin;
    /** Already checked and sorted (buy); auto-refills stay general. */
    scope?: string[] | null;
  }): Promise<Purchase | null> {
    const amount = input.amount;
    const origin = input.origin ?? 'manual';
    const scope = input.scope ?? null;
    const existing = await this.#purchaseByKey(input.accountId, input.idempotencyKey);
    if (existing) return this.#resume(existing, amount, input.paymentMethodId, scope);
    const method = await this.#activeMethod(this.db, input.accountId, input.paymentMethodId);
    // W-11: the plan says which methods take top-ups; an auto-refill was checked by maybeRefill.
    if (origin === 'manual') await this.#checkInPlan(input.accountId, method, 'top_up');
    const now = this.clock.now();
    const { rows } = await this.db.query<Row>(
      `insert into funding_purchases (id, account_id, amount, payment_method_id, provider_id, origin, status, idempotency_key, created_at, updated_at, scope)
       values ($1, $2, $3, $4, $5, $6, 'creating', $7, $8, $8, $9::text[])
       on conflict do nothing returning *`,
      [newId('pur'), input.accountId, amount.toString(), method.id, method.provider_id, origin, input.idempotencyKey, now, scope ? pgArray(scope) : null],
    );
    if (!rows[0]) {
      // Lost a race: the same key (resume it) or, for an auto-refill, another refill in flight.
      const raced = await this.#purchaseByKey(input.accountId, input.idempotencyKey);
      if (raced) return this.#resume(raced, amount, input.paymentMethodId, scope);
      return null;
    }
    return this.#createAtProvider(rows[0]);
  }

  /**
   * Buys a cash pack paid on the provider's hosted page (issue 21): no saved method, the payer picks a card there
   * (3-D Secure included) and comes back to `returnPath` on this host with `?purchase=<id>`. The purchase is
   * `pending` with `redirectUrl` until the provider's webhook, the payer's return (checkHostedPurchase) or the
   * sweep learns the outcome; whichever comes first credits it, once (the grant's key is the purchase's).
   * The same key answers the same purchase and page; the provider's payment is idempotent by `purchase:<id>`.
   */
  async checkout(input: {
    accountId: string;
    amount: string | Money;
    idempotencyKey: string;
    /** The host's public URL (no trailing slash needed). */
    baseUrl: string;
    /** A path on this host; default /app/fill. */
    returnPath?: string;
    /** Default: the one provider that takes hosted payments. */
    providerId?: string;
    scope?: readonly string[] | null;
    /** The payer's language on the provider's page (nl, fr, en, de). */
    locale?: string;
  }): Promise<Purchase> {
    const amount = this.checkPack(input.amount);
    const provider = this.#hostedProvider(input.providerId ?? null);
    // Checked before anything is stored: a returnPath that is not a path on this host is refused (400).
    const probe = checkoutReturnUrl({ baseUrl: input.baseUrl, returnPath: input.returnPath ?? DEFAULT_RETURN_PATH, purchaseId: '' });
    const scope = input.scope === undefined || input.scope === null ? null : await this.wallet.checkScope({ scope: input.scope });
    const existing = await this.#purchaseByKey(input.accountId, input.idempotencyKey);
    if (existing) return this.#resumeCheckout(existing, { amount, providerId: provider.id, scope, returnUrl: probe });
    // W-11: the card is chosen on the provider's page, so its funding is unknown here: a plan that takes only some cards refuses.
    await this.#checkInPlan(input.accountId, { kind: provider.methods.includes('card') ? 'card' : provider.methods[0], metadata: {} }, 'top_up');
    const id = newId('pur');
    const returnUrl = checkoutReturnUrl({ baseUrl: input.baseUrl, returnPath: input.returnPath ?? DEFAULT_RETURN_PATH, purchaseId: id });
    const now = this.clock.now();
    const { rows } = await this.db.query<Row>(
      `insert into funding_purchases (id, account_id, amount, payment_method_id, provider_id, origin, status, idempotency_key, created_at, updated_at, scope, hosted, return_url, locale)
       values ($1, $2, $3, null, $4, 'manual', 'creating', $5, $6, $6, $7::text[], true, $8, $9)
       on conflict do nothing returning *`,
      [id, input.accountId, amount.toString(), provider.id, input.idempotencyKey, now, scope ? pgArray(scope) : null, returnUrl, input.locale ?? null],
    );
    if (!rows[0]) {
      const raced = await this.#purchaseByKey(input.accountId, input.idempotencyKey);
      if (!raced) throw new Error('funding: checkout insert conflicted without a purchase for its key');
      return this.#resumeCheckout(raced, { amount, providerId: provider.id, scope, returnUrl: probe });
    }
    return this.#createCheckoutAtProvider(rows[0]);
  }

  /**
   * A pending hosted purchase, read at the provider (the payer is back, or the dashboard polls) at most once every
   * CHECKOUT_CHECK_INTERVAL_MS per purchase, and settled by what the provider says; never by the return's query
   * string. A provider that does not answer leaves it pending (the webhook or the sweep settles it).
   */
  async checkHostedPurchase(input: { accountId?: string; id: string }): Promise<Purchase> {
    const row = await this.#one('select * from funding_purchases where id = $1 and ($2::text is null or account_id = $2)', [input.id, input.accountId ?? null]);
    if (!row) throw new PurchaseNotFoundError(input.id);
    if (!row.hosted || row.status !== 'pending' || !row.provider_payment_id) return purchaseView(row);
    await this.#refreshHosted(row, CHECKOUT_CHECK_INTERVAL_MS).catch(() => undefined);
    return purchaseView((await this.#one('select * from funding_purchases where id = $1', [row.id]))!);
  }

  async getPurchase(input: { accountId?: string; id: string }): Promise<Purchase> {
    const row = await this.#one('select * from funding_purchases where id = $1 and ($2::text is null or account_id = $2)', [input.id, input.accountId ?? null]);
    if (!row) throw new PurchaseNotFoundError(input.id);
    return purchaseView(row);
  }

  async listPurchases(input: {
    accountId: string;
    status?: string;
    limit?: number;
    before?: string;
  }): Promise<{ data: Purchase[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
    const { rows } = await this.db.query<Row>(
      `select * from funding_purchases
        where account_id = $1 and ($2::text is null or status = $2)
          and ($3::text is null or (created_at, id) < (select created_at, id from funding_purchases where id = $3))
        order by created_at desc, id desc limit $4`,
      [input.accountId, input.status ?? null, input.before ?? null, limit + 1],
    );
    const data = rows.slice(0, limit).map(purchaseView);
    return { data, nextCursor: rows.length > limit ? data.at(-1)!.id : null };
  }

  /**
   * Money on its way to the wallet: purchases paid for and not yet settled (creating or pending),
   * with the earliest day a provider expects one of them. Holds are something else (the wallet's `pending`).
   * A hosted checkout is not counted: until the payer pays on the provider's page nothing is on its way.
   */
  async incoming(input: { accountId: string }): Promise<IncomingCredit> {
    const row = await this.#one(
      `select coalesce(sum(amount), 0)::text as amount, count(*)::int as n, min(expected_settlement_date) as next
         from funding_purchases where account_id = $1 and status in ('creating', 'pending') and not hosted`,
      [input.accountId],
    );
    return { amount: Money.of(row!.amount as string), purchases: row!.n as number, nextExpectedSettlementDate: (row!.next as string | null) ?? null };
  }

  /**
   * Takes provider events (webhooks, bank reports): each event id is applied once; success grants
   * the purchased lot, failure marks the purchase failed, a reversal claws the credit back.
   */
  async handlePaymentEvents(input: {
    providerId: string;
    events: readonly PaymentEvent[];
  }): Promise<{ accepted: number; duplicates: number; unmatched: number }> {
    const counts = { accepted: 0, duplicates: 0, unmatched: 0 };
    for (const event of input.events) {
      const seen = await this.#one('select outcome from funding_provider_events where provider_id = $1 and event_id = $2', [input.providerId, event.eventId]);
      if (seen && seen.outcome !== 'unmatched') {
        counts.duplicates++;
        continue;
      }
      // A hosted payment's events carry our purchase id (a dispute names the card payment, not the page's id).
      const purchase =
        (await this.#one('select * from funding_purchases where provider_id = $1 and provider_payment_id = $2', [input.providerId, event.providerPaymentId])) ??
        (event.reference?.startsWith('pur_')
          ? await this.#one('select * from funding_purchases where id = $1 and provider_id = $2 and hosted and provider_payment_id is not null', [
              event.reference,
              input.providerId,
            ])
          : undefined);
      if (!purchase) {
        // Kept: it is applied when the purchase learns its provider payment id (a webhook faster than the API answer).
        await this.#recordEvent(this.db, input.providerId, event, null, 'unmatched');
        counts.unmatched++;
        continue;
      }
      const outcome =
        event.status === 'pending'
          ? await this.#reschedule(purchase, event.expectedSettlementDate)
          : await this.#apply(purchase, event.status, event.reason ?? null);
      const fresh = await this.#recordEvent(this.db, input.providerId, event, purchase.id as string, outcome);
      if (fresh || seen) counts.accepted++;
      else counts.duplicates++;
    }
    return counts;
  }

  // ---- auto-refill (C-3) ----------------------------------------------------------------------

  /**
   * The settings and their state now: a stored pause (declined payment, removed method) needs the
   * account; the refill limit is derived from the last `periodHours` (only refills that were not
   * declined count) and ends by itself at `resumesAt`.
   */
  async getAutoRefill(input: { accountId: string }): Promise<AutoRefillSettings | null> {
    const row = await this.#one(
      `select r.*, w.time_zone from funding_auto_refill r left join wallets w on w.account_id = r.account_id where r.account_id = $1`,
      [input.accountId],
    );
    if (!row) return null;
    const now = this.clock.now();
    const periodMs = (row.period_hours as number) * HOUR_MS;
    const since = new Date(now.getTime() - periodMs);
    const { rows: attempts } = await this.db.query<Row>(
      `select id, status, created_at from funding_purchases where account_id = $1 and origin = 'auto_refill' and created_at > $2 order by created_at, id`,
      [input.accountId, since],
    );
    const refills = attempts.filter((a) => a.status !== 'failed');
    const declined = attempts.length - refills.length;
    const last = await this.#one(
      `select id, reason, updated_at from funding_purchases where account_id = $1 and origin = 'auto_refill' and status = 'failed' order by updated_at desc, id desc limit 1`,
      [input.accountId],
    );
    const view = refillView(row);
    const settings: AutoRefillSettings = {
      ...view,
      nextScheduledAt: view.schedule && view.enabled ? scheduleOf(row, now).nextAt : null,
      resumesAt: null,
      window: { since, refills: refills.length, declined },
      lastDecline: last ? { purchaseId: last.id as string, reason: (last.reason as string | null) ?? null, at: last.updated_at as Date } : null,
    };
    const max = settings.maxPerPeriod;
    if (settings.enabled && !settings.pausedAt && refills.length >= max) {
      // Paused until enough refills leave the window that one more fits.
      settings.pausedAt = refills.at(-1)!.created_at as Date;
      settings.pausedReason = 'refill_limit_reached';
      settings.resumesAt = new Date((refills[refills.length - max]!.created_at as Date).getTime() + periodMs);
    }
    return settings;
  }

  /** Turning it on (again) clears a pause left by a declined payment. */
  async setAutoRefill(input: {
    accountId: string;
    enabled: boolean;
    minimum: string;
    /** Default 'pack' (buy `pack`); 'target' buys what lifts the balance to `target`. */
    mode?: AutoRefillMode;
    /** Required in 'pack' mode; ignored in 'target' mode. */
    pack?: string;
    /** Required in 'target' mode: more than the minimum, at most the minimum + €1000. */
    target?: string;
    /** A monthly refill on this day (1…28) in the account's time zone; null or absent: none. */
    schedule?: { dayOfMonth: number } | null;
    paymentMethodId: string;
    maxPerPeriod?: number;
    periodHours?: number;
  }): Promise<AutoRefillSettings> {
    const mode = input.mode ?? 'pack';
    if (mode === 'pack' && input.pack === undefined) throw new AutoRefillSettingsError([{ path: ['pack'], message: "required in 'pack' mode" }]);
    if (mode === 'target' && input.target === undefined) throw new AutoRefillSettingsError([{ path: ['target'], message: "required in 'target' mode" }]);
    const pack = mode === 'pack' ? this.checkPack(input.pack!) : null;
    let target: Money | null = null;
    if (mode === 'target') {
      try {
        target = Money.of(input.target!, 'EUR', { maxDecimals: 2 });
      } catch {
        throw new ValidationError({ code: 'invalid_amount', message: 'target must be a decimal string like "50.00"' });
      }
    }
    let minimum: Money;
    try {
      minimum = Money.of(input.minimum, 'EUR', { maxDecimals: 2 });
    } catch {
      throw new ValidationError({ code: 'invalid_amount', message: 'minimum must be a decimal string like "5.00"' });
    }
    if (minimum.isNegative() || minimum.greaterThan(PACK_MAX))
      throw new ValidationError({ code: 'invalid_minimum', message: 'minimum must be between €0.00 and €1000.00' });
    const maxPerPeriod = input.maxPerPeriod ?? this.options.refillMaxPerPeriod;
    const periodHours = input.periodHours ?? this.options.refillPeriodHours;
    const scheduleDay = input.schedule?.dayOfMonth ?? null;
    this.#checkRefillSettings({ minimum, pack, target, scheduleDay, maxPerPeriod, periodHours });
    const method = await this.#activeMethod(this.db, input.accountId, input.paymentMethodId);
    if (input.enabled) await this.#checkInPlan(input.accountId, method, 'auto_refill');
    // A schedule counts from when it is set or turned on: a day already past this month is not bought for.
    const { rows } = await this.db.query<Row>(
      `insert into funding_auto_refill (account_id, enabled, minimum, mode, pack, target, schedule_day, schedule_since, payment_method_id, max_per_period, period_hours, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $8)
       on conflict (account_id) do update set enabled = excluded.enabled, minimum = excluded.minimum, mode = excluded.mode, pack = excluded.pack,
         target = excluded.target, schedule_day = excluded.schedule_day,
         schedule_since = case when excluded.schedule_day is distinct from funding_auto_refill.schedule_day or not funding_auto_refill.enabled
           then excluded.schedule_since else funding_auto_refill.schedule_since end,
         payment_method_id = excluded.payment_method_id, max_per_period = excluded.max_per_period, period_hours = excluded.period_hours,
         paused_at = case when excluded.enabled then null else funding_auto_refill.paused_at end,
         paused_reason = case when excluded.enabled then null else funding_auto_refill.paused_reason end,
         updated_at = excluded.updated_at
       returning *`,
      [
        input.accountId,
        input.enabled,
        minimum.toString(),
        mode,
        pack?.toString() ?? null,
        target?.toString() ?? null,
        scheduleDay,
        this.clock.now(),
        input.paymentMethodId,
        maxPerPeriod,
        periodHours,
      ],
    );
    if (!rows[0]) throw new Error('funding: auto-refill upsert returned no row');
    return (await this.getAutoRefill({ accountId: input.accountId }))!;
  }

  /**
   * Starts a refill when the account's auto-refill is on, not paused, the balance is below its
   * minimum (or `force`: a charge just failed for lack of credit) and the refill limit allows it.
   * Returns the refill in flight (new or already running), or null. A refill needed while the limit
   * is reached is not silent: the account is told once per pause (`refill_limit_reached`).
   */
  async maybeRefill(input: {
    accountId: string;
    force?: boolean;
    /** With `force`: what the refused use lacked (its price less the balance); a target refill then covers it too. */
    shortfall?: Money;
  }): Promise<Purchase | null> {
    const settings = await this.getAutoRefill(input);
    if (!settings?.enabled) return null;
    if (settings.pausedAt && settings.pausedReason !== 'refill_limit_reached') return null;
    let available: Money | null = null;
    if (!input.force || settings.mode === 'target') {
      available = (await this.wallet.balance({ accountId: input.accountId })).available;
      if (!input.force && !available.lessThan(settings.minimum)) return null;
    }
    const amount = this.#refillAmount(settings, available, input.force ? (input.shortfall ?? null) : null);
    return this.#startRefill({ settings, amount, idempotencyKey: `auto-refill:${newId('r')}` });
  }

  /** What a refill buys: the pack, or in 'target' mode one purchase up to the target (see targetRefillAmount). */
  #refillAmount(settings: AutoRefillSettings, available: Money | null, shortfall: Money | null): Money {
    if (settings.mode === 'target') return targetRefillAmount({ target: settings.target!, available: available!, shortfall });
    return settings.pack!;
  }

  /**
   * The guards every refill passes, threshold or scheduled: one in flight (the one running is returned), the
   * refill limit (the account is told once per pause), the plan (a move to a plan without the method pauses it).
   */
  async #startRefill(input: { settings: AutoRefillSettings; amount: Money; idempotencyKey: string }): Promise<Purchase | null> {
    const { settings } = input;
    const accountId = settings.accountId;
    const inFlight = await this.#refillInFlight(accountId);
    if (inFlight) return inFlight;
    if (settings.pausedReason === 'refill_limit_reached') {
      this.events.emit('refill_guarded', {
        accountId,
        refills: settings.window.refills,
        periodHours: settings.periodHours,
        resumesAt: settings.resumesAt,
      });
      await this.#tellLimitReached(settings);
      return null;
    }
    // The account may have moved to a plan that does not take this method for auto-refills: pause, tell once.
    if (!(await this.#refillMethodInPlan(settings, input.amount))) return null;
    const refill = await this.#purchase({
      accountId,
      amount: input.amount,
      paymentMethodId: settings.paymentMethodId,
      idempotencyKey: input.idempotencyKey,
      origin: 'auto_refill',
    });
    if (refill) return refill;
    return this.#refillInFlight(accountId);
  }

  /**
   * This month's scheduled refill when it is due: the pack, or up to the target (nothing when the balance is
   * there already). Once per account and month, whatever the number of hosts and sweeps: the month is marked
   * handled (compare-and-set) and the purchase's key is `refill-schedule:<YYYY-MM>`. A refill the guards hold
   * back (one in flight, the refill limit, a pause) is tried again by the next sweeps until the month ends.
   */
  async scheduledRefill(input: { accountId: string }): Promise<Purchase | null> {
    const row = await this.#one(
      `select r.*, w.time_zone, w.available from funding_auto_refill r join wallets w on w.account_id = r.account_id where r.account_id = $1`,
      [input.accountId],
    );
    if (!row?.enabled || row.schedule_day === null) return null;
    const schedule = scheduleOf(row, this.clock.now());
    if (!schedule.due) return null;
    const key = `refill-schedule:${schedule.month}`;
    const done = await this.#purchaseByKey(input.accountId, key);
    if (done) {
      await this.#markScheduleDone(input.accountId, schedule.month);
      return null;
    }
    const settings = (await this.getAutoRefill(input))!;
    if (settings.pausedAt && settings.pausedReason !== 'refill_limit_reached') return null;
    const available = Money.of(row.available as string);
    if (settings.mode === 'target' && !available.lessThan(settings.target!)) {
      await this.#markScheduleDone(input.accountId, schedule.month);
      return null;
    }
    // Another refill in flight holds this one back (a later sweep buys it); the guards see no in-flight refill here.
    if (await this.#refillInFlight(input.accountId)) return null;
    let refill: Purchase | null;
    try {
      refill = await this.#startRefill({ settings, amount: this.#refillAmount(settings, available, null), idempotencyKey: key });
    } catch (error) {
      // Another host bought this month's refill meanwhile, for an amount computed from another balance.
      if (error instanceof FundingKeyReusedError) {
        await this.#markScheduleDone(input.accountId, schedule.month);
        return null;
      }
      throw error;
    }
    const bought = await this.#purchaseByKey(input.accountId, key);
    if (!bought) return null;
    await this.#markScheduleDone(input.accountId, schedule.month);
    return refill;
  }

  async #markScheduleDone(accountId: string, month: string): Promise<void> {
    await this.db.query(`update funding_auto_refill set schedule_done_month = $2 where account_id = $1 and schedule_done_month is distinct from $2`, [
      accountId,
      month,
    ]);
  }

  /**
   * Whether an auto-refill would pay for a use the balance cannot pay now (`shortfall`: its price less what the
   * balance can give), without buying anything. It would when auto-refill is on and not paused, the plan takes
   * its method, the method is a fast one (card) the host waits for, and the refill buys at least the shortfall:
   * in 'pack' mode the pack, in 'target' mode target + shortfall (the balance is at the target once the use is
   * paid), rounded up to the cent and kept within €5.00…€1000.00.
   */
  async refillCover(input: { accountId: string; shortfall: Money }): Promise<RefillCover> {
    const settings = await this.getAutoRefill(input);
    const none = (reason: RefillCover['reason'], paused = false): RefillCover => ({
      enabled: settings?.enabled ?? false,
      paused,
      wouldCover: false,
      refillAmount: null,
      reason,
    });
    if (!settings?.enabled) return none('auto_refill_off');
    if (settings.pausedAt) return none(settings.pausedReason!, true);
    const method = await this.#one('select * from funding_payment_methods where id = $1', [settings.paymentMethodId]);
    if (!method || method.status !== 'active') return none('payment_method_removed', true);
    const verdict = await this.#planVerdict(settings.accountId, method, 'auto_refill');
    if (!verdict.ok) return none('payment_method_not_in_plan', true);
    const fast = this.providers.get(method.provider_id as string)?.settlement === 'fast';
    const inFlight = await this.#refillInFlight(input.accountId);
    if (inFlight) {
      const covers = fast && this.options.refillWaitMs > 0 && inFlight.amount.greaterThanOrEqual(input.shortfall);
      return { enabled: true, paused: false, wouldCover: covers, refillAmount: inFlight.amount, reason: covers ? 'covered' : 'refill_in_flight' };
    }
    const available = settings.mode === 'target' ? (await this.wallet.balance({ accountId: input.accountId })).available : null;
    const refillAmount = this.#refillAmount(settings, available, input.shortfall);
    const reason: RefillCover['reason'] = !refillAmount.greaterThanOrEqual(input.shortfall)
      ? 'refill_too_small'
      : !fast
        ? 'refill_not_immediate'
        : this.options.refillWaitMs <= 0
          ? 'refill_not_awaited'
          : 'covered';
    return { enabled: true, paused: false, wouldCover: reason === 'covered', refillAmount, reason };
  }

  /**
   * Runs a charge or hold; when it is refused for lack of credit and a 'fast' (card) refill can be
   * started or is in flight, waits for it up to `refillWaitMs` and tries once more with the same key.
   * `attempt(true)` is provisional: its refusal is not remembered under the key.
   */
  async spendWithRefill<T>(input: { accountId: string; attempt: (provisional: boolean) => Promise<T> }): Promise<T> {
    if (this.options.refillWaitMs <= 0) return this.#explainRefusal(input.accountId, () => input.attempt(false));
    // The happy path costs nothing extra: settings are read only after a refusal for lack of credit.
    let shortfall: Money | undefined;
    try {
      return await input.attempt(true);
    } catch (error) {
      if (!(error instanceof InsufficientFundsError)) throw error;
      shortfall = shortfallOf(error);
    }
    const refill = await this.maybeRefill({ accountId: input.accountId, force: true, ...(shortfall ? { shortfall } : {}) }).catch(() => null);
    if (refill && this.providers.get(refill.providerId)?.settlement === 'fast') {
      await this.waitForSettlement({ purchaseId: refill.id, timeoutMs: this.options.refillWaitMs });
    }
    // Final attempt, remembered under the key whatever its outcome.
    return this.#explainRefusal(input.accountId, () => input.attempt(false));
  }

  /** Why no auto-refill helped, for an insufficient_funds refusal of an account that has auto-refill set (else null). */
  async autoRefillNote(input: { accountId: string }): Promise<AutoRefillNote | null> {
    const settings = await this.getAutoRefill(input);
    if (!settings) return null;
    const refill = settings.enabled ? await this.#refillInFlight(input.accountId) : null;
    return {
      enabled: settings.enabled,
      paused: settings.pausedAt !== null,
      pausedReason: settings.pausedReason,
      resumesAt: settings.resumesAt?.toISOString() ?? null,
      refill: refill ? { purchaseId: refill.id, status: refill.status, expectedSettlementDate: refill.expectedSettlementDate } : null,
    };
  }

  /** Runs the final attempt; an insufficient_funds refusal gets the auto-refill's state in its details. */
  async #explainRefusal<T>(accountId: string, attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof InsufficientFundsError)) throw error;
      const note = await this.autoRefillNote({ accountId }).catch(() => null);
      if (!note) throw error;
      const details = error.details as { required: string; available: string; scopedToOtherChannels?: string };
      throw new InsufficientFundsError({ ...details, autoRefill: note });
    }
  }

  /** Resolves when the purchase leaves 'creating'/'pending' or the time is up (then with its current state). */
  async waitForSettlement(input: { purchaseId: string; timeoutMs: number }): Promise<Purchase> {
    const settled = (p: Purchase) => p.status !== 'creating' && p.status !== 'pending';
    const current = await this.getPurchase({ id: input.purchaseId });
    if (settled(current)) return current;
    return new Promise<Purchase>((resolve) => {
      let done = false;
      const finish = (p: Purchase) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        this.events.off('purchase', onPurchase);
        resolve(p);
      };
      const onPurchase = (p: Purchase) => {
        if (p.id === input.purchaseId && settled(p)) finish(p);
      };
      this.events.on('purchase', onPurchase);
      // Another host may settle it (its webhook): look at the database too.
      const poll = setInterval(() => {
        void this.getPurchase({ id: input.purchaseId }).then(
          (p) => settled(p) && finish(p),
          () => undefined,
        );
      }, 250);
      const timer = setTimeout(() => void this.getPurchase({ id: input.purchaseId }).then(finish, () => finish(current)), input.timeoutMs);
      poll.unref?.();
      timer.unref?.();
    });
  }

  /**
   * The background pass (every host, every minute): refills for accounts below their minimum that
   * a missed in-process event left out, and purchases stuck in 'creating' (the provider call failed
   * or the host stopped) sent again with their original key.
   */
  async sweep(): Promise<{ refills: number; resumed: number }> {
    const { rows: due } = await this.db.query<{ account_id: string }>(
      `select r.account_id from funding_auto_refill r join wallets w on w.account_id = r.account_id
        where r.enabled and r.paused_at is null and w.available < r.minimum
          and not exists (select 1 from funding_purchases p where p.account_id = r.account_id and p.origin = 'auto_refill' and p.status in ('creating', 'pending'))
        limit 500`,
    );
    let refills = 0;
    for (const { account_id } of due) if (await this.maybeRefill({ accountId: account_id }).catch(() => null)) refills++;
    // Scheduled refills: which are due depends on each account's time zone, so it is decided here, not in SQL.
    const { rows: scheduled } = await this.db.query<Row>(
      `select r.account_id, r.schedule_day, r.schedule_since, r.schedule_done_month, w.time_zone from funding_auto_refill r
         join wallets w on w.account_id = r.account_id
        where r.enabled and r.paused_at is null and r.schedule_day is not null`,
    );
    const now = this.clock.now();
    for (const row of scheduled) {
      if (!scheduleOf(row, now).due) continue;
      if (await this.scheduledRefill({ accountId: row.account_id as string }).catch(() => null)) refills++;
    }
    const { rows: stuck } = await this.db.query<Row>(`select * from funding_purchases where status = 'creating' and updated_at < $1 limit 100`, [
      new Date(this.clock.now().getTime() - 60_000),
    ]);
    let resumed = 0;
    for (const row of stuck) {
      await this.#createAtProvider(row).then(
        () => resumed++,
        () => undefined,
      );
    }
    // Hosted checkouts nobody came back for and no webhook settled: asked at the provider now and then, so an
    // abandoned page (expired there) fails the purchase and a lost webhook still credits it.
    const { rows: open } = await this.db.query<Row>(
      `select * from funding_purchases where hosted and status = 'pending' and provider_payment_id is not null and coalesce(checked_at, created_at) < $1
        order by coalesce(checked_at, created_at) limit 100`,
      [new Date(now.getTime() - CHECKOUT_SWEEP_AFTER_MS)],
    );
    for (const row of open) await this.#refreshHosted(row, CHECKOUT_SWEEP_AFTER_MS).catch(() => undefined);
    return { refills, resumed };
  }

  // ---- referrals (C-4) ------------------------------------------------------------------------

  async referralCode(input: { accountId: string }): Promise<{ code: string; referred: number; rewarded: number; credit: Money }> {
    let row = await this.#one('select code from funding_referral_codes where account_id = $1', [input.accountId]);
    for (let attempt = 0; !row && attempt < 5; attempt++) {
      const code = Array.from(randomBytes(8), (b) => REFERRAL_ALPHABET[b % REFERRAL_ALPHABET.length]).join('');
      await this.db.query('insert into funding_referral_codes (account_id, code, created_at) values ($1, $2, $3) on conflict do nothing', [
        input.accountId,
        code,
        this.clock.now(),
      ]);
      row = await this.#one('select code from funding_referral_codes where account_id = $1', [input.accountId]);
    }
    const stats = await this.#one(
      `select count(*)::int as referred, count(*) filter (where status = 'rewarded')::int as rewarded from funding_referrals where referrer_account_id = $1`,
      [input.accountId],
    );
    return { code: row!.code as string, referred: stats!.referred as number, rewarded: stats!.rewarded as number, credit: this.options.referralCredit };
  }

  /** Refuses a referral code that does not exist (before an account is created with it). */
  async checkReferralCode(input: { code: string }): Promise<void> {
    const owner = await this.#one('select account_id from funding_referral_codes where code = $1', [input.code.trim().toUpperCase()]);
    if (!owner) throw new InvalidReferralCodeError(input.code);
  }

  /** Links a new account to the account whose code it signed up with; rewarded on its first purchase. */
  async registerReferral(input: { referredAccountId: string; code: string }): Promise<void> {
    const code = input.code.trim().toUpperCase();
    const owner = await this.#one('select account_id from funding_referral_codes where code = $1', [code]);
    if (!owner) throw new InvalidReferralCodeError(input.code);
    if (owner.account_id === input.referredAccountId) throw new ValidationError({ code: 'self_referral', message: 'An account cannot refer itself' });
    await this.db.query(
      `insert into funding_referrals (referred_account_id, referrer_account_id, code, status, created_at) values ($1, $2, $3, 'pending', $4) on conflict do nothing`,
      [input.referredAccountId, owner.account_id, code, this.clock.now()],
    );
  }

  // ---- refunds (C-5) --------------------------------------------------------------------------

  /**
   * Exchanges unspent purchased credit back into money less the administrative fee. The wallet
   * books the payout and the fee; the refund waits for the operator to pay it out (markRefundPaid).
   */
  async requestRefund(input: { accountId: string; credits: string; idempotencyKey: string; requestedBy?: string }): Promise<Refund> {
    let credits: Money;
    try {
      credits = Money.of(input.credits, 'EUR', { maxDecimals: 2 });
    } catch {
      throw new ValidationError({ code: 'invalid_amount', message: 'credits must be a decimal string like "120.00"' });
    }
    const existing = await this.#one('select * from funding_refunds where account_id = $1 and idempotency_key = $2', [input.accountId, input.idempotencyKey]);
    if (existing) {
      if (!Money.of(existing.credits as string).equals(credits)) throw new FundingKeyReusedError({ key: input.idempotencyKey, operation: 'refund' });
      return refundView(existing);
    }
    const result = await this.wallet.refund({
      accountId: input.accountId,
      credits,
      fee: this.options.refundFee,
      idempotencyKey: `refund:${input.idempotencyKey}`,
      description: 'Refund of purchased credits',
    });
    // The id comes from the wallet's entry, so a retry after a crash finds the same refund.
    const id = `rfd_${result.refundTransactionId}`;
    const row = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `insert into funding_refunds (id, account_id, credits, fee, payout, status, refund_transaction_id, fee_transaction_id, requested_by, idempotency_key, created_at)
         values ($1, $2, $3, $4, $5, 'requested', $6, $7, $8, $9, $10) on conflict do nothing returning *`,
        [
          id,
          input.accountId,
          result.credits.toString(),
          result.fee.toString(),
          result.payout.toString(),
          result.refundTransactionId,
          result.feeTransactionId,
          input.requestedBy ?? null,
          input.idempotencyKey,
          this.clock.now(),
        ],
      );
      if (rows[0]) {
        await this.notifier.notify({
          tx,
          accountId: input.accountId,
          eventKey: `refund_processed:${id}`,
          template: 'refund_processed',
          data: { credits: result.credits.toString(), fee: result.fee.toString(), payout: result.payout.toString() },
        });
      }
      return rows[0] ?? (await this.#one('select * from funding_refunds where id = $1', [id], tx))!;
    });
    return refundView(row);
  }

  async listRefunds(input: { accountId?: string; status?: 'requested' | 'paid'; limit?: number }): Promise<Refund[]> {
    const { rows } = await this.db.query<Row>(
      `select * from funding_refunds where ($1::text is null or account_id = $1) and ($2::text is null or status = $2) order by created_at desc, id desc limit $3`,
      [input.accountId ?? null, input.status ?? null, Math.min(input.limit ?? 100, 500)],
    );
    return rows.map(refundView);
  }

  /** The operator paid the refund out (bank transfer): recorded once. */
  async markRefundPaid(input: { refundId: string; reference: string }): Promise<Refund> {
    const { rows } = await this.db.query<Row>(
      `update funding_refunds set status = 'paid', paid_at = $2, payout_reference = $3 where id = $1 and status = 'requested' returning *`,
      [input.refundId, this.clock.now(), input.reference],
    );
    if (rows[0]) return refundView(rows[0]);
    const row = await this.#one('select * from funding_refunds where id = $1', [input.refundId]);
    if (!row) throw new RefundNotFoundError(input.refundId);
    return refundView(row);
  }

  // ---- internals ------------------------------------------------------------------------------

  async #refillInFlight(accountId: string): Promise<Purchase | null> {
    const row = await this.#one(`select * from funding_purchases where account_id = $1 and origin = 'auto_refill' and status in ('creating', 'pending')`, [
      accountId,
    ]);
    return row ? purchaseView(row) : null;
  }

  /** A refusal (PaymentMethodNotInPlanError, 422) when the account's plan does not take the method for the purpose. */
  async #checkInPlan(accountId: string, method: Row, purpose: FundingPurpose): Promise<void> {
    const verdict = await this.#planVerdict(accountId, method, purpose);
    if (!verdict.ok) throw new PaymentMethodNotInPlanError({ message: verdict.message, details: verdict.details });
  }

  async #planVerdict(accountId: string, method: Row, purpose: FundingPurpose): Promise<ReturnType<typeof allowsPaymentMethod>> {
    const plan = await this.planRules.rulesFor({ accountId });
    if (!plan) return { ok: true };
    return allowsPaymentMethod({ rules: plan.rules, purpose, kind: method.kind as string, cardFunding: cardFundingOf(method), plan: plan.plan });
  }

  async #checkKindInPlan(accountId: string, kind: string): Promise<void> {
    const plan = await this.planRules.rulesFor({ accountId });
    if (!plan || allowsForAnyPurpose({ rules: plan.rules, kind })) return;
    const { top_up: topUp, auto_refill: refill } = plan.rules.paymentMethods;
    throw new PaymentMethodNotInPlanError({
      message: `The ${plan.plan} plan takes top-ups by ${describeMethods(topUp) || 'no method'} and auto-refills by ${describeMethods(refill) || 'no method'}: a ${kind === 'sepa_direct_debit' ? 'SEPA direct debit' : kind} method could not be used for either.`,
      details: { plan: plan.plan, kind, allowed: plan.rules.paymentMethods },
    });
  }

  /** false (and auto-refill paused, the account told once) when the plan no longer takes the refill's method. */
  async #refillMethodInPlan(settings: AutoRefillSettings, amount: Money): Promise<boolean> {
    const method = await this.#one('select * from funding_payment_methods where id = $1', [settings.paymentMethodId]);
    if (!method) return true;
    const verdict = await this.#planVerdict(settings.accountId, method, 'auto_refill');
    if (verdict.ok) return true;
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `update funding_auto_refill set paused_at = $2, paused_reason = 'payment_method_not_in_plan', updated_at = $2
         where account_id = $1 and (paused_at is null or paused_reason is distinct from 'payment_method_not_in_plan') returning account_id`,
        [settings.accountId, now],
      );
      if (!rows[0]) return;
      await this.notifier.notify({
        tx,
        accountId: settings.accountId,
        eventKey: `refill_not_in_plan:${settings.accountId}:${now.toISOString()}`,
        template: 'refill_failed',
        data: { amount: amount.toString(), reason: verdict.message.replace(/\.$/, ''), autoRefillPaused: true },
      });
    });
    return false;
  }

  /** One mail per pause: the row remembers until when the account was told (compare-and-set), the outbox key does too. */
  async #tellLimitReached(settings: AutoRefillSettings): Promise<void> {
    const resumesAt = settings.resumesAt!;
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `update funding_auto_refill set limit_notified_until = $2 where account_id = $1 and limit_notified_until is distinct from $2 returning account_id`,
        [settings.accountId, resumesAt],
      );
      if (!rows[0]) return;
      await this.notifier.notify({
        tx,
        accountId: settings.accountId,
        eventKey: `refill_limit_reached:${settings.accountId}:${resumesAt.toISOString()}`,
        template: 'refill_limit_reached',
        data: {
          maxPerPeriod: String(settings.maxPerPeriod),
          periodHours: String(settings.periodHours),
          resumesAt: `${resumesAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        },
      });
    });
  }

  #checkRefillSettings(input: {
    minimum: Money;
    pack: Money | null;
    target: Money | null;
    scheduleDay: number | null;
    maxPerPeriod: number;
    periodHours: number;
  }): void {
    const problems: Array<{ path: string[]; message: string }> = [];
    if (input.target) {
      // A target at or under the minimum would refill without lifting the balance above it; one purchase is at most €1000.
      if (!input.minimum.lessThan(input.target)) {
        const message = `a target of €${input.target.toString()} must be above the minimum of €${input.minimum.toString()}`;
        problems.push({ path: ['minimum'], message }, { path: ['target'], message });
      } else if (input.target.greaterThan(input.minimum.plus(PACK_MAX))) {
        problems.push({ path: ['target'], message: `must be at most the minimum + €${PACK_MAX.toString()} (€${input.minimum.plus(PACK_MAX).toString()})` });
      }
    }
    if (input.scheduleDay !== null && (!Number.isInteger(input.scheduleDay) || input.scheduleDay < 1 || input.scheduleDay > 28))
      problems.push({ path: ['schedule', 'dayOfMonth'], message: 'must be a whole number from 1 to 28 (a day every month has)' });
    if (input.pack && !input.minimum.lessThan(input.pack)) {
      // Refills start below the minimum, from as low as nothing: one pack must end above it, or each refill calls the next.
      const message = `one €${input.pack.toString()} pack cannot lift the balance above a minimum of €${input.minimum.toString()}: choose a minimum below the pack, or a larger pack`;
      problems.push({ path: ['minimum'], message }, { path: ['pack'], message });
    }
    for (const field of ['maxPerPeriod', 'periodHours'] as const) {
      const [low, high] = REFILL_LIMITS[field];
      const value = input[field];
      if (!Number.isInteger(value) || value < low || value > high) problems.push({ path: [field], message: `must be a whole number from ${low} to ${high}` });
    }
    if (problems.length) throw new AutoRefillSettingsError(problems);
  }

  #provider(id: string): PaymentProvider {
    const provider = this.providers.get(id);
    if (!provider) throw new UnknownProviderError({ provider: id, available: this.providers.list().map((p) => p.id) });
    return provider;
  }

  async #one(sql: string, params: unknown[], q: Queryable = this.db): Promise<Row | undefined> {
    const { rows } = await q.query<Row>(sql, params);
    return rows[0];
  }

  async #activeMethod(q: Queryable, accountId: string, id: string): Promise<Row> {
    const row = await this.#one(`select * from funding_payment_methods where id = $1 and account_id = $2 and status = 'active'`, [id, accountId], q);
    if (!row) throw new PaymentMethodNotFoundError(id);
    return row;
  }

  #purchaseByKey(accountId: string, key: string): Promise<Row | undefined> {
    return this.#one('select * from funding_purchases where account_id = $1 and idempotency_key = $2', [accountId, key]);
  }

  async #resume(row: Row, amount: Money, paymentMethodId: string, scope: string[] | null): Promise<Purchase> {
    // The scope is part of what the key promised: the same key with another scope is another purchase.
    if (row.hosted || !Money.of(row.amount as string).equals(amount) || row.payment_method_id !== paymentMethodId || !sameScope(scopeOf(row), scope))
      throw new FundingKeyReusedError({ key: row.idempotency_key as string, operation: 'purchase' });
    if (row.status === 'creating') return this.#createAtProvider(row);
    return purchaseView(row);
  }

  /** Asks the provider for the payment (again: the key makes it the same payment) and applies its answer. */
  async #createAtProvider(row: Row): Promise<Purchase> {
    if (row.hosted) return this.#createCheckoutAtProvider(row);
    const method = await this.#one('select * from funding_payment_methods where id = $1', [row.payment_method_id]);
    const provider = this.#provider(row.provider_id as string);
    const amount = Money.of(row.amount as string);
    let created: Awaited<ReturnType<PaymentProvider['createPayment']>>;
    try {
      created = await provider.createPayment({
        accountId: row.account_id as string,
        amount,
        reference: row.id as string,
        description: `Wallet credits ${amount.format('en')}`,
        idempotencyKey: `purchase:${row.id as string}`,
        providerMethodId: method!.provider_method_id as string,
      });
    } catch (error) {
      if (error instanceof TollgateError && error.status < 500) {
        await this.#apply(row, 'failed', error.code);
        throw error;
      }
      // Unknown outcome: stays 'creating'; a retry or the sweep asks again with the same key.
      await this.db.query('update funding_purchases set updated_at = $2 where id = $1', [row.id, this.clock.now()]);
      throw new UnavailableError({
        code: 'provider_unavailable',
        message: `${provider.label} did not answer; the purchase ${row.id as string} will be retried`,
        details: { purchaseId: row.id },
      });
    }
    const { rows } = await this.db.query<Row>(
      `update funding_purchases set provider_payment_id = $2, status = case when status = 'creating' then 'pending' else status end, updated_at = $3,
         expected_settlement_date = $4
        where id = $1 returning *`,
      [row.id, created.providerPaymentId, this.clock.now(), this.#expectedSettlement(provider, created)],
    );
    let current = rows[0]!;
    if (created.status !== 'pending') {
      await this.#apply(current, created.status, created.reason ?? null);
      current = (await this.#one('select * from funding_purchases where id = $1', [row.id]))!;
    }
    if (await this.#applyEarlyEvents(row, created.providerPaymentId)) current = (await this.#one('select * from funding_purchases where id = $1', [row.id]))!;
    const view = purchaseView(current);
    if (created.redirectUrl) view.redirectUrl = created.redirectUrl;
    return view;
  }

  /** Events that arrived before we knew the provider's payment id; true when there were some. */
  async #applyEarlyEvents(row: Row, providerPaymentId: string): Promise<boolean> {
    const { rows: early } = await this.db.query<Row>(
      `select * from funding_provider_events where provider_id = $1 and provider_payment_id = $2 and outcome = 'unmatched' order by received_at`,
      [row.provider_id, providerPaymentId],
    );
    if (!early.length) return false;
    await this.handlePaymentEvents({
      providerId: row.provider_id as string,
      events: early.map((e) => ({
        eventId: e.event_id as string,
        providerPaymentId: e.provider_payment_id as string,
        status: e.status as PaymentEvent['status'],
        ...(e.reason ? { reason: e.reason as string } : {}),
        occurredAt: e.received_at as Date,
      })),
    });
    return true;
  }

  #hostedProvider(id: string | null): HostedPaymentProvider {
    const hosted = this.providers.list().filter(takesHostedPayments);
    if (id !== null) {
      const provider = this.#provider(id);
      if (!takesHostedPayments(provider)) throw new HostedPaymentProviderError({ provider: id, available: hosted.map((p) => p.id) });
      return provider;
    }
    if (hosted.length === 0) throw new NoHostedPaymentProviderError();
    if (hosted.length > 1) throw new HostedPaymentProviderError({ provider: null, available: hosted.map((p) => p.id) });
    return hosted[0]!;
  }

  /** The same key again: the same checkout (asked again at the provider while still 'creating'), or 409 for another request. */
  async #resumeCheckout(row: Row, want: { amount: Money; providerId: string; scope: string[] | null; returnUrl: string }): Promise<Purchase> {
    // The return URL differs only by the purchase id, which the probe leaves empty.
    const sameReturn =
      typeof row.return_url === 'string' && row.return_url === want.returnUrl.replace(/purchase=$/, `purchase=${encodeURIComponent(row.id as string)}`);
    if (
      !row.hosted ||
      row.provider_id !== want.providerId ||
      !Money.of(row.amount as string).equals(want.amount) ||
      !sameScope(scopeOf(row), want.scope) ||
      !sameReturn
    )
      throw new FundingKeyReusedError({ key: row.idempotency_key as string, operation: 'checkout' });
    if (row.status === 'creating') return this.#createCheckoutAtProvider(row);
    return purchaseView(row);
  }

  /**
   * Asks the provider for the hosted payment (again: the key `purchase:<id>` makes it the same one) and keeps its page.
   * Every parameter comes from the row: a retry under the same key must ask with the same ones, or the processor refuses it.
   */
  async #createCheckoutAtProvider(row: Row): Promise<Purchase> {
    const provider = this.providers.get(row.provider_id as string);
    if (!provider || !takesHostedPayments(provider)) throw new HostedPaymentProviderError({ provider: row.provider_id as string, available: [] });
    const amount = Money.of(row.amount as string);
    let created: HostedPayment;
    try {
      created = await provider.createOneOffPayment({
        accountId: row.account_id as string,
        amount,
        currency: amount.currency,
        reference: row.id as string,
        description: `Wallet credits ${amount.format('en')}`,
        returnUrl: row.return_url as string,
        idempotencyKey: `purchase:${row.id as string}`,
        ...(row.locale ? { locale: row.locale as string } : {}),
      });
    } catch (error) {
      if (error instanceof TollgateError && error.status < 500) {
        await this.#apply(row, 'failed', error.code);
        throw error;
      }
      await this.db.query('update funding_purchases set updated_at = $2 where id = $1', [row.id, this.clock.now()]);
      throw new UnavailableError({
        code: 'provider_unavailable',
        message: `${provider.label} did not answer; the checkout ${row.id as string} will be retried`,
        details: { purchaseId: row.id },
      });
    }
    const { rows } = await this.db.query<Row>(
      `update funding_purchases set provider_payment_id = $2, redirect_url = $3, status = case when status = 'creating' then 'pending' else status end, updated_at = $4
        where id = $1 returning *`,
      [row.id, created.providerPaymentId, created.redirectUrl ?? null, this.clock.now()],
    );
    let current = rows[0]!;
    if (created.status !== 'pending') {
      await this.#apply(current, created.status, created.reason ?? null);
      current = (await this.#one('select * from funding_purchases where id = $1', [row.id]))!;
    }
    if (await this.#applyEarlyEvents(row, created.providerPaymentId)) current = (await this.#one('select * from funding_purchases where id = $1', [row.id]))!;
    return purchaseView(current);
  }

  /**
   * Reads a pending hosted payment at the provider when nobody did in the last `intervalMs` (compare-and-set on
   * checked_at, so two hosts or two polls ask once) and applies a final answer, as a webhook would.
   */
  async #refreshHosted(row: Row, intervalMs: number): Promise<void> {
    const now = this.clock.now();
    const { rows } = await this.db.query<Row>(
      `update funding_purchases set checked_at = $2 where id = $1 and hosted and status = 'pending' and (checked_at is null or checked_at <= $3) returning *`,
      [row.id, now, new Date(now.getTime() - intervalMs)],
    );
    const claimed = rows[0];
    if (!claimed) return;
    const provider = this.providers.get(claimed.provider_id as string);
    if (!provider || !takesHostedPayments(provider)) return;
    const payment = await provider.getOneOffPayment({ accountId: claimed.account_id as string, providerPaymentId: claimed.provider_payment_id as string });
    if (payment.status === 'pending') return;
    // Expired or canceled at the provider: the payer gave up (or every try was declined).
    await this.#apply(claimed, payment.status, payment.reason ?? (payment.status === 'failed' ? 'expired' : null));
  }

  /**
   * The provider's own date when it gives one (a valid day); a fast provider's pending payment is
   * expected today; a payment that is already final expects nothing.
   */
  #expectedSettlement(provider: PaymentProvider, created: { status: string; expectedSettlementDate?: string }): string | null {
    if (created.status !== 'pending') return null;
    const given = created.expectedSettlementDate;
    if (given && isDay(given)) return given;
    return provider.settlement === 'fast' ? this.clock.now().toISOString().slice(0, 10) : null;
  }

  /** A 'pending' event: still on its way, maybe with a new expected day (a SEPA collection moved on). */
  async #reschedule(row: Row, day: string | undefined): Promise<string> {
    if (!day || !isDay(day)) return 'ignored';
    const { rowCount } = await this.db.query(
      `update funding_purchases set expected_settlement_date = $2, updated_at = $3 where id = $1 and status in ('creating', 'pending')`,
      [row.id, day, this.clock.now()],
    );
    return rowCount ? 'rescheduled' : 'ignored';
  }

  /** One status change of a purchase; returns what it did. Wallet changes first (idempotent), then a compare-and-set. */
  async #apply(row: Row, status: PaymentEvent['status'], reason: string | null): Promise<string> {
    const id = row.id as string;
    const accountId = row.account_id as string;
    const amount = Money.of(row.amount as string);
    const now = this.clock.now();
    if (status === 'succeeded') {
      if (!['creating', 'pending'].includes(row.status as string)) return 'ignored';
      const grant = await this.wallet.grant({
        accountId,
        kind: 'purchased',
        amount,
        idempotencyKey: `purchase:${id}`,
        description: `Cash pack ${amount.format('en')}`,
        metadata: { purchaseId: id },
        // A scoped pack's credit pays only for its channels/tags; the grant's metadata carries it on for the invoice.
        ...(scopeOf(row) ? { scope: scopeOf(row) } : {}),
      });
      const changed = await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<Row>(
          `update funding_purchases set status = 'succeeded', lot_id = $2, settled_at = $3, updated_at = $3 where id = $1 and status in ('creating', 'pending') returning *`,
          [id, grant.lotId, now],
        );
        if (!rows[0]) return null;
        await recordEvent({ q: tx, accountId, type: 'purchase.succeeded', data: purchaseEventData(rows[0]), occurredAt: now });
        await this.notifier.notify({
          tx,
          accountId,
          eventKey: `purchase_succeeded:${id}`,
          template: 'purchase_succeeded',
          data: { amount: amount.toString(), balance: String(grant.balanceAfter) },
        });
        return rows[0];
      });
      if (!changed) return 'ignored';
      this.events.emit('purchase', purchaseView(changed));
      await this.#rewardReferral(accountId).catch(() => undefined); // the next purchase or the sweep tries again
      return 'succeeded';
    }
    if (status === 'failed' && row.status === 'succeeded') return this.#apply(row, 'reversed', reason);
    if (status === 'failed' || (status === 'reversed' && ['creating', 'pending'].includes(row.status as string))) {
      const changed = await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<Row>(
          `update funding_purchases set status = 'failed', reason = $2, updated_at = $3 where id = $1 and status in ('creating', 'pending') returning *`,
          [id, reason, now],
        );
        if (!rows[0]) return null;
        await recordEvent({ q: tx, accountId, type: 'purchase.failed', data: { ...purchaseEventData(rows[0]), reason: reason ?? null }, occurredAt: now });
        if (row.origin === 'auto_refill') {
          // C-3: a declined refill pauses auto-refill until the account turns it on again.
          // Declines have their own reason and count (lastDecline, window.declined), not toward the refill limit.
          await tx.query(`update funding_auto_refill set paused_at = $2, paused_reason = 'payment_declined', updated_at = $2 where account_id = $1`, [
            accountId,
            now,
          ]);
          await this.notifier.notify({
            tx,
            accountId,
            eventKey: `refill_failed:${id}`,
            template: 'refill_failed',
            data: { amount: amount.toString(), reason: reason ?? 'unknown', autoRefillPaused: true },
          });
        }
        return rows[0];
      });
      if (!changed) return 'ignored';
      this.events.emit('purchase', purchaseView(changed));
      return 'failed';
    }
    if (status === 'reversed' && row.status === 'succeeded') {
      const back = await this.wallet.clawback({
        accountId,
        lotId: row.lot_id as string,
        idempotencyKey: `clawback:${id}`,
        reason: reason ?? 'reversed',
        description: `Payment reversed (${reason ?? 'no reason given'}): cash pack ${amount.format('en')} taken back`,
      });
      const changed = await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<Row>(
          `update funding_purchases set status = 'reversed', reason = $2, updated_at = $3 where id = $1 and status = 'succeeded' returning *`,
          [id, reason, now],
        );
        if (!rows[0]) return null;
        await recordEvent({ q: tx, accountId, type: 'purchase.reversed', data: { ...purchaseEventData(rows[0]), reason: reason ?? null }, occurredAt: now });
        await this.notifier.notify({
          tx,
          accountId,
          eventKey: `payment_reversed:${id}`,
          template: 'payment_reversed',
          data: { amount: amount.toString(), reason: reason ?? 'unknown', owed: back.owed.toString() },
        });
        return rows[0];
      });
      if (!changed) return 'ignored';
      this.events.emit('purchase', purchaseView(changed));
      return 'reversed';
    }
    return 'ignored';
  }

  async #recordEvent(q: Queryable, providerId: string, event: PaymentEvent, purchaseId: string | null, outcome: string): Promise<boolean> {
    const { rowCount } = await q.query(
      `insert into funding_provider_events (provider_id, event_id, provider_payment_id, status, reason, purchase_id, outcome, received_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (provider_id, event_id) do update set purchase_id = excluded.purchase_id, outcome = excluded.outcome
         where funding_provider_events.outcome = 'unmatched' and excluded.outcome <> 'unmatched'`,
      [providerId, event.eventId, event.providerPaymentId, event.status, event.reason ?? null, purchaseId, outcome, this.clock.now()],
    );
    return rowCount === 1;
  }

  /** C-4: the referrer's credit, once, when the referred account's first purchase succeeds. */
  async #rewardReferral(accountId: string): Promise<void> {
    const referral = await this.#one(`select * from funding_referrals where referred_account_id = $1 and status = 'pending'`, [accountId]);
    if (!referral) return;
    const grant = await this.wallet.grant({
      accountId: referral.referrer_account_id as string,
      kind: 'referral',
      amount: this.options.referralCredit,
      idempotencyKey: `referral:${accountId}`,
      description: 'Referral credit',
      metadata: { referredAccountId: accountId },
    });
    await this.db.query(
      `update funding_referrals set status = 'rewarded', lot_id = $2, rewarded_at = $3 where referred_account_id = $1 and status = 'pending'`,
      [accountId, grant.lotId, this.clock.now()],
    );
  }
}

/** A real calendar day as 'YYYY-MM-DD'. */
function isDay(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

function methodView(r: Row): PaymentMethod {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    providerId: r.provider_id as string,
    kind: r.kind as PaymentMethodKind,
    label: r.label as string,
    metadata: (r.metadata ?? {}) as Record<string, string>,
    status: r.status as PaymentMethod['status'],
    createdAt: r.created_at as Date,
  };
}

function purchaseView(r: Row): Purchase {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    amount: Money.of(r.amount as string),
    paymentMethodId: (r.payment_method_id as string | null) ?? null,
    hosted: r.hosted === true,
    providerId: r.provider_id as string,
    providerPaymentId: (r.provider_payment_id as string | null) ?? null,
    origin: r.origin as PurchaseOrigin,
    status: r.status as Purchase['status'],
    reason: (r.reason as string | null) ?? null,
    lotId: r.lot_id === null || r.lot_id === undefined ? null : String(r.lot_id),
    scope: scopeOf(r),
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    settledAt: (r.settled_at as Date | null) ?? null,
    expectedSettlementDate: (r.expected_settlement_date as string | null) ?? null,
    // A hosted checkout's page, while the payer can still pay there.
    ...(r.hosted === true && ['creating', 'pending'].includes(r.status as string) && r.redirect_url ? { redirectUrl: r.redirect_url as string } : {}),
  };
}

/** A purchase row's scope; rows stored before scoped packs have none (general credit). */
function scopeOf(r: Row): string[] | null {
  const scope = r.scope as string[] | null | undefined;
  return scope && scope.length ? [...scope] : null;
}

function sameScope(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** The card's funding as the provider reported it (payments-card keeps it in the method's metadata); null for others. */
function cardFundingOf(method: Row): CardFunding | null {
  if (method.kind !== 'card') return null;
  const metadata = (typeof method.metadata === 'string' ? JSON.parse(method.metadata) : method.metadata) as Record<string, unknown> | null;
  const funding = metadata?.funding;
  return funding === 'credit' || funding === 'debit' || funding === 'prepaid' ? funding : 'unknown';
}

/** The stored settings; getAutoRefill adds the derived state. Older rows store a decline as 'payment_failed:<code>'. */
function refillView(r: Row): Omit<AutoRefillSettings, 'resumesAt' | 'window' | 'lastDecline' | 'nextScheduledAt'> {
  const stored = (r.paused_reason as string | null) ?? null;
  return {
    accountId: r.account_id as string,
    enabled: r.enabled as boolean,
    minimum: Money.of(r.minimum as string),
    mode: ((r.mode as AutoRefillMode | undefined) ?? 'pack') as AutoRefillMode,
    pack: r.pack === null ? null : Money.of(r.pack as string),
    target: r.target === null || r.target === undefined ? null : Money.of(r.target as string),
    schedule: r.schedule_day === null || r.schedule_day === undefined ? null : { dayOfMonth: Number(r.schedule_day) },
    paymentMethodId: r.payment_method_id as string,
    maxPerPeriod: r.max_per_period as number,
    periodHours: r.period_hours as number,
    pausedAt: (r.paused_at as Date | null) ?? null,
    pausedReason: (stored?.startsWith('payment_failed') ? 'payment_declined' : stored) as AutoRefillPauseReason | null,
  };
}

function refundView(r: Row): Refund {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    credits: Money.of(r.credits as string),
    fee: Money.of(r.fee as string),
    payout: Money.of(r.payout as string),
    status: r.status as Refund['status'],
    refundTransactionId: String(r.refund_transaction_id),
    feeTransactionId: r.fee_transaction_id === null ? null : String(r.fee_transaction_id),
    requestedBy: (r.requested_by as string | null) ?? null,
    createdAt: r.created_at as Date,
    paidAt: (r.paid_at as Date | null) ?? null,
    payoutReference: (r.payout_reference as string | null) ?? null,
  };
}

/** A purchase as its events tell it (W-10). */
function purchaseEventData(row: Row): { purchaseId: string; accountId: string; amount: string; providerId: string; origin: string } {
  return {
    purchaseId: row.id as string,
    accountId: row.account_id as string,
    amount: Money.of(row.amount as string).toString(),
    providerId: row.provider_id as string,
    origin: row.origin as string,
  };
}

/** The schedule of a funding_auto_refill row (with its wallet's time zone) at `now`. */
function scheduleOf(r: Row, now: Date): ReturnType<typeof scheduleState> {
  return scheduleState({
    now,
    timeZone: (r.time_zone as string | null) ?? 'Europe/Brussels',
    dayOfMonth: Number(r.schedule_day),
    since: (r.schedule_since as Date | null) ?? null,
    doneMonth: (r.schedule_done_month as string | null) ?? null,
  });
}

/** What a use refused for lack of credit lacked: its price less the balance (none when the refusal does not say). */
function shortfallOf(error: InsufficientFundsError): Money | undefined {
  const { required, available } = (error.details ?? {}) as { required?: string; available?: string };
  if (typeof required !== 'string' || typeof available !== 'string') return undefined;
  const lack = Money.of(required).minus(Money.of(available));
  return lack.isPositive() ? lack : undefined;
}
