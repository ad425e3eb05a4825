import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@tollgate/errors';

/** The sandboxes whose state the dev stack keeps, and the file each is saved to under `<dataDir>/sandboxes/`. */
export const SANDBOX_NAMES = ['card', 'bank', 'twilio', 'teamleader', 'trendstop', 'printmail', 'epost'] as const;
export type SandboxName = (typeof SANDBOX_NAMES)[number];
/**
 * Sandboxes added after data folders already existed (Trends Top, issue 15; the print service and
 * E-POST, issue 17): a folder saved before has no file for them; they start empty there instead of
 * refusing the folder. Nothing in the database refers to their state until they have been used, and
 * then their file exists.
 */
export const LATER_SANDBOXES: readonly SandboxName[] = ['trendstop', 'printmail', 'epost'];
const REQUIRED_SANDBOXES = SANDBOX_NAMES.filter((name) => !LATER_SANDBOXES.includes(name));

/** What each sandbox offers for persistence (its control's exportState/importState). */
export interface StatefulSandbox {
  exportState(): unknown;
  importState(state: never): void;
}

export function sandboxStateDir(dataDir: string): string {
  return join(dataDir, 'sandboxes');
}

/** PGlite writes PG_VERSION when it creates a cluster: the sign that the embedded database exists. */
export function embeddedDatabaseExists(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/**
 * Which start this is, for the embedded database. The database and the sandboxes must stay a pair:
 * - neither exists → 'fresh' (seed the demo data);
 * - both exist → 'restore';
 * - a database without sandbox state → refused: its saved cards, mandates and Teamleader tokens
 *   would point at nothing (the sandboxes would answer `No such customer`, `invalid_grant`);
 * - sandbox state without a database (e.g. the first start stopped before the database was made)
 *   → the stale state is dropped and the start is 'fresh': nothing in an empty database refers to it.
 */
export function checkDataDir(input: { dataDir: string; embedded: boolean }): { start: 'fresh' | 'restore'; dropped: boolean } {
  const dir = sandboxStateDir(input.dataDir);
  const hasState = REQUIRED_SANDBOXES.every((name) => existsSync(join(dir, `${name}.json`)));
  // With PostgreSQL (DATABASE_URL) the database lives elsewhere: the sandbox state is kept beside the data folder, no pairing check.
  if (!input.embedded) return { start: hasState ? 'restore' : 'fresh', dropped: false };
  const hasDatabase = embeddedDatabaseExists(input.dataDir);
  if (hasDatabase && hasState) return { start: 'restore', dropped: false };
  if (hasDatabase) {
    throw new ConfigError({
      code: 'sandbox_state_missing',
      message: `data folder ${input.dataDir} has a database but no sandbox state (${dir}): saved cards and Teamleader tokens would be lost; delete ${input.dataDir} to start afresh`,
    });
  }
  const dropped = existsSync(dir);
  if (dropped) rmSync(dir, { recursive: true, force: true });
  return { start: 'fresh', dropped };
}

/** Reads every sandbox's saved state; an unreadable file stops the start with one line naming it. */
export function loadSandboxStates(dataDir: string): Record<SandboxName, unknown> {
  const dir = sandboxStateDir(dataDir);
  const out = {} as Record<SandboxName, unknown>;
  for (const name of SANDBOX_NAMES) {
    const file = join(dir, `${name}.json`);
    if (LATER_SANDBOXES.includes(name) && !existsSync(file)) {
      out[name] = undefined; // saved before this sandbox existed: it starts empty
      continue;
    }
    try {
      out[name] = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError({
        code: 'sandbox_state_unreadable',
        message: `sandbox state ${file} is unreadable (${(error as Error).message}); delete ${dataDir} to start afresh`,
      });
    }
  }
  return out;
}

/** Applies saved states; a snapshot a sandbox refuses (e.g. an unknown version) stops the start the same way. */
export function importSandboxStates(input: { dataDir: string; states: Record<SandboxName, unknown>; sandboxes: Record<SandboxName, StatefulSandbox> }): void {
  for (const name of SANDBOX_NAMES) {
    if (input.states[name] === undefined) continue;
    try {
      input.sandboxes[name].importState(input.states[name] as never);
    } catch (error) {
      throw new ConfigError({
        code: 'sandbox_state_unreadable',
        message: `sandbox state ${join(sandboxStateDir(input.dataDir), `${name}.json`)} cannot be loaded (${(error as Error).message}); delete ${input.dataDir} to start afresh`,
      });
    }
  }
}

/**
 * Saves sandbox state to `<dataDir>/sandboxes/<name>.json` after changes: changed sandboxes are
 * written `debounceMs` after the first change (a burst of requests is one write), and all at once
 * on flush() (shutdown). Each write is a temporary file renamed over the old one, so a crash
 * mid-write leaves the previous complete file.
 */
export class SandboxStateSaver {
  readonly #dir: string;
  readonly #sandboxes: Record<SandboxName, StatefulSandbox>;
  readonly #debounceMs: number;
  readonly #onError: (error: Error) => void;
  readonly #dirty = new Set<SandboxName>();
  #timer: NodeJS.Timeout | undefined;

  constructor(input: { dataDir: string; sandboxes: Record<SandboxName, StatefulSandbox>; debounceMs?: number; onError?: (error: Error) => void }) {
    this.#dir = sandboxStateDir(input.dataDir);
    this.#sandboxes = input.sandboxes;
    this.#debounceMs = input.debounceMs ?? 100;
    this.#onError = input.onError ?? (() => {});
  }

  changed(name: SandboxName): void {
    this.#dirty.add(name);
    // unref: a pending save never keeps the process alive; shutdown calls flush().
    this.#timer ??= setTimeout(() => this.flush(), this.#debounceMs).unref();
  }

  /** Writes every sandbox marked changed (or, with `all`, every sandbox) now. */
  flush(input: { all?: boolean } = {}): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const names = input.all ? [...SANDBOX_NAMES] : [...this.#dirty];
    this.#dirty.clear();
    if (names.length === 0) return;
    try {
      mkdirSync(this.#dir, { recursive: true });
      for (const name of names) {
        const file = join(this.#dir, `${name}.json`);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify(this.#sandboxes[name].exportState()));
        renameSync(tmp, file);
      }
    } catch (error) {
      for (const name of names) this.#dirty.add(name);
      this.#onError(error as Error);
    }
  }
}
