import type { Clock } from '@tollgate/clock';
import { pgArray, type Database, type Queryable } from '@tollgate/db';
import { ConfigError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '@tollgate/errors';
import { monotonicFactory } from 'ulid';
import { hashKey, looksLikeKey, newKeySecret } from './api-key-secret.js';
import { atLeast, type Caller, type Role } from './roles.js';

export interface Account {
  id: string;
  name: string;
  status: 'trial' | 'active' | 'closed';
  locale: 'nl' | 'fr' | 'en' | 'de';
  timeZone: string;
  createdAt: Date;
}
export interface User {
  id: string;
  accountId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}
export interface ApiKey {
  id: string;
  accountId: string | null;
  name: string;
  role: Role | 'platform_admin';
  prefix: string;
  createdBy: string | null;
  /** The user the key acts for (null: a key issued without one, e.g. by an operator). */
  userId: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}
/** A key as returned once, at creation: the only time the secret is visible. */
export type NewApiKey = ApiKey & { key: string };

type Row = Record<string, unknown>;
const toAccount = (r: Row): Account => ({
  id: r.id as string,
  name: r.name as string,
  status: r.status as Account['status'],
  locale: r.locale as Account['locale'],
  timeZone: r.time_zone as string,
  createdAt: r.created_at as Date,
});
const toUser = (r: Row): User => ({
  id: r.id as string,
  accountId: r.account_id as string,
  email: r.email as string,
  name: r.name as string,
  role: r.role as Role,
  createdAt: r.created_at as Date,
});
const toKey = (r: Row): ApiKey => ({
  id: r.id as string,
  accountId: (r.account_id as string | null) ?? null,
  name: r.name as string,
  role: r.role as ApiKey['role'],
  prefix: r.prefix as string,
  createdBy: (r.created_by as string | null) ?? null,
  userId: (r.user_id as string | null) ?? null,
  createdAt: r.created_at as Date,
  lastUsedAt: (r.last_used_at as Date | null) ?? null,
  revokedAt: (r.revoked_at as Date | null) ?? null,
});

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const UNIQUE_VIOLATION = '23505';

/**
 * What other parts of the platform do when an account changes (the host opens the account's wallet,
 * keeps its time zone in step). Keeps this service free of the wallet and of any framework.
 */
export interface AccountHooks {
  /** After the account, its owner and key are committed. Must be idempotent: it may run again for the same account. `plan`: the one it starts on, if not the default. */
  created?(account: Account, options?: { plan?: string }): Promise<void>;
  /** Inside the transaction that changed the account, so both commit or neither does. */
  updated?(input: { account: Account; changed: { name?: string; locale?: Account['locale']; timeZone?: string }; tx: Queryable }): Promise<void>;
}

/** How authenticate() remembers keys (see docs/api.md, "Key caching and last use"). */
export interface KeyCacheOptions {
  /**
   * How long an authenticated key is served from memory without asking the database, in ms
   * (default 5000; 0 = ask every time). A key revoked through this host stops working at once; one
   * revoked through another host (or the database) keeps working here for at most this long.
   */
  ttlMs?: number;
  /** Most keys kept (default 10,000); the oldest entry goes first. */
  maxEntries?: number;
}

/** A key's use is written at most once per this many ms (last_used_at is coarse, by design). */
export const LAST_USE_GRANULARITY_MS = 60_000;

interface CachedKey {
  caller: Caller;
  expiresAt: number;
}

/**
 * Accounts (tenants), their users and API keys. Every account-scoped method takes the caller and
 * looks rows up by (account, id), so a key of one account can never see another's data: it gets
 * the same 404 as for an id that does not exist.
 */
export class AccountsService {
  readonly #ulid = monotonicFactory();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  /** Authenticated keys by secret hash; keyId → hash, to evict on revocation. */
  readonly #keys = new Map<string, CachedKey>();
  readonly #hashOf = new Map<string, string>();
  /** Bumped by every eviction: a lookup that began before one does not cache what it read. */
  #generation = 0;
  /** Last uses waiting for the next flush, and when each key's use was last queued (ms). */
  #pendingUse = new Map<string, Date>();
  readonly #queuedAt = new Map<string, number>();
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: { db: Database; clock: Clock; hooks?: AccountHooks; keyCache?: KeyCacheOptions }) {
    this.#ttlMs = deps.keyCache?.ttlMs ?? 5_000;
    this.#maxEntries = deps.keyCache?.maxEntries ?? 10_000;
  }

  #id(prefix: string): string {
    return `${prefix}_${this.#ulid(this.deps.clock.now().getTime()).toLowerCase()}`;
  }

  /** Creates an account with its first owner and an owner API key (returned once). */
  async createAccount(input: {
    name: string;
    locale?: Account['locale'];
    timeZone?: string;
    owner: { email: string; name: string };
    /** The plan (edition) it starts on; default: the host's default plan (the host checks it exists). */
    plan?: string;
  }): Promise<{ account: Account; owner: User; apiKey: NewApiKey }> {
    const timeZone = input.timeZone ?? 'Europe/Brussels';
    if (!isValidTimeZone(timeZone))
      throw new ValidationError({
        code: 'invalid_time_zone',
        message: `Unknown time zone ${JSON.stringify(timeZone)} (use an IANA name such as Europe/Brussels)`,
      });
    const now = this.deps.clock.now();
    const created = await this.deps.db.transaction(async (tx) => {
      const accountId = this.#id('acc');
      const {
        rows: [account],
      } = await tx.query(`insert into accounts (id, name, locale, time_zone, created_at) values ($1, $2, $3, $4, $5) returning *`, [
        accountId,
        input.name,
        input.locale ?? 'en',
        timeZone,
        now,
      ]);
      const {
        rows: [owner],
      } = await tx.query(`insert into users (id, account_id, email, name, role, created_at) values ($1, $2, $3, $4, 'owner', $5) returning *`, [
        this.#id('usr'),
        accountId,
        input.owner.email.toLowerCase(),
        input.owner.name,
        now,
      ]);
      const ownerId = (owner as Row).id as string;
      const apiKey = await this.#insertKey(tx, { accountId, name: 'default', role: 'owner', createdBy: ownerId, userId: ownerId });
      return { account: toAccount(account!), owner: toUser(owner!), apiKey };
    });
    // After commit: on PGlite the one connection is the transaction's until then.
    await this.deps.hooks?.created?.(created.account, input.plan ? { plan: input.plan } : {});
    return created;
  }

  async #insertKey(
    db: Queryable,
    input: { accountId: string | null; name: string; role: ApiKey['role']; createdBy: string | null; userId?: string | null },
  ): Promise<NewApiKey> {
    const secret = newKeySecret(input.accountId === null ? 'admin' : 'account');
    const {
      rows: [row],
    } = await db.query(
      `insert into api_keys (id, account_id, name, role, prefix, secret_hash, created_by, user_id, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *`,
      [this.#id('key'), input.accountId, input.name, input.role, secret.prefix, secret.hash, input.createdBy, input.userId ?? null, this.deps.clock.now()],
    );
    return { ...toKey(row!), key: secret.key };
  }

  async createAdminKey(input: { name: string }): Promise<NewApiKey> {
    return this.#insertKey(this.deps.db, { accountId: null, name: input.name, role: 'platform_admin', createdBy: null });
  }

  /**
   * The first platform admin key, so a fresh install can be driven over HTTP without the CLI.
   * With `key` (TOLLGATE_ADMIN_KEY) that key is registered once and nothing is printed; without
   * it a key is made only while the platform has none, and returned once for the caller to show.
   * Two hosts starting at once on one PostgreSQL make one key: the check runs under a lock.
   */
  async bootstrapAdminKey(input: { key?: string | undefined }): Promise<{ created: NewApiKey | null; registered: boolean }> {
    if (input.key !== undefined && !/^tga_[A-Za-z0-9_-]{32}$/.test(input.key)) {
      throw new ConfigError({
        code: 'admin_key_invalid',
        message:
          'TOLLGATE_ADMIN_KEY must be "tga_" and 32 characters from A-Z a-z 0-9 _ - (e.g. node -e "console.log(\'tga_\'+crypto.randomBytes(24).toString(\'base64url\'))")',
      });
    }
    return this.deps.db.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(hashtext('tollgate:bootstrap-admin-key'))`);
      if (input.key !== undefined) {
        const hash = hashKey(input.key);
        const { rows } = await tx.query('select 1 from api_keys where secret_hash = $1', [hash]);
        if (rows.length) return { created: null, registered: false };
        await tx.query(
          `insert into api_keys (id, account_id, name, role, prefix, secret_hash, created_by, created_at) values ($1, null, $2, 'platform_admin', $3, $4, null, $5)`,
          [this.#id('key'), 'TOLLGATE_ADMIN_KEY', input.key.slice(0, 10), hash, this.deps.clock.now()],
        );
        return { created: null, registered: true };
      }
      const { rows } = await tx.query(`select 1 from api_keys where role = 'platform_admin' limit 1`);
      if (rows.length) return { created: null, registered: false };
      return { created: await this.#insertKey(tx, { accountId: null, name: 'first admin key', role: 'platform_admin', createdBy: null }), registered: true };
    });
  }

  /**
   * Resolves a bearer key to its caller; throws 401 for anything unknown, malformed or revoked.
   * A read: a key is looked up by its hash (or found in the short-lived cache), and its use is
   * queued for flushLastUse(), at most once a minute per key, off the request path.
   */
  async authenticate(key: string | undefined): Promise<Caller> {
    if (!key || !looksLikeKey(key)) throw new UnauthorizedError();
    const hash = hashKey(key);
    const now = this.deps.clock.now();
    const cached = this.#keys.get(hash);
    if (cached && cached.expiresAt > now.getTime()) {
      this.#noteUse(cached.caller.keyId, now);
      return cached.caller;
    }
    if (cached) this.#forget(hash, cached.caller.keyId);
    const generation = this.#generation;
    const {
      rows: [row],
    } = await this.deps.db.query(`select id, account_id, role, user_id from api_keys where secret_hash = $1 and revoked_at is null`, [hash]);
    if (!row) throw new UnauthorizedError({ message: 'This API key is unknown or revoked.' });
    const caller: Caller =
      row.role === 'platform_admin'
        ? { kind: 'admin', keyId: row.id as string }
        : {
            kind: 'account',
            accountId: row.account_id as string,
            role: row.role as Role,
            keyId: row.id as string,
            userId: (row.user_id as string | null) ?? null,
          };
    if (this.#ttlMs > 0 && generation === this.#generation) {
      if (this.#keys.size >= this.#maxEntries) {
        const [oldest] = this.#keys;
        if (oldest) this.#forget(oldest[0], oldest[1].caller.keyId);
      }
      this.#keys.set(hash, { caller, expiresAt: now.getTime() + this.#ttlMs });
      this.#hashOf.set(caller.keyId, hash);
    }
    this.#noteUse(caller.keyId, now);
    return caller;
  }

  #forget(hash: string, keyId: string): void {
    this.#keys.delete(hash);
    this.#hashOf.delete(keyId);
  }

  /** Drops revoked keys from the cache, so this host refuses them from the next request on. */
  #evict(keyIds: Iterable<string>): void {
    this.#generation++;
    for (const keyId of keyIds) {
      const hash = this.#hashOf.get(keyId);
      if (hash !== undefined) this.#forget(hash, keyId);
    }
  }

  #noteUse(keyId: string, now: Date): void {
    const last = this.#queuedAt.get(keyId);
    if (last !== undefined && now.getTime() - last < LAST_USE_GRANULARITY_MS) return;
    this.#queuedAt.set(keyId, now.getTime());
    this.#pendingUse.set(keyId, now);
  }

  /**
   * Writes the queued last uses in one statement (never moving a key's last_used_at backwards).
   * Called by the host's timer (startLastUseFlush), on close, and by tests. On failure the uses
   * stay queued for the next flush.
   */
  async flushLastUse(): Promise<void> {
    await this.#flushing;
    if (!this.#pendingUse.size) return;
    const batch = this.#pendingUse;
    this.#pendingUse = new Map();
    const now = this.deps.clock.now().getTime();
    for (const [keyId, at] of this.#queuedAt) if (now - at >= LAST_USE_GRANULARITY_MS) this.#queuedAt.delete(keyId);
    this.#flushing = this.deps.db
      .query(
        `update api_keys k set last_used_at = greatest(k.last_used_at, u.at)
           from unnest($1::text[], $2::timestamptz[]) as u(id, at) where k.id = u.id`,
        [pgArray([...batch.keys()]), pgArray([...batch.values()].map((d) => d.toISOString()))],
      )
      .then(
        () => undefined,
        (error: unknown) => {
          for (const [keyId, at] of batch) if (!this.#pendingUse.has(keyId)) this.#pendingUse.set(keyId, at);
          throw error;
        },
      )
      .finally(() => {
        this.#flushing = undefined;
      });
    await this.#flushing;
  }

  /** Flushes last uses every `intervalMs` (real time; the host's background work). */
  startLastUseFlush(input: { intervalMs: number; onError: (error: unknown) => void }): void {
    this.#timer ??= setInterval(() => void this.flushLastUse().catch(input.onError), input.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and writes what is queued (on host close, before the database closes). */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flushLastUse();
  }

  async getAccount(input: { accountId: string }): Promise<Account> {
    const {
      rows: [row],
    } = await this.deps.db.query(`select * from accounts where id = $1`, [input.accountId]);
    if (!row) throw new NotFoundError({ message: `No account ${input.accountId}` });
    return toAccount(row);
  }

  async listAccounts(input: { limit: number; after?: string }): Promise<{ data: Account[]; nextCursor: string | null }> {
    const { rows } = await this.deps.db.query(`select * from accounts where ($1::text is null or id > $1) order by id limit $2`, [
      input.after ?? null,
      input.limit + 1,
    ]);
    const data = rows.slice(0, input.limit).map(toAccount);
    return { data, nextCursor: rows.length > input.limit ? data[data.length - 1]!.id : null };
  }

  async updateAccount(input: { caller: AccountCaller; name?: string; locale?: Account['locale']; timeZone?: string }): Promise<Account> {
    requireRole(input.caller, 'admin');
    if (input.timeZone !== undefined && !isValidTimeZone(input.timeZone))
      throw new ValidationError({ code: 'invalid_time_zone', message: `Unknown time zone ${JSON.stringify(input.timeZone)}` });
    return this.deps.db.transaction(async (tx) => {
      const {
        rows: [row],
      } = await tx.query(
        `update accounts set name = coalesce($2, name), locale = coalesce($3, locale), time_zone = coalesce($4, time_zone) where id = $1 returning *`,
        [input.caller.accountId, input.name ?? null, input.locale ?? null, input.timeZone ?? null],
      );
      const account = toAccount(row!);
      const changed = {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.locale !== undefined ? { locale: input.locale } : {}),
        ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}),
      };
      await this.deps.hooks?.updated?.({ account, changed, tx });
      return account;
    });
  }

  async listUsers(input: { caller: AccountCaller }): Promise<User[]> {
    const { rows } = await this.deps.db.query(`select * from users where account_id = $1 order by created_at, id`, [input.caller.accountId]);
    return rows.map(toUser);
  }

  async getUser(input: { caller: AccountCaller; userId: string }): Promise<User> {
    const {
      rows: [row],
    } = await this.deps.db.query(`select * from users where account_id = $1 and id = $2`, [input.caller.accountId, input.userId]);
    if (!row) throw new NotFoundError({ message: `No user ${input.userId}` });
    return toUser(row);
  }

  async addUser(input: { caller: AccountCaller; email: string; name: string; role: Role }): Promise<User> {
    requireRole(input.caller, input.role === 'owner' ? 'owner' : 'admin');
    try {
      const {
        rows: [row],
      } = await this.deps.db.query(`insert into users (id, account_id, email, name, role, created_at) values ($1, $2, $3, $4, $5, $6) returning *`, [
        this.#id('usr'),
        input.caller.accountId,
        input.email.toLowerCase(),
        input.name,
        input.role,
        this.deps.clock.now(),
      ]);
      return toUser(row!);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION)
        throw new ConflictError({ code: 'user_exists', message: `A user with e-mail ${input.email} already exists in this account` });
      throw error;
    }
  }

  async updateUser(input: { caller: AccountCaller; userId: string; name?: string; role?: Role }): Promise<User> {
    return this.deps.db.transaction(async (tx) => {
      const user = await this.#lockUser(tx, input.caller, input.userId);
      // Changing an owner, or making one, takes an owner; the rest takes an admin.
      requireRole(input.caller, user.role === 'owner' || input.role === 'owner' ? 'owner' : 'admin');
      if (user.role === 'owner' && input.role && input.role !== 'owner') await this.#keepAnOwner(tx, input.caller.accountId);
      const {
        rows: [row],
      } = await tx.query(`update users set name = coalesce($3, name), role = coalesce($4, role) where account_id = $1 and id = $2 returning *`, [
        input.caller.accountId,
        input.userId,
        input.name ?? null,
        input.role ?? null,
      ]);
      return toUser(row!);
    });
  }

  async removeUser(input: { caller: AccountCaller; userId: string }): Promise<void> {
    const revoked = await this.deps.db.transaction(async (tx) => {
      const user = await this.#lockUser(tx, input.caller, input.userId);
      requireRole(input.caller, user.role === 'owner' ? 'owner' : 'admin');
      if (user.role === 'owner') await this.#keepAnOwner(tx, input.caller.accountId);
      const { rows } = await tx.query<{ id: string }>(
        `update api_keys set revoked_at = $2 where (created_by = $1 or user_id = $1) and revoked_at is null returning id`,
        [user.id, this.deps.clock.now()],
      );
      await tx.query(`delete from users where account_id = $1 and id = $2`, [input.caller.accountId, input.userId]);
      return rows.map((r) => r.id);
    });
    this.#evict(revoked);
  }

  async #lockUser(tx: Queryable, caller: AccountCaller, userId: string): Promise<User> {
    // Lock every owner row of the account first, so two concurrent demotions cannot both pass the check.
    await tx.query(`select id from users where account_id = $1 and role = 'owner' order by id for update`, [caller.accountId]);
    const {
      rows: [row],
    } = await tx.query(`select * from users where account_id = $1 and id = $2 for update`, [caller.accountId, userId]);
    if (!row) throw new NotFoundError({ message: `No user ${userId}` });
    return toUser(row);
  }

  async #keepAnOwner(tx: Queryable, accountId: string): Promise<void> {
    const {
      rows: [row],
    } = await tx.query(`select count(*)::int as owners from users where account_id = $1 and role = 'owner'`, [accountId]);
    if ((row!.owners as number) <= 1)
      throw new ConflictError({ code: 'last_owner', message: 'An account keeps at least one owner; make someone else owner first.' });
  }

  async listApiKeys(input: { caller: AccountCaller }): Promise<ApiKey[]> {
    requireRole(input.caller, 'admin');
    const { rows } = await this.deps.db.query(`select * from api_keys where account_id = $1 order by created_at, id`, [input.caller.accountId]);
    return rows.map(toKey);
  }

  /** A key for `userId` (default: the caller's own user); never above the caller's role nor the user's. */
  async createApiKey(input: { caller: AccountCaller; name: string; role: Role; userId?: string }): Promise<NewApiKey> {
    requireRole(input.caller, 'admin');
    if (!atLeast(input.caller.role, input.role))
      throw new ForbiddenError({ code: 'role_too_high', message: `A ${input.caller.role} cannot create a key with role ${input.role}` });
    let userId = input.caller.userId;
    if (input.userId !== undefined) {
      const user = await this.getUser({ caller: input.caller, userId: input.userId });
      if (!atLeast(user.role, input.role))
        throw new ForbiddenError({ code: 'role_too_high', message: `A key for ${user.name} (${user.role}) cannot have role ${input.role}` });
      userId = user.id;
    }
    return this.#insertKey(this.deps.db, { accountId: input.caller.accountId, name: input.name, role: input.role, createdBy: input.caller.keyId, userId });
  }

  /** A platform operator issuing a key for an account (CLI, admin API). */
  async issueAccountKey(input: { accountId: string; name: string; role: Role }): Promise<NewApiKey> {
    await this.getAccount({ accountId: input.accountId });
    return this.#insertKey(this.deps.db, { accountId: input.accountId, name: input.name, role: input.role, createdBy: null });
  }

  async revokeApiKey(input: { caller: AccountCaller; keyId: string }): Promise<ApiKey> {
    requireRole(input.caller, 'admin');
    const {
      rows: [existing],
    } = await this.deps.db.query(`select * from api_keys where account_id = $1 and id = $2`, [input.caller.accountId, input.keyId]);
    if (!existing) throw new NotFoundError({ message: `No API key ${input.keyId}` });
    if (!atLeast(input.caller.role, existing.role as Role))
      throw new ForbiddenError({ code: 'role_too_high', message: `A ${input.caller.role} cannot revoke a ${String(existing.role)} key` });
    const {
      rows: [row],
    } = await this.deps.db.query(`update api_keys set revoked_at = coalesce(revoked_at, $3) where account_id = $1 and id = $2 returning *`, [
      input.caller.accountId,
      input.keyId,
      this.deps.clock.now(),
    ]);
    this.#evict([input.keyId]);
    return toKey(row!);
  }
}

export type AccountCaller = Extract<Caller, { kind: 'account' }>;

/** 403 insufficient_role unless the caller's role is at least `needed`. */
export function requireRole(caller: AccountCaller, needed: Role): void {
  if (!atLeast(caller.role, needed))
    throw new ForbiddenError({ code: 'insufficient_role', message: `This needs the ${needed} role; this key has ${caller.role}.` });
}
