import { Body, Controller, Delete, Get, Headers, Inject, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Money } from '@tollgate/money';
import { alertJson, WalletAlertService, type AlertInput } from '@tollgate/wallet-alerts';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import { withWallet } from '../wallet/account-wallets.js';
import { idempotencyKey } from '../wallet/idempotency.js';
import { WalletService } from '@tollgate/wallet';
import { alertDeleted, alertIdParam, alertsList, alertView, createAlertBody, updateAlertBody } from './wallet-alerts.schemas.js';

/**
 * Alerts the account sets on its wallet (W-13): members read them, admins and owners write them.
 * Each fires once per crossing, by e-mail and as the event wallet.alert_triggered.
 */
@ApiTags('wallet')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/wallet/alerts')
export class WalletAlertsController {
  constructor(
    @Inject(WalletAlertService) private readonly alerts: WalletAlertService,
    @Inject(WalletService) private readonly wallet: WalletService,
    @Inject(HOST_STATE) private readonly state: HostState,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The account’s alerts, oldest first, each with its state and what it measures now (balance, threshold, days left, burn per day)' })
  @ApiResponse({ status: 200, standardSchema: alertsList })
  async list(@CurrentCaller() caller: AccountCaller) {
    return { data: (await this.alerts.list({ accountId: caller.accountId })).map(alertJson) };
  }

  @Post()
  @MinRole('admin')
  @ApiOperation({
    summary:
      'Add an alert (at most 20): balance_below an amount, percent_of_last_top_up, or days_left at the burn rate. It is checked at once: when its condition already holds it fires now',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same as the body idempotencyKey; a retry gets the first response' })
  @ApiResponse({ status: 201, standardSchema: alertView })
  @ApiResponse({ status: 409, description: 'idempotency_key_reused' })
  @ApiResponse({ status: 422, description: 'too_many_alerts' })
  async create(
    @CurrentCaller() caller: AccountCaller,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: createAlertBody }) body: z.output<typeof createAlertBody>,
  ) {
    const { key, fromCaller } = idempotencyKey({ header, body: body.idempotencyKey, required: false });
    const common = { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.enabled !== undefined ? { enabled: body.enabled } : {}) };
    const alert: AlertInput =
      body.kind === 'balance_below'
        ? { kind: body.kind, amount: Money.of(body.amount), ...common }
        : body.kind === 'percent_of_last_top_up'
          ? { kind: body.kind, percent: body.percent, ...common }
          : { kind: body.kind, days: body.days, burnWindowDays: body.burnWindowDays, ...common };
    const created = await this.#on(caller, () => this.alerts.create({ accountId: caller.accountId, alert, ...(fromCaller ? { idempotencyKey: key } : {}) }));
    return created.alert;
  }

  @Get(':alertId')
  @ApiResponse({ status: 200, standardSchema: alertView })
  @ApiResponse({ status: 404, description: 'alert_not_found' })
  async get(@CurrentCaller() caller: AccountCaller, @Param('alertId', { schema: alertIdParam }) alertId: string) {
    return alertJson(await this.alerts.get({ accountId: caller.accountId, alertId }));
  }

  @Patch(':alertId')
  @MinRole('admin')
  @ApiOperation({ summary: 'Rename, switch on or off, or change the kind’s parameters; a new threshold or switching it on re-arms it and checks it at once' })
  @ApiResponse({ status: 200, standardSchema: alertView })
  @ApiResponse({ status: 404, description: 'alert_not_found' })
  async update(
    @CurrentCaller() caller: AccountCaller,
    @Param('alertId', { schema: alertIdParam }) alertId: string,
    @Body({ schema: updateAlertBody }) body: z.output<typeof updateAlertBody>,
  ) {
    const { amount, ...rest } = body;
    const patch = { ...rest, ...(amount !== undefined ? { amount: Money.of(amount) } : {}) };
    return alertJson(await this.#on(caller, () => this.alerts.update({ accountId: caller.accountId, alertId, patch })));
  }

  @Delete(':alertId')
  @MinRole('admin')
  @ApiResponse({ status: 200, standardSchema: alertDeleted })
  @ApiResponse({ status: 404, description: 'alert_not_found' })
  async remove(@CurrentCaller() caller: AccountCaller, @Param('alertId', { schema: alertIdParam }) alertId: string) {
    await this.alerts.delete({ accountId: caller.accountId, alertId });
    return { id: alertId, deleted: true as const };
  }

  /** Opens the account's wallet first when it has none (an account made before wallets), as the wallet routes do. */
  #on<T>(caller: AccountCaller, fn: () => Promise<T>): Promise<T> {
    return withWallet({ db: this.state.db, wallet: this.wallet, accountId: caller.accountId }, fn);
  }
}
