/** Where a call is. 'placing' is ours (held, not yet accepted by the provider); the rest are Twilio's. */
export const CALL_STATUSES = ['placing', 'queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const TERMINAL_STATUSES: readonly CallStatus[] = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];

const RANK: Record<CallStatus, number> = {
  placing: 0,
  queued: 1,
  initiated: 2,
  ringing: 3,
  'in-progress': 4,
  completed: 5,
  busy: 5,
  'no-answer': 5,
  failed: 5,
  canceled: 5,
};

export function isCallStatus(value: unknown): value is CallStatus {
  return typeof value === 'string' && (CALL_STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: CallStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * Whether a status report moves the call on. Callbacks arrive late, twice or out of order
 * ('ringing' after 'completed'): a call only moves forward, and a final status never changes.
 */
export function canMove(input: { from: CallStatus; to: CallStatus }): boolean {
  if (isTerminal(input.from)) return false;
  return RANK[input.to] > RANK[input.from];
}

/** The statuses a call may be in for `to` to apply (for a conditional UPDATE). */
export function statusesBefore(to: CallStatus): CallStatus[] {
  return CALL_STATUSES.filter((from) => canMove({ from, to }));
}
