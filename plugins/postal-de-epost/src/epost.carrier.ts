import { createHash } from 'node:crypto';
import { EPostInvalidCredentialsError, EPostRejectedError, type EPostLetterStatus, type RegisteredLetterKind } from '@tollgate/epost';
import {
  assertPostalAddress,
  normalisePostalAddress,
  postalAddressLines,
  type Clock,
  type LetterEvent,
  type LetterSpec,
  type LetterStatus,
  type PluginDatabase,
  type PostalCarrier,
  type PostalQuote,
} from '@tollgate/plugin-sdk';
import type { CredentialsStore } from './credentials.store.js';
import {
  COUNTRIES,
  countryUnsupported,
  credentialsMissing,
  letterTooLong,
  productUnsupported,
  registeredDuplex,
  submissionConflict,
  submissionInProgress,
} from './epost.errors.js';

export const CARRIER_ID = 'postal-de-epost';
const MAX_PAGES = 94;
/** An 'uploading' claim older than this was left by a host that died mid-upload: a retry takes it over. */
const STALE_CLAIM_MS = 2 * 60_000;
/** How long a request waits for another request's upload of the same letter before answering 409. */
const WAIT_FOR_OTHER_MS = 20_000;
const WAIT_STEP_MS = 50;
/** How long one StatusQuery answers getStatus for the account's other letters (a polling round). */
const STATUS_CACHE_MS = 60_000;
/** Letters looked after in a StatusQuery: uploaded in the last days, not final, at most this many. */
const IN_FLIGHT_DAYS = 60;
const MAX_STATUS_QUERY = 500;

type SubmitResult = { carrierLetterId: string; status: 'submitted' | 'accepted' | 'rejected'; reason?: string };

interface SubmissionRow {
  pdf_sha256: string;
  state: 'uploading' | 'uploaded' | 'rejected';
  attempt: number | string;
  letter_id: string | number | null;
  file_name: string;
  reason: string | null;
  claimed_at: Date | string;
}

/**
 * Letters to Germany through the account's own E-POST contract (billing 'own_account': no charges,
 * the wallet is never touched). submit inserts a submissions row before uploading, so one letter is
 * uploaded once per idempotency key across retries and hosts; E-POST sends no callbacks, so the
 * letter channel polls getStatus.
 */
export class EPostCarrier implements PostalCarrier {
  readonly id = CARRIER_ID;
  readonly label = 'Deutsche Post E-POST (own contract)';
  readonly countries = COUNTRIES;
  readonly products = ['standard', 'registered'] as const;
  readonly billing = 'own_account' as const;
  readonly barcode = false;
  readonly #db: PluginDatabase;
  readonly #clock: Clock;
  readonly #credentials: CredentialsStore;
  readonly #testMode: boolean;
  readonly #registeredLetter: RegisteredLetterKind;
  readonly #registeredCoverSheet: boolean;
  readonly #wait: (ms: number) => Promise<void>;
  readonly #statusCache = new Map<string, { at: number; statuses: Map<number, EPostLetterStatus | null> }>();
  readonly #statusQueries = new Map<string, Promise<Map<number, EPostLetterStatus | null>>>();

  constructor(deps: {
    db: PluginDatabase;
    clock: Clock;
    credentials: CredentialsStore;
    testMode: boolean;
    registeredLetter: RegisteredLetterKind;
    registeredCoverSheet: boolean;
    wait?: (ms: number) => Promise<void>;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#credentials = deps.credentials;
    this.#testMode = deps.testMode;
    this.#registeredLetter = deps.registeredLetter;
    this.#registeredCoverSheet = deps.registeredCoverSheet;
    this.#wait = deps.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async quote(input: { accountId: string; letter: LetterSpec }): Promise<PostalQuote> {
    const { recipient } = this.#check(input.letter);
    // Refused before anything is rendered or held: an account without a contract cannot send.
    if (!(await this.#credentials.has({ accountId: input.accountId }))) throw credentialsMissing();
    const cover = this.#coverSheet(input.letter);
    const sheets = (input.letter.duplex ? Math.ceil(input.letter.pages / 2) : input.letter.pages) + (cover ? 1 : 0);
    const product = input.letter.product === 'registered' ? this.#registeredLetter : 'Standardbrief';
    return {
      units: String(sheets),
      country: recipient.country,
      sheets,
      description:
        `E-POST letter to Germany (${product}, ${input.letter.pages} page${input.letter.pages === 1 ? '' : 's'}${cover ? " and E-POST's cover sheet" : ''}, ` +
        `${input.letter.color ? 'colour' : 'black and white'}), paid by the account's own E-POST contract`,
      charges: [],
    };
  }

  async submit(input: {
    accountId: string;
    letter: LetterSpec;
    pdf: Uint8Array;
    idempotencyKey: string;
    reference?: string;
    callbackUrl?: string;
  }): Promise<SubmitResult> {
    const { recipient, sender } = this.#check(input.letter);
    const client = await this.#credentials.client({ accountId: input.accountId });
    const sha256 = createHash('sha256').update(input.pdf).digest('hex');
    // Deterministic per letter: the same name on every retry (E-POST wants 5-200 of A-Z a-z 0-9 . _ -).
    const fileName = `tollgate-${createHash('sha256').update(`${input.accountId}\u0000${input.idempotencyKey}`).digest('hex').slice(0, 32)}.pdf`;
    const attempt = await this.#claim({ accountId: input.accountId, idempotencyKey: input.idempotencyKey, sha256, fileName, reference: input.reference });
    if (typeof attempt !== 'number') return attempt;

    const finish = async (state: 'uploaded' | 'rejected', values: { letterId: number | null; reason: string | null }) => {
      await this.#db.query(
        `UPDATE submissions SET state = $4, letter_id = $5, reason = $6, completed_at = $7
         WHERE account_id = $1 AND idempotency_key = $2 AND attempt = $3 AND state = 'uploading'`,
        [input.accountId, input.idempotencyKey, attempt, state, values.letterId, values.reason, this.#clock.now()],
      );
    };
    try {
      const lines = postalAddressLines({ address: recipient, fromCountry: 'DE', locale: 'de' });
      const uploaded = await client.uploadLetter({
        fileName,
        pdf: input.pdf,
        recipient: { lines, zipCode: recipient.postalCode, city: recipient.city },
        color: input.letter.color,
        duplex: input.letter.duplex,
        registered: input.letter.product === 'registered' ? this.#registeredLetter : null,
        testFlag: this.#testMode,
        coverLetter: this.#coverSheet(input.letter),
        senderLine: postalAddressLines({ address: sender, fromCountry: 'DE', locale: 'de' }).join(', '),
        custom: [input.reference?.slice(0, 80) ?? null, 'tollgate'],
        duplicateFailsafe: true,
      });
      await finish('uploaded', { letterId: uploaded.letterID, reason: null });
      return { carrierLetterId: String(uploaded.letterID), status: 'submitted' };
    } catch (error) {
      // Refusals are final for this letter (kept, so a retry answers the same); anything else frees the claim for a retry.
      if (error instanceof EPostInvalidCredentialsError) {
        this.#credentials.forget({ accountId: input.accountId });
        await finish('rejected', { letterId: null, reason: 'epost_credentials_invalid' });
        return { carrierLetterId: refusedId(fileName), status: 'rejected', reason: 'epost_credentials_invalid' };
      }
      if (error instanceof EPostRejectedError) {
        const reason = rejectionReason(error.vendorCode);
        await finish('rejected', { letterId: null, reason });
        return { carrierLetterId: refusedId(fileName), status: 'rejected', reason };
      }
      await this.#db.query(`DELETE FROM submissions WHERE account_id = $1 AND idempotency_key = $2 AND attempt = $3 AND state = 'uploading'`, [
        input.accountId,
        input.idempotencyKey,
        attempt,
      ]);
      throw error;
    }
  }

  /**
   * The letter's status now. E-POST allows one status query per 5 s per customer, so the first call
   * of a polling round asks once for all of the account's letters in flight (StatusQuery) and the
   * others are answered from that for STATUS_CACHE_MS.
   */
  async getStatus(input: { accountId: string; carrierLetterId: string }): Promise<LetterEvent | null> {
    if (!/^\d{1,18}$/.test(input.carrierLetterId)) return null;
    const letterId = Number(input.carrierLetterId);
    const fromCache = () => {
      const cached = this.#statusCache.get(input.accountId);
      return cached && this.#clock.now().getTime() - cached.at < STATUS_CACHE_MS && cached.statuses.has(letterId) ? cached.statuses.get(letterId)! : undefined;
    };
    // A query already running for the account (another letter of the same round) likely covers this one.
    // Checked and started without an await in between, so letters polled at once share one query.
    for (;;) {
      const running = this.#statusQueries.get(input.accountId);
      if (!running) break;
      await running.catch(() => undefined);
    }
    const cached = fromCache();
    if (cached !== undefined) return toEvent(cached);
    const statuses = await this.#queryStatuses({ accountId: input.accountId, letterId });
    return toEvent(statuses.get(letterId) ?? null);
  }

  /** One StatusQuery for the asked letter and the account's other letters in flight; cached for the round. */
  #queryStatuses(input: { accountId: string; letterId: number }): Promise<Map<number, EPostLetterStatus | null>> {
    const work = (async () => {
      const client = await this.#credentials.client({ accountId: input.accountId });
      const since = new Date(this.#clock.now().getTime() - IN_FLIGHT_DAYS * 86_400_000);
      const { rows } = await this.#db.query<{ letter_id: string | number }>(
        `SELECT letter_id FROM submissions
         WHERE account_id = $1 AND state = 'uploaded' AND completed_at >= $2
           AND (last_status IS NULL OR last_status NOT IN ('delivered', 'rejected', 'failed', 'returned', 'cancelled'))
         ORDER BY completed_at DESC LIMIT $3`,
        [input.accountId, since, MAX_STATUS_QUERY - 1],
      );
      const ids = [...new Set([input.letterId, ...rows.map((row) => Number(row.letter_id))])];
      const found = await client.letterStatuses(ids);
      const statuses = new Map<number, EPostLetterStatus | null>(ids.map((id) => [id, null]));
      for (const status of found) statuses.set(status.letterID, status);
      this.#statusCache.set(input.accountId, { at: this.#clock.now().getTime(), statuses });
      for (const status of found)
        await this.#db.query(`UPDATE submissions SET last_status = $3 WHERE account_id = $1 AND letter_id = $2`, [
          input.accountId,
          status.letterID,
          toLetterEvent(status).status,
        ]);
      return statuses;
    })();
    this.#statusQueries.set(input.accountId, work);
    const done = () => {
      if (this.#statusQueries.get(input.accountId) === work) this.#statusQueries.delete(input.accountId);
    };
    work.then(done, done);
    return work;
  }

  /** Whether E-POST puts its own cover sheet first (registered letters, see the registeredCoverSheet option). */
  #coverSheet(letter: LetterSpec): boolean {
    return letter.product === 'registered' && this.#registeredCoverSheet;
  }

  /** The letter rules E-POST applies, before anything is held or uploaded; the normalised addresses. */
  #check(letter: LetterSpec) {
    const recipient = normalisePostalAddress(letter.recipient);
    if (!(COUNTRIES as readonly string[]).includes(recipient.country)) throw countryUnsupported(recipient.country);
    assertPostalAddress({ address: recipient, role: 'recipient' });
    // The sender goes on the cover sheet E-POST prints for registered letters.
    const sender = normalisePostalAddress(letter.sender);
    assertPostalAddress({ address: sender, role: 'sender' });
    if (letter.product !== 'standard' && letter.product !== 'registered') throw productUnsupported(letter.product);
    if (letter.product === 'registered' && letter.duplex) throw registeredDuplex();
    if (!Number.isInteger(letter.pages) || letter.pages < 1 || letter.pages > MAX_PAGES) throw letterTooLong(letter.pages);
    return { recipient, sender };
  }

  /**
   * Inserts the submission before the upload (the insert-then-upload pattern). The attempt number
   * when this request owns the upload; otherwise what the earlier request decided, once it has.
   */
  async #claim(input: {
    accountId: string;
    idempotencyKey: string;
    sha256: string;
    fileName: string;
    reference: string | undefined;
  }): Promise<number | SubmitResult> {
    const inserted = await this.#db.query(
      `INSERT INTO submissions (account_id, idempotency_key, pdf_sha256, file_name, reference, state, attempt, claimed_at)
       VALUES ($1, $2, $3, $4, $5, 'uploading', 1, $6)
       ON CONFLICT (account_id, idempotency_key) DO NOTHING`,
      [input.accountId, input.idempotencyKey, input.sha256, input.fileName, input.reference ?? null, this.#clock.now()],
    );
    if (inserted.rowCount === 1) return 1;
    for (let waited = 0; ; waited += WAIT_STEP_MS) {
      const { rows } = await this.#db.query<SubmissionRow>(
        `SELECT pdf_sha256, state, attempt, letter_id, file_name, reason, claimed_at FROM submissions WHERE account_id = $1 AND idempotency_key = $2`,
        [input.accountId, input.idempotencyKey],
      );
      const row = rows[0];
      if (!row) return this.#claim(input); // the owner gave up (an outage): this request tries.
      if (row.pdf_sha256 !== input.sha256) throw submissionConflict();
      if (row.state === 'uploaded') return { carrierLetterId: String(row.letter_id), status: 'submitted' };
      if (row.state === 'rejected') return { carrierLetterId: refusedId(row.file_name), status: 'rejected', reason: row.reason ?? 'epost_rejected' };
      const claimedAt = row.claimed_at instanceof Date ? row.claimed_at : new Date(row.claimed_at);
      if (this.#clock.now().getTime() - claimedAt.getTime() > STALE_CLAIM_MS) {
        // Its host died mid-upload: take over. The duplicate failsafe answers the first upload's ID if it got through.
        const next = Number(row.attempt) + 1;
        const taken = await this.#db.query(
          `UPDATE submissions SET attempt = $3, claimed_at = $4 WHERE account_id = $1 AND idempotency_key = $2 AND state = 'uploading' AND attempt = $5`,
          [input.accountId, input.idempotencyKey, next, this.#clock.now(), Number(row.attempt)],
        );
        if (taken.rowCount === 1) return next;
      }
      if (waited >= WAIT_FOR_OTHER_MS) throw submissionInProgress();
      await this.#wait(WAIT_STEP_MS);
    }
  }
}

function toEvent(status: EPostLetterStatus | null): LetterEvent | null {
  return status ? toLetterEvent(status) : null;
}

/** E-POST's status as a LetterEvent (statusID 1 accepted, 2 processed, 3 sent to the print centre, 4 posted, 99 error). */
export function toLetterEvent(status: EPostLetterStatus): LetterEvent {
  const at = (value: string | null | undefined) => new Date(value ?? status.createdDate ?? 0);
  const event = (letterStatus: LetterStatus, occurredAt: Date, reason?: string): LetterEvent => ({
    eventId: `epost:${status.letterID}:${letterStatus}`,
    carrierLetterId: String(status.letterID),
    status: letterStatus,
    occurredAt,
    ...(reason ? { reason } : {}),
  });
  if (status.statusID === 99) {
    const error = status.errorList?.find((e) => e.level === 'Error') ?? status.errorList?.[0];
    // Refused in checking, or failed in the print centre after it was handed over.
    return event(
      status.printUploadDate ? 'failed' : 'rejected',
      at(error?.date ?? status.printUploadDate ?? status.createdDate),
      rejectionReason(error?.code ?? null),
    );
  }
  if (status.statusID === 4 && status.destinationAreaStatus) return event('delivered', at(status.destinationAreaStatusDate ?? status.printFeedbackDate));
  if (status.statusID === 4) return event('posted', at(status.printFeedbackDate));
  if (status.statusID === 3) return event('printed', at(status.printUploadDate));
  if (status.statusID === 2) return event('accepted', at(status.processedDate));
  return event('submitted', at(status.createdDate));
}

/** A short reason for the letter's history from E-POST's error code. */
export function rejectionReason(code: string | null): string {
  switch (code) {
    case 'E301':
      return 'pdf_unreadable';
    case 'E303':
    case 'E304':
      return 'pdf_too_large';
    case 'E307':
    case 'E308':
      return 'pdf_not_a4_portrait';
    case 'E203':
    case 'E306':
    case 'E323':
    case 'E333':
      return 'address_not_in_window';
    case 'E318':
      return 'print_centre_rejected';
    default:
      return code ? `epost_${code.toLowerCase()}` : 'epost_rejected';
  }
}

function refusedId(fileName: string): string {
  return `refused-${fileName.replace(/\.pdf$/, '')}`;
}
