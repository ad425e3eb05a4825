import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PrintMailSignatureError } from './print-mail.errors.js';
import { parsePrintMailEvent, verifyPrintMailSignature } from './webhook-signature.js';

const secret = 'whsec_test';
const now = new Date('2026-03-02T09:00:00.000Z');
const ts = String(now.getTime() / 1000);
const rawBody = Buffer.from(
  JSON.stringify({ id: 'evt_1', type: 'letter.accepted', letter_id: 'ltr_1', reference: 'let_1', status: 'accepted', occurred_at: '2026-03-02T08:59:00.000Z' }),
);
const sign = (body: Buffer | string, timestamp = ts, key = secret) => createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex');
const headers = (over: Record<string, string | undefined> = {}) => ({ 'printmail-signature': sign(rawBody), 'printmail-signature-timestamp': ts, ...over });

describe('verifyPrintMailSignature', () => {
  it('accepts the raw body signed with the secret, header names in any case, within ±5 minutes', () => {
    expect(() => verifyPrintMailSignature({ secret, headers: headers(), rawBody, now })).not.toThrow();
    expect(() =>
      verifyPrintMailSignature({ secret, headers: { 'PrintMail-Signature': sign(rawBody), 'PrintMail-Signature-Timestamp': ts }, rawBody, now }),
    ).not.toThrow();
    expect(() => verifyPrintMailSignature({ secret, headers: headers(), rawBody, now: new Date(now.getTime() + 300_000) })).not.toThrow();
  });

  it.each([
    ['another body', { rawBody: Buffer.from(rawBody.toString().replace('accepted', 'delivered')) }],
    ['another secret', { secret: 'whsec_other' }],
    ['no secret configured (fail closed)', { secret: '' }],
    ['a timestamp 301 s old', { now: new Date(now.getTime() + 301_000) }],
    ['a timestamp 301 s ahead', { now: new Date(now.getTime() - 301_000) }],
    ['no signature', { headers: headers({ 'printmail-signature': undefined }) }],
    ['no timestamp', { headers: headers({ 'printmail-signature-timestamp': undefined }) }],
    ['a signature that is not hex', { headers: headers({ 'printmail-signature': 'zz' }) }],
    ['a timestamp that is not seconds', { headers: headers({ 'printmail-signature-timestamp': '2026-03-02' }) }],
    ['the signature of another timestamp', { headers: headers({ 'printmail-signature': sign(rawBody, String(Number(ts) - 1)) }) }],
  ])('refuses %s with a ValidationError (400 invalid_signature)', (_, over) => {
    const call = () => verifyPrintMailSignature({ secret, headers: headers(), rawBody, now, ...over });
    expect(call).toThrow(PrintMailSignatureError);
    try {
      call();
    } catch (error) {
      expect(error).toMatchObject({ status: 400, code: 'invalid_signature' });
    }
  });
});

describe('parsePrintMailEvent', () => {
  it('reads an event; anything else is invalid_webhook_body', () => {
    expect(parsePrintMailEvent(rawBody)).toMatchObject({ id: 'evt_1', letterId: 'ltr_1', status: 'accepted', reason: null });
    expect(() => parsePrintMailEvent('nope')).toThrow(PrintMailSignatureError);
    expect(() => parsePrintMailEvent('{"id":"evt_1","status":"lost"}')).toThrow(/not a letter event/);
  });
});
