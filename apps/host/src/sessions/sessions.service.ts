import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@tollgate/clock';
import type { Database } from '@tollgate/db';
import { ConflictError, ForbiddenError, NotFoundError } from '@tollgate/errors';
import { monotonicFactory } from 'ulid';
import type { AccountCaller, AccountsService } from '../accounts/accounts.service.js';
import type { Caller, Role } from '../accounts/roles.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password-hash.js';
import { CsrfTokenError, InvalidCredentialsError, SessionInvalidError, TooManyAttemptsError } from './session-errors.js';

export interface SessionOptions {
  /** Absolute lifetime of a session (default 7 days). */
  maxAgeMs?: number;
  /** A session unused for this long ends (default 12 h). */
  idleMs?: number;
}

export interface SessionView {
  kind: 'account' | 'admin';
  expiresAt: Date;
  account: { id: string; name: string; locale: string; timeZone: string } | null;
  user: { id: string; email: string; name: string; role: Role } | null;
  role: Role | null;
}

/** A session found by its token: who it acts as, and the token its writes must carry. */
export interface ActiveSession {
  id: string;
  caller: Caller;
  csrfToken: string;
}

export type SignInInput = { email: string; password: string; accountId?: string | undefined } | { apiKey: string };

/** Failed sign-ins per e-mail before a lock, the window they count in, and how long the lock lasts. */
export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 15 * 60_000;
/** last_seen_at is written at most once a minute per session (the idle timeout is coarse by that much). */
const TOUCH_GRANULARITY_MS = 60_000;
export const MIN_PASSWORD_LENGTH = 12;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

type Row = Record<string, unknown>;

/**
 * Sign-in for people (e-mail + password) and operators (an API key), and the sessions that follow:
 * a random 256-bit token in an HttpOnly cookie, stored only as its SHA-256; a CSRF token per
 * session. Every request reads the session with its user's current role (a demotion or removal
 * applies at once) and its key's state (a revoked key ends its sessions at once). Framework-free.
 */
export class SessionsService {
  readonly #ulid = monotonicFactory();
  readonly #maxAgeMs: number;
  readonly #idleMs: number;

  constructor(private readonly deps: { db: Database; clock: Clock; accounts: AccountsService; options?: SessionOptions }) {
    this.#maxAgeMs = deps.options?.maxAgeMs ?? 7 * 24 * 3_600_000;
    this.#idleMs = deps.options?.idleMs ?? 12 * 3_600_000;
    // Made now, so the first unknown e-mail does not take a second hash's time.
    void dummyPasswordHash();
  }

  /** The cookie's lifetime in seconds (the session's absolute lifetime). */
  get maxAgeSeconds(): number {
    return Math.floor(this.#maxAgeMs / 1000);
  }

  /** Signs in and returns the new session's token (for the cookie only), its view and its CSRF token. */
  async signIn(input: SignInInput): Promise<{ token: string; csrfToken: string; session: SessionView }> {
    if ('apiKey' in input) return this.#signInWithKey(input.apiKey);
    const email = input.email.trim().toLowerCase();
    const now = this.deps.clock.now();
    await this.#refuseWhileLocked(email, now);
    const { rows } = await this.deps.db.query(
      `select u.id, u.account_id, u.password_hash, a.name as account_name from users u join accounts a on a.id = u.account_id
        where u.email = $1 and u.password_hash is not null and ($2::text is null or u.account_id = $2) order by u.account_id`,
      [email, input.accountId ?? null],
    );
    // An unknown e-mail costs one hash too, so the answer's timing does not tell which e-mails exist.
    if (!rows.length) await verifyPassword({ password: input.password, stored: await dummyPasswordHash() });
    const matched: Row[] = [];
    for (const row of rows) if (await verifyPassword({ password: input.password, stored: row.password_hash as string })) matched.push(row);
    if (!matched.length) {
      await this.#recordFailure(email, now);
      throw new InvalidCredentialsError();
    }
    await this.deps.db.query('delete from login_failures where email = $1', [email]);
    // Named only after the password proved right: the accounts an e-mail belongs to are not public.
    if (matched.length > 1)
      throw new ConflictError({
        code: 'account_choice_required',
        message: 'This e-mail address signs in to several accounts: choose one (accountId).',
        details: { accounts: matched.map((r) => ({ id: r.account_id as string, name: r.account_name as string })) },
      });
    const user = matched[0]!;
    return this.#create({ kind: 'account', accountId: user.account_id as string, userId: user.id as string, apiKeyId: null });
  }

  async #signInWithKey(apiKey: string): Promise<{ token: string; csrfToken: string; session: SessionView }> {
    let caller: Caller;
    try {
      caller = await this.deps.accounts.authenticate(apiKey);
    } catch {
      throw new InvalidCredentialsError();
    }
    return caller.kind === 'admin'
      ? this.#create({ kind: 'admin', accountId: null, userId: null, apiKeyId: caller.keyId })
      : this.#create({ kind: 'account', accountId: caller.accountId, userId: null, apiKeyId: caller.keyId });
  }

  async #create(input: { kind: 'account' | 'admin'; accountId: string | null; userId: string | null; apiKeyId: string | null }) {
    const now = this.deps.clock.now();
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const id = `ses_${this.#ulid(now.getTime()).toLowerCase()}`;
    await this.deps.db.query(
      `insert into sessions (id, token_hash, kind, account_id, user_id, api_key_id, csrf_token, created_at, last_seen_at, expires_at, idle_seconds)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)`,
      [
        id,
        sha256(token),
        input.kind,
        input.accountId,
        input.userId,
        input.apiKeyId,
        csrfToken,
        now,
        new Date(now.getTime() + this.#maxAgeMs),
        Math.ceil(this.#idleMs / 1000),
      ],
    );
    // Sessions long past their end are of no use to anyone: dropped as new ones are made.
    await this.deps.db.query('delete from sessions where expires_at < $1', [new Date(now.getTime() - 24 * 3_600_000)]);
    return { token, csrfToken, session: await this.#view(id) };
  }

  /**
   * The session of a cookie's token, as a Caller: 401 when it is unknown, signed out, past its
   * absolute or idle end, or its user or key is gone. Notes the use (at most once a minute).
   */
  async authenticate(input: { token: string | undefined }): Promise<ActiveSession> {
    if (!input.token) throw new SessionInvalidError();
    const now = this.deps.clock.now();
    const {
      rows: [row],
    } = await this.deps.db.query(
      `select s.id, s.kind, s.account_id, s.user_id, s.api_key_id, s.csrf_token, s.last_seen_at, s.expires_at, s.idle_seconds, s.revoked_at,
              u.role as user_role, k.role as key_role, k.user_id as key_user_id, k.revoked_at as key_revoked_at, k.id as key_id
         from sessions s left join users u on u.id = s.user_id left join api_keys k on k.id = s.api_key_id
        where s.token_hash = $1`,
      [sha256(input.token)],
    );
    if (!row || row.revoked_at) throw new SessionInvalidError();
    const lastSeen = (row.last_seen_at as Date).getTime();
    if ((row.expires_at as Date).getTime() <= now.getTime() || lastSeen + (row.idle_seconds as number) * 1000 <= now.getTime()) throw new SessionInvalidError();
    let caller: Caller;
    const sessionId = row.id as string;
    if (row.api_key_id) {
      if (!row.key_id || row.key_revoked_at) throw new SessionInvalidError();
      caller =
        row.key_role === 'platform_admin'
          ? { kind: 'admin', keyId: row.key_id as string }
          : {
              kind: 'account',
              accountId: row.account_id as string,
              role: row.key_role as Role,
              keyId: row.key_id as string,
              userId: (row.key_user_id as string | null) ?? null,
              sessionId,
            };
    } else {
      if (!row.user_role) throw new SessionInvalidError();
      // A person's session has no key: the session's id stands for it where a key id is recorded (who asked for a refund).
      caller = {
        kind: 'account',
        accountId: row.account_id as string,
        role: row.user_role as Role,
        keyId: sessionId,
        userId: row.user_id as string,
        sessionId,
      };
    }
    if (now.getTime() - lastSeen >= TOUCH_GRANULARITY_MS)
      await this.deps.db.query('update sessions set last_seen_at = $2 where id = $1 and last_seen_at < $2', [sessionId, now]);
    return { id: sessionId, caller, csrfToken: row.csrf_token as string };
  }

  /** 403 csrf_token_invalid unless `sent` is the session's CSRF token. */
  checkCsrf(input: { session: ActiveSession; sent: string | string[] | undefined }): void {
    const sent = Array.isArray(input.sent) ? input.sent[0] : input.sent;
    if (!sent || !sameText(sent, input.session.csrfToken)) throw new CsrfTokenError();
  }

  /** GET /auth/session: the live session's view and its CSRF token. */
  async describe(input: { token: string | undefined }): Promise<{ session: SessionView; csrfToken: string }> {
    const session = await this.authenticate(input);
    return { session: await this.#view(session.id), csrfToken: session.csrfToken };
  }

  /** Signs out: needs the CSRF token of a live session; a cookie without a live session has nothing to end. */
  async signOut(input: { token: string | undefined; csrfToken: string | string[] | undefined }): Promise<void> {
    let session: ActiveSession;
    try {
      session = await this.authenticate({ token: input.token });
    } catch {
      return;
    }
    this.checkCsrf({ session, sent: input.csrfToken });
    await this.deps.db.query('update sessions set revoked_at = $2 where id = $1 and revoked_at is null', [session.id, this.deps.clock.now()]);
  }

  /**
   * The caller's own password. With one set, the current one is needed (its failures count towards
   * the e-mail's lockout). The user's other sessions end; the caller's own stays.
   */
  async setOwnPassword(input: { caller: AccountCaller; currentPassword?: string | undefined; newPassword: string }): Promise<void> {
    if (!input.caller.userId) throw new ForbiddenError({ code: 'user_required', message: 'This key acts for no user, so it has no password to set.' });
    const {
      rows: [user],
    } = await this.deps.db.query('select id, email, password_hash from users where account_id = $1 and id = $2', [input.caller.accountId, input.caller.userId]);
    if (!user) throw new NotFoundError({ message: `No user ${input.caller.userId}` });
    if (user.password_hash) {
      const email = user.email as string;
      const now = this.deps.clock.now();
      await this.#refuseWhileLocked(email, now);
      if (!input.currentPassword || !(await verifyPassword({ password: input.currentPassword, stored: user.password_hash as string }))) {
        if (input.currentPassword) await this.#recordFailure(email, now);
        throw new ForbiddenError({
          code: 'current_password_invalid',
          message: input.currentPassword ? 'The current password is not right.' : 'Changing a password needs the current one (currentPassword).',
        });
      }
    }
    await this.#store({ userId: user.id as string, password: input.newPassword, keepSessionId: input.caller.sessionId ?? null });
  }

  /** An operator setting a user's password (the CLI): ends every session of that user. */
  async setPassword(input: { accountId: string; email: string; password: string }): Promise<{ userId: string }> {
    const {
      rows: [user],
    } = await this.deps.db.query('select id from users where account_id = $1 and email = $2', [input.accountId, input.email.trim().toLowerCase()]);
    if (!user) throw new NotFoundError({ message: `No user ${input.email} in account ${input.accountId}` });
    await this.#store({ userId: user.id as string, password: input.password, keepSessionId: null });
    return { userId: user.id as string };
  }

  async #store(input: { userId: string; password: string; keepSessionId: string | null }): Promise<void> {
    const hash = await hashPassword(input.password);
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      await tx.query('update users set password_hash = $2 where id = $1', [input.userId, hash]);
      await tx.query(`update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null and id is distinct from $3`, [
        input.userId,
        now,
        input.keepSessionId,
      ]);
    });
  }

  async #refuseWhileLocked(email: string, now: Date): Promise<void> {
    const {
      rows: [row],
    } = await this.deps.db.query('select locked_until from login_failures where email = $1', [email]);
    const until = (row?.locked_until as Date | null | undefined)?.getTime();
    if (until !== undefined && until > now.getTime()) throw new TooManyAttemptsError({ retryAfter: Math.ceil((until - now.getTime()) / 1000) });
  }

  /** Counts a failure in the e-mail's window; the one that reaches MAX_FAILURES locks it for the window's length (429 at once). */
  async #recordFailure(email: string, now: Date): Promise<void> {
    const cutoff = new Date(now.getTime() - FAILURE_WINDOW_MS);
    const lockUntil = new Date(now.getTime() + FAILURE_WINDOW_MS);
    // A window that has passed, or a lock that has ended, starts counting again from 1.
    const {
      rows: [row],
    } = await this.deps.db.query(
      `insert into login_failures as f (email, window_start, failures) values ($1, $2, 1)
       on conflict (email) do update set
         failures = case when f.window_start <= $3 or f.locked_until is not null then 1 else f.failures + 1 end,
         window_start = case when f.window_start <= $3 or f.locked_until is not null then excluded.window_start else f.window_start end,
         locked_until = case when f.window_start > $3 and f.locked_until is null and f.failures + 1 >= $5 then $4::timestamptz else null end
       returning failures, locked_until`,
      [email, now, cutoff, lockUntil, MAX_FAILURES],
    );
    await this.deps.db.query('delete from login_failures where window_start < $1 and (locked_until is null or locked_until < $2)', [cutoff, now]);
    if (row?.locked_until) throw new TooManyAttemptsError({ retryAfter: Math.ceil(FAILURE_WINDOW_MS / 1000) });
  }

  async #view(sessionId: string): Promise<SessionView> {
    const {
      rows: [row],
    } = await this.deps.db.query(
      `select s.kind, s.expires_at, a.id as account_id, a.name as account_name, a.locale, a.time_zone,
              u.id as user_id, u.email, u.name as user_name, u.role as user_role, k.role as key_role
         from sessions s left join api_keys k on k.id = s.api_key_id left join accounts a on a.id = s.account_id
         left join users u on u.id = coalesce(s.user_id, k.user_id)
        where s.id = $1`,
      [sessionId],
    );
    if (!row) throw new SessionInvalidError();
    const kind = row.kind as SessionView['kind'];
    return {
      kind,
      expiresAt: row.expires_at as Date,
      account: row.account_id
        ? { id: row.account_id as string, name: row.account_name as string, locale: row.locale as string, timeZone: row.time_zone as string }
        : null,
      user: row.user_id ? { id: row.user_id as string, email: row.email as string, name: row.user_name as string, role: row.user_role as Role } : null,
      role: kind === 'admin' ? null : (((row.key_role as Role | null) ?? (row.user_role as Role)) as Role),
    };
  }
}
