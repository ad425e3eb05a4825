import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import {
  coreServices,
  definePlugin,
  PLUGIN_API_VERSION,
  spendChannelsExtensionPoint,
  type ChannelPrice,
  type Plugin,
  type PluginAccounts,
} from '@tollgate/plugin-sdk';
import { PriceCatalog, walletMigrations } from '@tollgate/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadPlugins, PluginLoadError } from './plugin-loader.js';
import { PluginHost } from './plugin-host.js';

const plugin = (id: string, extra: Partial<Parameters<typeof definePlugin>[0]> = {}) =>
  definePlugin({ id, compatibility: '^2.0.0', register() {}, ...extra } as Parameters<typeof definePlugin>[0]);

/** Loads modules from a map instead of the file system. */
async function load(modules: Record<string, unknown>, entries: Array<{ package: string; options?: unknown; enabled?: boolean }>) {
  return loadPlugins({
    config: { configDir: '/nowhere', plugins: entries.map((e) => ({ enabled: true, ...e })) },
    importer: async (specifier) => {
      if (!(specifier in modules)) throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
      return modules[specifier];
    },
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PluginLoadError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected the plugins to be refused');
}

describe('loadPlugins', () => {
  it('loads plugins in config order with validated, defaulted options; skips disabled ones', async () => {
    const sms = plugin('sms', { options: z.object({ sender: z.string().default('Tollgate'), retries: z.number().int().max(5) }) });
    const loaded = await load({ a: { default: sms }, b: { default: plugin('voice') }, c: { default: plugin('off') } }, [
      { package: 'a', options: { retries: 2 } },
      { package: 'b' },
      { package: 'c', enabled: false },
    ]);
    expect(loaded.map((l) => l.plugin.id)).toEqual(['sms', 'voice']);
    expect(loaded[0]!.options).toEqual({ sender: 'Tollgate', retries: 2 });
  });

  it('names the package when it cannot be found', async () => {
    expect(await refusal(load({}, [{ package: '@acme/missing' }]))).toBe('plugin @acme/missing: not found (is the package installed and built?)');
  });

  it('refuses a module without a definePlugin default export', async () => {
    expect(await refusal(load({ x: { default: { id: 'x', register() {} } } }, [{ package: 'x' }]))).toMatch(
      /^plugin x: does not default-export a plugin made with definePlugin/,
    );
    expect(await refusal(load({ y: { named: plugin('y') } }, [{ package: 'y' }]))).toMatch(/^plugin y: does not default-export/);
  });

  it('refuses an incompatible or malformed compatibility range', async () => {
    expect(await refusal(load({ p: { default: plugin('old', { compatibility: '^0.9.0' }) } }, [{ package: 'p' }]))).toBe(
      `plugin old (p): requires plugin API ^0.9.0, this host provides ${PLUGIN_API_VERSION}`,
    );
    expect(await refusal(load({ p: { default: plugin('weird', { compatibility: 'latest please' }) } }, [{ package: 'p' }]))).toMatch(
      /compatibility "latest please" is not a semver range/,
    );
  });

  it('refuses bad options with the field and the reason', async () => {
    const p = plugin('sms', { options: z.object({ retries: z.number().int().max(5) }) });
    const message = await refusal(load({ p: { default: p } }, [{ package: 'p', options: { retries: 9 } }]));
    expect(message).toMatch(/^plugin sms \(p\): invalid options: retries: /);
    expect(await refusal(load({ p: { default: plugin('plain') } }, [{ package: 'p', options: { a: 1 } }]))).toBe(
      'plugin plain (p): takes no options, but the config gives some',
    );
  });

  it('refuses two plugins with one id', async () => {
    expect(await refusal(load({ a: { default: plugin('sms') }, b: { default: plugin('sms') } }, [{ package: 'a' }, { package: 'b' }]))).toBe(
      'plugin sms (b): id "sms" is already used by a',
    );
  });
});

describe('definePlugin', () => {
  it('checks the descriptor when it is declared', () => {
    expect(() => plugin('Not Kebab')).toThrow(/kebab-case/);
    expect(() => definePlugin({ id: 'x', compatibility: '', register() {} })).toThrow(/semver range/);
  });
});

describe('PluginHost', () => {
  const services = () => ({
    logger: {
      debug() {},
      info() {},
      warn() {},
      error() {},
      child() {
        return this;
      },
    },
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    db: {} as never,
    host: { baseUrl: 'http://localhost:3000', sandbox: true },
    wallet: {} as never,
    catalog: {} as never,
  });
  const channelPlugin = (id: string, channelId: string): Plugin =>
    definePlugin({
      id,
      compatibility: '^2.0.0',
      register(env) {
        env.registerInit({
          deps: { channels: spendChannelsExtensionPoint },
          init({ channels }) {
            channels.add({
              id: channelId,
              label: channelId,
              unit: 'unit',
              settlement: 'immediate',
              quote: async () => ({ units: '1', description: '' }),
              execute: async () => ({ status: 'done', result: null }),
            });
          },
        });
      },
    }) as Plugin;

  it('refuses a spend channel id that another plugin registered', async () => {
    const host = new PluginHost([
      { plugin: channelPlugin('sms-a', 'sms'), source: 'a', options: undefined },
      { plugin: channelPlugin('sms-b', 'sms'), source: 'b', options: undefined },
    ]);
    host.register();
    await expect(host.start(services())).rejects.toThrow('plugin sms-b: spend channel id "sms" collides: plugin sms-a registered it');
  });

  it('refuses unknown deps and late registrations, and runs shutdown hooks in reverse order', async () => {
    const order: string[] = [];
    const late = definePlugin({
      id: 'late',
      compatibility: '^2.0.0',
      register(env) {
        env.onShutdown(() => void order.push('late-1'));
        env.onShutdown(() => void order.push('late-2'));
      },
    }) as Plugin;
    const first = definePlugin({ id: 'first', compatibility: '^2.0.0', register: (env) => env.onShutdown(() => void order.push('first')) }) as Plugin;
    const host = new PluginHost([
      { plugin: first, source: 'first', options: undefined },
      { plugin: late, source: 'late', options: undefined },
    ]);
    host.register();
    await host.start(services());
    expect(() => host.spendChannels.forPlugin('late').add({ id: 'x' } as never)).toThrow(/after start-up/);
    await host.stop(services().logger);
    expect(order).toEqual(['late-2', 'late-1', 'first']);

    const unknown = definePlugin({
      id: 'needy',
      compatibility: '^2.0.0',
      register(env) {
        env.registerInit({ deps: { x: { $$type: '@tollgate/ServiceRef', id: 'acme.unknown' } }, init() {} });
      },
    }) as Plugin;
    const host2 = new PluginHost([{ plugin: unknown, source: 'needy', options: undefined }]);
    host2.register();
    await expect(host2.start(services())).rejects.toThrow('plugin needy: asks for unknown service or extension point "acme.unknown"');
  });

  it('gives coreServices.accounts, read only: an account with its locale and time zone, null for an unknown id', async () => {
    let accounts: PluginAccounts | undefined;
    const reader = definePlugin({
      id: 'reader',
      compatibility: '^2.1.0',
      register(env) {
        env.registerInit({ deps: { accounts: coreServices.accounts }, init: (deps) => void (accounts = deps.accounts) });
      },
    }) as Plugin;
    const queries: string[] = [];
    const db = {
      query: async (sql: string, params: unknown[]) => {
        queries.push(sql);
        return { rows: params[0] === 'acc_1' ? [{ id: 'acc_1', name: 'Acme', locale: 'nl', time_zone: 'Europe/Brussels' }] : [], rowCount: 0 };
      },
    };
    const host = new PluginHost([{ plugin: reader, source: 'reader', options: undefined }]);
    host.register();
    await host.start({ ...services(), db: db as never });
    expect(await accounts!.get({ accountId: 'acc_1' })).toEqual({ id: 'acc_1', name: 'Acme', locale: 'nl', timeZone: 'Europe/Brussels' });
    expect(await accounts!.get({ accountId: 'acc_2' })).toBeNull();
    expect(await accounts!.getUser({ accountId: 'acc_2', userId: 'usr_1' })).toBeNull();
    expect(queries.every((q) => /^select /.test(q))).toBe(true);
    expect(Object.keys(accounts!)).toEqual(['get', 'getUser']);
  });

  it('wraps a failing register or init with the plugin id', async () => {
    const boom = definePlugin({
      id: 'boom',
      compatibility: '^2.0.0',
      register() {
        throw new Error('kaput');
      },
    }) as Plugin;
    const host = new PluginHost([{ plugin: boom, source: 'boom', options: undefined }]);
    expect(() => host.register()).toThrow('plugin boom: register failed: kaput');
  });
});

for (const engine of testEngines()) {
  describe(`PluginHost seeds declared prices [${engine.name}]`, () => {
    let db: TestDatabase;
    let catalog: PriceCatalog;
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      catalog = new PriceCatalog(db, clock);
    });
    afterAll(async () => {
      await db?.dispose();
    });

    const pricedPlugin = (channelId: string, prices: unknown, unit = 'scan'): Plugin =>
      definePlugin({
        id: `priced-${channelId}`,
        compatibility: '^2.0.0',
        register(env) {
          env.registerInit({
            deps: { channels: spendChannelsExtensionPoint },
            init({ channels }) {
              channels.add({
                id: channelId,
                label: channelId,
                unit,
                settlement: 'immediate',
                prices: prices as ChannelPrice[],
                quote: async () => ({ units: '1', description: '' }),
              });
            },
          });
        },
      }) as Plugin;
    const start = async (p: Plugin) => {
      const host = new PluginHost([{ plugin: p, source: p.id, options: undefined }]);
      host.register();
      await host.start({
        logger: {
          debug() {},
          info() {},
          warn() {},
          error() {},
          child() {
            return this;
          },
        },
        clock,
        db,
        host: { baseUrl: 'http://localhost:3000', sandbox: true },
        wallet: {} as never,
        catalog,
      });
    };
    let bad = 0;
    const prices = async (channel: string) =>
      (await catalog.list({ channel })).map((p) => `${p.country} ${p.unitPrice.toString()} ${p.effectiveFrom.toISOString().slice(0, 10)}`);

    it('writes each declared price at every start; the same rows again are harmless', async () => {
      const declared = [
        { unitPrice: '0.10', effectiveFrom: '2020-01-01' },
        { unitPrice: '0.125', effectiveFrom: new Date('2026-01-01T00:00:00Z') },
        { unitPrice: '0.02', effectiveFrom: '2026-01-01T00:00:00.000Z', country: 'US' },
      ];
      await start(pricedPlugin('seeded', declared));
      await start(pricedPlugin('seeded', declared));
      expect(await prices('seeded')).toEqual(['* 0.10 2020-01-01', '* 0.125 2026-01-01', 'US 0.02 2026-01-01']);
      expect((await catalog.priceAt({ channel: 'seeded', country: 'US' }))?.unitPrice.toString()).toBe('0.02');
    });

    it('refuses to start when a date already has another price, naming the channel, the date and both prices', async () => {
      await start(pricedPlugin('clash', [{ unitPrice: '0.10', effectiveFrom: '2025-01-01' }]));
      await expect(start(pricedPlugin('clash', [{ unitPrice: '0.12', effectiveFrom: '2025-01-01T00:00:00Z' }]))).rejects.toThrow(
        'plugin priced-clash: spend channel "clash": declares 0.12 per scan from 2025-01-01T00:00:00.000Z, but the catalog already has 0.10 per scan from that date; prices are never changed in place: give the new price a later effectiveFrom',
      );
      await expect(start(pricedPlugin('clash', [{ unitPrice: '0.10', effectiveFrom: '2025-01-01' }], 'page'))).rejects.toThrow(
        /declares 0\.10 per page .* already has 0\.10 per scan/,
      );
      expect(await prices('clash')).toEqual(['* 0.10 2025-01-01']);
    });

    it.each([
      [[{ unitPrice: 0.1, effectiveFrom: '2025-01-01' }], 'unitPrice must be a decimal string with at most 6 decimals such as "0.18", got 0.1'],
      [[{ unitPrice: '0,10', effectiveFrom: '2025-01-01' }], 'got "0,10"'],
      [[{ unitPrice: '-1', effectiveFrom: '2025-01-01' }], 'got "-1"'],
      [[{ unitPrice: '0.1234567', effectiveFrom: '2025-01-01' }], 'got "0.1234567"'],
      [[{ unitPrice: '0.10', effectiveFrom: 'next monday' }], 'effectiveFrom must be an ISO date or date-time, or a Date; got "next monday"'],
      [[{ unitPrice: '0.10', effectiveFrom: '2025-02-30' }], 'effectiveFrom must be an ISO date'],
      [[{ unitPrice: '0.10', effectiveFrom: '2025-02-30T10:00:00+02:00' }], 'effectiveFrom must be an ISO date'],
      [[{ unitPrice: '0.10', effectiveFrom: '2025-01-01', country: 'be' }], 'country must be an ISO 3166 alpha-2 code such as "BE", got "be"'],
      ['0.10', 'prices must be an array'],
    ])('refuses bad declared prices: %j', async (declared, message) => {
      const channel = `bad-price-${++bad}`;
      await expect(start(pricedPlugin(channel, declared))).rejects.toThrow(message);
      expect(await prices(channel)).toEqual([]);
    });
  });
}
