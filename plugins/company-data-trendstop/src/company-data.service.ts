import { randomBytes } from 'node:crypto';
import {
  NotFoundError,
  SecretSealer,
  TollgateError,
  UnavailableError,
  UnprocessableError,
  ValidationError,
  type Clock,
  type Logger,
  type PluginAccounts,
  type PluginDatabase,
  type PluginPlans,
  type PluginWallet,
  type Row,
  type SpendOutcome,
} from '@tollgate/plugin-sdk';
import { COMPANY_DATA_CHANNEL_ID, purchaseSpendKey, vendorExportKey, type CompanyDataRequest, type CompanyDataResult } from './company-data.channel.js';
import {
  RateLimitedError,
  belgiumOnly,
  vendorBadResponse,
  vendorKeyConflict,
  companyIgnored,
  companyNotFoundAtVendor,
  exportRightsRequired,
  noData,
  notEnabled,
  numberRequired,
  vendorAuthFailed,
  vendorUnavailable,
} from './company-data.errors.js';
import { companyDataRules, hasExportRights, type CompanyDataRules } from './feature-rules.js';
import { AVAILABLE_FIELDS, retryAfterOf, vendorErrorCode, type TrendsTopApi, type TrendsTopApiFactory, type TrendsTopExport } from './trendstop-api.js';

export type DataStatus = 'available' | 'bought' | 'ignored' | 'not_found' | 'unknown' | 'not_available';

export interface CompanyAddress {
  street: string;
  houseNumber?: string | undefined;
  box?: string | undefined;
  postalCode: string;
  municipality: string;
  country?: string | undefined;
}

export interface NewCompany {
  name: string;
  country: string;
  enterpriseNumber?: string | undefined;
  vatNumber?: string | undefined;
  address?: CompanyAddress | undefined;
}

/** A bought field: its value, where it came from and when. */
export interface SourcedField {
  value: unknown;
  source: 'trendstop';
  retrievedAt: string;
}

export interface CompanyOffer {
  /** What buying costs this account now, as a string ("1.50"); "0.00" when nothing would be charged. */
  price: string;
  currency: string;
  /** Who pays: the wallet, the account's own subscription, or nobody (bought in the free period). */
  paidBy: 'wallet' | 'subscription' | 'already_bought';
  /** false when the wallet would not cover it now. */
  affordable: boolean;
  actions: Array<'buy' | 'ignore' | 'unignore'>;
  /** Set when buying is refused on this plan (classic without a linked subscription): the error code. */
  refusal: string | null;
}

export interface CompanyView {
  id: string;
  name: string;
  country: string;
  enterpriseNumber: string | null;
  vatNumber: string | null;
  address: CompanyAddress | null;
  createdAt: string;
  data: {
    status: DataStatus;
    available: Record<string, boolean> | null;
    checkedAt: string | null;
    fields: Record<string, SourcedField> | null;
    purchaseId: string | null;
    filledAt: string | null;
    ignored: { at: string; by: string | null } | null;
    offer: CompanyOffer | null;
  };
}

export interface PurchaseView {
  id: string;
  enterpriseNumber: string;
  paidBy: 'wallet' | 'subscription';
  amount: string;
  transactionId: string | null;
  exportId: string | null;
  boughtBy: string | null;
  boughtAt: string;
  retrievedAt: string | null;
  /** Buying this company's data again before then is free; after it, it is charged again. */
  freeRefreshUntil: string;
}

type CompanyRow = Row & {
  id: string;
  account_id: string;
  name: string;
  country: string;
  enterprise_number: string | null;
  vat_number: string | null;
  address: CompanyAddress | null;
  lookup: 'found' | 'not_found' | 'unknown' | 'none';
  availability: Record<string, boolean> | null;
  availability_checked_at: Date | string | null;
  data: Record<string, SourcedField> | null;
  data_purchase_id: string | null;
  data_filled_at: Date | string | null;
  ignored_at: Date | string | null;
  ignored_by: string | null;
  created_at: Date | string;
};

type PurchaseRow = Row & {
  id: string;
  account_id: string;
  enterprise_number: string;
  generation: number;
  status: 'open' | 'failed' | 'completed';
  attempt: number;
  paid_by: 'wallet' | 'subscription' | null;
  amount: string | null;
  transaction_id: string | null;
  export_id: string | null;
  data: TrendsTopExport | null;
  retrieved_at: Date | string | null;
  last_failure: string | null;
  bought_by: string | null;
  completed_at: Date | string | null;
};

type SubscriptionRow = Row & {
  account_id: string;
  sealed_api_key: string;
  customer_id: string;
  formula: string;
  export_rights: boolean;
  linked_by: string | null;
  linked_at: Date | string;
};

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());
const DAY_MS = 86_400_000;

export interface CompanyDataConfig {
  freeRefreshDays: number;
}

/**
 * Companies of an account and their Trends Top data: the free availability lookup, buying (once
 * per account and enterprise number per period, through the wallet or the account's own
 * subscription), ignoring, per-user enabling and the subscription link.
 */
export class CompanyDataService {
  readonly #db: PluginDatabase;
  readonly #clock: Clock;
  readonly #wallet: PluginWallet;
  readonly #plans: PluginPlans;
  readonly #accounts: PluginAccounts;
  readonly #logger: Logger;
  readonly #partner: TrendsTopApi;
  readonly #client: TrendsTopApiFactory;
  readonly #sealer: SecretSealer;
  readonly #config: CompanyDataConfig;
  readonly #normalise: (input: string) => string;

  constructor(deps: {
    db: PluginDatabase;
    clock: Clock;
    wallet: PluginWallet;
    plans: PluginPlans;
    accounts: PluginAccounts;
    logger: Logger;
    /** The platform's partner key's client. */
    partner: TrendsTopApi;
    /** A client for an account's own key. */
    client: TrendsTopApiFactory;
    sealer: SecretSealer;
    config: CompanyDataConfig;
    /** `normaliseEnterpriseNumber` of @tollgate/trendstop: '0123456749' or throws invalid_enterprise_number. */
    normalise: (input: string) => string;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#wallet = deps.wallet;
    this.#plans = deps.plans;
    this.#accounts = deps.accounts;
    this.#logger = deps.logger;
    this.#partner = deps.partner;
    this.#client = deps.client;
    this.#sealer = deps.sealer;
    this.#config = deps.config;
    this.#normalise = deps.normalise;
  }

  // ---------------------------------------------------------------- companies

  /** Adds a company; a Belgian number is normalised and looked up (free). A bad Belgian number stores nothing. */
  async createCompany(input: { accountId: string; userId: string | null; company: NewCompany }): Promise<CompanyView> {
    const { company } = input;
    let enterpriseNumber: string | null = company.enterpriseNumber?.trim() || null;
    let vatNumber: string | null = company.vatNumber?.trim() || null;
    let lookup: CompanyRow['lookup'] = 'none';
    let availability: Record<string, boolean> | null = null;
    let checkedAt: Date | null = null;
    if (company.country === 'BE' && (enterpriseNumber || vatNumber)) {
      const fromEnterprise = enterpriseNumber ? this.#normaliseOrRefuse(enterpriseNumber, 'enterpriseNumber') : null;
      const fromVat = vatNumber ? this.#normaliseOrRefuse(vatNumber, 'vatNumber') : null;
      if (fromEnterprise && fromVat && fromEnterprise !== fromVat)
        throw new ValidationError({
          code: 'invalid_enterprise_number',
          message: `The enterprise number and the VAT number name different companies (${fromEnterprise}, ${fromVat}).`,
          details: [{ path: 'vatNumber', message: 'differs from enterpriseNumber' }],
        });
      enterpriseNumber = (fromEnterprise ?? fromVat) as string;
      vatNumber = `BE${enterpriseNumber}`;
      const looked = await this.#lookup(enterpriseNumber);
      ({ lookup, availability } = looked);
      checkedAt = looked.lookup === 'unknown' ? null : this.#clock.now();
    }
    const now = this.#clock.now();
    const id = `cmp_${randomBytes(12).toString('hex')}`;
    await this.#db.query(
      `INSERT INTO companies (id, account_id, name, country, enterprise_number, vat_number, address, lookup, availability, availability_checked_at, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $12)`,
      [
        id,
        input.accountId,
        company.name,
        company.country,
        enterpriseNumber,
        vatNumber,
        company.address ? JSON.stringify(company.address) : null,
        lookup,
        availability ? JSON.stringify(availability) : null,
        checkedAt,
        input.userId,
        now,
      ],
    );
    return this.getCompany({ accountId: input.accountId, companyId: id });
  }

  async getCompany(input: { accountId: string; companyId: string }): Promise<CompanyView> {
    let row = await this.#company(input);
    // The lookup failed when the company was added (Trends Top down): try again now, still free.
    if (row.lookup === 'unknown' && row.enterprise_number) {
      const looked = await this.#lookup(row.enterprise_number);
      if (looked.lookup !== 'unknown') {
        await this.#db.query(
          `UPDATE companies SET lookup = $3, availability = $4::jsonb, availability_checked_at = $5, updated_at = $5 WHERE account_id = $1 AND id = $2`,
          [input.accountId, row.id, looked.lookup, looked.availability ? JSON.stringify(looked.availability) : null, this.#clock.now()],
        );
        row = await this.#company(input);
      }
    }
    const context = await this.#offerContext(input.accountId);
    return this.#view(row, context);
  }

  async listCompanies(input: {
    accountId: string;
    country?: string | undefined;
    status?: 'available' | 'bought' | 'ignored' | undefined;
    limit: number;
    before?: string | undefined;
  }): Promise<{ data: CompanyView[]; nextBefore: string | null }> {
    const where = ['account_id = $1'];
    const params: unknown[] = [input.accountId];
    if (input.country) {
      params.push(input.country);
      where.push(`country = $${params.length}`);
    }
    if (input.status === 'ignored') where.push('ignored_at IS NOT NULL');
    if (input.status === 'bought') where.push('ignored_at IS NULL AND data_purchase_id IS NOT NULL');
    if (input.status === 'available') where.push(`ignored_at IS NULL AND data_purchase_id IS NULL AND lookup = 'found'`);
    if (input.before) {
      params.push(input.before);
      where.push(`(created_at, id) < (SELECT created_at, id FROM companies WHERE account_id = $1 AND id = $${params.length})`);
    }
    params.push(input.limit + 1);
    const { rows } = await this.#db.query<CompanyRow>(
      `SELECT * FROM companies WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, input.limit);
    const context = await this.#offerContext(input.accountId);
    const data = await Promise.all(page.map((row) => this.#view(row, context)));
    return { data, nextBefore: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
  }

  // ---------------------------------------------------------------- ignore

  async ignore(input: { accountId: string; companyId: string; userId: string | null }): Promise<CompanyView> {
    const row = await this.#company(input);
    await this.#requireEnabled({ accountId: input.accountId, userId: input.userId, rules: await this.#rules(input.accountId) });
    // Ignoring twice keeps who ignored it first and when.
    if (row.ignored_at === null)
      await this.#db.query(`UPDATE companies SET ignored_at = $3, ignored_by = $4, updated_at = $3 WHERE account_id = $1 AND id = $2 AND ignored_at IS NULL`, [
        input.accountId,
        row.id,
        this.#clock.now(),
        input.userId,
      ]);
    return this.getCompany(input);
  }

  async unignore(input: { accountId: string; companyId: string; userId: string | null }): Promise<CompanyView> {
    const row = await this.#company(input);
    await this.#requireEnabled({ accountId: input.accountId, userId: input.userId, rules: await this.#rules(input.accountId) });
    if (row.ignored_at !== null)
      await this.#db.query(`UPDATE companies SET ignored_at = NULL, ignored_by = NULL, updated_at = $3 WHERE account_id = $1 AND id = $2`, [
        input.accountId,
        row.id,
        this.#clock.now(),
      ]);
    return this.getCompany(input);
  }

  // ---------------------------------------------------------------- buy

  /**
   * Buys the company's data: once per account and enterprise number per free-refresh period,
   * whoever asks and on whichever host. `refresh` within the period fetches fresh data for free.
   */
  async buy(input: {
    accountId: string;
    companyId: string;
    userId: string | null;
    idempotencyKey: string;
    refresh?: boolean;
  }): Promise<{ charged: boolean; company: CompanyView; purchase: PurchaseView }> {
    const { accountId } = input;
    const company = await this.#company(input);
    if (company.country !== 'BE') throw belgiumOnly(company.country);
    if (!company.enterprise_number) throw numberRequired();
    const enterpriseNumber = company.enterprise_number;
    const rules = await this.#rules(accountId);
    await this.#requireEnabled({ accountId, userId: input.userId, rules });
    if (company.ignored_at !== null) throw companyIgnored();
    if (company.lookup === 'not_found') throw companyNotFoundAtVendor(enterpriseNumber);
    const link = await this.#usableLink({ accountId, rules });

    const latest = await this.#latestPurchase({ accountId, enterpriseNumber });
    if (latest?.status === 'completed' && this.#withinFreePeriod(latest)) {
      let purchase = latest;
      if (input.refresh)
        purchase = await this.#refresh({
          purchase,
          api: link?.api ?? this.#partner,
          idempotencyKey: input.idempotencyKey,
          whose: link ? 'subscription' : 'partner',
        });
      return { charged: false, ...(await this.#fill({ company, purchase })) };
    }
    // Classic: never through the wallet. Checked after "already bought" (that stays free), before anything is written.
    if (!link && rules.requiresOwnSubscription)
      throw exportRightsRequired({ formulas: rules.exportRightsFormulas, planLabel: rules.planLabel, reason: 'no_subscription' });
    let purchase = await this.#openPurchase({ accountId, enterpriseNumber, userId: input.userId, latest });
    if (purchase.status === 'completed') return { charged: false, ...(await this.#fill({ company, purchase })) }; // completed meanwhile by another buyer
    if (purchase.status === 'failed') purchase = await this.#nextAttempt(purchase);

    // The wallet's key changes per attempt; Trends Top's (vendorExportKey, from the request) does not.
    const key = purchaseSpendKey({ enterpriseNumber, generation: purchase.generation, attempt: purchase.attempt });
    const request: CompanyDataRequest = { purchaseId: purchase.id, generation: Number(purchase.generation), enterpriseNumber, name: company.name };
    if (link) {
      const outcome = await this.fetchExport({ request, api: link.api });
      if (outcome.status !== 'done') {
        await this.#markFailed({ purchase, reason: outcome.reason });
        throw this.#failure({ reason: outcome.reason, result: outcome.result, enterpriseNumber, whose: 'subscription' });
      }
      await this.#markCompleted({ purchase, paidBy: 'subscription', amount: '0.00', transactionId: null, userId: input.userId });
    } else {
      let spent;
      try {
        spent = await this.#wallet.spend<CompanyDataRequest, CompanyDataResult>({
          accountId,
          channelId: COMPANY_DATA_CHANNEL_ID,
          request,
          idempotencyKey: key,
        });
      } catch (error) {
        // A refusal (insufficient funds, blocked wallet) or a released spend is remembered under its
        // key: the next try needs the next attempt. A fault keeps the attempt, so a retry converges.
        if ((error instanceof TollgateError && error.status < 500) || vendorErrorCode(error) === 'spend_failed')
          await this.#markFailed({ purchase, reason: vendorErrorCode(error) ?? 'refused' });
        throw error;
      }
      if (spent.status !== 'completed') {
        const reason = spent.status === 'failed' ? spent.reason : `unexpected_${spent.status}`;
        await this.#markFailed({ purchase, reason });
        throw this.#failure({ reason, result: spent.result, enterpriseNumber, whose: 'partner' });
      }
      await this.#markCompleted({ purchase, paidBy: 'wallet', amount: spent.amount.toString(), transactionId: spent.transactionId, userId: input.userId });
    }
    const done = await this.#purchaseById(accountId, purchase.id);
    return { charged: true, ...(await this.#fill({ company, purchase: done })) };
  }

  /**
   * Exports the company through `api` (the partner key: the channel's execute; or the account's
   * own key) and stores the data on the purchase. Idempotent per key: Trends Top answers the same
   * export for the same Idempotency-Key and bills it once. The key is the purchase's
   * `vendorExportKey` (the same for every attempt) unless `idempotencyKey` is given (a refresh).
   */
  async fetchExport(input: { request: CompanyDataRequest; idempotencyKey?: string; api?: TrendsTopApi }): Promise<SpendOutcome<CompanyDataResult>> {
    const api = input.api ?? this.#partner;
    const { request } = input;
    const idempotencyKey = input.idempotencyKey ?? vendorExportKey({ purchaseId: request.purchaseId, generation: request.generation });
    let exported: TrendsTopExport | null;
    try {
      exported = await api.exportCompany({ enterpriseNumber: request.enterpriseNumber, idempotencyKey });
    } catch (error) {
      const code = vendorErrorCode(error);
      if (code === 'company_data_rate_limited') return { status: 'failed', reason: code, result: { retryAfterSeconds: retryAfterOf(error) ?? 60 } };
      if (code === 'company_data_no_data') return { status: 'failed', reason: code };
      // Trends Top may have billed the export and the answer was lost: the next attempt asks again
      // under the same key and gets that export, billed once.
      if (code === 'company_data_bad_response') {
        this.#logger.warn({ purchaseId: request.purchaseId }, 'company-data: Trends Top answered something unreadable');
        return { status: 'failed', reason: code };
      }
      // Our key was used for another company: a bug on our side, never the user's; nothing is charged.
      if (code === 'idempotency_key_reused') {
        this.#logger.error(
          { purchaseId: request.purchaseId, idempotencyKey },
          'company-data: Trends Top says the Idempotency-Key was used for another company',
        );
        return { status: 'failed', reason: code };
      }
      if (
        code === 'company_data_unavailable' ||
        code === 'company_data_auth_failed' ||
        code === 'export_rights_required' ||
        code === 'invalid_enterprise_number'
      ) {
        if (code === 'company_data_auth_failed') this.#logger.error({ purchaseId: request.purchaseId }, 'company-data: Trends Top refused a key');
        return { status: 'failed', reason: code };
      }
      throw error;
    }
    if (!exported || isEmptyExport(exported)) return { status: 'failed', reason: 'company_data_no_data' };
    await this.#db.query(`UPDATE data_purchases SET data = $2::jsonb, export_id = $3, retrieved_at = $4 WHERE id = $1`, [
      request.purchaseId,
      JSON.stringify(exported),
      exported.exportId,
      new Date(exported.retrievedAt),
    ]);
    return { status: 'done', result: { exportId: exported.exportId } };
  }

  // ---------------------------------------------------------------- users

  async setUserEnabled(input: { accountId: string; userId: string; enabled: boolean; by: string | null }) {
    const user = await this.#accounts.getUser({ accountId: input.accountId, userId: input.userId });
    if (!user) throw new NotFoundError({ code: 'user_not_found', message: `No user ${input.userId} in this account.` });
    const rules = await this.#rules(input.accountId);
    if (input.enabled)
      await this.#db.query(
        `INSERT INTO enabled_users (account_id, user_id, enabled_by, enabled_at) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, user_id) DO NOTHING`,
        [input.accountId, input.userId, input.by, this.#clock.now()],
      );
    else await this.#db.query(`DELETE FROM enabled_users WHERE account_id = $1 AND user_id = $2`, [input.accountId, input.userId]);
    const { rows } = await this.#db.query<{ enabled_by: string | null; enabled_at: Date | string }>(
      `SELECT enabled_by, enabled_at FROM enabled_users WHERE account_id = $1 AND user_id = $2`,
      [input.accountId, input.userId],
    );
    const row = rows[0];
    return {
      userId: user.id,
      name: user.name,
      role: user.role,
      enabled: row !== undefined,
      enabledAt: row ? iso(row.enabled_at) : null,
      enabledBy: row?.enabled_by ?? null,
      settingsPage: rules.settingsPage,
    };
  }

  async listEnabledUsers(input: { accountId: string }) {
    const rules = await this.#rules(input.accountId);
    const { rows } = await this.#db.query<{ user_id: string; enabled_by: string | null; enabled_at: Date | string }>(
      `SELECT user_id, enabled_by, enabled_at FROM enabled_users WHERE account_id = $1 ORDER BY enabled_at, user_id`,
      [input.accountId],
    );
    const data = [];
    for (const row of rows) {
      const user = await this.#accounts.getUser({ accountId: input.accountId, userId: row.user_id });
      if (!user) continue; // removed since: the switch no longer applies to anyone
      data.push({
        userId: user.id,
        name: user.name,
        role: user.role,
        enabled: true,
        enabledAt: iso(row.enabled_at),
        enabledBy: row.enabled_by,
        settingsPage: rules.settingsPage,
      });
    }
    return { data, settingsPage: rules.settingsPage, plan: rules.planId };
  }

  // ---------------------------------------------------------------- subscription

  /** Links the account's own Trends Top key after Trends Top confirms a formula with export rights on this plan. */
  async linkSubscription(input: { accountId: string; apiKey: string; userId: string | null }) {
    const rules = await this.#rules(input.accountId);
    let subscription;
    try {
      subscription = await this.#client({ apiKey: input.apiKey }).subscription();
    } catch (error) {
      const code = vendorErrorCode(error);
      if (code === 'company_data_auth_failed')
        throw new UnprocessableError({ code: 'company_data_auth_failed', message: 'Trends Top does not know this API key. Nothing was linked.' });
      if (code === 'company_data_unavailable' || code === 'company_data_rate_limited') throw vendorUnavailable();
      if (code === 'company_data_bad_response') throw vendorBadResponse();
      throw error;
    }
    if (!hasExportRights({ rules, formula: subscription.formula, vendorExportRights: subscription.exportRights }))
      throw exportRightsRequired({ formulas: rules.exportRightsFormulas, formula: subscription.formula, planLabel: rules.planLabel, reason: 'formula' });
    const now = this.#clock.now();
    const sealed = this.#sealer.seal({ context: input.accountId, secret: input.apiKey });
    await this.#db.query(
      `INSERT INTO subscriptions (account_id, sealed_api_key, customer_id, formula, export_rights, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (account_id) DO UPDATE SET sealed_api_key = EXCLUDED.sealed_api_key, customer_id = EXCLUDED.customer_id, formula = EXCLUDED.formula,
         export_rights = EXCLUDED.export_rights, linked_by = EXCLUDED.linked_by, linked_at = EXCLUDED.linked_at`,
      [input.accountId, sealed, subscription.customerId, subscription.formula, subscription.exportRights, input.userId, now],
    );
    return this.getSubscription({ accountId: input.accountId });
  }

  async getSubscription(input: { accountId: string }) {
    const rules = await this.#rules(input.accountId);
    const row = await this.#subscriptionRow(input.accountId);
    const base = { exportRightsFormulas: rules.exportRightsFormulas, requiresOwnSubscription: rules.requiresOwnSubscription, plan: rules.planId };
    if (!row) return { linked: false, customerId: null, formula: null, exportRights: false, linkedAt: null, linkedBy: null, ...base };
    return {
      linked: true,
      customerId: row.customer_id,
      formula: row.formula,
      // Per the plan now: a move to another plan may take the rights away.
      exportRights: hasExportRights({ rules, formula: row.formula, vendorExportRights: row.export_rights }),
      linkedAt: iso(row.linked_at),
      linkedBy: row.linked_by,
      ...base,
    };
  }

  async unlinkSubscription(input: { accountId: string }) {
    await this.#db.query(`DELETE FROM subscriptions WHERE account_id = $1`, [input.accountId]);
    return this.getSubscription(input);
  }

  // ---------------------------------------------------------------- internals

  #normaliseOrRefuse(value: string, path: string): string {
    try {
      return this.#normalise(value);
    } catch (error) {
      if (vendorErrorCode(error) !== 'invalid_enterprise_number') throw error;
      throw new ValidationError({
        code: 'invalid_enterprise_number',
        message: `"${value}" is not a valid Belgian enterprise number (10 digits, 0 or 1 first, mod-97 check digits; BE0123.456.749 and 0123456749 are accepted). Nothing was stored.`,
        details: [{ path, message: 'not a valid Belgian enterprise number' }],
      });
    }
  }

  async #lookup(enterpriseNumber: string): Promise<{ lookup: CompanyRow['lookup']; availability: Record<string, boolean> | null }> {
    try {
      const found = await this.#partner.availability({ enterpriseNumber });
      if (!found) return { lookup: 'not_found', availability: null };
      return { lookup: 'found', availability: Object.fromEntries(AVAILABLE_FIELDS.map((f) => [f, found.available[f] === true])) };
    } catch (error) {
      // Free and informative only: a failing lookup leaves the company without availability, retried on read.
      this.#logger.warn({ code: vendorErrorCode(error) ?? 'error' }, 'company-data: availability lookup failed');
      return { lookup: 'unknown', availability: null };
    }
  }

  async #company(input: { accountId: string; companyId: string }): Promise<CompanyRow> {
    const { rows } = await this.#db.query<CompanyRow>(`SELECT * FROM companies WHERE account_id = $1 AND id = $2`, [input.accountId, input.companyId]);
    if (!rows[0]) throw new NotFoundError({ message: `No company ${input.companyId}` });
    return rows[0];
  }

  async #rules(accountId: string): Promise<CompanyDataRules> {
    const plan = await this.#plans.forAccount({ accountId });
    if (!plan) throw new NotFoundError({ message: `No account ${accountId}` });
    return companyDataRules(plan);
  }

  async #requireEnabled(input: { accountId: string; userId: string | null; rules: CompanyDataRules }): Promise<void> {
    if (input.userId === null) throw notEnabled({ where: input.rules.settingsPage, reason: 'no_user' });
    const { rows } = await this.#db.query(`SELECT 1 FROM enabled_users WHERE account_id = $1 AND user_id = $2`, [input.accountId, input.userId]);
    if (rows[0]) return;
    // A key whose creator is not a user of the account (issued by the platform, or made before keys recorded their user).
    const user = await this.#accounts.getUser({ accountId: input.accountId, userId: input.userId });
    throw notEnabled({ where: input.rules.settingsPage, reason: user ? 'not_enabled' : 'no_user' });
  }

  async #subscriptionRow(accountId: string): Promise<SubscriptionRow | undefined> {
    const { rows } = await this.#db.query<SubscriptionRow>(`SELECT * FROM subscriptions WHERE account_id = $1`, [accountId]);
    return rows[0];
  }

  /** The account's own key when it is linked and its formula has export rights on the plan now. */
  async #usableLink(input: { accountId: string; rules: CompanyDataRules }): Promise<{ api: TrendsTopApi; formula: string } | null> {
    const row = await this.#subscriptionRow(input.accountId);
    if (!row) return null;
    if (!hasExportRights({ rules: input.rules, formula: row.formula, vendorExportRights: row.export_rights })) {
      if (input.rules.requiresOwnSubscription)
        throw exportRightsRequired({ formulas: input.rules.exportRightsFormulas, formula: row.formula, planLabel: input.rules.planLabel, reason: 'formula' });
      return null;
    }
    const apiKey = this.#sealer.open({ context: input.accountId, sealed: row.sealed_api_key });
    return { api: this.#client({ apiKey }), formula: row.formula };
  }

  async #latestPurchase(input: { accountId: string; enterpriseNumber: string }): Promise<PurchaseRow | undefined> {
    const { rows } = await this.#db.query<PurchaseRow>(
      `SELECT * FROM data_purchases WHERE account_id = $1 AND enterprise_number = $2 ORDER BY generation DESC LIMIT 1`,
      [input.accountId, input.enterpriseNumber],
    );
    return rows[0];
  }

  /** The purchase to pay for now: the open or failed one, or a new one for the next period (the last one's free period is over). */
  async #openPurchase(input: { accountId: string; enterpriseNumber: string; userId: string | null; latest: PurchaseRow | undefined }): Promise<PurchaseRow> {
    const { latest } = input;
    if (latest && latest.status !== 'completed') return latest;
    const generation = latest ? Number(latest.generation) + 1 : 1;
    // Two buyers at once insert the same (account, number, generation): one row, one spend key.
    await this.#db.query(
      `INSERT INTO data_purchases (id, account_id, enterprise_number, generation, status, attempt, bought_by, created_at) VALUES ($1, $2, $3, $4, 'open', 1, $5, $6)
       ON CONFLICT (account_id, enterprise_number, generation) DO NOTHING`,
      [`dpu_${randomBytes(12).toString('hex')}`, input.accountId, input.enterpriseNumber, generation, input.userId, this.#clock.now()],
    );
    const { rows: current } = await this.#db.query<PurchaseRow>(
      `SELECT * FROM data_purchases WHERE account_id = $1 AND enterprise_number = $2 AND generation = $3`,
      [input.accountId, input.enterpriseNumber, generation],
    );
    return current[0] as PurchaseRow;
  }

  #withinFreePeriod(purchase: PurchaseRow): boolean {
    return purchase.completed_at !== null && this.#clock.now().getTime() < this.#freeUntil(purchase).getTime();
  }

  #freeUntil(purchase: PurchaseRow): Date {
    return new Date(new Date(purchase.completed_at as Date | string).getTime() + this.#config.freeRefreshDays * DAY_MS);
  }

  /** A failed attempt is retried under the next attempt's key (the failed one is remembered as failed by the wallet). */
  async #nextAttempt(purchase: PurchaseRow): Promise<PurchaseRow> {
    await this.#db.query(`UPDATE data_purchases SET status = 'open', attempt = attempt + 1 WHERE id = $1 AND status = 'failed' AND attempt = $2`, [
      purchase.id,
      purchase.attempt,
    ]);
    // Whoever won the update, everyone now uses the row's attempt.
    return this.#purchaseById(purchase.account_id, purchase.id);
  }

  async #markFailed(input: { purchase: PurchaseRow; reason: string }): Promise<void> {
    await this.#db.query(`UPDATE data_purchases SET status = 'failed', last_failure = $3 WHERE id = $1 AND attempt = $2 AND status = 'open'`, [
      input.purchase.id,
      input.purchase.attempt,
      input.reason,
    ]);
  }

  async #markCompleted(input: {
    purchase: PurchaseRow;
    paidBy: 'wallet' | 'subscription';
    amount: string;
    transactionId: string | null;
    userId: string | null;
  }) {
    await this.#db.query(
      `UPDATE data_purchases SET status = 'completed', paid_by = $2, amount = $3, transaction_id = $4, bought_by = COALESCE($5, bought_by), completed_at = $6, last_failure = NULL
       WHERE id = $1 AND status <> 'completed'`,
      [input.purchase.id, input.paidBy, input.amount, input.transactionId, input.userId, this.#clock.now()],
    );
  }

  async #purchaseById(accountId: string, id: string): Promise<PurchaseRow> {
    const { rows } = await this.#db.query<PurchaseRow>(`SELECT * FROM data_purchases WHERE account_id = $1 AND id = $2`, [accountId, id]);
    return rows[0] as PurchaseRow;
  }

  /** A free refresh in the period: a new export under a key of its own, no money moved. */
  async #refresh(input: { purchase: PurchaseRow; api: TrendsTopApi; idempotencyKey: string; whose: 'partner' | 'subscription' }): Promise<PurchaseRow> {
    const { purchase } = input;
    const generation = Number(purchase.generation);
    const key = `${vendorExportKey({ purchaseId: purchase.id, generation })}:refresh:${input.idempotencyKey}`;
    const outcome = await this.fetchExport({
      request: { purchaseId: purchase.id, generation, enterpriseNumber: purchase.enterprise_number, name: '' },
      idempotencyKey: key,
      api: input.api,
    });
    if (outcome.status !== 'done')
      throw this.#failure({ reason: outcome.reason, result: outcome.result, enterpriseNumber: purchase.enterprise_number, whose: input.whose });
    return this.#purchaseById(purchase.account_id, purchase.id);
  }

  /** Copies the purchase's data onto the company, each field with its source and time. */
  async #fill(input: { company: CompanyRow; purchase: PurchaseRow }): Promise<{ company: CompanyView; purchase: PurchaseView }> {
    const { company, purchase } = input;
    const fields = sourcedFields(purchase);
    await this.#db.query(
      `UPDATE companies SET data = $3::jsonb, data_purchase_id = $4, data_filled_at = $5, updated_at = $5 WHERE account_id = $1 AND id = $2`,
      [company.account_id, company.id, JSON.stringify(fields), purchase.id, this.#clock.now()],
    );
    return { company: await this.getCompany({ accountId: company.account_id, companyId: company.id }), purchase: this.#purchaseView(purchase) };
  }

  #purchaseView(purchase: PurchaseRow): PurchaseView {
    return {
      id: purchase.id,
      enterpriseNumber: purchase.enterprise_number,
      paidBy: purchase.paid_by ?? 'wallet',
      amount: purchase.amount === null ? '0.00' : String(purchase.amount),
      transactionId: purchase.transaction_id,
      exportId: purchase.export_id,
      boughtBy: purchase.bought_by,
      boughtAt: iso(purchase.completed_at) as string,
      retrievedAt: iso(purchase.retrieved_at),
      freeRefreshUntil: this.#freeUntil(purchase).toISOString(),
    };
  }

  #failure(input: { reason: string; result: CompanyDataResult | undefined; enterpriseNumber: string; whose: 'partner' | 'subscription' }): TollgateError {
    switch (input.reason) {
      case 'company_data_unavailable':
        return vendorUnavailable();
      case 'company_data_rate_limited':
        return new RateLimitedError({ retryAfterSeconds: input.result?.retryAfterSeconds ?? 60 });
      case 'company_data_bad_response':
        return vendorBadResponse();
      case 'idempotency_key_reused':
        return vendorKeyConflict();
      case 'company_data_no_data':
      case 'invalid_enterprise_number':
        return noData(input.enterpriseNumber);
      case 'company_data_auth_failed':
        return vendorAuthFailed(input.whose);
      case 'export_rights_required':
        return new UnprocessableError({
          code: 'export_rights_required',
          message: 'Trends Top refused the export: the key has no export rights. Nothing was charged.',
        });
      default:
        return new UnavailableError({
          code: 'company_data_failed',
          message: `The company data could not be fetched (${input.reason}). Nothing was charged; try again.`,
        });
    }
  }

  /** What the views need once per request: the plan's rules, the link, the price, the completed purchases. */
  async #offerContext(accountId: string): Promise<OfferContext> {
    const rules = await this.#rules(accountId);
    const link = await this.#subscriptionRow(accountId);
    const linked = link !== undefined && hasExportRights({ rules, formula: link.formula, vendorExportRights: link.export_rights });
    const quote = await this.#wallet.quote({ accountId, channel: COMPANY_DATA_CHANNEL_ID, units: '1' });
    const { rows } = await this.#db.query<PurchaseRow>(
      `SELECT DISTINCT ON (enterprise_number) * FROM data_purchases WHERE account_id = $1 AND status = 'completed' ORDER BY enterprise_number, generation DESC`,
      [accountId],
    );
    const fresh = new Set(rows.filter((p) => this.#withinFreePeriod(p)).map((p) => p.enterprise_number));
    return { rules, linked, price: quote.amount.toString(), currency: quote.amount.currency, affordable: quote.affordable, fresh };
  }

  #view(row: CompanyRow, context: OfferContext): CompanyView {
    const bought = row.data_purchase_id !== null;
    const status: DataStatus =
      row.ignored_at !== null
        ? 'ignored'
        : bought
          ? 'bought'
          : row.lookup === 'found'
            ? 'available'
            : row.lookup === 'not_found'
              ? 'not_found'
              : row.lookup === 'unknown'
                ? 'unknown'
                : 'not_available';
    let offer: CompanyOffer | null = null;
    if (row.enterprise_number && row.country === 'BE' && (row.lookup === 'found' || row.lookup === 'unknown' || bought)) {
      const already = context.fresh.has(row.enterprise_number);
      const paidBy: CompanyOffer['paidBy'] = already ? 'already_bought' : context.linked ? 'subscription' : 'wallet';
      const refusal = paidBy === 'wallet' && context.rules.requiresOwnSubscription ? 'export_rights_required' : null;
      offer = {
        price: paidBy === 'wallet' ? context.price : '0.00',
        currency: context.currency,
        paidBy,
        affordable: paidBy !== 'wallet' || context.affordable,
        actions: row.ignored_at !== null ? ['unignore'] : ['buy', 'ignore'],
        refusal,
      };
    }
    return {
      id: row.id,
      name: row.name,
      country: row.country,
      enterpriseNumber: row.enterprise_number,
      vatNumber: row.vat_number,
      address: row.address,
      createdAt: iso(row.created_at) as string,
      data: {
        status,
        available: row.availability,
        checkedAt: iso(row.availability_checked_at),
        fields: row.data,
        purchaseId: row.data_purchase_id,
        filledAt: iso(row.data_filled_at),
        ignored: row.ignored_at === null ? null : { at: iso(row.ignored_at) as string, by: row.ignored_by },
        offer,
      },
    };
  }
}

interface OfferContext {
  rules: CompanyDataRules;
  linked: boolean;
  price: string;
  currency: string;
  affordable: boolean;
  fresh: Set<string>;
}

/** An export without any of the fields we sell: nothing worth paying for. */
export function isEmptyExport(exported: TrendsTopExport): boolean {
  return [exported.phone, exported.contactPerson, exported.nace, exported.legalForm, exported.address, exported.foundedOn, exported.employeesClass].every(
    (value) => value === null || value === undefined,
  );
}

/** The export as the company's fields, each with its source and time. */
export function sourcedFields(purchase: { data: TrendsTopExport | null; retrieved_at: Date | string | null }): Record<string, SourcedField> {
  const data = purchase.data;
  if (!data) return {};
  const retrievedAt = new Date(purchase.retrieved_at ?? data.retrievedAt).toISOString();
  const values: Record<string, unknown> = {
    phone: data.phone,
    contactPerson: data.contactPerson,
    naceCode: data.nace,
    legalForm: data.legalForm,
    address: data.address,
    foundedOn: data.foundedOn,
    employeesClass: data.employeesClass,
  };
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([field, value]) => [field, { value, source: 'trendstop' as const, retrievedAt }]),
  );
}
