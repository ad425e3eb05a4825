import { describe, expect, it } from 'vitest';
import { transition } from './letter-lifecycle.js';

describe('letter lifecycle', () => {
  it('moves forward along submitted → accepted → printed → posted → delivered, capturing once', () => {
    expect(transition({ from: 'held', to: 'submitted', captured: false })).toEqual({ to: 'submitted', money: 'none' });
    expect(transition({ from: 'submitted', to: 'accepted', captured: false })).toEqual({ to: 'accepted', money: 'capture' });
    expect(transition({ from: 'accepted', to: 'printed', captured: true })).toEqual({ to: 'printed', money: 'none' });
    expect(transition({ from: 'printed', to: 'posted', captured: true })).toEqual({ to: 'posted', money: 'none' });
    expect(transition({ from: 'posted', to: 'delivered', captured: true })).toEqual({ to: 'delivered', money: 'none' });
  });

  it('a skipped acceptance still captures (posted straight after submitted)', () => {
    expect(transition({ from: 'submitted', to: 'posted', captured: false })).toEqual({ to: 'posted', money: 'capture' });
  });

  it('never moves backward: a late accepted after posted, a replayed status', () => {
    expect(transition({ from: 'posted', to: 'accepted', captured: true })).toEqual({ to: null, money: 'none' });
    expect(transition({ from: 'accepted', to: 'accepted', captured: true })).toEqual({ to: null, money: 'none' });
    expect(transition({ from: 'accepted', to: 'submitted', captured: true })).toEqual({ to: null, money: 'none' });
  });

  it('rejected before acceptance releases; after acceptance it is only logged', () => {
    expect(transition({ from: 'submitted', to: 'rejected', captured: false })).toEqual({ to: 'rejected', money: 'release' });
    expect(transition({ from: 'held', to: 'rejected', captured: false })).toEqual({ to: 'rejected', money: 'release' });
    expect(transition({ from: 'accepted', to: 'rejected', captured: true })).toEqual({ to: null, money: 'none' });
  });

  it('failed releases what is not captured; cancelled only before acceptance', () => {
    expect(transition({ from: 'held', to: 'failed', captured: false })).toEqual({ to: 'failed', money: 'release' });
    expect(transition({ from: 'accepted', to: 'failed', captured: true })).toEqual({ to: 'failed', money: 'none' });
    expect(transition({ from: 'ready', to: 'cancelled', captured: false })).toEqual({ to: 'cancelled', money: 'release' });
    expect(transition({ from: 'printed', to: 'cancelled', captured: true })).toEqual({ to: null, money: 'none' });
  });

  it('returned ends a letter that went out; final states never move', () => {
    expect(transition({ from: 'posted', to: 'returned', captured: true })).toEqual({ to: 'returned', money: 'none' });
    expect(transition({ from: 'submitted', to: 'returned', captured: false })).toEqual({ to: 'returned', money: 'capture' });
    for (const from of ['rejected', 'delivered', 'returned', 'cancelled', 'failed'] as const)
      expect(transition({ from, to: 'posted', captured: true })).toEqual({ to: null, money: 'none' });
  });
});
