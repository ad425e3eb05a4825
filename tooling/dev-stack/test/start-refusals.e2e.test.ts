import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.js';

// The built dev stack (`pnpm start`'s process). Each case fails before the database is opened: each
// costs one process's module loading (1-3 s), and they run side by side.
const START = resolve(import.meta.dirname, '../dist/start.js');

let dir: string;
const servers: Server[] = [];
beforeAll(() => {
  if (!existsSync(START)) throw new Error(`${START} is missing: run the build first (pnpm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'tollgate-start-refusals-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  rmSync(dir, { recursive: true, force: true });
});

/** A port held by another listener for the whole file. */
async function occupied(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

async function startStack(input: { dataDir: string; env: Record<string, string> }): Promise<{ code: number | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: '',
    TOLLGATE_CONFIG: '',
    TOLLGATE_ADMIN_KEY: '',
    TOLLGATE_DATA_DIR: input.dataDir,
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
    ...input.env,
  };
  return new Promise((done) => {
    const child = spawn(process.execPath, [START], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe.concurrent('pnpm start refuses with one line and exit code 1', () => {
  it.each([
    ['SANDBOX_TEAMLEADER_PORT', 'the teamleader sandbox'],
    ['SANDBOX_EPOST_PORT', 'the epost sandbox'],
    ['SANDBOX_SFTP_PORT', 'the sftp sandbox'],
    ['PORT', 'the host'],
  ])('when %s names a port in use', async (variable, what) => {
    const port = await occupied();
    const dataDir = join(dir, `clash-${variable}`);
    const result = await startStack({ dataDir, env: { [variable]: String(port) } });
    expect(result.stderr).toBe(`tollgate: ${what} cannot listen on port ${port}: it is in use (EADDRINUSE); set ${variable} to a free port\n`);
    expect(result.code).toBe(1);
    // Refused before anything was written: neither a database nor sandbox state.
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(false);
    expect(existsSync(join(dataDir, 'sandboxes'))).toBe(false);
  });

  it('when the data folder has a database but no sandbox state', async () => {
    const dataDir = join(dir, 'half-kept');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'PG_VERSION'), '17\n');
    const result = await startStack({ dataDir, env: {} });
    expect(result.stderr).toBe(
      `tollgate: data folder ${dataDir} has a database but no sandbox state (${join(dataDir, 'sandboxes')}): saved cards and Teamleader tokens would be lost; delete ${dataDir} to start afresh\n`,
    );
    expect(result.code).toBe(1);
  });
});
