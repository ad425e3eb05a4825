// `pnpm measure-start`: where the time of `pnpm start` goes (issue 20), on a fresh data folder and on a restart.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './free-port.js';

const root = resolve(import.meta.dirname, '../../..');
const START = resolve(root, 'tooling/dev-stack/dist/start.js');

interface Run {
  /** Spawn → /health 200, as a user waits. */
  healthMs: number;
  /** From the "listening" line: node + light modules, sandboxes (+ state), host (heavy modules, database, migrations, plugins, HTTP). */
  startup: Record<string, number>;
  /** From LOG_LEVEL=debug: the host's phases in order. */
  phases: Array<{ phase: string; ms: number }>;
}

async function once(env: NodeJS.ProcessEnv, url: string): Promise<Run> {
  const began = performance.now();
  const child = spawn(process.execPath, [START], { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const phases: Run['phases'] = [];
  let startup: Record<string, number> = {};
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as { phase?: string; ms?: number; startup?: Record<string, number> };
      if (entry.phase && typeof entry.ms === 'number') phases.push({ phase: entry.phase, ms: entry.ms });
      if (entry.startup) startup = entry.startup;
    } catch {
      // not a log line
    }
  });
  let healthMs: number;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the dev stack exited with ${child.exitCode}\n${stderr}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) {
      healthMs = Math.round(performance.now() - began);
      break;
    }
    // A measuring tool, not a test: a short poll is the user's view of "ready".
    await new Promise((r) => setTimeout(r, 25));
  }
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
  return { healthMs, startup, phases };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-measure-start-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: '',
    TOLLGATE_CONFIG: '',
    TOLLGATE_ADMIN_KEY: '',
    TOLLGATE_DATA_DIR: join(dir, 'data'),
    PORT: String(port),
    SANDBOX_CARD_PORT: String(await freePort()),
    SANDBOX_BANK_PORT: String(await freePort()),
    SANDBOX_TWILIO_PORT: String(await freePort()),
    SANDBOX_TEAMLEADER_PORT: String(await freePort()),
    SANDBOX_TRENDSTOP_PORT: String(await freePort()),
    SANDBOX_PRINTMAIL_PORT: String(await freePort()),
    SANDBOX_EPOST_PORT: String(await freePort()),
    SANDBOX_WEBHOOKS_PORT: String(await freePort()),
    SANDBOX_SFTP_PORT: String(await freePort()),
    LOG_LEVEL: 'debug',
  };
  try {
    const load = loadavg()[0]!.toFixed(1);
    // What `pnpm start` adds before node starts: turbo's check that every build is up to date.
    const turboBegan = performance.now();
    const turbo = spawnSync(resolve(root, 'node_modules/.bin/turbo'), ['run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'ignore' });
    const turboMs = turbo.status === 0 ? Math.round(performance.now() - turboBegan) : null;
    const url = `http://127.0.0.1:${port}`;
    const fresh = await once(env, url);
    const restart = await once(env, url);
    process.stdout.write(`${JSON.stringify({ loadAverage: load, turboBuildCheckMs: turboMs, fresh, restart }, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`measure-start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
