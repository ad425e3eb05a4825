import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The built host, as production runs it. */
export const HOST_MAIN = resolve(import.meta.dirname, '../../../apps/host/dist/main.js');
const HEAP_PROBE = resolve(import.meta.dirname, 'heap-probe.js');

export interface MemorySample {
  rssMb: number | null;
  heapUsedMb: number | null;
}

/**
 * One real host process (node apps/host/dist/main.js) with its own config file, on a shared
 * PostgreSQL. It can be killed with SIGKILL (no shutdown hook runs) and started again on the same port.
 */
export class HostProcess {
  child: ChildProcess | undefined;
  starts = 0;
  readonly url: string;
  readonly #config: string;
  readonly #log: string;
  readonly #heapFile: string;

  constructor(
    readonly name: string,
    readonly port: number,
    input: { dir: string; databaseUrl: string; logLevel: string },
  ) {
    this.url = `http://127.0.0.1:${port}`;
    mkdirSync(input.dir, { recursive: true });
    this.#config = join(input.dir, `${name}.config.json`);
    this.#log = join(input.dir, `${name}.log`);
    this.#heapFile = join(input.dir, `${name}.heap.json`);
    writeFileSync(
      this.#config,
      JSON.stringify(
        {
          port,
          host: '127.0.0.1',
          database: { url: input.databaseUrl, dataDir: join(input.dir, `${name}-data`) },
          logLevel: input.logLevel,
          plugins: [],
        },
        null,
        2,
      ),
    );
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** Spawns the host (stdout and stderr appended to <name>.log) and waits until /health answers 200. */
  async start(input: { timeoutMs?: number } = {}): Promise<number> {
    if (!existsSync(HOST_MAIN)) throw new Error(`${HOST_MAIN} is missing: build first (pnpm chaos builds it)`);
    const log = openSync(this.#log, 'a');
    const started = performance.now();
    // The environment must not point the host elsewhere (DATABASE_URL, PORT override the config file).
    const env: NodeJS.ProcessEnv = { ...process.env, TOLLGATE_CONFIG: this.#config, CHAOS_HEAP_FILE: this.#heapFile };
    for (const name of ['DATABASE_URL', 'PORT', 'TOLLGATE_DATA_DIR', 'LOG_LEVEL', 'TOLLGATE_BASE_URL']) delete env[name];
    this.child = spawn(process.execPath, ['--import', HEAP_PROBE, HOST_MAIN], { env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.starts++;
    await this.waitHealthy(input.timeoutMs ?? 60_000);
    return performance.now() - started;
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const child = this.child;
    while (Date.now() < deadline) {
      if (!child || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`host ${this.name} exited (${child?.exitCode ?? child?.signalCode}) before it was healthy; see ${this.#log}`);
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`host ${this.name} not healthy after ${timeoutMs} ms; see ${this.#log}`);
  }

  /** SIGKILL: the process dies mid-whatever, like a crashed machine (the database is not told). */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM: the host's own shutdown (finish work, close the pool). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(forced);
  }

  /** Resident set size from /proc (Linux) and the heap as the probe last wrote it. */
  memory(): MemorySample {
    const pid = this.pid;
    let rssMb: number | null = null;
    let heapUsedMb: number | null = null;
    if (pid !== undefined) {
      try {
        const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        if (kb) rssMb = Number(kb) / 1024;
      } catch {
        // not Linux, or the process just died
      }
      try {
        heapUsedMb = (JSON.parse(readFileSync(this.#heapFile, 'utf8')) as { heapUsed: number }).heapUsed / 1024 / 1024;
      } catch {
        // no sample yet
      }
    }
    return { rssMb, heapUsedMb };
  }
}
