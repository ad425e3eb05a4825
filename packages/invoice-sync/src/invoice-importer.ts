import { recordEvent } from '@tollgate/events';
import type { EventOutcome, HandledEvent } from '@tollgate/plugin-sdk';
import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, pgArray, sqlStateOf, type Database, type Queryable, type Transaction } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import { Money } from '@tollgate/money';
import { EventEmitter } from 'eventemitter3';
import { inject, injectable } from 'tsyringe';
import { storeAccountingDetails } from './accounting-documents.service.js';
import { ConnectionService } from './connection.service.js';
import { collectionBlockedReasonFor } from './invoice-collectability.js';
import { CustomerService } from './customer.service.js';
import type {
  InvoiceSource,
  SourceConnection,
  SourceCustomer,
  SourceCustomerType,
  SourceCustomField,
  SourceDocument,
  SourceDocumentKind,
  SourceEvent,
  SourceSubscription,
} from './invoice-source.js';
import { ConnectionNotActiveError, ImportRunningError, NoProfileConfiguredError, RunNotFoundError, UnknownSourceError } from './invoice-sync.errors.js';
import {
  INVOICE_SOURCES,
  INVOICE_SYNC_OPTIONS,
  type Connection,
  type Customer,
  type ImportRun,
  type InvoiceSourceDirectory,
  type InvoiceSyncEvents,
  type InvoiceSyncOptions,
  type RunFailure,
  type RunTrigger,
} from './invoice-sync.types.js';
import { invoiceView, newId, runView, type Row } from './invoice-sync.views.js';

type Outcome = 'new' | 'updated' | 'ignored' | { failed: string };

export type { EventOutcome, HandledEvent } from '@tollgate/plugin-sdk';

interface RunState {
  connection: Connection;
  source: InvoiceSource;
  ref: SourceConnection;
  run: ImportRun;
  zeroDay: Map<string, string>;
  subscriptions: Map<string, SourceSubscription | null>;
  /** Each profile field's options (id and label) by field id, read from the source once per run when a value needs them. */
  fieldOptions: Map<string, Promise<Array<{ id: string; label: string }>>>;
  /** Customers read in this run (`type:id`): a page's batch, or one getCustomer; each is read once per run (issue 14 A8). */
  customers: Map<string, Promise<SourceCustomer | null>>;
}

/** Another writer inserted the same document between our read and our insert: go round again. */
class RaceLost extends Error {}

const blank = (value: string | null | undefined): value is null | undefined => value === null || value === undefined || value.trim() === '';

/**
 * Display number rule (S-10 and one number per account): credit notes get "CN" in front unless the
 * source number already starts with it. When another department already holds that number in the
 * account, the later document gets the department's short code (first 8 characters of its id) in
 * front ("5e90eb0a-2026 / 12"), then the full department id, then the source id in brackets. A
 * credit note keeps "CN" first even then: the code goes after it ("CN5e90eb0a-2026 / 2", S-10).
 */
export function displayNumberCandidates(doc: Pick<SourceDocument, 'kind' | 'number' | 'departmentId' | 'sourceId'>): string[] {
  if (doc.kind === 'credit_note') {
    const rest = doc.number.replace(/^CN\s*/i, '');
    const base = /^CN/i.test(doc.number) ? doc.number : `CN${doc.number}`;
    return [...new Set([base, `CN${doc.departmentId.slice(0, 8)}-${rest}`, `CN${doc.departmentId}-${rest}`, `${base} (${doc.sourceId})`])];
  }
  const base = doc.number;
  return [...new Set([base, `${doc.departmentId.slice(0, 8)}-${base}`, `${doc.departmentId}-${base}`, `${base} (${doc.sourceId})`])];
}

/**
 * Imports booked invoices and credit notes from a source (S-3, S-4, S-8, S-10): manual imports of
 * the last N days, sweeps of recent changes, and single documents named by webhooks. Documents are
 * keyed by (connection, kind, source id), so a replay, a race between a webhook and a sweep, or two
 * hosts updates the one row. A run saves its cursor after each page; an interrupted run is resumed
 * by the next run for the same request.
 */
@injectable()
export class InvoiceImporter {
  readonly events = new EventEmitter<InvoiceSyncEvents>();
  readonly #pageSize: number;
  readonly #overlapMs: number;
  readonly #initialDays: number;
  readonly #staleMs: number;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(INVOICE_SOURCES) private readonly sources: InvoiceSourceDirectory,
    @inject(ConnectionService) private readonly connections: ConnectionService,
    @inject(CustomerService) private readonly customers: CustomerService,
    @inject(INVOICE_SYNC_OPTIONS) options: InvoiceSyncOptions = {},
  ) {
    this.#pageSize = options.pageSize ?? 100;
    this.#overlapMs = (options.sweepOverlapMinutes ?? 5) * 60_000;
    this.#initialDays = options.sweepInitialDays ?? 30;
    this.#staleMs = (options.staleRunMinutes ?? 15) * 60_000;
  }

  /** S-3 manual import: every booked document issued in the last `days` days. Refused while another import runs. */
  async importRecent(input: { connectionId: string; accountId?: string; days?: number; trigger?: 'manual' }): Promise<ImportRun> {
    return (await this.startRecent(input)).done;
  }

  /**
   * The same, for an API: resolves once the run is stored (status running) and refusals are known;
   * `done` resolves when it ends (a long import runs at the source's rate limit); a source
   * failure ends it as interrupted, so `done` rejects only when the database fails.
   */
  async startRecent(input: { connectionId: string; accountId?: string; days?: number }): Promise<{ run: ImportRun; done: Promise<ImportRun> }> {
    const days = input.days ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 3660)
      throw new ValidationError({ code: 'invalid_days', message: 'days must be a whole number from 1 to 3660.' });
    const connection = await this.connections.get({ id: input.connectionId, accountId: input.accountId });
    if (connection.status !== 'connected') throw new ConnectionNotActiveError({ connectionId: connection.id, status: connection.status });
    await this.#requireProfile(connection);
    const issuedSince = new Date(this.clock.now().getTime() - days * 86_400_000).toISOString().slice(0, 10);
    const state = await this.#start(connection, 'manual', { issuedSince, updatedSince: null });
    if (!state) throw new ImportRunningError(connection.id);
    const run = { ...state.run, counts: { ...state.run.counts }, failures: [...state.run.failures] };
    return { run, done: this.#page(state, { issuedSince }) };
  }

  /**
   * S-3 polling fallback: documents changed since the last sweep's high-water mark (minus an
   * overlap). Skipped while another import runs, when the connection does not import automatically,
   * and while the account has no profile.
   */
  async sweep(input: {
    connectionId: string;
  }): Promise<{ run: ImportRun | null; skipped?: 'running' | 'auto_import_off' | 'not_connected' | 'no_profile_configured' }> {
    const connection = await this.connections.get({ id: input.connectionId });
    if (connection.status !== 'connected') return { run: null, skipped: 'not_connected' };
    if (!connection.autoImport) return { run: null, skipped: 'auto_import_off' };
    // Like a manual import: nothing could get a profile, so no run (and no summary mail every sweep).
    if (!(await this.#hasProfile(connection))) return { run: null, skipped: 'no_profile_configured' };
    const { rows } = await this.db.query<{ high_water: Date }>(
      `select high_water from sync_import_runs where connection_id = $1 and trigger = 'sweep' and status = 'completed' and high_water is not null
        order by seq desc limit 1`,
      [connection.id],
    );
    // The mark is the last completed sweep's own start (our clock): a source clock ahead of ours
    // cannot push it past changes made later (issue 14 A7).
    const mark = rows[0]?.high_water ?? new Date(this.clock.now().getTime() - this.#initialDays * 86_400_000);
    const updatedSince = new Date(mark.getTime() - this.#overlapMs);
    const state = await this.#start(connection, 'sweep', { issuedSince: null, updatedSince });
    if (!state) return { run: null, skipped: 'running' };
    return { run: await this.#page(state, { updatedSince }, () => this.#refreshChangedCustomers(state, updatedSince)) };
  }

  /** One document, e.g. named by a webhook: fetched with getDocument and imported like any other. */
  async importOne(input: { connectionId: string; kind: SourceDocumentKind; sourceId: string; trigger?: RunTrigger }): Promise<ImportRun> {
    const connection = await this.connections.get({ id: input.connectionId });
    if (connection.status !== 'connected') throw new ConnectionNotActiveError({ connectionId: connection.id, status: connection.status });
    const state = await this.#start(connection, input.trigger ?? 'webhook', { issuedSince: null, updatedSince: null });
    if (!state) throw new ImportRunningError(connection.id);
    try {
      const doc = await state.source.getDocument({ connection: state.ref, kind: input.kind, sourceId: input.sourceId });
      if (doc) this.#count(state, doc, await this.#importDocument(state, doc));
      else this.#count(state, { sourceId: input.sourceId, kind: input.kind }, { failed: 'not_found' });
      return await this.#finish(state, 'completed', null);
    } catch (error) {
      return this.#finish(state, 'failed', messageOf(error));
    }
  }

  /** S-4: customer data follows the source (one way); a locally changed number is reset. Unknown customers wait for their first invoice. */
  async refreshCustomer(input: { connectionId: string; type: SourceCustomerType; sourceId: string }): Promise<Customer | null> {
    const connection = await this.connections.get({ id: input.connectionId });
    const source = this.#source(connection);
    const known = await this.db.query('select id from sync_customers where connection_id = $1 and source_type = $2 and source_id = $3', [
      connection.id,
      input.type,
      input.sourceId,
    ]);
    if (!known.rows[0]) return null;
    const customer = await source.getCustomer({ connection: toRef(connection), type: input.type, sourceId: input.sourceId });
    if (!customer) return null;
    return this.db.transaction(
      async (tx) => (await this.customers.syncFromSource(tx, { accountId: connection.accountId, connectionId: connection.id, customer })).customer,
    );
  }

  /** S-8: re-reads a subscription; reports whether its payment term is 0 days. */
  async refreshSubscription(input: { connectionId: string; sourceId: string }): Promise<{ subscription: SourceSubscription; zeroDayTerm: boolean } | null> {
    const connection = await this.connections.get({ id: input.connectionId });
    const subscription = await this.#source(connection).getSubscription({ connection: toRef(connection), sourceId: input.sourceId });
    return subscription ? { subscription, zeroDayTerm: subscription.paymentTermDays === 0 } : null;
  }

  /**
   * Webhook deliveries, already verified and parsed by the source plugin. Each event id is handled
   * once (replays are `duplicate`); an unknown source account is reported, not thrown; a failed
   * event is not remembered, so the source's retry tries again.
   */
  async handleEvents(input: { sourceId?: string; events: readonly SourceEvent[] }): Promise<{ results: HandledEvent[] }> {
    const results: HandledEvent[] = [];
    for (const event of input.events) {
      const base = { eventId: event.eventId ?? null, type: event.type, sourceAccountId: event.sourceAccountId, sourceId: event.sourceId };
      const connection = await this.connections.findBySourceAccount({ sourceAccountId: event.sourceAccountId, sourceId: input.sourceId });
      if (!connection) {
        results.push({ ...base, outcome: 'unknown_account' });
        continue;
      }
      if (event.eventId) {
        const seen = await this.db.query('select 1 from sync_source_events where connection_id = $1 and event_id = $2', [connection.id, event.eventId]);
        if (seen.rows[0]) {
          results.push({ ...base, outcome: 'duplicate' });
          continue;
        }
      }
      let handled: HandledEvent;
      if (connection.status !== 'connected' || !connection.autoImport) handled = { ...base, outcome: 'auto_import_off' };
      else {
        try {
          handled = { ...base, ...(await this.#handleOne(connection, event)) };
        } catch (error) {
          handled = { ...base, outcome: 'failed', reason: messageOf(error) };
        }
      }
      results.push(handled);
      if (event.eventId && handled.outcome !== 'failed') {
        await this.db.query(
          `insert into sync_source_events (connection_id, event_id, type, outcome, received_at) values ($1, $2, $3, $4, $5) on conflict do nothing`,
          [connection.id, event.eventId, event.type, handled.outcome, this.clock.now()],
        );
      }
    }
    return { results };
  }

  async listRuns(input: {
    accountId?: string;
    connectionId: string;
    limit?: number;
    before?: string;
  }): Promise<{ data: ImportRun[]; nextCursor: string | null }> {
    await this.connections.get({ id: input.connectionId, accountId: input.accountId });
    const limit = Math.min(Math.max(input.limit ?? 20, 1), 200);
    const { rows } = await this.db.query<Row>(
      `select * from sync_import_runs where connection_id = $1
          and ($2::text is null or seq < (select seq from sync_import_runs where id = $2))
        order by seq desc limit $3`,
      [input.connectionId, input.before ?? null, limit + 1],
    );
    const data = rows.slice(0, limit).map(runView);
    return { data, nextCursor: rows.length > limit ? data.at(-1)!.id : null };
  }

  async getRun(input: { accountId?: string; id: string }): Promise<ImportRun> {
    const { rows } = await this.db.query<Row>(
      `select r.* from sync_import_runs r join sync_connections c on c.id = r.connection_id where r.id = $1 and ($2::text is null or c.account_id = $2)`,
      [input.id, input.accountId ?? null],
    );
    if (!rows[0]) throw new RunNotFoundError(input.id);
    return runView(rows[0]);
  }

  /**
   * Refuses an import no document could get a profile in (422 no_profile_configured), before a run
   * exists: without any profile of the account there is no default, no connection default and
   * nothing a profile field could select.
   */
  async #requireProfile(connection: Connection): Promise<void> {
    if (!(await this.#hasProfile(connection))) throw new NoProfileConfiguredError({ connectionId: connection.id, accountId: connection.accountId });
  }

  async #hasProfile(connection: Connection): Promise<boolean> {
    const { rows } = await this.db.query('select 1 from sync_profiles where account_id = $1 limit 1', [connection.accountId]);
    return rows.length > 0;
  }

  // ---- runs -----------------------------------------------------------------------------------

  async #handleOne(connection: Connection, event: SourceEvent): Promise<{ outcome: EventOutcome; reason?: string; runId?: string }> {
    switch (event.type) {
      case 'document.booked':
      case 'document.updated': {
        const run = await this.importOne({ connectionId: connection.id, kind: event.kind ?? 'invoice', sourceId: event.sourceId, trigger: 'webhook' });
        if (run.status === 'failed') return { outcome: 'failed', reason: run.error ?? 'failed', runId: run.id };
        const outcome: EventOutcome = run.counts.new ? 'new' : run.counts.updated ? 'updated' : run.counts.failed ? 'failed' : 'ignored';
        return { outcome, runId: run.id, ...(run.failures[0] ? { reason: run.failures[0].reason } : {}) };
      }
      case 'document.deleted': {
        // Kept (payments may refer to it); the deletion is logged on the invoice.
        const { rows } = await this.db.query<{ id: string }>('select id from sync_invoices where connection_id = $1 and kind = $2 and source_id = $3', [
          connection.id,
          event.kind ?? 'invoice',
          event.sourceId,
        ]);
        if (!rows[0]) return { outcome: 'not_found' };
        await this.db.query(`insert into sync_invoice_events (invoice_id, at, type, detail) values ($1, $2, 'source_deleted', '{}')`, [
          rows[0].id,
          this.clock.now(),
        ]);
        return { outcome: 'updated' };
      }
      case 'customer.updated': {
        const customer = await this.refreshCustomer({ connectionId: connection.id, type: event.customerType ?? 'company', sourceId: event.sourceId });
        return { outcome: customer ? 'refreshed' : 'not_found' };
      }
      case 'subscription.updated': {
        const refreshed = await this.refreshSubscription({ connectionId: connection.id, sourceId: event.sourceId });
        if (!refreshed) return { outcome: 'not_found' };
        return { outcome: 'refreshed', ...(refreshed.zeroDayTerm ? { reason: 'zero_day_payment_term' } : {}) };
      }
    }
  }

  async #start(connection: Connection, trigger: RunTrigger, request: { issuedSince: string | null; updatedSince: Date | null }): Promise<RunState | null> {
    const source = this.#source(connection);
    const now = this.clock.now();
    let cursor: string | null = null;
    let resumedFrom: string | null = null;
    // A sweep's mark is its own start; other runs record the latest change they saw.
    let highWater: Date | null = trigger === 'sweep' ? now : null;
    if (trigger !== 'webhook') {
      // A host that died mid-run leaves it 'running': taken as interrupted once its heartbeat is old.
      await this.db.query(
        `update sync_import_runs set status = 'interrupted', error = 'heartbeat lost', finished_at = $2 where connection_id = $1 and status = 'running' and trigger <> 'webhook' and heartbeat_at < $3`,
        [connection.id, now, new Date(now.getTime() - this.#staleMs)],
      );
      const { rows } = await this.db.query<Row>(
        `select * from sync_import_runs where connection_id = $1 and trigger = $2 and status <> 'running' order by seq desc limit 1`,
        [connection.id, trigger],
      );
      const last = rows[0] ? runView(rows[0]) : null;
      if (last?.status === 'interrupted' && last.issuedSince === request.issuedSince && last.updatedSince?.getTime() === request.updatedSince?.getTime()) {
        cursor = last.cursor;
        resumedFrom = last.id;
        // A resumed sweep keeps the interrupted one's start: changes made while its first pages were read stay in view.
        if (trigger === 'sweep') highWater = last.highWater ?? highWater;
        else if (last.highWater && (!highWater || last.highWater > highWater)) highWater = last.highWater;
      }
    }
    const { rows } = await this.db.query<Row>(
      `insert into sync_import_runs (id, connection_id, trigger, issued_since, updated_since, resumed_from, cursor, status, high_water, started_at, heartbeat_at)
       values ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9, $9) on conflict do nothing returning *`,
      [newId('run'), connection.id, trigger, request.issuedSince, request.updatedSince, resumedFrom, cursor, highWater, now],
    );
    if (!rows[0]) return null;
    return {
      connection,
      source,
      ref: toRef(connection),
      run: runView(rows[0]),
      zeroDay: new Map(),
      subscriptions: new Map(),
      fieldOptions: new Map(),
      customers: new Map(),
    };
  }

  async #page(state: RunState, filter: { issuedSince?: string; updatedSince?: Date }, after?: () => Promise<void>): Promise<ImportRun> {
    try {
      for (;;) {
        const page = await state.source.listDocuments({ connection: state.ref, ...filter, cursor: state.run.cursor, pageSize: this.#pageSize });
        for (const customer of page.customers ?? []) state.customers.set(customerKey(customer.type, customer.sourceId), Promise.resolve(customer));
        for (const doc of page.documents) this.#count(state, doc, await this.#importDocument(state, doc));
        state.run.cursor = page.nextCursor;
        await this.#save(state);
        if (!page.nextCursor) {
          await after?.();
          return await this.#finish(state, 'completed', null);
        }
      }
    } catch (error) {
      // The cursor still points at the page that failed: the next run for the same request redoes it.
      return this.#finish(state, 'interrupted', messageOf(error));
    }
  }

  /** S-4 in the sweep: customers already imported that the source changed since `updatedSince`, refreshed (one way). */
  async #refreshChangedCustomers(state: RunState, updatedSince: Date): Promise<void> {
    if (!state.source.listCustomers) return;
    let cursor: string | null = null;
    let refreshed = 0;
    do {
      const page: { customers: SourceCustomer[]; nextCursor: string | null } = await state.source.listCustomers({
        connection: state.ref,
        updatedSince,
        cursor,
        pageSize: this.#pageSize,
      });
      for (const customer of page.customers) {
        const { rows } = await this.db.query('select 1 from sync_customers where connection_id = $1 and source_type = $2 and source_id = $3', [
          state.connection.id,
          customer.type,
          customer.sourceId,
        ]);
        if (rows[0]) {
          await this.db.transaction((tx) =>
            this.customers.syncFromSource(tx, { accountId: state.connection.accountId, connectionId: state.connection.id, customer }),
          );
          refreshed++;
        }
      }
      cursor = page.nextCursor;
    } while (cursor);
    if (refreshed) state.run.flags.customersRefreshed = refreshed;
  }

  #count(state: RunState, doc: { sourceId: string; kind: SourceDocumentKind; number?: string; updatedAt?: string }, outcome: Outcome): void {
    const counts = state.run.counts;
    if (outcome === 'new') counts.new++;
    else if (outcome === 'updated') counts.updated++;
    else if (outcome === 'ignored') counts.ignored++;
    else {
      counts.failed++;
      state.run.failures.push({
        sourceId: doc.sourceId,
        kind: doc.kind,
        ...(doc.number !== undefined && { number: doc.number }),
        reason: outcome.failed,
      } satisfies RunFailure);
    }
    if (doc.updatedAt && state.run.trigger !== 'sweep') {
      const at = new Date(doc.updatedAt);
      if (!state.run.highWater || at > state.run.highWater) state.run.highWater = at;
    }
  }

  async #save(state: RunState, status?: string, error?: string | null, q: Queryable = this.db): Promise<Row | undefined> {
    const run = state.run;
    if (state.zeroDay.size) run.flags.zeroDaySubscriptions = [...state.zeroDay].map(([subscriptionId, title]) => ({ subscriptionId, title }));
    const now = this.clock.now();
    const { rows } = await q.query<Row>(
      `update sync_import_runs set cursor = $2, new_count = $3, updated_count = $4, ignored_count = $5, failed_count = $6, failures = $7, flags = $8,
         high_water = $9, heartbeat_at = $10, status = coalesce($11, status), error = coalesce($12, error),
         finished_at = case when $11::text is null then finished_at else $10 end
       where id = $1 returning *`,
      [
        run.id,
        run.cursor,
        run.counts.new,
        run.counts.updated,
        run.counts.ignored,
        run.counts.failed,
        JSON.stringify(run.failures),
        JSON.stringify(run.flags),
        run.highWater,
        now,
        status ?? null,
        error ?? null,
      ],
    );
    return rows[0];
  }

  async #finish(state: RunState, status: 'completed' | 'interrupted' | 'failed', error: string | null): Promise<ImportRun> {
    // The run's end and its event (W-10) commit together.
    const row = await this.db.transaction(async (tx) => {
      const saved = await this.#save(state, status, error, tx);
      const ended = runView(saved!);
      await recordEvent({
        q: tx,
        accountId: state.connection.accountId,
        type: 'invoice_sync.run_finished',
        data: {
          runId: ended.id,
          connectionId: state.connection.id,
          trigger: ended.trigger,
          status,
          newCount: ended.counts.new,
          updatedCount: ended.counts.updated,
          ignoredCount: ended.counts.ignored,
          failedCount: ended.counts.failed,
          error,
        },
        occurredAt: this.clock.now(),
      });
      return saved;
    });
    const run = runView(row!);
    try {
      this.events.emit('run_finished', run);
    } catch {
      // A listener's failure is the host's to log; the run is stored either way.
    }
    return run;
  }

  // ---- one document ---------------------------------------------------------------------------

  async #importDocument(state: RunState, doc: SourceDocument): Promise<Outcome> {
    const { connection } = state;
    const { rows: found } = await this.db.query<{ id: string; status: string; source_updated_at: Date; has_accounting: boolean }>(
      `select i.id, i.status, i.source_updated_at, exists (select 1 from invoice_accounting a where a.invoice_id = i.id) as has_accounting
         from sync_invoices i where i.connection_id = $1 and i.kind = $2 and i.source_id = $3`,
      [connection.id, doc.kind, doc.sourceId],
    );
    const existing = found[0];
    const updatedAt = new Date(doc.updatedAt);
    if (existing) {
      // Seen already and not changed since (a sweep overlap, a replay, an older webhook). P-6: a
      // document imported before its source gave accounting details gets them from this read.
      if (existing.source_updated_at.getTime() >= updatedAt.getTime()) {
        if (doc.accounting && !existing.has_accounting)
          await storeAccountingDetails(this.db, { invoiceId: existing.id, details: doc.accounting, sourceUpdatedAt: doc.updatedAt, readAt: this.clock.now() });
        return 'ignored';
      }
    } else {
      // S-3: a paid invoice never seen is not imported (nothing to collect). S-10: credit notes are,
      // settled or not: they belong to their invoice's history.
      if (doc.kind === 'invoice' && doc.status !== 'booked') return 'ignored';
      if (Money.of(doc.totalInclVat).isZero()) return 'ignored'; // nothing to collect
    }

    const subscription = doc.subscriptionId ? await this.#subscription(state, doc.subscriptionId) : null;
    const customer = await this.#customer(state, doc.customer.type, doc.customer.sourceId);
    if (!customer) return { failed: 'customer_not_found' };
    let profile: { id: string; via: string } | null = null;
    if (!existing) {
      const resolved = await this.#profile(state, doc, customer, subscription);
      if ('failed' in resolved) return resolved;
      profile = resolved;
    }

    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.db.transaction((tx) => this.#write(tx, state, doc, customer, profile));
        await this.#linkCredits(connection.id, doc.kind === 'invoice' ? doc.sourceId : doc.creditedInvoiceId);
        return result;
      } catch (error) {
        if (attempt < 4 && (error instanceof RaceLost || sqlStateOf(error) === '23505')) {
          if (!profile) {
            const resolved = await this.#profile(state, doc, customer, subscription);
            if ('failed' in resolved) return resolved;
            profile = resolved;
          }
          continue;
        }
        throw error;
      }
    }
  }

  async #write(
    tx: Transaction,
    state: RunState,
    doc: SourceDocument,
    sourceCustomer: SourceCustomer,
    profile: { id: string; via: string } | null,
  ): Promise<Outcome> {
    const { connection } = state;
    const now = this.clock.now();
    const { customer, resetFrom } = await this.customers.syncFromSource(tx, {
      accountId: connection.accountId,
      connectionId: connection.id,
      customer: sourceCustomer,
    });
    const amounts = [
      Money.of(doc.totalExclVat).roundToCents().toString(),
      Money.of(doc.totalInclVat).roundToCents().toString(),
      Money.of(doc.amountDue).roundToCents().toString(),
    ];
    const { rows: locked } = await tx.query<Row>('select * from sync_invoices where connection_id = $1 and kind = $2 and source_id = $3 for update', [
      connection.id,
      doc.kind,
      doc.sourceId,
    ]);
    const event = (invoiceId: string, type: string, detail: Record<string, unknown>) =>
      tx.query('insert into sync_invoice_events (invoice_id, at, type, detail) values ($1, $2, $3, $4)', [invoiceId, now, type, JSON.stringify(detail)]);

    if (locked[0]) {
      const before = invoiceView(locked[0]);
      if (before.sourceUpdatedAt.getTime() >= new Date(doc.updatedAt).getTime()) return 'ignored';
      // S-5: once a payment was recorded here, or a collection moved the invoice to pending/expired,
      // we own its status and amount due; the source lags behind our write-back and must not undo them.
      const ours = await tx.query('select 1 from sync_payments where invoice_id = $1 limit 1', [before.id]);
      const owned = ours.rows.length > 0 || before.status === 'pending' || before.status === 'expired';
      const status = owned ? before.status : doc.status;
      if (owned) amounts[2] = before.amountDue;
      const { rows } = await tx.query<Row>(
        `update sync_invoices set status = $2, total_excl_vat = $3, total_incl_vat = $4, amount_due = $5, issued_on = $6, due_on = $7, payment_term_days = $8,
           subscription_id = $9, credited_source_id = $10, customer_id = $11, department_id = $12, source_updated_at = $13, updated_at = $14
         where id = $1 returning *`,
        [
          before.id,
          status,
          ...amounts,
          doc.issuedOn,
          doc.dueOn,
          doc.paymentTermDays,
          doc.subscriptionId,
          doc.creditedInvoiceId,
          customer.id,
          doc.departmentId,
          doc.updatedAt,
          now,
        ],
      );
      const after = invoiceView(rows[0]!);
      // P-6, S-4 style: every follow-up that carries accounting details replaces the stored ones.
      if (doc.accounting) await storeAccountingDetails(tx, { invoiceId: after.id, details: doc.accounting, sourceUpdatedAt: doc.updatedAt, readAt: now });
      const changed: Record<string, { from: unknown; to: unknown }> = {};
      for (const key of [
        'status',
        'totalExclVat',
        'totalInclVat',
        'amountDue',
        'issuedOn',
        'dueOn',
        'paymentTermDays',
        'subscriptionId',
        'customerId',
      ] as const) {
        if (before[key] !== after[key]) changed[key] = { from: before[key], to: after[key] };
      }
      await event(after.id, 'updated', { changed });
      if (changed.status && after.status === 'paid') {
        await recordEvent({
          q: tx,
          accountId: connection.accountId,
          type: 'invoice.paid',
          data: {
            invoiceId: after.id,
            connectionId: connection.id,
            kind: after.kind,
            number: after.number,
            totalInclVat: after.totalInclVat,
            amountDue: after.amountDue,
          },
          occurredAt: now,
        });
      }
      if (resetFrom !== null) await event(after.id, 'customer_reset', { customerId: customer.id, from: resetFrom, to: customer.sourceId });
      return 'updated';
    }

    const number = await this.#freeNumber(tx, connection.accountId, doc);
    // A5: the document keeps its currency; one we cannot collect in is imported, marked and logged.
    const blocked = collectionBlockedReasonFor(doc.currency);
    let creditedInvoiceId: string | null = null;
    if (doc.kind === 'credit_note' && doc.creditedInvoiceId) {
      const { rows } = await tx.query<{ id: string }>(`select id from sync_invoices where connection_id = $1 and kind = 'invoice' and source_id = $2`, [
        connection.id,
        doc.creditedInvoiceId,
      ]);
      creditedInvoiceId = rows[0]?.id ?? null;
    }
    const { rows } = await tx.query<Row>(
      `insert into sync_invoices (id, account_id, connection_id, kind, source_id, source_number, number, department_id, customer_id, currency,
         total_excl_vat, total_incl_vat, amount_due, issued_on, due_on, payment_term_days, status, profile_id, subscription_id,
         credited_source_id, credited_invoice_id, source_updated_at, created_at, updated_at, collectable, collection_blocked_reason)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23, $24, $25)
       on conflict (connection_id, kind, source_id) do nothing returning *`,
      [
        newId('inv'),
        connection.accountId,
        connection.id,
        doc.kind,
        doc.sourceId,
        doc.number,
        number,
        doc.departmentId,
        customer.id,
        doc.currency,
        ...amounts,
        doc.issuedOn,
        doc.dueOn,
        doc.paymentTermDays,
        doc.status,
        profile!.id,
        doc.subscriptionId,
        doc.creditedInvoiceId,
        creditedInvoiceId,
        doc.updatedAt,
        now,
        blocked === null,
        blocked,
      ],
    );
    if (!rows[0]) throw new RaceLost();
    const invoice = invoiceView(rows[0]);
    if (doc.accounting) await storeAccountingDetails(tx, { invoiceId: invoice.id, details: doc.accounting, sourceUpdatedAt: doc.updatedAt, readAt: now });
    await event(invoice.id, 'imported', {
      number,
      sourceNumber: doc.number,
      profileId: profile!.id,
      profileFrom: profile!.via,
      trigger: state.run.trigger,
      runId: state.run.id,
    });
    await recordEvent({
      q: tx,
      accountId: connection.accountId,
      type: 'invoice.imported',
      data: {
        invoiceId: invoice.id,
        connectionId: connection.id,
        kind: invoice.kind,
        number,
        status: invoice.status,
        totalInclVat: invoice.totalInclVat,
        amountDue: invoice.amountDue,
        currency: invoice.currency,
        issuedOn: invoice.issuedOn,
        dueOn: invoice.dueOn,
      },
      occurredAt: now,
    });
    if (blocked) await event(invoice.id, 'collection_blocked', { reason: blocked, currency: doc.currency });
    if (number !== displayNumberCandidates(doc)[0]) await event(invoice.id, 'number_prefixed', { number, reason: 'number_taken_in_another_department' });
    if (creditedInvoiceId) await event(invoice.id, 'credit_linked', { invoiceId: creditedInvoiceId });
    if (resetFrom !== null) await event(invoice.id, 'customer_reset', { customerId: customer.id, from: resetFrom, to: customer.sourceId });
    if (doc.subscriptionId && state.zeroDay.has(doc.subscriptionId)) await event(invoice.id, 'zero_day_subscription', { subscriptionId: doc.subscriptionId });
    return 'new';
  }

  async #freeNumber(tx: Transaction, accountId: string, doc: SourceDocument): Promise<string> {
    const candidates = displayNumberCandidates(doc);
    const { rows } = await tx.query<{ number: string }>('select number from sync_invoices where account_id = $1 and number = any($2::text[])', [
      accountId,
      pgArray(candidates),
    ]);
    const taken = new Set(rows.map((r) => r.number));
    const free = candidates.find((c) => !taken.has(c));
    if (free) return free;
    for (let n = 2; ; n++) {
      const candidate = `${candidates[0]!} (${doc.sourceId}-${n})`;
      const { rows: hit } = await tx.query('select 1 from sync_invoices where account_id = $1 and number = $2', [accountId, candidate]);
      if (!hit[0]) return candidate;
    }
  }

  /** Links credit notes to their invoice, whichever arrived first. Run after commit, so of two racing imports the later one sees both. */
  async #linkCredits(connectionId: string, invoiceSourceId: string | null): Promise<void> {
    if (!invoiceSourceId) return;
    await this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const { rows } = await tx.query<{ id: string; invoice_id: string }>(
        `update sync_invoices cn set credited_invoice_id = inv.id, updated_at = $3
           from sync_invoices inv
          where cn.connection_id = $1 and cn.kind = 'credit_note' and cn.credited_invoice_id is null and cn.credited_source_id = $2
            and inv.connection_id = $1 and inv.kind = 'invoice' and inv.source_id = $2
         returning cn.id, inv.id as invoice_id`,
        [connectionId, invoiceSourceId, now],
      );
      for (const row of rows) {
        await tx.query(`insert into sync_invoice_events (invoice_id, at, type, detail) values ($1, $2, 'credit_linked', $3)`, [
          row.id,
          now,
          JSON.stringify({ invoiceId: row.invoice_id }),
        ]);
      }
    });
  }

  /**
   * S-2 (and the Teamleader integration's order): the document's profile field, else the
   * subscription's, else the customer's (its source field, else the profile set on it here), else
   * the connection's default, else the account default. A field value that selects no profile
   * skips the document (reported, never guessed). A profile's `sourceOptionValue` may name the
   * option by its id or by its text (label), whichever the source puts in the field: the other
   * form is looked up in the field's options at the source.
   */
  async #profile(
    state: RunState,
    doc: SourceDocument,
    customer: SourceCustomer,
    subscription: SourceSubscription | null,
  ): Promise<{ id: string; via: string } | { failed: string }> {
    const { connection } = state;
    const byValue = async (value: string, via: string, fieldId: string | null | undefined) => {
      const raw = value.trim();
      const direct = await this.#profileByOption(connection.accountId, [raw]);
      if (direct) return { id: direct, via };
      const same = (a: string, b: string) => a.trim().toLowerCase() === b.toLowerCase();
      const alternates = (await this.#fieldOptions(state, fieldId)).filter((o) => same(o.id, raw) || same(o.label, raw)).flatMap((o) => [o.id, o.label]);
      const other = alternates.length > 0 ? await this.#profileByOption(connection.accountId, alternates) : null;
      return other ? { id: other, via } : { failed: `unknown_profile:${raw}` };
    };
    if (!blank(doc.profileField)) return byValue(doc.profileField, 'document', connection.profileFieldId);
    if (subscription && !blank(subscription.profileField)) return byValue(subscription.profileField, 'subscription', connection.subscriptionProfileFieldId);
    if (!blank(customer.profileField)) return byValue(customer.profileField, 'customer_field', connection.profileFieldId);
    const { rows } = await this.db.query<{ profile_id: string | null; default_profile_id: string | null; account_default: string | null }>(
      `select (select profile_id from sync_customers where connection_id = $1 and source_type = $2 and source_id = $3) as profile_id,
              (select default_profile_id from sync_connections where id = $1) as default_profile_id,
              (select id from sync_profiles where account_id = $4 and is_default) as account_default`,
      [connection.id, customer.type, customer.sourceId, connection.accountId],
    );
    const row = rows[0]!;
    if (row.profile_id) return { id: row.profile_id, via: 'customer' };
    if (row.default_profile_id) return { id: row.default_profile_id, via: 'connection_default' };
    if (row.account_default) return { id: row.account_default, via: 'account_default' };
    return { failed: 'no_profile' };
  }

  /** The profile whose source option value is one of `values` (case-insensitive; an exact match first). */
  async #profileByOption(accountId: string, values: string[]): Promise<string | null> {
    const wanted = [...new Set(values.map((v) => v.trim()).filter(Boolean))];
    if (wanted.length === 0) return null;
    const { rows } = await this.db.query<{ id: string }>(
      `select id from sync_profiles where account_id = $1 and lower(source_option_value) = any($2::text[])
        order by case when source_option_value = any($3::text[]) then 0 else 1 end, id limit 1`,
      [accountId, pgArray(wanted.map((v) => v.toLowerCase())), pgArray(wanted)],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * The options of one profile field (invoice or subscription context), from its definition at the
   * source (once per field and run): a single-select value may be the option's id or its text
   * (issue 14 A1). A source failure interrupts the run like any other.
   */
  #fieldOptions(state: RunState, fieldId: string | null | undefined): Promise<Array<{ id: string; label: string }>> {
    if (!fieldId) return Promise.resolve([]);
    const { source, ref } = state;
    let options = state.fieldOptions.get(fieldId);
    if (!options) {
      if (source.getCustomField) options = source.getCustomField({ connection: ref, id: fieldId }).then((field) => field?.options ?? []);
      else if (source.listCustomFields)
        options = source.listCustomFields({ connection: ref }).then((fields: SourceCustomField[]) => fields.find((f) => f.id === fieldId)?.options ?? []);
      else options = Promise.resolve([]);
      state.fieldOptions.set(fieldId, options);
    }
    return options;
  }

  /** A document's customer: from the page's batch when the source gave one, else read once per run. */
  #customer(state: RunState, type: SourceCustomerType, sourceId: string): Promise<SourceCustomer | null> {
    const key = customerKey(type, sourceId);
    let customer = state.customers.get(key);
    if (!customer) {
      customer = state.source.getCustomer({ connection: state.ref, type, sourceId });
      // A failed read is not remembered: the next document (or run) asks again.
      customer.catch(() => state.customers.delete(key));
      state.customers.set(key, customer);
    }
    return customer;
  }

  async #subscription(state: RunState, id: string): Promise<SourceSubscription | null> {
    if (!state.subscriptions.has(id)) {
      const subscription = await state.source.getSubscription({ connection: state.ref, sourceId: id });
      state.subscriptions.set(id, subscription);
      // S-8: a 0-day term makes each invoice expire the day it is issued.
      if (subscription?.paymentTermDays === 0) state.zeroDay.set(id, subscription.title);
    }
    return state.subscriptions.get(id) ?? null;
  }

  #source(connection: Connection): InvoiceSource {
    const source = this.sources.get(connection.sourceId);
    if (!source) throw new UnknownSourceError(connection.sourceId);
    return source;
  }
}

function toRef(connection: Connection): SourceConnection {
  return {
    id: connection.id,
    accountId: connection.accountId,
    sourceAccountId: connection.sourceAccountId,
    profileFieldId: connection.profileFieldId,
    subscriptionProfileFieldId: connection.subscriptionProfileFieldId,
  };
}

function customerKey(type: SourceCustomerType, sourceId: string): string {
  return `${type}:${sourceId}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
