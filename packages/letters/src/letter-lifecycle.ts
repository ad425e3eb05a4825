import type { LetterStatus } from '@tollgate/plugin-sdk';

/**
 * Where a letter stands at Tollgate: the carrier's `LetterStatus` plus the steps before submission —
 * `holding` (holds being placed), `held` (wallet holds placed, waiting for the submit job) and
 * `ready` (an own-account letter waiting for the submit job; nothing held).
 */
export type LetterState = 'holding' | 'held' | 'ready' | LetterStatus;

export const LETTER_STATES: readonly LetterState[] = [
  'holding',
  'held',
  'ready',
  'submitted',
  'accepted',
  'rejected',
  'printed',
  'posted',
  'delivered',
  'returned',
  'cancelled',
  'failed',
];

/** The end of a letter's life: nothing moves it any more. */
export const FINAL_STATES: ReadonlySet<LetterState> = new Set(['rejected', 'delivered', 'returned', 'cancelled', 'failed']);

/** Waiting for the carrier: what the status poll looks at. */
export const IN_FLIGHT_STATES: readonly LetterState[] = ['submitted', 'accepted', 'printed', 'posted'];

/** The happy path, in order: a status only moves forward along it. */
const RANK: Partial<Record<LetterState, number>> = { holding: 0, held: 1, ready: 1, submitted: 2, accepted: 3, printed: 4, posted: 5, delivered: 6 };

/** What an event does to a letter's money: capture every hold, release every hold, or nothing. */
export type MoneyMove = 'capture' | 'release' | 'none';

export interface Transition {
  /** The new state, or null when the event does not move the letter (a replay, a late or backward event). */
  to: LetterState | null;
  money: MoneyMove;
}

/**
 * What a status the carrier reports does to a letter now in `from` (pure; the service applies it):
 *  - forward moves only: a late `accepted` after `posted` changes nothing;
 *  - `accepted` and anything after it mean the carrier took the letter: holds are captured (once);
 *  - `rejected`, `cancelled` and `failed` before acceptance release the holds; after acceptance the
 *    money is spent and a `rejected` is only logged (the carrier took it; a refund is a human decision);
 *  - `returned` ends a letter that went out (the postage was used: nothing is given back);
 *  - a final state never moves.
 */
export function transition(input: { from: LetterState; to: LetterStatus; captured: boolean }): Transition {
  const { from, to } = input;
  if (FINAL_STATES.has(from) || from === to) return { to: null, money: 'none' };
  const fromRank = RANK[from] ?? 0;
  switch (to) {
    case 'rejected':
    case 'cancelled':
    case 'failed':
      if (fromRank >= RANK.accepted! && to !== 'failed') return { to: null, money: 'none' };
      return { to, money: input.captured ? 'none' : 'release' };
    case 'returned':
      return { to, money: input.captured ? 'none' : 'capture' };
    case 'submitted':
      return fromRank < RANK.submitted! ? { to, money: 'none' } : { to: null, money: 'none' };
    default: {
      const rank = RANK[to]!;
      if (rank <= fromRank) return { to: null, money: 'none' };
      return { to, money: input.captured ? 'none' : 'capture' };
    }
  }
}

export function isFinal(state: LetterState): boolean {
  return FINAL_STATES.has(state);
}
