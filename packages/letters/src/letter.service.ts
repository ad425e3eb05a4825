import { createHash } from 'node:crypto';
import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, JOB_QUEUE, pgArray, type Database, type JobQueue, type Queryable } from '@tollgate/db';
import { ConflictError, isTollgateError, ValidationError } from '@tollgate/errors';
import { recordEvent } from '@tollgate/events';
import { FILE_STORE, type FileStore } from '@tollgate/files';
import { InvoicePdfService, invoiceForLetter, recordLetterEvent } from '@tollgate/invoice-sync';
import { Money } from '@tollgate/money';
import {
  assertPostalAddress,
  normalisePostalAddress,
  type EventPayloads,
  type LetterEvent,
  type LetterSpec,
  type LetterStatus,
  type PostalAddress,
  type PostalCarrier,
  type PostalQuote,
} from '@tollgate/plugin-sdk';
import { WalletService } from '@tollgate/wallet';
import { inject, injectable } from 'tsyringe';
import { IN_FLIGHT_STATES, isFinal, transition, type LetterState, type MoneyMove } from './letter-lifecycle.js';
import { letterView, newLetterId, type HoldRow, type LetterRow } from './letter-rows.js';
import {
  InvoicePdfUnavailableError,
  LetterContentRequiredError,
  LetterKeyReusedError,
  LetterNotCancellableError,
  LetterNotFoundError,
  PostalCountryNotOfferedError,
  SenderRequiredError,
} from './letters.errors.js';
import {
  LETTER_RENDERER,
  LETTER_SUBMIT_QUEUE,
  LETTERS_OPTIONS,
  POSTAL_CARRIERS,
  type Letter,
  type LetterEventRecord,
  type LetterQuote,
  type LetterRenderer,
  type LetterRequest,
  type LettersOptions,
  type PostalCarrierDirectory,
  type RenderedLetter,
} from './letters.types.js';

/** How long a host owns a letter it is submitting; a host that dies leaves it to the next sweep after this. */
const LEASE_MS = 5 * 60_000;
/** A letter still `holding` after this long was left by a host that died while placing holds. */
const STALE_HOLDING_MS = 15 * 60_000;
/** How long a second request with the same key waits for the first one's holds. */
const WAIT_FOR_WINNER_MS = 30_000;

type Resolved = {
  recipient: PostalAddress;
  sender: PostalAddress;
  carrier: PostalCarrier;
  attachments: Uint8Array[];
  invoiceId: string | null;
  /** The invoice customer's language, when it is one a cover can be printed in: the letter speaks it. */
  locale: 'nl' | 'fr' | 'en' | 'de' | null;
};

const LOCALES = ['nl', 'fr', 'en', 'de'] as const;
/** Letters in flight are polled for this long after submission; after it a carrier that never answers is left alone. */
const POLL_FOR_MS = 30 * 86_400_000;

/** What a round of background work did. */
export interface LetterRoundResult {
  submitted: number;
  retried: number;
  failed: number;
  polled: number;
  repaired: number;
}

/**
 * The letter channel (P-5): a request becomes a rendered letter, priced by its carrier, paid with one
 * wallet hold per charge (or by the account's own contract: no wallet call at all), submitted by a
 * durable job and followed through the carrier's events into the invoice's event log.
 *
 * Money: holds at creation (keys from the letter id) → capture all when the carrier accepts → release
 * all on rejected/failed/cancelled. Every move is idempotent (keys from the letter id and the charge's
 * channel), so a retry, a replayed webhook or a second host never moves money twice.
 */
@injectable()
export class LetterService {
  readonly #maxAttempts: number;
  readonly #retryMs: number;
  readonly #pollMs: number;
  readonly #holdMs: number;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(JOB_QUEUE) private readonly jobs: JobQueue,
    @inject(WalletService) private readonly wallet: WalletService,
    @inject(FILE_STORE) private readonly files: FileStore,
    @inject(InvoicePdfService) private readonly invoicePdfs: InvoicePdfService,
    @inject(LETTER_RENDERER) private readonly renderer: LetterRenderer,
    @inject(POSTAL_CARRIERS) private readonly carriers: PostalCarrierDirectory,
    @inject(LETTERS_OPTIONS) private readonly options: LettersOptions,
  ) {
    this.#maxAttempts = options.maxSubmitAttempts ?? 5;
    this.#retryMs = (options.retrySeconds ?? 60) * 1000;
    this.#pollMs = (options.pollMinutes ?? 15) * 60_000;
    this.#holdMs = (options.holdDays ?? 14) * 86_400_000;
  }

  // ---- what is offered ------------------------------------------------------------------------

  /** The countries this account can post to: the carriers' countries ∩ the plan's `countries.post`. */
  async offeredCountries(input: { accountId: string }): Promise<string[]> {
    const plan = await this.options.planCountries(input);
    const carried = new Set(this.carriers.list().flatMap((c) => c.countries));
    return [...carried].filter((c) => plan === null || plan.includes(c)).sort();
  }

  // ---- creating -------------------------------------------------------------------------------

  /**
   * Renders, prices and holds a letter, and queues its submission (in the transaction that stores it).
   * The same key and body answer the same letter; the same key with another body is refused. Two hosts
   * with one key race on the (account, key) constraint: one letter, one set of holds.
   */
  async create(request: LetterRequest): Promise<{ letter: Letter; created: boolean }> {
    const hash = requestHash(request);
    for (let round = 0; round < 3; round++) {
      const existing = await this.#byKey(request.accountId, request.idempotencyKey);
      if (existing) {
        const letter = await this.#settled(existing, hash, request.idempotencyKey);
        // null: the first request was refused (its holds released, the letter forgotten): this one tries itself.
        if (letter) return { letter, created: false };
        continue;
      }
      const made = await this.#make(request, hash);
      if (made) return { letter: made, created: true };
    }
    throw new Error('letter creation raced three times; try again');
  }

  /** What the letter would cost now and whether the wallet covers it: rendered and quoted, nothing held. */
  async quote(request: Omit<LetterRequest, 'idempotencyKey'>): Promise<LetterQuote> {
    const resolved = await this.#resolve(request);
    const rendered = await this.#render(request, resolved, 'QUOTE');
    const quote = await resolved.carrier.quote({ accountId: request.accountId, letter: this.#spec(request, resolved, rendered.pages) });
    const base = {
      carrierId: resolved.carrier.id,
      billing: resolved.carrier.billing,
      country: quote.country,
      pages: rendered.pages,
      sheets: quote.sheets,
      currency: 'EUR',
    };
    if (resolved.carrier.billing === 'own_account') return { ...base, charges: [], amount: '0.00', affordable: true, reason: null };
    const charges = [];
    let reason: LetterQuote['reason'] = null;
    let available: Money | null = null;
    for (const charge of chargesOf(resolved.carrier, quote)) {
      const q = await this.wallet.quote({ accountId: request.accountId, channel: charge.channel, units: charge.units, country: quote.country });
      if (q.reason === 'wallet_blocked') reason = 'wallet_blocked';
      available = q.available;
      charges.push({ ...charge, unitPrice: q.unitPrice.toString(), amount: q.amount.toString() });
    }
    const amount = Money.sum(charges.map((c) => Money.of(c.amount)));
    if (!reason && available && amount.greaterThan(available)) reason = 'insufficient_funds';
    return { ...base, charges, amount: amount.toString(), affordable: reason === null, reason };
  }

  async #make(request: LetterRequest, hash: string): Promise<Letter | null> {
    const resolved = await this.#resolve(request);
    const id = newLetterId();
    const rendered = await this.#render(request, resolved, id);
    const spec = this.#spec(request, resolved, rendered.pages);
    const quote = await resolved.carrier.quote({ accountId: request.accountId, letter: spec });
    const charges = resolved.carrier.billing === 'wallet' ? chargesOf(resolved.carrier, quote) : [];
    const now = this.clock.now();
    const pdfKey = `letters/${request.accountId}/${id}.pdf`;
    const stored = await this.files.put({ key: pdfKey, body: Buffer.from(rendered.pdf), contentType: 'application/pdf' });
    const ownAccount = resolved.carrier.billing === 'own_account';
    const inserted = await this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `insert into letters (id, account_id, idempotency_key, request_hash, carrier_id, billing, country, product, color, duplex, recipient, sender,
                              invoice_id, subject, pages, sheets, pdf_key, pdf_sha256, pdf_size, status, next_attempt_at, created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23)
         on conflict (account_id, idempotency_key) do nothing`,
        [
          id,
          request.accountId,
          request.idempotencyKey,
          hash,
          resolved.carrier.id,
          resolved.carrier.billing,
          quote.country,
          request.product,
          request.color,
          request.duplex,
          JSON.stringify(resolved.recipient),
          JSON.stringify(resolved.sender),
          resolved.invoiceId,
          request.subject ?? null,
          rendered.pages,
          quote.sheets,
          pdfKey,
          stored.sha256,
          stored.size,
          ownAccount ? 'ready' : 'holding',
          now,
          request.userId ?? null,
          now,
        ],
      );
      // An own-account letter has nothing to hold: it is ready, and its submission is queued with it.
      if (rowCount === 1 && ownAccount) {
        const first = {
          id,
          account_id: request.accountId,
          carrier_id: resolved.carrier.id,
          country: quote.country,
          invoice_id: resolved.invoiceId,
          billing: 'own_account' as const,
        };
        await this.#recordMove(tx, first, { from: null, to: 'ready', reason: null, at: now, money: 'none' });
        await this.#queueSubmit(tx, id);
      }
      return rowCount === 1;
    });
    if (!inserted) {
      // Another request with this key won: its letter is the answer (its PDF is the one kept).
      await this.files.delete({ key: pdfKey });
      return null;
    }
    if (!ownAccount) await this.#placeHolds({ id, accountId: request.accountId, country: quote.country, charges, now });
    return this.get({ accountId: request.accountId, id });
  }

  /** One hold per charge; a refusal releases those already placed and forgets the letter (nothing held, nothing sent). */
  async #placeHolds(input: { id: string; accountId: string; country: string; charges: ReturnType<typeof chargesOf>; now: Date }): Promise<void> {
    const placed: Array<{ channel: string; holdId: string }> = [];
    try {
      for (const charge of input.charges) {
        const hold = await this.wallet.hold({
          accountId: input.accountId,
          channel: charge.channel,
          units: charge.units,
          country: input.country,
          idempotencyKey: `letter:${input.id}:hold:${charge.channel}`,
          description: charge.description,
          expiresAt: new Date(input.now.getTime() + this.#holdMs),
          metadata: { letterId: input.id },
        });
        placed.push({ channel: charge.channel, holdId: hold.holdId });
        await this.db.query(
          `insert into letter_holds (letter_id, channel, description, units, hold_id, amount, status, updated_at)
           values ($1, $2, $3, $4, $5, $6, 'held', $7) on conflict (letter_id, channel) do nothing`,
          [input.id, charge.channel, charge.description, charge.units, hold.holdId, hold.amount.toString(), this.clock.now()],
        );
      }
    } catch (error) {
      for (const p of placed) await this.#release(input.accountId, input.id, p.channel, p.holdId);
      await this.#forget(input.accountId, input.id);
      throw error;
    }
    await this.db.transaction(async (tx) => {
      const at = this.clock.now();
      const {
        rows: [held],
      } = await tx.query<LetterRow>(
        `update letters set status = 'held', amount = (select coalesce(sum(amount), 0) from letter_holds where letter_id = $1), updated_at = $2
          where id = $1 and status = 'holding' returning *`,
        [input.id, at],
      );
      if (held) await this.#recordMove(tx, held, { from: null, to: 'held', reason: null, at, money: 'none' });
      await this.#queueSubmit(tx, input.id);
    });
  }

  async #forget(accountId: string, id: string): Promise<void> {
    const row = await this.#row(accountId, id);
    await this.db.transaction(async (tx) => {
      await tx.query('delete from letter_holds where letter_id = $1', [id]);
      await tx.query(`delete from letters where id = $1 and status = 'holding'`, [id]);
    });
    if (row) await this.files.delete({ key: row.pdf_key });
  }

  async #queueSubmit(tx: Queryable, letterId: string): Promise<void> {
    await this.jobs.send({ name: LETTER_SUBMIT_QUEUE, data: { letterId }, tx: tx as never });
  }

  /** A letter found by its key: the same body answers it (once its holds are placed); another body is refused. */
  async #settled(row: LetterRow, hash: string, key: string): Promise<Letter | null> {
    if (row.request_hash !== hash) throw new LetterKeyReusedError({ key, letterId: row.id });
    const started = Date.now();
    let current: LetterRow | null = row;
    // The first request is still placing its holds (another host, or a concurrent call): wait for it.
    while (current?.status === 'holding' && Date.now() - started < WAIT_FOR_WINNER_MS) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      current = await this.#row(row.account_id, row.id);
    }
    if (!current) return null;
    return this.get({ accountId: current.account_id, id: current.id });
  }

  async #resolve(request: Omit<LetterRequest, 'idempotencyKey'>): Promise<Resolved> {
    if (!request.invoiceId && !request.pdf && !request.html && !request.bodyText) throw new LetterContentRequiredError();
    let recipient = request.recipient;
    let locale: Resolved['locale'] = null;
    const attachments: Uint8Array[] = [];
    if (request.invoiceId) {
      const invoice = await invoiceForLetter(this.db, { accountId: request.accountId, invoiceId: request.invoiceId });
      if (!invoice) throw new InvoicePdfUnavailableError({ invoiceId: request.invoiceId, reason: 'invoice_not_found' });
      const pdf = await this.invoicePdfs.read({ accountId: request.accountId, invoiceId: request.invoiceId });
      if (!pdf) throw new InvoicePdfUnavailableError({ invoiceId: request.invoiceId, reason: 'pdf_not_stored' });
      attachments.push(new Uint8Array(pdf.body));
      const language = invoice.language?.slice(0, 2).toLowerCase();
      locale = LOCALES.find((l) => l === language) ?? null;
      recipient ??= {
        name: invoice.customerName,
        street: invoice.address?.line1 ?? '',
        postalCode: invoice.address?.postalCode ?? '',
        city: invoice.address?.city ?? '',
        country: invoice.address?.country ?? '',
      };
    }
    if (request.pdf) attachments.push(request.pdf);
    if (!recipient)
      throw new ValidationError({
        code: 'invalid_address',
        message: 'A letter needs a recipient (or an invoiceId whose customer has an address).',
        details: { recipient: [{ field: 'name', message: 'recipient is required' }] },
      });
    const to = normalisePostalAddress(recipient);
    assertPostalAddress({ address: to, role: 'recipient' });
    const givenSender = request.sender ?? (await this.getSettings({ accountId: request.accountId })).sender;
    if (!givenSender) throw new SenderRequiredError();
    const from = normalisePostalAddress(givenSender);
    assertPostalAddress({ address: from, role: 'sender' });
    const offered = await this.offeredCountries({ accountId: request.accountId });
    const carrier = offered.includes(to.country) ? this.carriers.list().find((c) => c.countries.includes(to.country)) : undefined;
    if (!carrier) throw new PostalCountryNotOfferedError({ country: to.country, offered });
    return { recipient: to, sender: from, carrier, attachments, invoiceId: request.invoiceId ?? null, locale };
  }

  async #render(request: Omit<LetterRequest, 'idempotencyKey'>, resolved: Resolved, reference: string): Promise<RenderedLetter> {
    const account = await this.options.account({ accountId: request.accountId });
    return this.renderer.render({
      recipient: resolved.recipient,
      sender: resolved.sender,
      locale: resolved.locale ?? account?.locale ?? 'en',
      date: this.clock.now(),
      ...(account?.timeZone ? { timeZone: account.timeZone } : {}),
      reference,
      barcode: resolved.carrier.barcode ?? false,
      ...(request.subject ? { subject: request.subject } : {}),
      ...(request.bodyText ? { bodyText: request.bodyText } : {}),
      ...(request.html ? { html: request.html } : {}),
      ...(resolved.attachments.length ? { attachments: resolved.attachments } : {}),
    });
  }

  #spec(request: Omit<LetterRequest, 'idempotencyKey'>, resolved: Resolved, pages: number): LetterSpec {
    return { recipient: resolved.recipient, sender: resolved.sender, pages, color: request.color, duplex: request.duplex, product: request.product };
  }

  // ---- reading --------------------------------------------------------------------------------

  async get(input: { accountId: string; id: string }): Promise<Letter> {
    const row = await this.#row(input.accountId, input.id);
    if (!row) throw new LetterNotFoundError(input.id);
    return letterView(row, await this.#holds(row.id));
  }

  async list(input: {
    accountId: string;
    status?: LetterState;
    invoiceId?: string;
    limit?: number;
    before?: string;
  }): Promise<{ data: Letter[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
    const params: unknown[] = [input.accountId];
    const where = ['account_id = $1'];
    if (input.status) where.push(`status = $${params.push(input.status)}`);
    if (input.invoiceId) where.push(`invoice_id = $${params.push(input.invoiceId)}`);
    if (input.before) {
      const n = params.push(input.before);
      where.push(`(created_at, id) < (select created_at, id from letters where account_id = $1 and id = $${n})`);
    }
    const { rows } = await this.db.query<LetterRow>(
      `select * from letters where ${where.join(' and ')} order by created_at desc, id desc limit ${limit + 1}`,
      params,
    );
    const page = rows.slice(0, limit);
    const holds = await this.#holdsOf(page.map((r) => r.id));
    return {
      data: page.map((r) => letterView(r, holds.get(r.id) ?? [])),
      nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
    };
  }

  async events(input: { accountId: string; id: string }): Promise<LetterEventRecord[]> {
    await this.get(input);
    const { rows } = await this.db.query<{
      event_id: string;
      carrier_id: string;
      status: string;
      reason: string | null;
      occurred_at: Date;
      received_at: Date;
      applied: boolean;
    }>('select * from letter_events where letter_id = $1 order by id', [input.id]);
    return rows.map((r) => ({
      eventId: r.event_id,
      carrierId: r.carrier_id,
      status: r.status,
      reason: r.reason,
      occurredAt: new Date(r.occurred_at),
      receivedAt: new Date(r.received_at),
      applied: r.applied,
    }));
  }

  /** The rendered PDF as sent to the carrier. */
  async pdf(input: { accountId: string; id: string }): Promise<{ body: Buffer; sha256: string }> {
    const row = await this.#row(input.accountId, input.id);
    if (!row) throw new LetterNotFoundError(input.id);
    const stored = await this.files.read({ key: row.pdf_key });
    if (!stored) throw new LetterNotFoundError(input.id);
    return { body: stored.body, sha256: stored.file.sha256 };
  }

  // ---- settings -------------------------------------------------------------------------------

  async getSettings(input: { accountId: string }): Promise<{ sender: PostalAddress | null; updatedAt: Date | null }> {
    const { rows } = await this.db.query<{ sender: PostalAddress | string; updated_at: Date }>(
      'select sender, updated_at from letter_settings where account_id = $1',
      [input.accountId],
    );
    const row = rows[0];
    if (!row) return { sender: null, updatedAt: null };
    return { sender: typeof row.sender === 'string' ? (JSON.parse(row.sender) as PostalAddress) : row.sender, updatedAt: new Date(row.updated_at) };
  }

  /** The account's return address (checked like any sender). */
  async putSettings(input: { accountId: string; sender: PostalAddress }): Promise<{ sender: PostalAddress; updatedAt: Date }> {
    const sender = normalisePostalAddress(input.sender);
    assertPostalAddress({ address: sender, role: 'sender' });
    const now = this.clock.now();
    await this.db.query(
      `insert into letter_settings (account_id, sender, updated_at) values ($1, $2, $3)
       on conflict (account_id) do update set sender = excluded.sender, updated_at = excluded.updated_at`,
      [input.accountId, JSON.stringify(sender), now],
    );
    return { sender, updatedAt: now };
  }

  // ---- submitting -----------------------------------------------------------------------------

  /**
   * The submit job: hands the PDF to the carrier (idempotency key = the letter id, so a retry never
   * posts twice). `accepted` captures, `rejected` releases, `submitted` waits for the callback or the
   * poll. A thrown error is retried with doubling waits (kept on the row, run by the sweep) and after
   * `maxSubmitAttempts` the letter is `failed` and its holds released.
   */
  async submit(input: { letterId: string }): Promise<'submitted' | 'retry' | 'failed' | 'skipped'> {
    const now = this.clock.now();
    const {
      rows: [row],
    } = await this.db.query<LetterRow>(
      `update letters set lease_until = $2, attempts = attempts + 1, updated_at = $3
        where id = $1 and status in ('held', 'ready') and (lease_until is null or lease_until < $3)
          and (next_attempt_at is null or next_attempt_at <= $3)
        returning *`,
      [input.letterId, new Date(now.getTime() + LEASE_MS), now],
    );
    if (!row) return 'skipped';
    const carrier = this.carriers.get(row.carrier_id);
    let answer: Awaited<ReturnType<PostalCarrier['submit']>>;
    try {
      if (!carrier) throw new Error(`carrier ${row.carrier_id} is not loaded on this host`);
      const stored = await this.files.read({ key: row.pdf_key });
      if (!stored) throw new Error(`the letter's PDF ${row.pdf_key} is missing from the file store`);
      answer = await carrier.submit({
        accountId: row.account_id,
        letter: specOf(row),
        pdf: new Uint8Array(stored.body),
        idempotencyKey: row.id,
        reference: row.id,
        callbackUrl: `${this.options.baseUrl().replace(/\/$/, '')}/webhooks/postal/${row.carrier_id}`,
      });
    } catch (error) {
      return this.#submitFailed(row, error);
    }
    const at = this.clock.now();
    let move: MoneyMove = 'none';
    await this.db.transaction(async (tx) => {
      const {
        rows: [locked],
      } = await tx.query<LetterRow>('select * from letters where id = $1 for update', [row.id]);
      await tx.query(
        `update letters set carrier_letter_id = $2, submitted_at = coalesce(submitted_at, $3), lease_until = null, last_error = null,
                next_poll_at = $4, updated_at = $3 where id = $1`,
        [row.id, answer.carrierLetterId, at, new Date(at.getTime() + this.#pollMs)],
      );
      // A callback may have moved the letter while submit ran: the lifecycle keeps the furthest state.
      const from = locked!.status;
      const moved = await this.#moveTo(tx, locked!, from, 'submitted', null, at);
      const after: LetterState = moved === null ? from : 'submitted';
      if (answer.status !== 'submitted') move = (await this.#moveTo(tx, locked!, after, answer.status, answer.reason ?? null, at)) ?? 'none';
    });
    await this.#settleMoney(row.account_id, row.id, move);
    return 'submitted';
  }

  async #submitFailed(row: LetterRow, error: unknown): Promise<'retry' | 'failed'> {
    const message = error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500);
    const at = this.clock.now();
    // A refusal (4xx other than 429: missing credentials, a letter the carrier will never take) is final; outages are retried.
    const permanent = isTollgateError(error) && error.status >= 400 && error.status < 500 && error.status !== 429;
    if (!permanent && row.attempts < this.#maxAttempts) {
      const wait = this.#retryMs * 2 ** (row.attempts - 1);
      await this.db.query('update letters set lease_until = null, last_error = $2, next_attempt_at = $3, updated_at = $4 where id = $1', [
        row.id,
        message,
        new Date(at.getTime() + wait),
        at,
      ]);
      return 'retry';
    }
    let move: MoneyMove = 'none';
    await this.db.transaction(async (tx) => {
      await tx.query('update letters set lease_until = null, last_error = $2, updated_at = $3 where id = $1', [row.id, message, at]);
      move = (await this.#moveTo(tx, row, row.status, 'failed', isTollgateError(error) ? error.code : 'submit_failed', at)) ? 'release' : 'none';
    });
    await this.#settleMoney(row.account_id, row.id, move);
    return 'failed';
  }

  /**
   * Moves a letter (locked by the caller's transaction) to `to` when the lifecycle allows it, with the
   * invoice's event log entry; answers what has to happen to its money, or null when nothing moved.
   */
  async #moveTo(tx: Queryable, row: LetterRow, from: LetterState, to: LetterStatus, reason: string | null, at: Date): Promise<MoneyMove | null> {
    const captured = (await tx.query(`select 1 from letter_holds where letter_id = $1 and status = 'captured' limit 1`, [row.id])).rows.length > 0;
    const step = transition({ from, to, captured });
    if (!step.to) return null;
    await tx.query(
      `update letters set status = $2, reason = coalesce($3, reason), updated_at = $4,
              next_poll_at = case when $2 in ('submitted', 'accepted', 'printed', 'posted') then $5::timestamptz else null end
        where id = $1`,
      [row.id, step.to, reason, at, new Date(at.getTime() + this.#pollMs)],
    );
    if (row.invoice_id) await recordLetterEvent(tx, { invoiceId: row.invoice_id, at, status: step.to, letterId: row.id, carrierId: row.carrier_id, reason });
    await this.#recordMove(tx, row, { from, to: step.to, reason, at, money: step.money });
    return step.money;
  }

  /**
   * The event `letter.status_changed`, in the transaction that moves the letter (only real moves reach
   * here). `amount` is what the wallet captured (or captures right after this commit, for the move that
   * captures); null for own-account letters, before the capture and on moves that give the money back.
   */
  async #recordMove(
    tx: Queryable,
    row: Pick<LetterRow, 'id' | 'account_id' | 'carrier_id' | 'country' | 'invoice_id' | 'billing'>,
    move: { from: LetterState | null; to: LetterState; reason: string | null; at: Date; money: MoneyMove },
  ): Promise<void> {
    type Data = EventPayloads['letter.status_changed'];
    if (move.to === 'holding' || move.from === 'holding') return;
    let amount: string | null = null;
    if (row.billing === 'wallet' && !RELEASING.has(move.to)) {
      const { rows } = await tx.query<{ status: HoldRow['status']; amount: string }>('select status, amount from letter_holds where letter_id = $1', [row.id]);
      const paid = rows.filter((h) => h.status === 'captured' || (move.money === 'capture' && h.status === 'held'));
      if (paid.length) amount = Money.sum(paid.map((h) => Money.of(String(h.amount)))).toString();
    }
    await recordEvent({
      q: tx,
      accountId: row.account_id,
      type: 'letter.status_changed',
      data: {
        letterId: row.id,
        accountId: row.account_id,
        carrierId: row.carrier_id,
        country: row.country,
        invoiceId: row.invoice_id,
        status: move.to as Data['status'],
        previousStatus: move.from as Data['previousStatus'],
        reason: move.reason,
        occurredAt: move.at.toISOString(),
        amount,
      },
      occurredAt: move.at,
    });
  }

  // ---- carrier events -------------------------------------------------------------------------

  /**
   * Status events from a carrier (a verified webhook or a poll): each (carrier, eventId) once; the
   * letter only moves forward; `accepted` (or later) captures if not yet captured, `rejected` releases.
   */
  async applyEvents(input: { carrierId: string; events: readonly LetterEvent[] }): Promise<{ applied: number; duplicates: number; unmatched: number }> {
    const counts = { applied: 0, duplicates: 0, unmatched: 0 };
    for (const event of input.events) {
      let accountId: string | null = null;
      let letterId: string | null = null;
      let move: MoneyMove | null = null;
      const outcome = await this.db.transaction(async (tx) => {
        const {
          rows: [row],
        } = await tx.query<LetterRow>('select * from letters where carrier_id = $1 and carrier_letter_id = $2 for update', [
          input.carrierId,
          event.carrierLetterId,
        ]);
        if (!row) return 'unmatched' as const;
        const now = this.clock.now();
        const { rowCount } = await tx.query(
          `insert into letter_events (letter_id, carrier_id, event_id, status, reason, occurred_at, received_at, applied)
           values ($1, $2, $3, $4, $5, $6, $7, false) on conflict (carrier_id, event_id) do nothing`,
          [row.id, input.carrierId, event.eventId, event.status, event.reason ?? null, event.occurredAt, now],
        );
        if (rowCount !== 1) return 'duplicate' as const;
        move = await this.#moveTo(tx, row, row.status, event.status, event.reason ?? null, now);
        if (move !== null) await tx.query('update letter_events set applied = true where carrier_id = $1 and event_id = $2', [input.carrierId, event.eventId]);
        accountId = row.account_id;
        letterId = row.id;
        return 'applied' as const;
      });
      if (outcome === 'unmatched') counts.unmatched++;
      else if (outcome === 'duplicate') counts.duplicates++;
      else counts.applied++;
      if (accountId && letterId && move) await this.#settleMoney(accountId, letterId, move);
    }
    return counts;
  }

  // ---- cancelling -----------------------------------------------------------------------------

  /**
   * Stops a letter: before submission at once (holds released); after it through the carrier's
   * `cancel` when it has one and the letter is not printed yet (a captured price is given back).
   */
  async cancel(input: { accountId: string; id: string }): Promise<Letter> {
    const row = await this.#row(input.accountId, input.id);
    if (!row) throw new LetterNotFoundError(input.id);
    const now = this.clock.now();
    if (row.status === 'held' || row.status === 'ready') {
      const moved = await this.db.transaction(async (tx) => {
        const {
          rows: [locked],
        } = await tx.query<LetterRow>(
          `select * from letters where id = $1 and status in ('held', 'ready') and (lease_until is null or lease_until < $2) for update`,
          [row.id, now],
        );
        if (!locked) return false;
        await this.#moveTo(tx, locked, locked.status, 'cancelled', 'cancelled_by_user', now);
        return true;
      });
      if (moved) {
        await this.#settleMoney(row.account_id, row.id, 'release');
        return this.get(input);
      }
      const current = await this.#row(input.accountId, input.id);
      // A host is handing it to the carrier right now: the answer decides what can still be stopped.
      if (current && (current.status === 'held' || current.status === 'ready'))
        throw new ConflictError({ code: 'letter_submitting', message: `Letter ${row.id} is being handed to the carrier; try again in a moment.` });
      return this.cancel(input);
    }
    const carrier = this.carriers.get(row.carrier_id);
    if (!(row.status === 'submitted' || row.status === 'accepted') || !carrier?.cancel || !row.carrier_letter_id)
      throw new LetterNotCancellableError({ letterId: row.id, status: row.status });
    const { cancelled } = await carrier.cancel({ accountId: row.account_id, carrierLetterId: row.carrier_letter_id });
    if (!cancelled) throw new LetterNotCancellableError({ letterId: row.id, status: row.status });
    await this.db.transaction(async (tx) => {
      const {
        rows: [locked],
      } = await tx.query<LetterRow>('select * from letters where id = $1 for update', [row.id]);
      if (!locked || isFinal(locked.status)) return;
      await tx.query(`update letters set status = 'cancelled', reason = 'cancelled_by_user', updated_at = $2, next_poll_at = null where id = $1`, [
        row.id,
        now,
      ]);
      await this.#recordMove(tx, locked, { from: locked.status, to: 'cancelled', reason: 'cancelled_by_user', at: now, money: 'release' });
      if (locked.invoice_id)
        await recordLetterEvent(tx, {
          invoiceId: locked.invoice_id,
          at: now,
          status: 'cancelled',
          letterId: row.id,
          carrierId: row.carrier_id,
          reason: 'cancelled_by_user',
        });
    });
    await this.#settleMoney(row.account_id, row.id, 'release');
    await this.#reverseCaptures(row.account_id, row.id);
    return this.get(input);
  }

  // ---- background -----------------------------------------------------------------------------

  /**
   * One round of background work (every host, every minute; tests call it): submissions due (first
   * tries whose job was lost, retries), polls of letters in flight whose carrier has `getStatus`,
   * money left behind by a crash (a captured/released state with holds still open), and letters
   * abandoned while their holds were being placed.
   */
  async runDue(input: { limit?: number } = {}): Promise<LetterRoundResult> {
    const limit = input.limit ?? 100;
    const result: LetterRoundResult = { submitted: 0, retried: 0, failed: 0, polled: 0, repaired: 0 };
    const now = this.clock.now();
    const due = await this.db.query<{ id: string }>(
      `select id from letters where status in ('held', 'ready') and next_attempt_at <= $1 and (lease_until is null or lease_until < $1)
        order by next_attempt_at limit $2`,
      [now, limit],
    );
    for (const { id } of due.rows) {
      const outcome = await this.submit({ letterId: id });
      if (outcome === 'submitted') result.submitted++;
      else if (outcome === 'retry') result.retried++;
      else if (outcome === 'failed') result.failed++;
    }
    result.polled = await this.poll({ limit });
    result.repaired = await this.#repair(now, limit);
    return result;
  }

  /** Asks carriers with `getStatus` about letters in flight not heard of for a while (E-Post has no callbacks; callbacks may never come). */
  async poll(input: { limit?: number } = {}): Promise<number> {
    const now = this.clock.now();
    const withStatus = this.carriers
      .list()
      .filter((c) => c.getStatus)
      .map((c) => c.id);
    if (!withStatus.length) return 0;
    const { rows } = await this.db.query<LetterRow>(
      `select * from letters where status = any($1::text[]) and next_poll_at <= $2 and carrier_id = any($3::text[]) and carrier_letter_id is not null
          and submitted_at > $5
        order by next_poll_at limit $4`,
      [pgArray(IN_FLIGHT_STATES), now, pgArray(withStatus), input.limit ?? 100, new Date(now.getTime() - POLL_FOR_MS)],
    );
    let polled = 0;
    for (const row of rows) {
      const carrier = this.carriers.get(row.carrier_id)!;
      await this.db.query('update letters set next_poll_at = $2 where id = $1', [row.id, new Date(now.getTime() + this.#pollMs)]);
      try {
        const event = await carrier.getStatus!({ accountId: row.account_id, carrierLetterId: row.carrier_letter_id! });
        if (event) await this.applyEvents({ carrierId: row.carrier_id, events: [event] });
        polled++;
      } catch {
        // The carrier is down: the next poll tries again.
      }
    }
    return polled;
  }

  async #repair(now: Date, limit: number): Promise<number> {
    let repaired = 0;
    const open = await this.db.query<{ id: string; account_id: string; status: LetterState }>(
      `select distinct l.id, l.account_id, l.status from letters l join letter_holds h on h.letter_id = l.id
        where h.status = 'held' and l.status in ('accepted', 'printed', 'posted', 'delivered', 'returned', 'rejected', 'cancelled', 'failed')
        limit $1`,
      [limit],
    );
    for (const row of open.rows) {
      const released = row.status === 'rejected' || row.status === 'cancelled' || row.status === 'failed';
      await this.#settleMoney(row.account_id, row.id, released ? 'release' : 'capture');
      repaired++;
    }
    const stale = await this.db.query<{ id: string; account_id: string }>(
      `select id, account_id from letters where status = 'holding' and created_at < $1 limit $2`,
      [new Date(now.getTime() - STALE_HOLDING_MS), limit],
    );
    for (const row of stale.rows) {
      await this.#settleMoney(row.account_id, row.id, 'release');
      await this.#forget(row.account_id, row.id);
      repaired++;
    }
    return repaired;
  }

  // ---- money ----------------------------------------------------------------------------------

  /** Captures or releases every open hold of the letter; keys from the letter id and channel make it idempotent. */
  async #settleMoney(accountId: string, letterId: string, move: MoneyMove | null): Promise<void> {
    if (!move || move === 'none') return;
    for (const hold of await this.#holds(letterId)) {
      if (hold.status !== 'held') continue;
      if (move === 'capture') {
        const captured = await this.wallet.capture({ accountId, holdId: hold.hold_id, idempotencyKey: `letter:${letterId}:capture:${hold.channel}` });
        await this.db.query(`update letter_holds set status = 'captured', transaction_id = $3, updated_at = $4 where letter_id = $1 and channel = $2`, [
          letterId,
          hold.channel,
          captured.transactionId,
          this.clock.now(),
        ]);
      } else {
        await this.#release(accountId, letterId, hold.channel, hold.hold_id);
      }
    }
  }

  async #release(accountId: string, letterId: string, channel: string, holdId: string): Promise<void> {
    try {
      await this.wallet.release({ accountId, holdId, idempotencyKey: `letter:${letterId}:release:${channel}` });
    } catch (error) {
      // Already expired or released by the wallet's sweep: nothing is held any more either way.
      if (!(isTollgateError(error) && error.code === 'hold_not_pending')) throw error;
    }
    await this.db.query(`update letter_holds set status = 'released', updated_at = $3 where letter_id = $1 and channel = $2`, [
      letterId,
      channel,
      this.clock.now(),
    ]);
  }

  async #reverseCaptures(accountId: string, letterId: string): Promise<void> {
    for (const hold of await this.#holds(letterId)) {
      if (hold.status !== 'captured' || !hold.transaction_id) continue;
      await this.wallet.reverse({
        accountId,
        transactionId: hold.transaction_id,
        idempotencyKey: `letter:${letterId}:reverse:${hold.channel}`,
        reason: 'letter_cancelled',
      });
      await this.db.query(`update letter_holds set status = 'released', updated_at = $3 where letter_id = $1 and channel = $2`, [
        letterId,
        hold.channel,
        this.clock.now(),
      ]);
    }
  }

  // ---- rows -----------------------------------------------------------------------------------

  async #row(accountId: string, id: string): Promise<LetterRow | null> {
    const { rows } = await this.db.query<LetterRow>('select * from letters where account_id = $1 and id = $2', [accountId, id]);
    return rows[0] ?? null;
  }

  async #byKey(accountId: string, key: string): Promise<LetterRow | null> {
    const { rows } = await this.db.query<LetterRow>('select * from letters where account_id = $1 and idempotency_key = $2', [accountId, key]);
    return rows[0] ?? null;
  }

  async #holds(letterId: string): Promise<HoldRow[]> {
    return (await this.db.query<HoldRow>('select * from letter_holds where letter_id = $1 order by channel', [letterId])).rows;
  }

  async #holdsOf(ids: readonly string[]): Promise<Map<string, HoldRow[]>> {
    const map = new Map<string, HoldRow[]>();
    if (!ids.length) return map;
    const { rows } = await this.db.query<HoldRow>('select * from letter_holds where letter_id = any($1::text[]) order by channel', [pgArray(ids)]);
    for (const row of rows) map.set(row.letter_id, [...(map.get(row.letter_id) ?? []), row]);
    return map;
  }
}

/** Moves that give a wallet letter's money back: their event carries no amount. */
const RELEASING: ReadonlySet<LetterState> = new Set(['rejected', 'failed', 'cancelled']);

/** The charges a wallet carrier's quote names; one without charges cannot be paid from the wallet. */
function chargesOf(carrier: PostalCarrier, quote: PostalQuote): Array<{ channel: string; units: string; description: string }> {
  if (carrier.billing !== 'wallet') return [];
  if (!quote.charges?.length) throw new Error(`carrier ${carrier.id} bills the wallet but its quote has no charges (API 2.5 requires them)`);
  return quote.charges.map((c) => ({ channel: c.channel, units: c.units, description: c.description }));
}

function specOf(row: LetterRow): LetterSpec {
  const parse = (v: PostalAddress | string): PostalAddress => (typeof v === 'string' ? (JSON.parse(v) as PostalAddress) : v);
  return { recipient: parse(row.recipient), sender: parse(row.sender), pages: row.pages, color: row.color, duplex: row.duplex, product: row.product };
}

/** The request's fingerprint: what makes two requests with one key "the same letter". */
export function requestHash(request: LetterRequest): string {
  const sha = (v: Uint8Array | string | undefined) => (v === undefined ? null : createHash('sha256').update(v).digest('hex'));
  const address = (a: PostalAddress | undefined) => (a ? normalisePostalAddress(a) : null);
  const canonical = {
    recipient: address(request.recipient),
    sender: address(request.sender),
    invoiceId: request.invoiceId ?? null,
    pdf: sha(request.pdf),
    html: sha(request.html),
    subject: request.subject ?? null,
    bodyText: request.bodyText ?? null,
    color: request.color,
    duplex: request.duplex,
    product: request.product,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}
