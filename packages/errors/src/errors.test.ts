import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, TollgateError, UnauthorizedError, ValidationError, isTollgateError } from './index.js';

describe('TollgateError', () => {
  it('renders the one documented error shape', () => {
    const err = new ValidationError({ message: 'amount must be a string', details: [{ path: 'amount' }] });
    expect(err.status).toBe(400);
    expect(err.toBody()).toEqual({
      error: { code: 'validation_failed', message: 'amount must be a string', details: [{ path: 'amount' }] },
    });
  });

  it('omits details when there are none and keeps subclass names and codes', () => {
    const err = new NotFoundError({ message: 'no such account' });
    expect(err.toBody()).toEqual({ error: { code: 'not_found', message: 'no such account' } });
    expect(err.name).toBe('NotFoundError');
    expect(err).toBeInstanceOf(TollgateError);
    expect(isTollgateError(err)).toBe(true);
    expect(isTollgateError(new Error('x'))).toBe(false);
  });

  it('lets a subclass carry a more specific code', () => {
    const err = new ConflictError({ code: 'idempotency_key_reused', message: 'other parameters' });
    expect([err.code, err.status]).toEqual(['idempotency_key_reused', 409]);
    expect(new UnauthorizedError().status).toBe(401);
  });
});
