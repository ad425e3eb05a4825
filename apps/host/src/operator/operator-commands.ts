import { migrate, type Database } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import { eventMigrations, type WebhookEndpoints } from '@tollgate/events';
import { fundingMigrations, type FundingService } from '@tollgate/funding';
import { invoiceSyncMigrations, type InvoiceImporter } from '@tollgate/invoice-sync';
import { notificationMigrations } from '@tollgate/notifications';
import { checkInvariants, walletMigrations } from '@tollgate/wallet';
import { walletAlertMigrations } from '@tollgate/wallet-alerts';
import { walletInvoiceMigrations } from '@tollgate/wallet-invoices';
import { z } from 'zod';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { SessionsService } from '../sessions/sessions.service.js';
import { MIN_PASSWORD_LENGTH } from '../sessions/sessions.service.js';
import { hostMigrations } from '../accounts/host.migrations.js';
import { ROLES } from '../accounts/roles.js';
import { autoRefillView, paymentMethodView, purchaseView, refundView } from '../funding/funding.views.js';
import type { TollgateHost } from '../create-host.js';
import type { AccountPlans } from '../plans/account-plans.js';
import { accountPlanView, planDefinitionView } from '../plans/plans.views.js';
import type { InvoiceSyncJobs } from '../invoice-sync/invoice-sync-jobs.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import type { OperatorResult } from './operator-client.js';
import { webhookCommands } from './webhook-commands.js';

/**
 * What an operator command runs on: the database and the core services, and (for `needs: 'host'`)
 * the started plugins. The CLI builds it itself when no host runs, or a running host serves it
 * over its operator socket (operator-socket.ts), so both paths run this very code.
 */
export interface OperatorContext {
  db: Database;
  accounts: AccountsService;
  /** Passwords of people (the dashboard's sign-in). */
  sessions: SessionsService;
  funding: FundingService;
  /** Accounts' plans (W-11). */
  plans: AccountPlans;
  importer: InvoiceImporter;
  pluginHost: PluginHost;
  /** Events out: the accounts' webhook endpoints (and the parked handler deliveries). */
  events: { endpoints: WebhookEndpoints };
  /** Only where the plugins are started (`needs: 'host'`). */
  invoiceSyncJobs?: InvoiceSyncJobs;
  /** A running host's event round: kicked after a replay or an enable, so the deliveries go now (else on its next poll). */
  eventJobs?: { kick(): void };
}

export type { OperatorResult } from './operator-client.js';

/** The context of a started host: its plugins running, its invoice-sync jobs too. */
export function hostOperatorContext(host: TollgateHost): OperatorContext {
  return {
    db: host.db,
    accounts: host.accounts,
    sessions: host.sessions,
    funding: host.funding,
    plans: host.plans,
    importer: host.invoiceSync.importer,
    pluginHost: host.pluginHost,
    events: host.events,
    invoiceSyncJobs: host.invoiceSync.jobs,
    eventJobs: host.events.jobs,
  };
}

export interface OperatorCommand<S extends z.ZodType = z.ZodType> {
  /** 'database': core services only (fast); 'host': payment providers and invoice sources started. */
  needs: 'database' | 'host';
  input: S;
  run(ctx: OperatorContext, input: z.output<S>): Promise<OperatorResult>;
}

const define = <S extends z.ZodType>(command: OperatorCommand<S>): OperatorCommand => command as unknown as OperatorCommand;

const accountId = z.string().min(1).max(100);
const key = z.string().min(1).max(200);
const locale = z.enum(['nl', 'fr', 'en', 'de']);
const email = z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'not an e-mail address');

export async function migrateAll(input: { db: Database; pluginHost: PluginHost }) {
  return migrate({
    db: input.db,
    sets: [
      hostMigrations,
      walletMigrations,
      walletAlertMigrations,
      eventMigrations,
      fundingMigrations,
      notificationMigrations,
      walletInvoiceMigrations,
      invoiceSyncMigrations,
      ...input.pluginHost.migrationSets({ db: input.db }),
    ],
  });
}

function needsHost(ctx: OperatorContext): InvoiceSyncJobs {
  if (!ctx.invoiceSyncJobs) throw new Error('this command needs the started plugins');
  return ctx.invoiceSyncJobs;
}

async function onlyConnection(db: Database, accountId: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(`select id from sync_connections where account_id = $1 and status <> 'disconnected'`, [accountId]);
  if (rows.length !== 1)
    throw new ValidationError({ code: 'connection_required', message: `The account has ${rows.length} connections: name one with --connection.` });
  return rows[0]!.id;
}

/** Every operator command, by name (`accounts.create` is `tollgate accounts create`). */
export const operatorCommands: Record<string, OperatorCommand> = {
  migrate: define({
    needs: 'database',
    input: z.object({}),
    run: async (ctx) => {
      const migrated = await migrateAll(ctx);
      return { output: { ok: true, applied: migrated.applied, moved: migrated.moved } };
    },
  }),
  'accounts.create': define({
    needs: 'database',
    input: z.object({
      name: z.string().min(1).max(200),
      ownerEmail: email,
      ownerName: z.string().min(1).max(200),
      locale,
      timeZone: z.string().min(1).max(100),
      plan: z.string().min(1).max(40).optional(),
    }),
    run: async (ctx, i) => {
      // An unknown plan is refused before the account is made.
      const plan = ctx.plans.directory.require({ id: i.plan ?? ctx.plans.directory.defaultPlan }).id;
      const created = await ctx.accounts.createAccount({
        name: i.name,
        locale: i.locale,
        timeZone: i.timeZone,
        owner: { email: i.ownerEmail, name: i.ownerName },
        plan,
      });
      return { output: { ...created, plan } };
    },
  }),
  'users.set-password': define({
    needs: 'database',
    input: z.object({ account: accountId, email, password: z.string().min(MIN_PASSWORD_LENGTH).max(1024) }),
    run: async (ctx, i) => {
      const { userId } = await ctx.sessions.setPassword({ accountId: i.account, email: i.email, password: i.password });
      return { output: { ok: true, accountId: i.account, userId, email: i.email.toLowerCase(), sessionsEnded: true } };
    },
  }),
  'accounts.plan': define({
    needs: 'database',
    input: z.object({ accountId }),
    run: async (ctx, i) => {
      const plan = await ctx.plans.require({ accountId: i.accountId });
      return { output: accountPlanView(i.accountId, plan, await ctx.plans.history({ accountId: i.accountId })) };
    },
  }),
  'accounts.set-plan': define({
    needs: 'database',
    input: z.object({ accountId, plan: z.string().min(1).max(40) }),
    run: async (ctx, i) => {
      const moved = await ctx.plans.move({ accountId: i.accountId, plan: i.plan, changedBy: 'cli' });
      return { output: { ...accountPlanView(i.accountId, moved.plan, await ctx.plans.history({ accountId: i.accountId })), changed: moved.changed } };
    },
  }),
  'plans.list': define({
    needs: 'database',
    input: z.object({}),
    run: async (ctx) => ({ output: ctx.plans.directory.list().map((p) => planDefinitionView(p, ctx.plans.directory.defaultPlan)) }),
  }),
  'accounts.list': define({
    needs: 'database',
    input: z.object({ limit: z.number().int().min(1).max(100) }),
    run: async (ctx, i) => ({ output: await ctx.accounts.listAccounts({ limit: i.limit }) }),
  }),
  'api-keys.create': define({
    needs: 'database',
    input: z.object({ account: accountId, name: z.string().min(1).max(200), role: z.enum(ROLES) }),
    run: async (ctx, i) => ({ output: await ctx.accounts.issueAccountKey({ accountId: i.account, name: i.name, role: i.role }) }),
  }),
  'admin-keys.create': define({
    needs: 'database',
    input: z.object({ name: z.string().min(1).max(200) }),
    run: async (ctx, i) => ({ output: await ctx.accounts.createAdminKey({ name: i.name }) }),
  }),
  'wallet.check': define({
    needs: 'database',
    input: z.object({}),
    run: async (ctx) => {
      const report = await checkInvariants({ db: ctx.db });
      return { output: report, problems: report.ok ? [] : report.problems.map((p) => `wallet check: ${p.check}: ${p.detail}`) };
    },
  }),
  'funding.packs': define({
    needs: 'database',
    input: z.object({}),
    run: async (ctx) => ({ output: { packs: ctx.funding.packs().map((p) => p.toString()), refundFee: ctx.funding.options.refundFee.toString() } }),
  }),
  'funding.purchases': define({
    needs: 'database',
    input: z.object({ account: accountId }),
    run: async (ctx, i) => ({ output: (await ctx.funding.listPurchases({ accountId: i.account })).data.map(purchaseView) }),
  }),
  'funding.auto-refill': define({
    needs: 'database',
    input: z.object({ account: accountId }),
    run: async (ctx, i) => ({ output: autoRefillView(await ctx.funding.getAutoRefill({ accountId: i.account })) }),
  }),
  'funding.set-auto-refill': define({
    needs: 'database',
    input: z.object({ account: accountId, minimum: z.string(), pack: z.string(), method: z.string(), off: z.boolean().optional() }),
    run: async (ctx, i) => ({
      output: autoRefillView(
        await ctx.funding.setAutoRefill({ accountId: i.account, enabled: !i.off, minimum: i.minimum, pack: i.pack, paymentMethodId: i.method }),
      ),
    }),
  }),
  'funding.methods': define({
    needs: 'database',
    input: z.object({ account: accountId }),
    run: async (ctx, i) => ({ output: (await ctx.funding.listPaymentMethods({ accountId: i.account })).map(paymentMethodView) }),
  }),
  'funding.add-mandate': define({
    needs: 'host',
    input: z.object({
      account: accountId,
      iban: z.string(),
      holder: z.string(),
      bic: z.string().optional(),
      signatureDate: z.string().optional(),
      key,
    }),
    run: async (ctx, i) => ({
      output: paymentMethodView(
        await ctx.funding.addPaymentMethod({
          accountId: i.account,
          providerId: 'payments-sepa',
          kind: 'sepa_direct_debit',
          details: { iban: i.iban, holder: i.holder, ...(i.bic ? { bic: i.bic } : {}), ...(i.signatureDate ? { signatureDate: i.signatureDate } : {}) },
          idempotencyKey: `cli:${i.key}`,
        }),
      ),
    }),
  }),
  'funding.buy': define({
    needs: 'host',
    input: z.object({ account: accountId, amount: z.string(), method: z.string(), key }),
    run: async (ctx, i) => ({
      output: purchaseView((await ctx.funding.buy({ accountId: i.account, amount: i.amount, paymentMethodId: i.method, idempotencyKey: `cli:${i.key}` }))!),
    }),
  }),
  'funding.sweep': define({
    needs: 'host',
    input: z.object({}),
    run: async (ctx) => ({ output: await ctx.funding.sweep() }),
  }),
  'funding.referral-code': define({
    needs: 'database',
    input: z.object({ account: accountId }),
    run: async (ctx, i) => {
      const r = await ctx.funding.referralCode({ accountId: i.account });
      return { output: { code: r.code, referred: r.referred, rewarded: r.rewarded, creditPerReferral: r.credit.toString() } };
    },
  }),
  'funding.refund': define({
    needs: 'database',
    input: z.object({ account: accountId, credits: z.string(), key }),
    run: async (ctx, i) => ({
      output: refundView(await ctx.funding.requestRefund({ accountId: i.account, credits: i.credits, idempotencyKey: `cli:${i.key}`, requestedBy: 'cli' })),
    }),
  }),
  'funding.refunds.list': define({
    needs: 'database',
    input: z.object({ status: z.enum(['requested', 'paid']).optional() }),
    run: async (ctx, i) => ({ output: (await ctx.funding.listRefunds(i.status ? { status: i.status } : {})).map(refundView) }),
  }),
  'funding.refunds.mark-paid': define({
    needs: 'database',
    input: z.object({ refundId: z.string().min(1), reference: z.string().min(1) }),
    run: async (ctx, i) => ({ output: refundView(await ctx.funding.markRefundPaid({ refundId: i.refundId, reference: i.reference })) }),
  }),
  'invoice-sync.import': define({
    needs: 'host',
    input: z.object({ account: accountId, connection: z.string().optional(), days: z.number().int().min(1).max(3650) }),
    run: async (ctx, i) => {
      const connectionId = i.connection ?? (await onlyConnection(ctx.db, i.account));
      return { output: await ctx.importer.importRecent({ accountId: i.account, connectionId, days: i.days }) };
    },
  }),
  'invoice-sync.sweep': define({
    needs: 'host',
    input: z.object({}),
    run: async (ctx) => ({ output: await needsHost(ctx).runOnce() }),
  }),
  'invoice-sync.runs': define({
    needs: 'database',
    input: z.object({ connection: z.string().min(1), limit: z.number().int().min(1).max(100) }),
    run: async (ctx, i) => ({ output: (await ctx.importer.listRuns({ connectionId: i.connection, limit: i.limit })).data }),
  }),
  ...webhookCommands,
};

/** Validates a command's input (the socket takes JSON from outside the process) and runs it. */
export async function runOperatorCommand(input: { ctx: OperatorContext; name: string; input: unknown }): Promise<OperatorResult> {
  const command = operatorCommands[input.name];
  if (!command) throw new ValidationError({ code: 'unknown_command', message: `Unknown operator command ${JSON.stringify(input.name)}.` });
  const parsed = command.input.safeParse(input.input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue?.path[0] ?? 'input').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new ValidationError({
      message: `--${flag}: ${issue?.message ?? 'invalid'}`,
      details: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })),
    });
  }
  return command.run(input.ctx, parsed.data);
}
