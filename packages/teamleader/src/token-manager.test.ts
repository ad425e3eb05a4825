import { ManualClock } from '@tollgate/clock';
import { describe, expect, it } from 'vitest';
import { TeamleaderClient } from './teamleader.client.js';
import { InvalidGrantError, ReconsentNeededError, TeamleaderUnavailableError, TokenRefusedError } from './teamleader.errors.js';
import { TokenCipher } from './token-cipher.js';
import { TeamleaderTokenManager } from './token-manager.js';
import { InMemoryTokenStore, type TeamleaderTokens } from './token-store.js';

/** A token endpoint with single-use refresh tokens; `pause()` holds refreshes until released, in order. */
class FakeTokenEndpoint {
  readonly valid = new Set<string>();
  readonly waiting: Array<() => void> = [];
  refreshes = 0;
  /** Accept a used refresh token again (to make both hosts' refreshes succeed). */
  lenient = false;
  /** What the endpoint throws for every refresh instead (another refusal, an outage). */
  failure: (() => Error) | null = null;
  #paused = false;
  #n = 0;

  constructor(private readonly clock: ManualClock) {}

  issue(): TeamleaderTokens {
    this.#n += 1;
    this.valid.add(`refresh-${this.#n}`);
    return { accessToken: `access-${this.#n}`, refreshToken: `refresh-${this.#n}`, expiresAt: new Date(this.clock.now().getTime() + 3_600_000).toISOString() };
  }

  pause(): void {
    this.#paused = true;
  }

  refresh = async ({ refreshToken }: { refreshToken: string }): Promise<TeamleaderTokens> => {
    this.refreshes += 1;
    if (this.#paused) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failure) throw this.failure();
    if (!this.valid.has(refreshToken)) throw new InvalidGrantError({ message: 'refresh token used or revoked' });
    if (!this.lenient) this.valid.delete(refreshToken);
    return this.issue();
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition never became true');
}

function setup() {
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const store = new InMemoryTokenStore();
  const cipher = new TokenCipher({ keys: { k1: TokenCipher.generateKey() }, currentKeyId: 'k1' });
  const endpoint = new FakeTokenEndpoint(clock);
  const host = () => new TeamleaderTokenManager({ store, cipher, oauth: endpoint, clock });
  return { clock, store, cipher, endpoint, host, manager: host() };
}

describe('TeamleaderTokenManager', () => {
  it('hands out the stored token while it is fresh, and refreshes ahead of expiry', async () => {
    const { clock, endpoint, manager } = setup();
    await manager.connect({ connectionId: 'c1', tokens: endpoint.issue() });
    expect(await manager.accessToken({ connectionId: 'c1' })).toBe('access-1');
    clock.advance({ minutes: 54 }); // 6 minutes left: still fresh
    expect(await manager.accessToken({ connectionId: 'c1' })).toBe('access-1');
    clock.advance({ minutes: 2 }); // 4 minutes left: inside the 5-minute margin
    expect(await manager.accessToken({ connectionId: 'c1' })).toBe('access-2');
    expect(endpoint.refreshes).toBe(1);
  });

  it('10 concurrent calls with an expired token make ONE refresh and all get the new token', async () => {
    const { clock, store, endpoint, manager } = setup();
    await manager.connect({ connectionId: 'c1', tokens: endpoint.issue() });
    clock.advance({ hours: 2 });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => manager.accessToken({ connectionId: 'c1' })));
    expect(new Set(tokens)).toEqual(new Set(['access-2']));
    expect(endpoint.refreshes).toBe(1);
    expect(store.saves.map((save) => save.version)).toEqual([1, 2]);
  });

  it('serialises per connection, not globally', async () => {
    const { clock, endpoint, manager } = setup();
    await manager.connect({ connectionId: 'c1', tokens: endpoint.issue() });
    await manager.connect({ connectionId: 'c2', tokens: endpoint.issue() });
    clock.advance({ hours: 2 });
    const [a, b] = await Promise.all([manager.accessToken({ connectionId: 'c1' }), manager.accessToken({ connectionId: 'c2' })]);
    expect(a).not.toBe(b);
    expect(endpoint.refreshes).toBe(2);
  });

  it('a host that loses the compare-and-set reloads the winner’s tokens instead of refreshing again', async () => {
    const { clock, store, endpoint, host } = setup();
    const hostA = host();
    const hostB = host();
    await hostA.connect({ connectionId: 'c1', tokens: endpoint.issue() });
    clock.advance({ hours: 2 });
    endpoint.lenient = true; // both refreshes succeed; only the store decides
    endpoint.pause();
    const a = hostA.accessToken({ connectionId: 'c1' });
    const b = hostB.accessToken({ connectionId: 'c1' });
    await until(() => endpoint.waiting.length === 2);
    endpoint.waiting[0]?.();
    expect(await a).toBe('access-2');
    endpoint.waiting[1]?.();
    expect(await b).toBe('access-2'); // the winner's token, not its own access-3
    expect(endpoint.refreshes).toBe(2);
    expect(store.saves.map((save) => save.version)).toEqual([1, 2]);
  });

  it('a host whose refresh token was just used by another host takes that host’s pair (no re-consent)', async () => {
    const { clock, store, endpoint, host } = setup();
    const hostA = host();
    const hostB = host();
    await hostA.connect({ connectionId: 'c1', tokens: endpoint.issue() });
    clock.advance({ hours: 2 });
    endpoint.pause();
    const a = hostA.accessToken({ connectionId: 'c1' });
    const b = hostB.accessToken({ connectionId: 'c1' });
    await until(() => endpoint.waiting.length === 2);
    endpoint.waiting[0]?.();
    expect(await a).toBe('access-2');
    endpoint.waiting[1]?.(); // refresh-1 is spent now → invalid_grant
    expect(await b).toBe('access-2');
    expect((await store.load({ connectionId: 'c1' }))?.reconsentNeeded).toBeNull();
  });

  it('invalid_grant with no newer pair marks the connection "re-consent needed"', async () => {
    const { clock, store, endpoint, manager } = setup();
    await manager.connect({ connectionId: 'c1', tokens: endpoint.issue() });
    endpoint.valid.clear(); // the user revoked the integration
    clock.advance({ hours: 2 });
    const error = await manager.accessToken({ connectionId: 'c1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconsentNeededError);
    expect(error).toMatchObject({ code: 'teamleader_reconsent_needed', connectionId: 'c1', reason: 'invalid_grant' });
    expect((await store.load({ connectionId: 'c1' }))?.reconsentNeeded).toEqual({ reason: 'invalid_grant' });
    // From now on no refresh is tried at all, until a new consent is stored.
    await expect(manager.accessToken({ connectionId: 'c1' })).rejects.toBeInstanceOf(ReconsentNeededError);
    expect(endpoint.refreshes).toBe(1);
    await manager.connect({ connectionId: 'c1', tokens: endpoint.issue() });
    expect(await manager.accessToken({ connectionId: 'c1' })).toBe('access-2');
  });

  it('any other 4xx refusal of the refresh (not 408/429) also marks it "re-consent needed", with the status and error as reason', async () => {
    for (const [status, error] of [
      [400, 'invalid_request'],
      [401, 'invalid_client'],
      [403, 'unreadable_error'],
    ] as const) {
      const { clock, store, endpoint, manager } = setup();
      await manager.connect({ connectionId: 'c1', tokens: endpoint.issue() });
      endpoint.failure = () => new TokenRefusedError({ upstreamStatus: status, error, message: 'refused' });
      clock.advance({ hours: 2 });
      const refused = await manager.accessToken({ connectionId: 'c1' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ReconsentNeededError);
      expect(refused).toMatchObject({ reason: `HTTP ${status} ${error}` });
      expect((await store.load({ connectionId: 'c1' }))?.reconsentNeeded).toEqual({ reason: `HTTP ${status} ${error}` });
      await expect(manager.accessToken({ connectionId: 'c1' })).rejects.toBeInstanceOf(ReconsentNeededError);
      expect(endpoint.refreshes).toBe(1);
    }
  });

  it('an outage of the token endpoint (5xx, 408, 429 → TeamleaderUnavailableError) is not a lost consent', async () => {
    const { clock, store, endpoint, manager } = setup();
    await manager.connect({ connectionId: 'c1', tokens: endpoint.issue() });
    endpoint.failure = () => new TeamleaderUnavailableError({ message: 'down', upstreamStatus: 429 });
    clock.advance({ hours: 2 });
    await expect(manager.accessToken({ connectionId: 'c1' })).rejects.toBeInstanceOf(TeamleaderUnavailableError);
    expect((await store.load({ connectionId: 'c1' }))?.reconsentNeeded).toBeNull();
    endpoint.failure = null;
    expect(await manager.accessToken({ connectionId: 'c1' })).toBe('access-2');
  });

  it('an unknown connection needs consent', async () => {
    const { manager } = setup();
    await expect(manager.accessToken({ connectionId: 'nope' })).rejects.toMatchObject({ reason: 'not_connected' });
  });

  it('saves the new pair BEFORE the new access token is used', async () => {
    const { clock, store, cipher, endpoint, manager } = setup();
    await manager.connect({ connectionId: 'c1', tokens: endpoint.issue() });
    clock.advance({ hours: 2 });
    const seen: string[] = [];
    const client = new TeamleaderClient({
      tokens: manager,
      clock,
      apiBaseUrl: 'http://tl.test',
      fetch: async (_url, init) => {
        const token = String((init?.headers as Record<string, string>).authorization).replace('Bearer ', '');
        const stored = await store.load({ connectionId: 'c1' });
        const storedToken = stored ? cipher.open({ connectionId: 'c1', sealed: stored.sealed }).accessToken : null;
        seen.push(`${token} stored=${storedToken}`);
        return Response.json({ data: { id: 'u1' } });
      },
    });
    await client.call({ connectionId: 'c1', action: 'users.me' });
    expect(seen).toEqual(['access-2 stored=access-2']);
  });

  it('does not use a new token the store failed to save', async () => {
    const { clock, store, endpoint, cipher } = setup();
    const failing = Object.assign(Object.create(store) as InMemoryTokenStore, {
      save: async () => {
        throw new Error('database down');
      },
      load: store.load.bind(store),
    });
    await new TeamleaderTokenManager({ store, cipher, oauth: endpoint, clock }).connect({ connectionId: 'c1', tokens: endpoint.issue() });
    const manager = new TeamleaderTokenManager({ store: failing, cipher, oauth: endpoint, clock });
    clock.advance({ hours: 2 });
    let used = 0;
    const client = new TeamleaderClient({ tokens: manager, clock, apiBaseUrl: 'http://tl.test', fetch: async () => (used++, Response.json({})) });
    await expect(client.call({ connectionId: 'c1', action: 'users.me' })).rejects.toThrow('database down');
    expect(used).toBe(0);
  });
});
