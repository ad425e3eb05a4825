import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { FundingService } from '@tollgate/funding';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import { AccountsService, type AccountCaller } from './accounts.service.js';
import {
  accountView,
  addUserBody,
  apiKeyView,
  createAccountBody,
  createAdminKeyBody,
  createApiKeyBody,
  pageQuery,
  resourceId,
  updateAccountBody,
  updateUserBody,
  userView,
} from './accounts.schemas.js';
import { accountsPage, apiKeysList, createdAccountView, newKeyView, usersList } from './accounts.responses.js';

// Writes need an admin key at the guard, before the input is read; the service adds the owner-only cases.
@ApiTags('account')
@ApiBearerAuth()
@Auth('account')
@Controller('v1')
export class AccountController {
  constructor(@Inject(AccountsService) private readonly accounts: AccountsService) {}

  @Get('account')
  @ApiOperation({ summary: 'The account the API key belongs to' })
  @ApiResponse({ status: 200, standardSchema: accountView })
  account(@CurrentCaller() caller: AccountCaller) {
    return this.accounts.getAccount({ accountId: caller.accountId });
  }

  @ApiResponse({ status: 200, standardSchema: accountView })
  @Patch('account')
  @MinRole('admin')
  @ApiOperation({ summary: 'Change the account name, language or time zone (admin)' })
  updateAccount(@CurrentCaller() caller: AccountCaller, @Body({ schema: updateAccountBody }) body: z.output<typeof updateAccountBody>) {
    return this.accounts.updateAccount({ caller, ...body });
  }

  @ApiResponse({ status: 200, standardSchema: usersList })
  @Get('users')
  @ApiOperation({ summary: "The account's users" })
  async users(@CurrentCaller() caller: AccountCaller) {
    return { data: await this.accounts.listUsers({ caller }) };
  }

  @ApiResponse({ status: 409, description: 'user_exists: a user with this e-mail is already in the account' })
  @Post('users')
  @MinRole('admin')
  @ApiOperation({ summary: 'Add a user (admin; owners only by an owner)' })
  @ApiResponse({ status: 201, standardSchema: userView })
  addUser(@CurrentCaller() caller: AccountCaller, @Body({ schema: addUserBody }) body: z.output<typeof addUserBody>) {
    return this.accounts.addUser({ caller, ...body });
  }

  @ApiResponse({ status: 200, standardSchema: userView })
  @Get('users/:userId')
  user(@CurrentCaller() caller: AccountCaller, @Param('userId', { schema: resourceId('usr') }) userId: string) {
    return this.accounts.getUser({ caller, userId });
  }

  @ApiResponse({ status: 200, standardSchema: userView })
  @ApiResponse({ status: 409, description: 'last_owner: the account keeps at least one owner' })
  @Patch('users/:userId')
  @MinRole('admin')
  @ApiOperation({ summary: "Change a user's name or role; an account always keeps one owner" })
  updateUser(
    @CurrentCaller() caller: AccountCaller,
    @Param('userId', { schema: resourceId('usr') }) userId: string,
    @Body({ schema: updateUserBody }) body: z.output<typeof updateUserBody>,
  ) {
    return this.accounts.updateUser({ caller, userId, ...body });
  }

  @ApiResponse({ status: 409, description: 'last_owner: the account keeps at least one owner' })
  @Delete('users/:userId')
  @MinRole('admin')
  @HttpCode(204)
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiOperation({ summary: 'Remove a user and revoke the keys they created' })
  async removeUser(@CurrentCaller() caller: AccountCaller, @Param('userId', { schema: resourceId('usr') }) userId: string) {
    await this.accounts.removeUser({ caller, userId });
  }

  @ApiResponse({ status: 200, standardSchema: apiKeysList })
  @Get('api-keys')
  @ApiOperation({ summary: "The account's API keys (never their secrets) (admin)" })
  async apiKeys(@CurrentCaller() caller: AccountCaller) {
    return { data: await this.accounts.listApiKeys({ caller }) };
  }

  @Post('api-keys')
  @MinRole('admin')
  @ApiOperation({ summary: 'Create an API key; the secret is in this response only (admin)' })
  @ApiResponse({ status: 201, standardSchema: apiKeyView })
  createApiKey(@CurrentCaller() caller: AccountCaller, @Body({ schema: createApiKeyBody }) body: z.output<typeof createApiKeyBody>) {
    return this.accounts.createApiKey({ caller, ...body });
  }

  @ApiResponse({ status: 200, standardSchema: apiKeyView })
  @Delete('api-keys/:keyId')
  @MinRole('admin')
  @ApiOperation({ summary: 'Revoke an API key (admin); revoking twice is harmless' })
  revokeApiKey(@CurrentCaller() caller: AccountCaller, @Param('keyId', { schema: resourceId('key') }) keyId: string) {
    return this.accounts.revokeApiKey({ caller, keyId });
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@Auth('admin')
@Controller('admin')
export class AdminController {
  constructor(
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(FundingService) private readonly funding: FundingService,
    @Inject(HOST_STATE) private readonly state: HostState,
  ) {}

  @ApiResponse({ status: 201, standardSchema: createdAccountView })
  @Post('accounts')
  @ApiOperation({
    summary:
      'Create an account with its owner and a first owner API key (shown once), on `plan` or the default plan; an unknown referralCode or plan is refused before anything is created',
  })
  @ApiResponse({ status: 404, description: 'unknown_plan: the message names the plans offered' })
  async createAccount(@Body({ schema: createAccountBody }) body: z.output<typeof createAccountBody>) {
    const { referralCode, plan: requested, ...account } = body;
    const directory = this.state.core.plans.directory;
    const plan = directory.require({ id: requested ?? directory.defaultPlan }).id;
    if (referralCode) await this.funding.checkReferralCode({ code: referralCode });
    const created = await this.accounts.createAccount({ ...account, plan });
    if (referralCode) await this.funding.registerReferral({ referredAccountId: created.account.id, code: referralCode });
    return { ...created, plan };
  }

  @ApiResponse({ status: 200, standardSchema: accountsPage })
  @Get('accounts')
  @ApiOperation({ summary: 'All accounts, oldest first, 20 a page; pass nextCursor as `after`' })
  listAccounts(@Query({ schema: pageQuery }) query: z.output<typeof pageQuery>) {
    return this.accounts.listAccounts({ limit: query.limit, ...(query.after ? { after: query.after } : {}) });
  }

  @ApiResponse({ status: 200, standardSchema: accountView })
  @Get('accounts/:accountId')
  account(@Param('accountId', { schema: resourceId('acc') }) accountId: string) {
    return this.accounts.getAccount({ accountId });
  }

  @ApiResponse({ status: 201, standardSchema: newKeyView })
  @Post('accounts/:accountId/api-keys')
  @ApiOperation({ summary: 'Issue an API key for an account (shown once)' })
  issueKey(@Param('accountId', { schema: resourceId('acc') }) accountId: string, @Body({ schema: createApiKeyBody }) body: z.output<typeof createApiKeyBody>) {
    return this.accounts.issueAccountKey({ accountId, ...body });
  }

  @ApiResponse({ status: 201, standardSchema: newKeyView })
  @Post('admin-keys')
  @ApiOperation({ summary: 'Create another platform admin key (shown once)' })
  createAdminKey(@Body({ schema: createAdminKeyBody }) body: z.output<typeof createAdminKeyBody>) {
    return this.accounts.createAdminKey(body);
  }
}
