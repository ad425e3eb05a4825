import { describe, expect, it } from 'vitest';
import { canMove, isCallStatus, isTerminal, statusesBefore } from './call-status.js';

describe('call status machine', () => {
  it('moves forward only', () => {
    expect(canMove({ from: 'queued', to: 'ringing' })).toBe(true);
    expect(canMove({ from: 'ringing', to: 'in-progress' })).toBe(true);
    expect(canMove({ from: 'in-progress', to: 'ringing' })).toBe(false);
    expect(canMove({ from: 'ringing', to: 'ringing' })).toBe(false);
    expect(canMove({ from: 'placing', to: 'completed' })).toBe(true);
  });

  it('never changes a final status, whatever arrives later', () => {
    for (const later of ['completed', 'busy', 'ringing', 'in-progress'] as const) {
      expect(canMove({ from: 'completed', to: later })).toBe(false);
      expect(canMove({ from: 'busy', to: later })).toBe(false);
    }
  });

  it('lists the statuses an update may start from', () => {
    expect(statusesBefore('ringing')).toEqual(['placing', 'queued', 'initiated']);
    expect(statusesBefore('completed')).toEqual(['placing', 'queued', 'initiated', 'ringing', 'in-progress']);
  });

  it('knows Twilio statuses and which are final', () => {
    expect(isCallStatus('no-answer')).toBe(true);
    expect(isCallStatus('answered')).toBe(false);
    expect(isTerminal('canceled')).toBe(true);
    expect(isTerminal('in-progress')).toBe(false);
  });
});
