import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './free-port.js';

/**
 * The first day of a new user, scripted (issue 20): a fresh data folder → `pnpm start`'s process →
 * the first admin key from its output → an account → a card → a pack bought → credit spent → the
 * CLI beside the running host → Teamleader connected → stop and start again → a pack bought with
 * the saved card → an import without re-consent → the ledger checked. Every step goes over HTTP or
 * the CLI, as a user does; each is timed. Run by `pnpm newcomer` and in the suite (test/newcomer.e2e.test.ts).
 */

// Always the built files: the suite runs this module from src/, `pnpm newcomer` from dist/.
const root = resolve(import.meta.dirname, '../../..');
export const START = resolve(root, 'tooling/dev-stack/dist/start.js');
const CLI = resolve(root, 'apps/host/dist/cli.js');

export interface NewcomerStep {
  step: string;
  ms: number;
}

export interface NewcomerResult {
  steps: NewcomerStep[];
  /** From spawning the dev stack to /health 200, fresh data folder and restart. */
  firstStartMs: number;
  restartMs: number;
}

class ScenarioError extends Error {}

export interface RunningStack {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stop(): Promise<number | null>;
}

/** Starts the dev stack and waits for it to be ready: its "listening" line, then /health 200; a child that exits fails at once. */
export async function startStack(input: { cwd: string; env: NodeJS.ProcessEnv; readyTimeoutMs: number }): Promise<RunningStack> {
  const child = spawn(process.execPath, [START], { cwd: input.cwd, env: input.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      // Not left running on its ports after the run gave up on it.
      child.kill('SIGTERM');
      fail(new ScenarioError(`the dev stack was not ready within ${input.readyTimeoutMs} ms\n${stderr}`));
    }, input.readyTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new ScenarioError(`the dev stack exited with ${code} before it was ready\n${stderr}`));
    });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (typeof entry.url === 'string' && entry.msg?.startsWith('Tollgate host listening')) {
          clearTimeout(timer);
          done(entry.url);
        }
      } catch {
        // not a log line
      }
    });
  });
  child.removeAllListeners('exit');
  const health = await fetch(`${url}/health`);
  if (health.status !== 200) throw new ScenarioError(`/health answered ${health.status}`);
  return {
    child,
    url,
    stderr: () => stderr,
    stop: () =>
      new Promise((done) => {
        child.once('exit', (code) => done(code));
        child.kill('SIGTERM');
      }),
  };
}

function runCli(input: { args: string[]; cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...input.args], { cwd: input.cwd, env: input.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

type Json = Record<string, unknown> & { error?: { code: string; message: string } };

export async function api(input: { url: string; method?: string; path: string; key?: string; body?: unknown; headers?: Record<string, string> }) {
  const res = await fetch(new URL(input.path, input.url), {
    method: input.method ?? 'GET',
    headers: {
      ...(input.key ? { authorization: `Bearer ${input.key}` } : {}),
      ...(input.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...input.headers,
    },
    ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
    redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : {}) as Json };
}

export function expectStatus(what: string, res: { status: number; body: Json }, ...statuses: number[]): Json {
  if (!statuses.includes(res.status)) throw new ScenarioError(`${what}: expected ${statuses.join(' or ')}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls a read until it says done: the host settles card payments and runs imports in the background. */
export async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new ScenarioError(`${what}: not done within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runNewcomer(input: { log?: (line: string) => void; readyTimeoutMs?: number } = {}): Promise<NewcomerResult> {
  const log = input.log ?? (() => {});
  const readyTimeoutMs = input.readyTimeoutMs ?? 120_000;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-newcomer-'));
  const steps: NewcomerStep[] = [];
  let started = Date.now();
  const step = (name: string) => {
    const ms = Date.now() - started;
    steps.push({ step: name, ms });
    log(`${name}: ${ms} ms`);
    started = Date.now();
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: '',
    TOLLGATE_ADMIN_KEY: '',
    TOLLGATE_CONFIG: '',
    TOLLGATE_DATA_DIR: join(dir, 'data'),
    PORT: String(await freePort()),
    SANDBOX_CARD_PORT: String(await freePort()),
    SANDBOX_BANK_PORT: String(await freePort()),
    SANDBOX_TWILIO_PORT: String(await freePort()),
    SANDBOX_TEAMLEADER_PORT: String(await freePort()),
    SANDBOX_TRENDSTOP_PORT: String(await freePort()),
    SANDBOX_PRINTMAIL_PORT: String(await freePort()),
    SANDBOX_EPOST_PORT: String(await freePort()),
    SANDBOX_WEBHOOKS_PORT: String(await freePort()),
    SANDBOX_SFTP_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
  };
  let stack: RunningStack | undefined;
  try {
    started = Date.now();
    stack = await startStack({ cwd: dir, env, readyTimeoutMs });
    const firstStartMs = Date.now() - started;
    step('start on a fresh data folder (to /health 200)');
    const url = stack.url;

    const adminKey = /first platform admin key .*: (tga_\S+)/.exec(stack.stderr())?.[1];
    if (!adminKey) throw new ScenarioError(`no admin key printed at the first start:\n${stack.stderr()}`);
    step('admin key from the first start');

    // The demo owner's dashboard login, printed once beside the admin key: it signs in.
    const demo = /sign in as (\S+@demo\.tollgate\.test) \/ (\S+) \(shown once\)/.exec(stack.stderr());
    if (!demo) throw new ScenarioError(`no demo login printed at the first start:\n${stack.stderr()}`);
    const signedIn = expectStatus(
      'demo sign-in',
      await api({ url, method: 'POST', path: '/auth/sessions', body: { email: demo[1], password: demo[2] } }),
      201,
    ) as {
      session: { account: { name: string } };
    };
    if (signedIn.session.account.name !== 'Demo BV') throw new ScenarioError(`demo sign-in: ${JSON.stringify(signedIn)}`);
    expectStatus('the dashboard', await api({ url, path: '/app/' }), 200);
    step('demo login signs in; the dashboard is served');

    const created = expectStatus(
      'create account',
      await api({
        url,
        method: 'POST',
        path: '/admin/accounts',
        key: adminKey,
        body: { name: 'Newcomer BV', locale: 'nl', owner: { email: 'owner@newcomer.test', name: 'Owner' } },
      }),
      201,
    ) as { account: { id: string }; apiKey: { key: string } };
    const key = created.apiKey.key;
    const accountId = created.account.id;
    step('account created');

    const method = expectStatus(
      'save a card',
      await api({
        url,
        method: 'POST',
        path: '/v1/funding/payment-methods',
        key,
        body: { provider: 'payments-card', kind: 'card', details: { paymentMethod: 'pm_card_visa' } },
        headers: { 'idempotency-key': 'card-1' },
      }),
      201,
    ) as { id: string };
    const buy = async (idempotencyKey: string) => {
      const purchase = expectStatus(
        'buy a pack',
        await api({
          url,
          method: 'POST',
          path: '/v1/funding/purchases',
          key,
          body: { amount: '25', paymentMethodId: method.id },
          headers: { 'idempotency-key': idempotencyKey },
        }),
        201,
        200,
      ) as { id: string };
      return until(
        'purchase settles',
        async () => (await api({ url, path: `/v1/funding/purchases/${purchase.id}`, key })).body as { status: string },
        (p) => p.status !== 'pending' && p.status !== 'creating',
      );
    };
    const first = await buy('pack-1');
    if (first.status !== 'succeeded') throw new ScenarioError(`first purchase: ${JSON.stringify(first)}`);
    step('card saved and a €25 pack bought');

    const plugins = (await api({ url, path: '/plugins' })).body as { data: Array<{ id: string; spendChannels: Array<{ id: string }> }> };
    const sms = plugins.data.find((p) => p.id === 'sms-reminders')?.spendChannels[0]?.id;
    if (!sms) throw new ScenarioError('no SMS channel among the loaded plugins');
    expectStatus(
      'spend',
      await api({
        url,
        method: 'POST',
        path: '/v1/wallet/charges',
        key,
        body: { channel: sms, units: '1', description: 'one reminder' },
        headers: { 'idempotency-key': 'spend-1' },
      }),
      201,
    );
    step('credit spent');

    const cliEnv = { ...env };
    const viaCli = await runCli({ args: ['funding', 'purchases', '--account', accountId], cwd: dir, env: cliEnv });
    if (viaCli.code !== 0) throw new ScenarioError(`CLI beside the running host: ${viaCli.stderr}`);
    if ((JSON.parse(viaCli.stdout) as unknown[]).length !== 1) throw new ScenarioError(`CLI: expected 1 purchase, got ${viaCli.stdout}`);
    step('CLI beside the running host');

    const connect = expectStatus('connect Teamleader', await api({ url, path: '/v1/plugins/source-teamleader/connect', key }), 200) as { authorizeUrl: string };
    const consent = await fetch(connect.authorizeUrl, { redirect: 'manual' });
    const callback = consent.headers.get('location');
    if (!callback) throw new ScenarioError(`Teamleader consent did not redirect: ${consent.status}`);
    // The dev stack sends the browser back to the dashboard (/app/invoices?teamleader=connected&connectionId=…).
    const back = await api({ url: callback, path: callback });
    expectStatus('OAuth callback', back, 302);
    const landing = new URL(back.headers.get('location') ?? '', url);
    if (landing.pathname !== '/app/invoices' || landing.searchParams.get('teamleader') !== 'connected') {
      throw new ScenarioError(`OAuth callback: expected a return to /app/invoices?teamleader=connected, got ${landing.href}`);
    }
    const connectionId = landing.searchParams.get('connectionId')!;
    expectStatus(
      'profile',
      await api({
        url,
        method: 'POST',
        path: '/v1/invoice-sync/profiles',
        key,
        body: { name: 'Standard', directDebit: true, paymentLink: false, transfer: true },
      }),
      201,
    );
    step('Teamleader connected, a profile made');

    const stopped = await stack.stop();
    stack = undefined;
    if (stopped !== 0) throw new ScenarioError(`the dev stack stopped with exit code ${stopped}`);
    step('stopped (SIGTERM)');
    started = Date.now();
    stack = await startStack({ cwd: dir, env, readyTimeoutMs });
    const restartMs = Date.now() - started;
    step('started again (to /health 200)');
    if (/first platform admin key/.test(stack.stderr())) throw new ScenarioError('a second admin key was printed on restart');
    if (/sign in as/.test(stack.stderr()) || !/the demo login \S+ exists/.test(stack.stderr()))
      throw new ScenarioError(`the restart should only say the demo login exists:\n${stack.stderr()}`);

    const second = await buy('pack-2');
    if (second.status !== 'succeeded') throw new ScenarioError(`purchase with the saved card after the restart: ${JSON.stringify(second)}`);
    const wallet = (await api({ url, path: '/v1/wallet', key })).body as { available: string };
    step('a pack bought again with the saved card');

    const connection = (await api({ url, path: `/v1/invoice-sync/connections/${connectionId}`, key })).body as { status: string };
    if (connection.status !== 'connected') throw new ScenarioError(`Teamleader connection after the restart: ${JSON.stringify(connection)}`);
    const run = expectStatus(
      'import',
      await api({ url, method: 'POST', path: `/v1/invoice-sync/connections/${connectionId}/imports`, key, body: { days: 30 } }),
      202,
    ) as { id: string };
    const done = await until(
      'import finishes',
      async () => (await api({ url, path: `/v1/invoice-sync/runs/${run.id}`, key })).body as { status: string; counts?: Record<string, number> },
      (r) => r.status !== 'running',
    );
    if (done.status !== 'completed') throw new ScenarioError(`import run: ${JSON.stringify(done)}`);
    step('invoices imported after the restart, without re-consent');

    const check = await runCli({ args: ['wallet', 'check'], cwd: dir, env: cliEnv });
    if (check.code !== 0) throw new ScenarioError(`wallet check: ${check.stdout}${check.stderr}`);
    step(`ledger checked (available €${wallet.available})`);

    const last = await stack.stop();
    stack = undefined;
    if (last !== 0) throw new ScenarioError(`the dev stack stopped with exit code ${last}`);
    return { steps, firstStartMs, restartMs };
  } finally {
    if (stack) await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
