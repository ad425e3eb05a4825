import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  AccountingDocumentsService,
  CollectionSettingsService,
  ConnectionService,
  CustomerService,
  InvitationService,
  InvoiceImporter,
  InvoiceQueries,
  ProfileService,
} from '@tollgate/invoice-sync';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller, MinRole } from '../http/auth.js';
import {
  accountingBackfillBody,
  collectionSettingsBody,
  connectionSettingsBody,
  connectionsQuery,
  customerPatchBody,
  customersQuery,
  idParam,
  importBody,
  invitationBody,
  invoicesQuery,
  pageQuery,
  profileBody,
  profilePatchBody,
} from './invoice-sync.schemas.js';
import {
  collectionSettingsView,
  connectionView,
  customerView,
  invitationView,
  invoiceEventView,
  invoiceView,
  profileView,
  runView,
} from './invoice-sync.views.js';
import * as answers from './invoice-sync.responses.js';

/**
 * Invoice collection's import side (S-1…S-4, S-8, S-10) for the caller's account. Connecting and
 * disconnecting go through the source plugin (OAuth lives there, e.g.
 * /v1/plugins/source-teamleader/connect); everything after that is here. Members read; changes and
 * imports take an admin or owner key.
 */
@ApiTags('invoice-sync')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/invoice-sync')
export class InvoiceSyncController {
  constructor(
    @Inject(HOST_STATE) private readonly state: HostState,
    @Inject(ConnectionService) private readonly connections: ConnectionService,
    @Inject(ProfileService) private readonly profiles: ProfileService,
    @Inject(CustomerService) private readonly customers: CustomerService,
    @Inject(InvoiceQueries) private readonly invoices: InvoiceQueries,
    @Inject(InvoiceImporter) private readonly importer: InvoiceImporter,
    @Inject(InvitationService) private readonly invitations: InvitationService,
    @Inject(CollectionSettingsService) private readonly collectionSettings: CollectionSettingsService,
    @Inject(AccountingDocumentsService) private readonly accounting: AccountingDocumentsService,
  ) {}

  @ApiResponse({ status: 200, standardSchema: answers.sourcesList })
  @Get('sources')
  @ApiOperation({ summary: 'Invoice sources this host has loaded (source plugins), e.g. teamleader' })
  sources() {
    return { data: this.state.pluginHost.invoiceSources.entries().map((e) => ({ id: e.item.id, label: e.item.label, pluginId: e.pluginId })) };
  }

  // ---- connections --------------------------------------------------------------------------

  @ApiResponse({ status: 200, standardSchema: answers.connectionsList })
  @Get('connections')
  @ApiOperation({ summary: 'The account’s links to invoice sources (connected, reconsent_needed; disconnected on request)' })
  async listConnections(@CurrentCaller() caller: AccountCaller, @Query({ schema: connectionsQuery }) query: z.output<typeof connectionsQuery>) {
    return { data: (await this.connections.list({ accountId: caller.accountId, includeDisconnected: query.includeDisconnected })).map(connectionView) };
  }

  @ApiResponse({ status: 200, standardSchema: answers.connectionView })
  @Get('connections/:id')
  async getConnection(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    return connectionView(await this.connections.get({ accountId: caller.accountId, id }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.connectionView })
  @Patch('connections/:id')
  @MinRole('admin')
  @ApiOperation({ summary: 'Integration settings: default profile, automatic import, the custom field that names a profile (S-1, S-2)' })
  async updateConnection(
    @CurrentCaller() caller: AccountCaller,
    @Param('id', { schema: idParam }) id: string,
    @Body({ schema: connectionSettingsBody }) body: z.output<typeof connectionSettingsBody>,
  ) {
    return connectionView(await this.connections.updateSettings({ accountId: caller.accountId, id, ...body }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.customFieldsList })
  @ApiResponse({ status: 409, description: 'reconsent_needed (connect the source again), connection_not_active (disconnected)' })
  @ApiResponse({ status: 422, description: 'custom_fields_unsupported: the connection’s source lists no custom fields' })
  @ApiResponse({ status: 429, description: 'The source’s rate limit (e.g. teamleader_rate_limited); try again later' })
  @ApiResponse({ status: 503, description: 'The source did not answer (e.g. teamleader_unavailable); try again' })
  @Get('connections/:id/custom-fields')
  @ApiOperation({
    summary:
      'The source’s custom fields for invoices, then for subscriptions, read live (id, label, type, context, and for select fields the options with id and label): pick the invoiceProfileFieldId, the subscriptionProfileFieldId and the profiles’ sourceOptionValue from here (S-2)',
  })
  async listCustomFields(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    return { data: await this.connections.customFields({ accountId: caller.accountId, id }) };
  }

  @ApiResponse({ status: 202, standardSchema: answers.runView })
  @ApiResponse({ status: 409, description: 'connection_not_active, import_running' })
  @ApiResponse({
    status: 422,
    description: 'no_profile_configured: no profile could apply (create one — the first is the default — or set defaultProfileId); no run is made',
  })
  @Post('connections/:id/imports')
  @MinRole('admin')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Manual import of the last N days (default 30): answers 202 with the running run; poll GET /runs/:id. Running it again after an interruption resumes where it stopped.',
  })
  async startImport(
    @CurrentCaller() caller: AccountCaller,
    @Param('id', { schema: idParam }) id: string,
    @Body({ schema: importBody }) body: z.output<typeof importBody>,
  ) {
    return runView(await this.state.invoiceSyncJobs.startImport({ accountId: caller.accountId, connectionId: id, days: body.days }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.accountingBackfill })
  @Post('accounting-backfill')
  @MinRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'P-6: read lines, VAT breakdown, parties and references from the source for imported invoices and credit notes that lack them (imported before the source gave them), at most `limit` per call; run it again until remaining is 0. A document the source cannot give is counted in failed and tried again after the others.',
  })
  async accountingBackfill(@CurrentCaller() caller: AccountCaller, @Body({ schema: accountingBackfillBody }) body: z.output<typeof accountingBackfillBody>) {
    return this.accounting.backfill({ accountId: caller.accountId, limit: body.limit });
  }

  @ApiResponse({ status: 200, standardSchema: answers.runsPage })
  @Get('connections/:id/runs')
  @ApiOperation({ summary: 'Import runs of a connection, newest first, with their summaries (counts, failures with reasons, flags)' })
  async listRuns(
    @CurrentCaller() caller: AccountCaller,
    @Param('id', { schema: idParam }) id: string,
    @Query({ schema: pageQuery }) query: z.output<typeof pageQuery>,
  ) {
    const page = await this.importer.listRuns({
      accountId: caller.accountId,
      connectionId: id,
      limit: query.limit,
      ...(query.before ? { before: query.before } : {}),
    });
    return { data: page.data.map(runView), nextCursor: page.nextCursor };
  }

  @ApiResponse({ status: 200, standardSchema: answers.runView })
  @Get('runs/:id')
  async getRun(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    return runView(await this.importer.getRun({ accountId: caller.accountId, id }));
  }

  // ---- profiles -----------------------------------------------------------------------------

  @ApiResponse({ status: 200, standardSchema: answers.profilesList })
  @Get('profiles')
  @ApiOperation({ summary: 'Collection profiles: payment options (direct debit, payment link, transfer); one is the default (S-2)' })
  async listProfiles(@CurrentCaller() caller: AccountCaller) {
    return { data: (await this.profiles.list({ accountId: caller.accountId })).map(profileView) };
  }

  @ApiResponse({ status: 201, standardSchema: answers.profileView })
  @Post('profiles')
  @MinRole('admin')
  @ApiOperation({ summary: 'Create a profile; the first one becomes the default' })
  async createProfile(@CurrentCaller() caller: AccountCaller, @Body({ schema: profileBody }) body: z.output<typeof profileBody>) {
    return profileView(await this.profiles.create({ accountId: caller.accountId, ...body }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.profileView })
  @Get('profiles/:id')
  async getProfile(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    return profileView(await this.profiles.get({ accountId: caller.accountId, id }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.profileView })
  @Patch('profiles/:id')
  @MinRole('admin')
  async updateProfile(
    @CurrentCaller() caller: AccountCaller,
    @Param('id', { schema: idParam }) id: string,
    @Body({ schema: profilePatchBody }) body: z.output<typeof profilePatchBody>,
  ) {
    const { sourceOptionValue, ...rest } = body;
    return profileView(await this.profiles.update({ accountId: caller.accountId, id, ...rest, ...(sourceOptionValue !== undefined && { sourceOptionValue }) }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.profileDeleted })
  @ApiResponse({ status: 409, description: 'profile_in_use' })
  @Delete('profiles/:id')
  @MinRole('admin')
  @ApiOperation({ summary: 'Delete a profile no invoice, customer or connection uses (409 profile_in_use otherwise)' })
  async deleteProfile(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    await this.profiles.delete({ accountId: caller.accountId, id });
    return { deleted: true, id };
  }

  // ---- customers ----------------------------------------------------------------------------

  @ApiResponse({ status: 200, standardSchema: answers.customersPage })
  @Get('customers')
  @ApiOperation({ summary: 'Imported customers (customer number = the source’s id, S-4), by name' })
  async listCustomers(@CurrentCaller() caller: AccountCaller, @Query({ schema: customersQuery }) query: z.output<typeof customersQuery>) {
    const page = await this.customers.list({ accountId: caller.accountId, limit: query.limit, ...pick(query, ['connectionId', 'search', 'before']) });
    return { data: page.data.map(customerView), nextCursor: page.nextCursor };
  }

  @ApiResponse({ status: 200, standardSchema: answers.customerView })
  @Get('customers/:id')
  async getCustomer(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    return customerView(await this.customers.get({ accountId: caller.accountId, id }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.customerView })
  @Patch('customers/:id')
  @MinRole('admin')
  @ApiOperation({ summary: 'Local changes: the customer’s profile, or its number (reset to the source id by the next import)' })
  async updateCustomer(
    @CurrentCaller() caller: AccountCaller,
    @Param('id', { schema: idParam }) id: string,
    @Body({ schema: customerPatchBody }) body: z.output<typeof customerPatchBody>,
  ) {
    return customerView(await this.customers.update({ accountId: caller.accountId, id, ...pick(body, ['customerNumber', 'profileId']) }));
  }

  // ---- invoices -----------------------------------------------------------------------------

  @ApiResponse({ status: 200, standardSchema: answers.invoicesPage })
  @Get('invoices')
  @ApiOperation({ summary: 'Imported invoices and credit notes, newest issue date first; filter by status, kind, customer, number, issue date' })
  async listInvoices(@CurrentCaller() caller: AccountCaller, @Query({ schema: invoicesQuery }) query: z.output<typeof invoicesQuery>) {
    const page = await this.invoices.listInvoices({
      accountId: caller.accountId,
      limit: query.limit,
      ...pick(query, ['status', 'kind', 'customerId', 'number', 'from', 'to', 'before', 'pdfAvailable']),
    });
    return { data: page.data.map(invoiceView), nextCursor: page.nextCursor };
  }

  @ApiResponse({ status: 200, standardSchema: answers.invoiceWithEvents })
  @Get('invoices/:id')
  @ApiOperation({ summary: 'One invoice or credit note with its event log (imported, updated, credit_linked, customer_reset, …)' })
  async getInvoice(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    const { events, ...invoice } = await this.invoices.getInvoice({ accountId: caller.accountId, id });
    return { ...invoiceView(invoice), events: events.map(invoiceEventView) };
  }

  // ---- invitations (S-7) --------------------------------------------------------------------

  @ApiResponse({ status: 200, standardSchema: answers.invitationState })
  @Get('invoices/:id/invitation')
  @ApiOperation({ summary: 'The invoice’s invitation e-mail: queued, sent or failed (with the reason); `{ invitation: null }` when none yet' })
  async getInvitation(@CurrentCaller() caller: AccountCaller, @Param('id', { schema: idParam }) id: string) {
    const invitation = await this.invitations.get({ accountId: caller.accountId, invoiceId: id });
    return { invitation: invitation ? invitationView(invitation) : null };
  }

  @ApiResponse({ status: 202, standardSchema: answers.invitationState })
  @ApiResponse({
    status: 409,
    description: 'invitation_already_sent (queued or sent, by hand or automatically: never twice), pdf_not_available (the PDF is not in the file store yet)',
  })
  @ApiResponse({
    status: 422,
    description: 'invitation_not_possible: a credit note, a paid invoice, no customer e-mail, a transfer without IBAN, or no payment option that applies',
  })
  @Post('invoices/:id/invitation')
  @MinRole('admin')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'E-mail the invoice to its customer now (S-7), PDF attached, with the profile’s payment options; answers 202 once it is queued. A failed invitation is sent again; a queued or sent one never.',
  })
  async sendInvitation(
    @CurrentCaller() caller: AccountCaller,
    @Param('id', { schema: idParam }) id: string,
    @Body({ schema: invitationBody }) _body: z.output<typeof invitationBody>,
  ) {
    return { invitation: invitationView(await this.invitations.sendNow({ accountId: caller.accountId, invoiceId: id })) };
  }

  @ApiResponse({ status: 200, standardSchema: answers.collectionSettings })
  @Get('collection-settings')
  @ApiOperation({ summary: 'The account’s transfer details shown in invitations: IBAN, BIC, beneficiary (all null until set)' })
  async getCollectionSettings(@CurrentCaller() caller: AccountCaller) {
    return collectionSettingsView(await this.collectionSettings.get({ accountId: caller.accountId }));
  }

  @ApiResponse({ status: 200, standardSchema: answers.collectionSettings })
  @Put('collection-settings')
  @MinRole('admin')
  @ApiOperation({ summary: 'Replace the transfer details; the IBAN is checked (400 invalid_iban), and the BIC (400 invalid_bic)' })
  async putCollectionSettings(@CurrentCaller() caller: AccountCaller, @Body({ schema: collectionSettingsBody }) body: z.output<typeof collectionSettingsBody>) {
    return collectionSettingsView(await this.collectionSettings.put({ accountId: caller.accountId, ...body }));
  }
}

/** The given keys whose value is not undefined (exactOptionalPropertyTypes). */
function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): { [P in K]?: Exclude<T[P], undefined> } {
  const out: { [P in K]?: Exclude<T[P], undefined> } = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key] as Exclude<T[K], undefined>;
  return out;
}
