/**
 * What a test payment method does when an intent is confirmed with it.
 * - succeed: the charge goes through at once.
 * - decline: 402 card_error with `declineCode`; the intent goes back to requires_payment_method.
 * - authenticate: needs 3-D Secure: off-session it is declined (authentication_required), on-session requires_action.
 * - processing: stays `processing` until control.settle().
 * - dispute: succeeds, then a dispute is opened (control.dispute(), or at once with autoDispute).
 */
export type TestCardBehaviour = 'succeed' | 'decline' | 'authenticate' | 'processing' | 'dispute';

/** How the card is funded, as the processor reports it (`card.funding`). */
export type TestCardFunding = 'credit' | 'debit' | 'prepaid';

export interface TestCard {
  id: string;
  brand: 'visa' | 'mastercard';
  last4: string;
  funding: TestCardFunding;
  behaviour: TestCardBehaviour;
  declineCode?: string;
}

/**
 * The processor's own test payment method ids, plus the sandbox-only pm_card_processing. Funding as
 * the processor's published test cards have it: 4000 0566 5566 5556 Visa debit, 5200 8282 8282 8210
 * Mastercard debit, 5105 1051 0510 5100 Mastercard prepaid; the others are credit cards.
 */
export const TEST_CARDS: Readonly<Record<string, TestCard>> = Object.freeze({
  pm_card_visa: { id: 'pm_card_visa', brand: 'visa', last4: '4242', funding: 'credit', behaviour: 'succeed' },
  pm_card_visa_debit: { id: 'pm_card_visa_debit', brand: 'visa', last4: '5556', funding: 'debit', behaviour: 'succeed' },
  pm_card_mastercard: { id: 'pm_card_mastercard', brand: 'mastercard', last4: '4444', funding: 'credit', behaviour: 'succeed' },
  pm_card_mastercard_debit: { id: 'pm_card_mastercard_debit', brand: 'mastercard', last4: '8210', funding: 'debit', behaviour: 'succeed' },
  pm_card_mastercard_prepaid: { id: 'pm_card_mastercard_prepaid', brand: 'mastercard', last4: '5100', funding: 'prepaid', behaviour: 'succeed' },
  pm_card_chargeDeclined: {
    id: 'pm_card_chargeDeclined',
    brand: 'visa',
    last4: '0002',
    funding: 'credit',
    behaviour: 'decline',
    declineCode: 'generic_decline',
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    id: 'pm_card_chargeDeclinedInsufficientFunds',
    brand: 'visa',
    last4: '9995',
    funding: 'credit',
    behaviour: 'decline',
    declineCode: 'insufficient_funds',
  },
  pm_card_authenticationRequired: { id: 'pm_card_authenticationRequired', brand: 'visa', last4: '3184', funding: 'credit', behaviour: 'authenticate' },
  pm_card_createDispute: { id: 'pm_card_createDispute', brand: 'visa', last4: '0259', funding: 'credit', behaviour: 'dispute' },
  pm_card_processing: { id: 'pm_card_processing', brand: 'visa', last4: '1111', funding: 'credit', behaviour: 'processing' },
});
