import { Body, Controller, Delete, Get, Header, Headers, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { isCalendarDay, startOfDay } from '@tollgate/clock';
import { NotFoundError, ValidationError } from '@tollgate/errors';
import {
  checkInvariants,
  HISTORY_LINE_TYPES,
  HoldNotFoundError,
  PriceCatalog,
  TRANSACTION_TYPES,
  TransactionNotFoundError,
  WalletService,
  type HistoryLineType,
  type TransactionType,
} from '@tollgate/wallet';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { resourceId } from '../accounts/accounts.schemas.js';
import { incomingView } from '../funding/funding.views.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import { withWallet } from './account-wallets.js';
import { idempotencyKey } from './idempotency.js';
import {
  balanceView as balanceSchema,
  capLimitBody,
  capsList,
  capView,
  captureBody,
  catalogQuotasList,
  channelTagsBody,
  channelTagsList,
  channelTagsView,
  catalogQuotaView,
  chargeBody,
  chargeView as chargeSchema,
  channelId,
  grantBody,
  grantView as grantSchema,
  historyCsvQuery,
  historyLineDetail,
  historyLineId,
  historyPage,
  historyQuery,
  holdBody,
  holdsPage,
  holdsQuery,
  holdView as holdSchema,
  invariantReportView,
  lotsList,
  lotsQuery,
  numericId,
  priceView as priceSchema,
  pricesList,
  pricesQuery,
  quoteBody,
  quotasList,
  quoteView as quoteSchema,
  allowancesList,
  releaseBody,
  reverseBody,
  reversalView,
  setPriceBody,
  setQuotaBody,
  userIdParam,
} from './wallet.schemas.js';
import { maskPersonalData } from './personal-data.js';
import {
  balanceView,
  capView as capViewOf,
  historyEntryView,
  historyLineView,
  holdResultView,
  holdView,
  lotView,
  priceView,
  quoteView,
  withCurrency,
} from './wallet.views.js';

/** A `currency` field is optional on input; given, it must be EUR (the wallet's only currency). */
function assertEur(currency: string | undefined): void {
  if (currency !== undefined && currency !== 'EUR') {
    throw new ValidationError({
      code: 'unknown_currency',
      message: `Unknown currency ${JSON.stringify(currency)}: the wallet is in euro, use "EUR" or leave currency out.`,
      details: [{ path: ['currency'], message: 'must be "EUR"' }],
    });
  }
}

const idempotencyHeader = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Same as the body idempotencyKey (send either, or both equal). Kept at least 30 days; a retry gets the first response.',
};

/**
 * The caller's own wallet (W-1, W-4, W-6, W-9, W-8). There is no account id in these routes: the
 * account is the key's, so no key can ever address another account's wallet; another account's
 * hold or transaction id is a 404, as for one that does not exist. Members read; moving money
 * takes an admin or owner key (trusted server-side callers).
 */
@ApiTags('wallet')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/wallet')
export class WalletController {
  constructor(
    @Inject(WalletService) private readonly wallet: WalletService,
    @Inject(HOST_STATE) private readonly state: HostState,
  ) {}

  /** The filters with plain dates read in the account's time zone (only looked up when a bound is a plain date). */
  async #historyFilters(caller: AccountCaller, query: z.output<typeof historyCsvQuery>) {
    const needsZone = [query.from, query.to].some((v) => v !== undefined && isCalendarDay(v));
    let timeZone = 'UTC';
    if (needsZone) {
      const { rows } = await this.state.db.query<{ time_zone: string }>('select time_zone from accounts where id = $1', [caller.accountId]);
      timeZone = rows[0]?.time_zone ?? 'UTC';
    }
    return historyFilters(query, timeZone);
  }

  #on<T>(caller: AccountCaller, fn: () => Promise<T>): Promise<T> {
    return withWallet({ db: this.state.db, wallet: this.wallet, accountId: caller.accountId }, fn);
  }

  @Get()
  @ApiOperation({
    summary: 'Balance: available, pending (reserved by holds), total, split by kind of credit (W-1); incoming = purchases paid for, not yet settled',
  })
  @ApiResponse({ status: 200, standardSchema: balanceSchema })
  async balance(@CurrentCaller() caller: AccountCaller) {
    const balance = balanceView(await this.#on(caller, () => this.wallet.balance({ accountId: caller.accountId })));
    return { ...balance, incoming: incomingView(await this.state.core.funding.incoming({ accountId: caller.accountId })) };
  }

  @Get('lots')
  @ApiOperation({ summary: 'Credit lots (kind, granted, remaining, held, expiry), in the order they are spent; includeEmpty=true adds spent ones (W-4)' })
  @ApiResponse({ status: 200, standardSchema: lotsList })
  async lots(@CurrentCaller() caller: AccountCaller, @Query({ schema: lotsQuery }) query: z.output<typeof lotsQuery>) {
    const lots = await this.#on(caller, () => this.wallet.lots({ accountId: caller.accountId, includeEmpty: query.includeEmpty === 'true' }));
    return { data: lots.map(lotView) };
  }

  @Get('holds')
  @ApiOperation({ summary: 'Holds, newest first; pass nextCursor as `before` (W-6)' })
  @ApiResponse({ status: 200, standardSchema: holdsPage })
  async holds(@CurrentCaller() caller: AccountCaller, @Query({ schema: holdsQuery }) query: z.output<typeof holdsQuery>) {
    const page = await this.#on(caller, () =>
      this.wallet.holds({
        accountId: caller.accountId,
        limit: query.limit,
        ...(query.status ? { status: query.status } : {}),
        ...(query.before ? { before: query.before } : {}),
      }),
    );
    return { data: page.data.map(holdView), nextCursor: page.nextCursor };
  }

  @Get('holds/:holdId')
  @ApiResponse({ status: 200, standardSchema: holdSchema })
  async hold(@CurrentCaller() caller: AccountCaller, @Param('holdId', { schema: numericId }) holdId: string) {
    const hold = await this.wallet.getHold({ accountId: caller.accountId, holdId });
    if (!hold) throw new HoldNotFoundError(holdId);
    return holdView(hold);
  }

  @Post('charges')
  @MinRole('admin')
  @ApiOperation({ summary: 'Charge units of a channel at the catalog price in force now, free quota first (W-5); an idempotency key is required' })
  @ApiHeader({ ...idempotencyHeader, description: `Required unless the body has idempotencyKey. ${idempotencyHeader.description}` })
  @ApiResponse({ status: 201, standardSchema: chargeSchema })
  @ApiResponse({ status: 422, description: 'insufficient_funds (nothing was spent), no_price' })
  async charge(
    @CurrentCaller() caller: AccountCaller,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: chargeBody }) body: z.output<typeof chargeBody>,
  ) {
    assertEur(body.currency);
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: true });
    const result = await this.#on(caller, () =>
      // With auto-refill on, a charge refused for lack of credit may wait for a card refill (C-3).
      this.state.core.funding.spendWithRefill({
        accountId: caller.accountId,
        attempt: (provisional) =>
          this.wallet.charge({
            accountId: caller.accountId,
            channel: body.channel,
            units: body.units,
            country: body.country ?? null,
            idempotencyKey: key,
            provisional,
            ...(body.description ? { description: body.description } : {}),
            // The key's user, for the per-user monthly cap (issue 22); keys without a user count for the channel only.
            ...(caller.userId ? { userId: caller.userId } : {}),
          }),
      }),
    );
    return withCurrency(result);
  }

  @Post('holds')
  @MinRole('admin')
  @ApiOperation({ summary: 'Reserve the price of units now; capture (all or part) or release later; an uncaptured hold expires (W-6)' })
  @ApiHeader(idempotencyHeader)
  @ApiResponse({ status: 201, standardSchema: holdSchema })
  async placeHold(
    @CurrentCaller() caller: AccountCaller,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: holdBody }) body: z.output<typeof holdBody>,
  ) {
    assertEur(body.currency);
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: false });
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : undefined;
    const result = await this.#on(caller, () =>
      this.wallet.hold({
        accountId: caller.accountId,
        channel: body.channel,
        units: body.units,
        country: body.country ?? null,
        idempotencyKey: key,
        ...(body.description ? { description: body.description } : {}),
        ...(expiresAt ? { expiresAt } : {}),
        ...(caller.userId ? { userId: caller.userId } : {}),
      }),
    );
    return holdResultView(result);
  }

  @Post('holds/:holdId/capture')
  @HttpCode(200)
  @MinRole('admin')
  @ApiOperation({ summary: 'Capture the whole hold, the price of final units, or an exact amount; the rest is released' })
  @ApiHeader(idempotencyHeader)
  @ApiResponse({ status: 200, standardSchema: holdSchema })
  @ApiResponse({ status: 409, description: 'hold_not_pending (already captured or released), hold_expired' })
  @ApiResponse({ status: 422, description: 'capture_exceeds_hold' })
  async capture(
    @CurrentCaller() caller: AccountCaller,
    @Param('holdId', { schema: numericId }) holdId: string,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: captureBody }) body: z.output<typeof captureBody>,
  ) {
    assertEur(body.currency);
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: false });
    const result = await this.#on(caller, () =>
      this.wallet.capture({
        accountId: caller.accountId,
        holdId,
        idempotencyKey: key,
        ...(body.units !== undefined ? { units: body.units } : {}),
        ...(body.amount !== undefined ? { amount: body.amount } : {}),
      }),
    );
    return holdResultView(result);
  }

  @Post('holds/:holdId/release')
  @HttpCode(200)
  @MinRole('admin')
  @ApiOperation({ summary: 'Release a pending hold: its money is available again' })
  @ApiHeader(idempotencyHeader)
  @ApiResponse({ status: 200, standardSchema: holdSchema })
  async release(
    @CurrentCaller() caller: AccountCaller,
    @Param('holdId', { schema: numericId }) holdId: string,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: releaseBody }) body: z.output<typeof releaseBody>,
  ) {
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: false });
    return holdResultView(await this.#on(caller, () => this.wallet.release({ accountId: caller.accountId, holdId, idempotencyKey: key })));
  }

  @Post('transactions/:transactionId/reverse')
  @MinRole('admin')
  @ApiOperation({ summary: 'Give back what a charge or capture spent, into the lots it came from, as a reversing entry (W-2); once per transaction' })
  @ApiHeader(idempotencyHeader)
  @ApiResponse({ status: 201, standardSchema: reversalView })
  @ApiResponse({ status: 409, description: 'not_reversible (not a spend, or already reversed)' })
  async reverse(
    @CurrentCaller() caller: AccountCaller,
    @Param('transactionId', { schema: numericId }) transactionId: string,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: reverseBody }) body: z.output<typeof reverseBody>,
  ) {
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: false });
    return withCurrency(
      await this.#on(caller, () => this.wallet.reverse({ accountId: caller.accountId, transactionId, reason: body.reason, idempotencyKey: key })),
    );
  }

  @Get('history')
  @ApiOperation({
    summary:
      'History, newest first (W-9): one line per use with its final cost (a hold and its capture/release folded; status pending while held), top-ups, grants and refunds as their own lines; view=entries gives the raw ledger entries with the balance after each. Filter by period, channel, type and credit kind; phone numbers and e-mail addresses masked',
  })
  @ApiResponse({ status: 200, standardSchema: historyPage })
  async history(@CurrentCaller() caller: AccountCaller, @Query({ schema: historyQuery }) query: z.output<typeof historyQuery>) {
    const filters = await this.#historyFilters(caller, query);
    const paging = { accountId: caller.accountId, limit: query.limit, ...(query.before ? { before: query.before } : {}) };
    if (query.view === 'entries') {
      const page = await this.wallet.history({ ...paging, ...filters, ...entryType(query.type) });
      return { data: page.data.map(historyEntryView), nextCursor: page.nextCursor };
    }
    const page = await this.wallet.historyLines({ ...paging, ...filters, ...lineType(query.type) });
    return { data: page.data.map(historyLineView), nextCursor: page.nextCursor };
  }

  @Get('history.csv')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="wallet-history.csv"')
  @ApiProduces('text/csv')
  @ApiOperation({
    summary:
      'The filtered history as CSV, personal data masked: lines (date, id, type, status, channel, description, amount), or with view=entries the ledger entries (date, transaction_id, type, channel, description, amount, balance_after)',
  })
  @ApiResponse({ status: 200, description: 'text/csv, one header row, newest first', content: { 'text/csv': { schema: { type: 'string' } } } })
  async historyCsv(@CurrentCaller() caller: AccountCaller, @Query({ schema: historyCsvQuery }) query: z.output<typeof historyCsvQuery>) {
    const filters = { accountId: caller.accountId, ...(await this.#historyFilters(caller, query)), describe: maskPersonalData };
    if (query.view === 'entries') return this.wallet.historyCsv({ ...filters, ...entryType(query.type) });
    return this.wallet.historyLinesCsv({ ...filters, ...lineType(query.type) });
  }

  @Get('history/:id')
  @ApiOperation({ summary: 'One history line with the ledger entries it folds, oldest first; the id of any of its entries finds it' })
  @ApiResponse({ status: 200, standardSchema: historyLineDetail })
  async historyLine(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: historyLineId }) id: string) {
    const found = await this.wallet.historyLine({ accountId: caller.accountId, id });
    if (!found) throw new TransactionNotFoundError(id);
    return { ...historyLineView(found.line), entries: found.entries.map(historyEntryView) };
  }

  @Get('quotas')
  @ApiOperation({ summary: "Free monthly quotas and this month's use, in the account's time zone (W-8)" })
  @ApiResponse({ status: 200, standardSchema: quotasList })
  async quotas(@CurrentCaller() caller: AccountCaller) {
    return { data: await this.#on(caller, () => this.wallet.quotas({ accountId: caller.accountId })) };
  }

  @Post('quote')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Affordability check: what units of a channel would cost now and how it would be paid (free quota, scoped and general credit, caps), computed by the very code a hold runs, without moving money; maxUnits = how many more units fit',
  })
  @ApiResponse({ status: 200, standardSchema: quoteSchema })
  @ApiResponse({ status: 404, description: 'unknown_channel' })
  @ApiResponse({ status: 422, description: 'no_price, units_below_minimum' })
  async quote(@CurrentCaller() caller: AccountCaller, @Body({ schema: quoteBody }) body: z.output<typeof quoteBody>) {
    const quote = await this.#on(caller, () =>
      this.wallet.quote({
        accountId: caller.accountId,
        channel: body.channel,
        units: body.units,
        country: body.country ?? null,
        ...(caller.userId ? { userId: caller.userId } : {}),
      }),
    );
    // Only a use short of credit asks funding whether an auto-refill would pay for it (nothing is bought).
    if (quote.reason !== 'insufficient_funds') return quoteView(quote);
    const cover = await this.state.core.funding.refillCover({ accountId: caller.accountId, shortfall: quote.amount.minus(quote.available) });
    return quoteView({ ...quote, autoRefill: { covers: cover.wouldCover, amount: cover.refillAmount, reason: cover.reason } });
  }

  @Get('caps')
  @ApiOperation({ summary: "Monthly spending caps per channel and per user, with this month's use (wallet time zone)" })
  @ApiResponse({ status: 200, standardSchema: capsList })
  async caps(@CurrentCaller() caller: AccountCaller) {
    return { data: (await this.#on(caller, () => this.wallet.caps({ accountId: caller.accountId }))).map(capViewOf) };
  }

  @Put('caps/channels/:channel')
  @MinRole('owner')
  @ApiOperation({ summary: "Set a channel's monthly spending cap (owner); a charge or hold over it is refused 422 spending_cap_exceeded" })
  @ApiResponse({ status: 200, standardSchema: capView })
  async setChannelCap(
    @CurrentCaller() caller: AccountCaller,
    @Param('channel', { schema: channelId }) channel: string,
    @Body({ schema: capLimitBody }) body: z.output<typeof capLimitBody>,
  ) {
    assertEur(body.currency);
    return capViewOf(await this.#on(caller, () => this.wallet.setCap({ accountId: caller.accountId, kind: 'channel', target: channel, limit: body.limit })));
  }

  @Put('caps/users/:userId')
  @MinRole('owner')
  @ApiOperation({ summary: "Set a user's monthly spending cap (owner); the user must be the account's (404 user_not_found)" })
  @ApiResponse({ status: 200, standardSchema: capView })
  async setUserCap(
    @CurrentCaller() caller: AccountCaller,
    @Param('userId', { schema: userIdParam }) userId: string,
    @Body({ schema: capLimitBody }) body: z.output<typeof capLimitBody>,
  ) {
    assertEur(body.currency);
    await this.#ownUser(caller, userId);
    return capViewOf(await this.#on(caller, () => this.wallet.setCap({ accountId: caller.accountId, kind: 'user', target: userId, limit: body.limit })));
  }

  @Delete('caps/channels/:channel')
  @HttpCode(204)
  @MinRole('owner')
  @ApiOperation({ summary: "Remove a channel's monthly spending cap (owner); 404 cap_not_found when it has none" })
  async removeChannelCap(@CurrentCaller() caller: AccountCaller, @Param('channel', { schema: channelId }) channel: string) {
    await this.#removeCap(caller, 'channel', channel);
  }

  @Delete('caps/users/:userId')
  @HttpCode(204)
  @MinRole('owner')
  @ApiOperation({ summary: "Remove a user's monthly spending cap (owner); 404 when there is none" })
  async removeUserCap(@CurrentCaller() caller: AccountCaller, @Param('userId', { schema: userIdParam }) userId: string) {
    await this.#removeCap(caller, 'user', userId);
  }

  async #removeCap(caller: AccountCaller, kind: 'channel' | 'user', target: string): Promise<void> {
    const removed = await this.wallet.removeCap({ accountId: caller.accountId, kind, target });
    if (!removed) throw new NotFoundError({ code: 'cap_not_found', message: `No monthly cap for ${kind} ${target}`, details: { kind, target } });
  }

  /** A per-user cap names one of the account's users; another account's user or an unknown id is a 404, alike. */
  async #ownUser(caller: AccountCaller, userId: string): Promise<void> {
    const { rows } = await this.state.db.query('select 1 from users where id = $1 and account_id = $2', [userId, caller.accountId]);
    if (!rows.length) throw new NotFoundError({ code: 'user_not_found', message: `No user ${userId} in this account`, details: { userId } });
  }

  @Get('allowances')
  @ApiOperation({
    summary: "The plan's monthly allowances and this month's use, per channel, in the account's time zone: granted, rolled over (with expiry), used, remaining",
  })
  @ApiResponse({ status: 200, standardSchema: allowancesList })
  async allowances(@CurrentCaller() caller: AccountCaller) {
    return { data: await this.#on(caller, () => this.wallet.allowances({ accountId: caller.accountId })) };
  }
}

/** A bound of the history's period: a plain date is a whole day in the wallet's time zone (`to` includes it). */
function periodBound(value: string, timeZone: string, edge: 'from' | 'to'): Date {
  return isCalendarDay(value) ? startOfDay({ day: value, timeZone, offsetDays: edge === 'to' ? 1 : 0 }) : new Date(value);
}

function historyFilters(query: z.output<typeof historyCsvQuery>, timeZone: string) {
  return {
    ...(query.from ? { from: periodBound(query.from, timeZone, 'from') } : {}),
    ...(query.to ? { to: periodBound(query.to, timeZone, 'to') } : {}),
    ...(query.channel ? { channel: query.channel } : {}),
    ...(query.kind ? { lotKind: query.kind } : {}),
  };
}

/** The line a ledger type shows in, so `type=charge` (written for the entries) still finds its lines. */
const LINE_OF_ENTRY: Partial<Record<TransactionType, HistoryLineType>> = {
  charge: 'spend',
  hold: 'spend',
  capture: 'spend',
  release: 'spend',
  reversal: 'refund',
  expire_lot: 'expiry',
};

function lineType(type: string | undefined): { type?: HistoryLineType } {
  if (type === undefined) return {};
  if ((HISTORY_LINE_TYPES as readonly string[]).includes(type)) return { type: type as HistoryLineType };
  return { type: LINE_OF_ENTRY[type as TransactionType]! };
}

function entryType(type: string | undefined): { type?: TransactionType } {
  if (type === undefined) return {};
  if ((TRANSACTION_TYPES as readonly string[]).includes(type)) return { type: type as TransactionType };
  throw new ValidationError({
    message: `type ${JSON.stringify(type)} is a kind of line; with view=entries give a ledger type (${TRANSACTION_TYPES.join(', ')})`,
    details: [{ path: ['type'], message: 'must be a ledger entry type' }],
  });
}

/** The price catalog as accounts read it (W-7). */
@ApiTags('catalog')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/catalog')
export class CatalogController {
  constructor(@Inject(PriceCatalog) private readonly catalog: PriceCatalog) {}

  @Get('prices')
  @ApiOperation({
    summary:
      'Every price row (history included) by channel, plan, country and date; a charge uses the row in force at the time of use, of the account\'s plan when that plan has rows for the channel, else of the default list (plan "*")',
  })
  @ApiResponse({ status: 200, standardSchema: pricesList })
  async prices(@Query({ schema: pricesQuery }) query: z.output<typeof pricesQuery>) {
    return {
      data: (await this.catalog.list({ ...(query.channel ? { channel: query.channel } : {}), ...(query.plan ? { plan: query.plan } : {}) })).map(priceView),
    };
  }
}

/** Platform operators: prices and free quotas (W-7, W-8). */
@ApiTags('catalog')
@ApiBearerAuth()
@Auth('admin')
@Controller('admin/catalog')
export class AdminCatalogController {
  constructor(@Inject(PriceCatalog) private readonly catalog: PriceCatalog) {}

  @Post('prices')
  @ApiOperation({ summary: 'Add a price from a date on (rows are never edited: a new price is a new row)' })
  @ApiResponse({ status: 201, standardSchema: priceSchema })
  @ApiResponse({ status: 409, description: 'price_exists: another price for the same channel, country, plan and moment' })
  async setPrice(@Body({ schema: setPriceBody }) body: z.output<typeof setPriceBody>) {
    assertEur(body.currency);
    const price = await this.catalog.setPrice({
      channel: body.channel,
      unit: body.unit,
      unitPrice: body.unitPrice,
      ...(body.country ? { country: body.country } : {}),
      ...(body.effectiveFrom ? { effectiveFrom: new Date(body.effectiveFrom) } : {}),
      ...(body.plan ? { plan: body.plan } : {}),
    });
    return priceView(price);
  }

  @Get('quotas')
  @ApiOperation({ summary: 'Free monthly quotas per channel' })
  @ApiResponse({ status: 200, standardSchema: catalogQuotasList })
  async quotas() {
    return { data: await this.catalog.quotas() };
  }

  @Get('channels/tags')
  @ApiOperation({ summary: "Every channel's tags (credit scoped to a tag pays for each channel that has it)" })
  @ApiResponse({ status: 200, standardSchema: channelTagsList })
  async tags() {
    return { data: await this.catalog.tags() };
  }

  @Put('channels/:channel/tags')
  @ApiOperation({ summary: 'Replace a channel\'s tags, e.g. {"tags": ["postal"]}; a plugin\'s declared tags are set again at every start-up' })
  @ApiResponse({ status: 200, standardSchema: channelTagsView })
  async setTags(@Param('channel', { schema: channelId }) channel: string, @Body({ schema: channelTagsBody }) body: z.output<typeof channelTagsBody>) {
    return this.catalog.setTags({ channel, tags: body.tags });
  }

  @Put('quotas/:channel')
  @ApiOperation({ summary: 'Set a channel\'s free units per calendar month ("0" removes it); a plugin\'s declared quota is set again at every start-up' })
  @ApiResponse({ status: 200, standardSchema: catalogQuotaView })
  async setQuota(@Param('channel', { schema: channelId }) channel: string, @Body({ schema: setQuotaBody }) body: z.output<typeof setQuotaBody>) {
    await this.catalog.setQuota({ channel, freeUnits: body.freeUnits });
    return { channel, freeUnits: body.freeUnits.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '') };
  }
}

/** Platform operators: the ledger check and support grants. */
@ApiTags('wallet')
@ApiBearerAuth()
@Auth('admin')
@Controller('admin')
export class AdminWalletController {
  constructor(
    @Inject(WalletService) private readonly wallet: WalletService,
    @Inject(HOST_STATE) private readonly state: HostState,
  ) {}

  @Get('wallet/check')
  @ApiOperation({ summary: 'Invariant check of the ledger (W-2): 200 with the report either way; ok=false lists the problems' })
  @ApiResponse({ status: 200, standardSchema: invariantReportView })
  async check() {
    const report = await checkInvariants({ db: this.state.db });
    return { ...report, checkedAt: this.state.clock.now().toISOString() };
  }

  @Get('accounts/:accountId/wallet')
  @ApiOperation({ summary: "An account's balance (support)" })
  @ApiResponse({ status: 200, standardSchema: balanceSchema })
  async balance(@Param('accountId', { schema: resourceId('acc') }) accountId: string) {
    const balance = balanceView(await withWallet({ db: this.state.db, wallet: this.wallet, accountId }, () => this.wallet.balance({ accountId })));
    return { ...balance, incoming: incomingView(await this.state.core.funding.incoming({ accountId })) };
  }

  @Post('accounts/:accountId/wallet/grants')
  @ApiOperation({
    summary: 'Grant credit to an account (support and operations: promo, referral, trial, or a purchase booked by hand); an idempotency key is required',
  })
  @ApiHeader({ ...idempotencyHeader, description: `Required unless the body has idempotencyKey. ${idempotencyHeader.description}` })
  @ApiResponse({ status: 201, standardSchema: grantSchema })
  async grant(
    @Param('accountId', { schema: resourceId('acc') }) accountId: string,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: grantBody }) body: z.output<typeof grantBody>,
  ) {
    assertEur(body.currency);
    const { key } = idempotencyKey({ header, body: body.idempotencyKey, required: true });
    const result = await withWallet({ db: this.state.db, wallet: this.wallet, accountId }, () =>
      this.wallet.grant({
        accountId,
        kind: body.kind,
        amount: body.amount,
        idempotencyKey: key,
        metadata: { source: 'admin_api' },
        ...(body.description ? { description: body.description } : {}),
        ...(body.scope ? { scope: body.scope } : {}),
        ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
      }),
    );
    return withCurrency(result);
  }
}
