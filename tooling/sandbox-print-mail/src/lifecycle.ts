import type { Product } from './letter-input.js';

export const LETTER_STATUSES = ['submitted', 'accepted', 'rejected', 'printed', 'posted', 'delivered', 'returned', 'cancelled'] as const;
export type SandboxLetterStatus = (typeof LETTER_STATUSES)[number];
export const FINAL_STATUSES: readonly SandboxLetterStatus[] = ['rejected', 'delivered', 'returned', 'cancelled'];
/** A letter can still be stopped until it is on the press. */
export const CANCELLABLE_STATUSES: readonly SandboxLetterStatus[] = ['submitted', 'accepted'];

export type RejectReason = 'address_rejected' | 'pdf_unreadable';

/** Seconds of sandbox time between the steps of a letter's life. */
export interface LifecycleTimings {
  /** submitted → accepted (or rejected): the pre-flight of address and file. */
  acceptSeconds: number;
  /** accepted → printed. */
  printSeconds: number;
  /** printed → posted (handed to bpost / PostNL). */
  postSeconds: number;
  /** posted → delivered, per product. */
  deliverSeconds: Record<Product, number>;
  /** posted → returned, for letters switched to come back. */
  returnSeconds: number;
}

const HOUR = 3600;
export const DEFAULT_TIMINGS: LifecycleTimings = {
  acceptSeconds: 300,
  printSeconds: 4 * HOUR,
  postSeconds: 8 * HOUR,
  deliverSeconds: { standard: 48 * HOUR, priority: 24 * HOUR, registered: 24 * HOUR },
  returnSeconds: 96 * HOUR,
};

/** What the failure switches decided for one letter when it was submitted. */
export interface LetterFate {
  reject?: RejectReason;
  /** Acceptance only this many seconds after submission (slow acceptance). */
  acceptAfterSeconds?: number;
  returned?: boolean;
  /** Its callbacks are never sent: the client has to poll. */
  dropCallbacks?: boolean;
  /** Each of its callbacks is sent twice (the same event id). */
  duplicateCallbacks?: boolean;
}

export interface NextStep {
  at: Date;
  status: SandboxLetterStatus;
  reason?: string;
}

/** The next change of a letter's status on the sandbox clock, or null when it is final. */
export function nextStep(input: {
  status: SandboxLetterStatus;
  product: Product;
  fate: LetterFate;
  /** When it entered its current status. */
  since: Date;
  timings: LifecycleTimings;
}): NextStep | null {
  const { status, fate, since, timings } = input;
  const after = (seconds: number): Date => new Date(since.getTime() + seconds * 1000);
  switch (status) {
    case 'submitted': {
      const at = after(fate.acceptAfterSeconds ?? timings.acceptSeconds);
      return fate.reject ? { at, status: 'rejected', reason: fate.reject } : { at, status: 'accepted' };
    }
    case 'accepted':
      return { at: after(timings.printSeconds), status: 'printed' };
    case 'printed':
      return { at: after(timings.postSeconds), status: 'posted' };
    case 'posted':
      return fate.returned
        ? { at: after(timings.returnSeconds), status: 'returned', reason: 'returned_to_sender' }
        : { at: after(timings.deliverSeconds[input.product]), status: 'delivered' };
    default:
      return null;
  }
}
