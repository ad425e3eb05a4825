/** Destination numbers with a fixed behaviour in the sandbox; any other valid E.164 number succeeds. */
export const TEST_NUMBERS = {
  /** SMS: refused by the API, 400 code 21614 ("not a valid mobile number"). */
  smsNotMobile: '+15005550009',
  /** SMS: refused by the API, 400 code 21610 (the recipient replied STOP). */
  smsUnsubscribed: '+15005550010',
  /** SMS: accepted, then `undelivered` with ErrorCode 30003 (unreachable handset). */
  smsUndelivered: '+15005550011',
  /** SMS: accepted, then stays `sent` until control.deliver({ sid, status }). */
  smsHeld: '+15005550012',
  /** Call: rings, then ends `busy`. */
  callBusy: '+15005550020',
  /** Call: rings, then ends `no-answer`. */
  callNoAnswer: '+15005550021',
  /** Call: ends `failed` without ringing (the carrier refused it). */
  callFailed: '+15005550022',
  /** A From number the sandbox uses when a Messaging Service picks the sender. */
  serviceSender: '+15005550006',
} as const;

export type SmsOutcome = 'deliver' | 'not-mobile' | 'unsubscribed' | 'undelivered' | 'held';
export type CallOutcome = 'answer' | 'busy' | 'no-answer' | 'failed';

export function smsOutcome(to: string): SmsOutcome {
  switch (to) {
    case TEST_NUMBERS.smsNotMobile:
      return 'not-mobile';
    case TEST_NUMBERS.smsUnsubscribed:
      return 'unsubscribed';
    case TEST_NUMBERS.smsUndelivered:
      return 'undelivered';
    case TEST_NUMBERS.smsHeld:
      return 'held';
    default:
      return 'deliver';
  }
}

export function callOutcome(to: string): CallOutcome {
  switch (to) {
    case TEST_NUMBERS.callBusy:
      return 'busy';
    case TEST_NUMBERS.callNoAnswer:
      return 'no-answer';
    case TEST_NUMBERS.callFailed:
      return 'failed';
    default:
      return 'answer';
  }
}
