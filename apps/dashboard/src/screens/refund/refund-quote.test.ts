import { describe, expect, it } from 'vitest';
import { quoteRefund } from './refund-quote.js';

describe('quoteRefund', () => {
  it('keeps the fee and pays the rest, exactly', () => {
    expect(quoteRefund({ credits: '120.1', fee: '50.00', refundable: '200.00' })).toEqual({ ok: true, credits: '120.10', fee: '50.00', payout: '70.10' });
  });

  it('refuses what the host would refuse', () => {
    expect(quoteRefund({ credits: '50.00', fee: '50.00', refundable: '200.00' })).toMatchObject({ ok: false, reason: 'below_fee' });
    expect(quoteRefund({ credits: '200.01', fee: '50.00', refundable: '200.00' })).toMatchObject({ ok: false, reason: 'exceeds_refundable' });
  });
});
