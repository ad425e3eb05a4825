import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { resourceId } from '../accounts/accounts.schemas.js';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { Auth, CurrentCaller } from '../http/auth.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { idempotencyKey } from '../wallet/idempotency.js';
import type { AccountPlans } from './account-plans.js';
import { accountPlanView as accountPlanSchema, movedPlanView, movePlanBody, plansList } from './plans.schemas.js';
import { accountPlanView, planDefinitionView } from './plans.views.js';

const idempotencyHeader = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Same as the body idempotencyKey (send either, or both equal). A retry with the key answers as the first request did.',
};

async function accountPlan(plans: AccountPlans, accountId: string) {
  const plan = await plans.require({ accountId });
  return accountPlanView(accountId, plan, await plans.history({ accountId }));
}

/** The caller's plan (W-11) and the plans offered: members read. Only the platform moves an account. */
@ApiTags('plans')
@ApiBearerAuth()
@Auth('account')
@Controller('v1')
export class PlansController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  @Get('plan')
  @ApiOperation({ summary: "The account's plan (edition): its rules, since when, and the plans it was on before" })
  @ApiResponse({ status: 200, standardSchema: accountPlanSchema })
  plan(@CurrentCaller() caller: AccountCaller) {
    return accountPlan(this.state.core.plans, caller.accountId);
  }

  @Get('plans')
  @ApiOperation({ summary: 'The plans offered, with their rules (payment methods per purpose, countries, features)' })
  @ApiResponse({ status: 200, standardSchema: plansList })
  plans() {
    const directory = this.state.core.plans.directory;
    return { data: directory.list().map((p) => planDefinitionView(p, directory.defaultPlan)) };
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@Auth('admin')
@Controller('admin')
export class AdminPlansController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  // The same list as GET /v1/plans, for the platform admin (an admin key cannot call /v1 routes): the
  // plans an account can be moved to.
  @Get('plans')
  @ApiOperation({ summary: 'The plans offered, with their rules: what PUT /admin/accounts/:accountId/plan and POST /admin/accounts take' })
  @ApiResponse({ status: 200, standardSchema: plansList })
  plans() {
    const directory = this.state.core.plans.directory;
    return { data: directory.list().map((p) => planDefinitionView(p, directory.defaultPlan)) };
  }

  @Get('accounts/:accountId/plan')
  @ApiOperation({ summary: "An account's plan and its plan history (support)" })
  @ApiResponse({ status: 200, standardSchema: accountPlanSchema })
  plan(@Param('accountId', { schema: resourceId('acc') }) accountId: string) {
    return accountPlan(this.state.core.plans, accountId);
  }

  @Put('accounts/:accountId/plan')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Move an account to another plan: prices and rules from now on; what was paid stays as it was. The same plan again changes nothing (changed: false)',
  })
  @ApiHeader(idempotencyHeader)
  @ApiResponse({ status: 200, standardSchema: movedPlanView })
  @ApiResponse({ status: 404, description: 'not_found (no such account), unknown_plan (the message names the plans offered)' })
  async move(
    @Param('accountId', { schema: resourceId('acc') }) accountId: string,
    @Headers('idempotency-key') header: string | undefined,
    @Body({ schema: movePlanBody }) body: z.output<typeof movePlanBody>,
    @Req() req: { caller?: { kind: string; keyId: string } },
  ) {
    const { key, fromCaller } = idempotencyKey({ header, body: body.idempotencyKey, required: false });
    const plans = this.state.core.plans;
    const moved = await plans.move({
      accountId,
      plan: body.plan,
      changedBy: req.caller ? `admin:${req.caller.keyId}` : 'admin',
      ...(fromCaller ? { idempotencyKey: key } : {}),
    });
    return { ...accountPlanView(accountId, moved.plan, await plans.history({ accountId })), changed: moved.changed };
  }
}
