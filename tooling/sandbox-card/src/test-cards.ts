/**
 * What a test payment method does when an intent is confirmed with it.
 * - succeed: the charge goes through at once.
 * - decline: 402 card_error with `declineCode`; the intent goes back to requires_payment_method.
 * - authenticate: needs 3-D Secure: off-session it is declined (authentication_required), on-session requires_action.
 * - processing: stays `processing` until control.settle().
 * - dispute: succeeds, then a dispute is opened (control.dispute(), or at once with autoDispute).
 */
export type TestCardBehaviour = 'succeed' | 'decline' | 'authenticate' | 'processing' | 'dispute';

export interface TestCard {
  id: string;
  brand: 'visa' | 'mastercard';
  last4: string;
  behaviour: TestCardBehaviour;
  declineCode?: string;
}

/** The processor's own test payment method ids, plus the sandbox-only pm_card_processing. */
export const TEST_CARDS: Readonly<Record<string, TestCard>> = Object.freeze({
  pm_card_visa: { id: 'pm_card_visa', brand: 'visa', last4: '4242', behaviour: 'succeed' },
  pm_card_mastercard: { id: 'pm_card_mastercard', brand: 'mastercard', last4: '4444', behaviour: 'succeed' },
  pm_card_chargeDeclined: { id: 'pm_card_chargeDeclined', brand: 'visa', last4: '0002', behaviour: 'decline', declineCode: 'generic_decline' },
  pm_card_chargeDeclinedInsufficientFunds: {
    id: 'pm_card_chargeDeclinedInsufficientFunds',
    brand: 'visa',
    last4: '9995',
    behaviour: 'decline',
    declineCode: 'insufficient_funds',
  },
  pm_card_authenticationRequired: { id: 'pm_card_authenticationRequired', brand: 'visa', last4: '3184', behaviour: 'authenticate' },
  pm_card_createDispute: { id: 'pm_card_createDispute', brand: 'visa', last4: '0259', behaviour: 'dispute' },
  pm_card_processing: { id: 'pm_card_processing', brand: 'visa', last4: '1111', behaviour: 'processing' },
});
