import { Worker } from 'node:worker_threads';
import { checkDocument } from './document-check.js';
import { SAXON_JS_PATH } from './saxon.js';
import { UblValidationFailedError } from './ubl-validation.errors.js';
import type { RuleSet, Violation } from './violation.js';

// The worker runs checkDocument from its source text (eval), so it works the same from src (tests,
// no build) and from dist. SaxonJS is synchronous: one document at a time per worker.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const saxon = require(workerData.saxonPath);
const checkDocument = ${checkDocument.toString()};
const rules = workerData.rules.map((rule) => ({ set: rule.set, sef: JSON.parse(rule.text) }));
// The first transforms prepare the stylesheet (~1 s for CEN): done before the worker says ready.
checkDocument({ saxon, rules, xml: workerData.warmUp });
parentPort.postMessage({ ready: true });
parentPort.on('message', (task) => {
  try {
    parentPort.postMessage({ id: task.id, violations: checkDocument({ saxon, rules, xml: task.xml }) });
  } catch (error) {
    parentPort.postMessage({ id: task.id, error: String((error && error.message) || error), runtime: Boolean(error && error.ruleRuntime) });
  }
});
`;

interface Task {
  id: number;
  xml: string;
  resolve: (violations: Violation[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Loaded and warmed: takes documents. */
  started: boolean;
  ready: Promise<void>;
  task?: Task;
}

type WorkerMessage = { ready: true } | { id: number; violations: Violation[] } | { id: number; error: string; runtime: boolean };

/** A fixed number of worker threads running the rule sets; a FIFO queue beyond that; a crashed worker is replaced and its document failed. */
export class ValidationPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  /** `warmUp`: a valid UBL document run once before the worker takes work. */
  constructor(private readonly input: { size: number; rules: { set: RuleSet; text: string }[]; warmUp: string }) {
    for (let i = 0; i < input.size; i += 1) this.slots.push(this.spawn());
  }

  /** Resolves when every worker has loaded and warmed its rules. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.ready));
  }

  run({ xml }: { xml: string }): Promise<Violation[]> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, xml, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(closedError());
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.task?.reject(closedError());
        slot.task = undefined;
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { saxonPath: SAXON_JS_PATH, rules: this.input.rules, warmUp: this.input.warmUp } });
    let markReady!: () => void;
    let failReady!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // ready() may never be awaited; a failed start still surfaces through the documents it fails.
    ready.catch(() => undefined);
    const slot: Slot = { worker, started: false, ready };
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) {
        slot.started = true;
        markReady();
        this.dispatch();
        return;
      }
      const task = slot.task;
      if (!task || task.id !== message.id) return;
      slot.task = undefined;
      if ('violations' in message) task.resolve(message.violations);
      else task.reject(new UblValidationFailedError({ reason: 'runtime', message: message.error }));
      this.dispatch();
    });
    let failed = false;
    const fail = (error: Error) => {
      if (this.closed || failed) return;
      failed = true;
      const failure = new UblValidationFailedError({ reason: 'runtime', message: `A validation worker failed: ${error.message}`, cause: error });
      failReady(failure);
      slot.task?.reject(failure);
      slot.task = undefined;
      if (!slot.started) {
        // A worker that never started would fail again the same way: no respawn loop; fail what waits.
        for (const task of this.queue.splice(0)) task.reject(failure);
        return;
      }
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.started || slot.task) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.postMessage({ id: task.id, xml: task.xml });
    }
  }

  /** Stops one worker as a crash would (tests use it to prove the pool recovers). */
  terminateOneWorker(): Promise<number> {
    return this.slots[0]!.worker.terminate();
  }
}

function closedError(): UblValidationFailedError {
  return new UblValidationFailedError({ reason: 'closed', message: 'The UBL validator is closed.' });
}
