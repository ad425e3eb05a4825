import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkDataDir, importSandboxStates, loadSandboxStates, SANDBOX_NAMES, SandboxStateSaver, type StatefulSandbox } from './sandbox-state.js';

let dataDir: string;
beforeEach(() => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'tollgate-sandbox-state-')), 'data');
});
afterEach(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

/** A sandbox whose state is a counter. */
function fake(name: string): StatefulSandbox & { value: number; imported: unknown[] } {
  const self = {
    value: 0,
    imported: [] as unknown[],
    exportState: () => ({ name, value: self.value }),
    importState: (state: never) => {
      self.imported.push(state);
    },
  };
  return self;
}
const fakes = () => ({
  card: fake('card'),
  bank: fake('bank'),
  twilio: fake('twilio'),
  teamleader: fake('teamleader'),
  trendstop: fake('trendstop'),
  printmail: fake('printmail'),
  epost: fake('epost'),
});
const makeDatabase = () => {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'PG_VERSION'), '17\n');
};

describe('dev stack: sandbox state beside the database', () => {
  it('fresh when neither exists; restore when both do', () => {
    expect(checkDataDir({ dataDir, embedded: true })).toEqual({ start: 'fresh', dropped: false });
    new SandboxStateSaver({ dataDir, sandboxes: fakes() }).flush({ all: true });
    makeDatabase();
    expect(checkDataDir({ dataDir, embedded: true })).toEqual({ start: 'restore', dropped: false });
  });

  it('refuses a database without sandbox state, naming the folder and how to reset', () => {
    makeDatabase();
    expect(() => checkDataDir({ dataDir, embedded: true })).toThrow(
      expect.objectContaining({ code: 'sandbox_state_missing', message: expect.stringContaining(`delete ${dataDir} to start afresh`) }),
    );
    // One file missing is the same: that sandbox would have lost its state.
    new SandboxStateSaver({ dataDir, sandboxes: fakes() }).flush({ all: true });
    rmSync(join(dataDir, 'sandboxes', 'bank.json'));
    expect(() => checkDataDir({ dataDir, embedded: true })).toThrow(/no sandbox state/);
  });

  it('drops sandbox state that has no database (a first start stopped early) and starts fresh', () => {
    new SandboxStateSaver({ dataDir, sandboxes: fakes() }).flush({ all: true });
    expect(checkDataDir({ dataDir, embedded: true })).toEqual({ start: 'fresh', dropped: true });
    expect(existsSync(join(dataDir, 'sandboxes'))).toBe(false);
  });

  it('with PostgreSQL (not embedded) restores whatever state is there, without the pairing check', () => {
    mkdirSync(dataDir, { recursive: true });
    expect(checkDataDir({ dataDir, embedded: false }).start).toBe('fresh');
    new SandboxStateSaver({ dataDir, sandboxes: fakes() }).flush({ all: true });
    expect(checkDataDir({ dataDir, embedded: false }).start).toBe('restore');
  });

  it('saves only changed sandboxes on flush, by rename (no temporary files left), and loads them back', () => {
    const sandboxes = fakes();
    const saver = new SandboxStateSaver({ dataDir, sandboxes, debounceMs: 60_000 });
    saver.flush({ all: true });
    sandboxes.card.value = 7;
    sandboxes.bank.value = 9;
    saver.changed('card');
    // Debounced: nothing is written until the timer or a flush.
    expect(JSON.parse(readFileSync(join(dataDir, 'sandboxes', 'card.json'), 'utf8'))).toEqual({ name: 'card', value: 0 });
    saver.flush();
    expect(readdirSync(join(dataDir, 'sandboxes')).sort()).toEqual(SANDBOX_NAMES.map((n) => `${n}.json`).sort());
    const states = loadSandboxStates(dataDir);
    expect(states.card).toEqual({ name: 'card', value: 7 });
    // bank changed without being reported: not written.
    expect(states.bank).toEqual({ name: 'bank', value: 0 });
    const target = fakes();
    importSandboxStates({ dataDir, states, sandboxes: target });
    expect(target.card.imported).toEqual([{ name: 'card', value: 7 }]);
  });

  it('an unreadable or refused file stops the start with its path', () => {
    new SandboxStateSaver({ dataDir, sandboxes: fakes() }).flush({ all: true });
    writeFileSync(join(dataDir, 'sandboxes', 'twilio.json'), '{"trunc');
    expect(() => loadSandboxStates(dataDir)).toThrow(
      expect.objectContaining({ code: 'sandbox_state_unreadable', message: expect.stringContaining('twilio.json is unreadable') }),
    );
    const refusing = {
      ...fakes(),
      teamleader: {
        exportState: () => ({}),
        importState: () => {
          throw new RangeError('unknown version 9');
        },
      },
    };
    expect(() =>
      importSandboxStates({ dataDir, states: { card: 1, bank: 1, twilio: 1, teamleader: 1, trendstop: 1, printmail: 1, epost: 1 }, sandboxes: refusing }),
    ).toThrow(/teamleader\.json cannot be loaded \(unknown version 9\)/);
  });

  it('a data folder saved before the Trends Top sandbox existed restores; that sandbox starts empty', () => {
    new SandboxStateSaver({ dataDir, sandboxes: fakes() }).flush({ all: true });
    rmSync(join(dataDir, 'sandboxes', 'trendstop.json'));
    makeDatabase();
    expect(checkDataDir({ dataDir, embedded: true })).toEqual({ start: 'restore', dropped: false });
    const states = loadSandboxStates(dataDir);
    expect(states.trendstop).toBeUndefined();
    const target = fakes();
    importSandboxStates({ dataDir, states, sandboxes: target });
    expect(target.trendstop.imported).toEqual([]);
    expect(target.card.imported).toEqual([{ name: 'card', value: 0 }]);
  });

  it('a data folder saved before the letter sandboxes (print service, E-POST) existed restores; they start empty', () => {
    new SandboxStateSaver({ dataDir, sandboxes: fakes() }).flush({ all: true });
    rmSync(join(dataDir, 'sandboxes', 'printmail.json'));
    rmSync(join(dataDir, 'sandboxes', 'epost.json'));
    makeDatabase();
    expect(checkDataDir({ dataDir, embedded: true })).toEqual({ start: 'restore', dropped: false });
    const states = loadSandboxStates(dataDir);
    expect([states.printmail, states.epost]).toEqual([undefined, undefined]);
    const target = fakes();
    importSandboxStates({ dataDir, states, sandboxes: target });
    expect([target.printmail.imported, target.epost.imported]).toEqual([[], []]);
    expect(target.trendstop.imported).toEqual([{ name: 'trendstop', value: 0 }]);
    // The next save writes them: from then on the folder has every file.
    new SandboxStateSaver({ dataDir, sandboxes: target }).flush({ all: true });
    expect(readdirSync(join(dataDir, 'sandboxes')).sort()).toEqual(SANDBOX_NAMES.map((n) => `${n}.json`).sort());
  });

  it('a failed write is reported and retried on the next flush', () => {
    const errors: string[] = [];
    const sandboxes = fakes();
    // A file where the folder should be: mkdir fails.
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'sandboxes'), 'in the way');
    const saver = new SandboxStateSaver({ dataDir, sandboxes, onError: (e) => errors.push(e.message) });
    saver.changed('card');
    saver.flush();
    expect(errors).toHaveLength(1);
    rmSync(join(dataDir, 'sandboxes'));
    saver.flush();
    expect(loadSandboxStates.bind(null, dataDir)).toThrow(/bank\.json is unreadable/);
    expect(JSON.parse(readFileSync(join(dataDir, 'sandboxes', 'card.json'), 'utf8'))).toEqual({ name: 'card', value: 0 });
  });
});
