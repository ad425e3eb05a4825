import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Money, MoneyError } from './index.js';

const eur = (s: string) => Money.of(s);

describe('Money.of', () => {
  it('parses decimal strings exactly', () => {
    expect(eur('0.1').plus(eur('0.2')).toString()).toBe('0.30');
    expect(eur('0.0125').toString()).toBe('0.0125');
    expect(eur('-3.5').toString()).toBe('-3.50');
    expect(eur('1000').toJSON()).toEqual({ amount: '1000.00', currency: 'EUR' });
  });

  it.each([['1e3'], [' 1'], ['+1'], ['.5'], ['1.'], [''], ['NaN'], ['01'], ['1,5'], ['0x10'], ['--1']])('refuses %j', (bad) => {
    expect(() => eur(bad)).toThrow(MoneyError);
  });

  it('refuses numbers with a clear code', () => {
    try {
      Money.of(0.18 as unknown as string);
      expect.unreachable();
    } catch (e) {
      expect((e as MoneyError).code).toBe('invalid_amount');
      expect((e as MoneyError).message).toMatch(/decimal strings/);
    }
  });

  it('enforces maxDecimals and knows its currencies', () => {
    expect(() => Money.of('0.185', 'EUR', { maxDecimals: 2 })).toThrow(/at most 2/);
    expect(Money.of('0.1850', 'EUR', { maxDecimals: 4 }).toString()).toBe('0.185');
    expect(() => Money.of('1', 'USD')).toThrow(expect.objectContaining({ code: 'unknown_currency' }));
  });
});

describe('arithmetic and rounding', () => {
  it('rounds half-up to cents, away from zero at the half', () => {
    expect(eur('0.125').roundToCents().toString()).toBe('0.13');
    expect(eur('0.124999').roundToCents().toString()).toBe('0.12');
    expect(eur('-0.125').roundToCents().toString()).toBe('-0.13');
    expect(eur('0.005').roundToCents().toString()).toBe('0.01');
    expect(eur('0.0049').roundToCents().toString()).toBe('0.00');
  });

  it('multiplies a sub-cent unit price by units before rounding', () => {
    expect(eur('0.0125').times(3).toString()).toBe('0.0375');
    expect(eur('0.0125').times(3).roundToCents().toString()).toBe('0.04');
    expect(eur('0.18').times('2.5').toString()).toBe('0.45');
    expect(eur('0.10').times(100n).toString()).toBe('10.00');
    expect(() => eur('1').times(1.5)).toThrow(MoneyError);
  });

  it('compares, sums and converts to cents', () => {
    expect(eur('2').greaterThan(eur('1.99'))).toBe(true);
    expect(Money.sum([eur('0.18'), eur('0.18'), eur('1.64')]).toString()).toBe('2.00');
    expect(eur('12.34').toCents()).toBe(1234n);
    expect(Money.fromCents(-5n).toString()).toBe('-0.05');
    expect(() => eur('0.125').toCents()).toThrow(/round it first/);
    expect(eur('-0').isNegative()).toBe(false);
    expect(eur('0').minus(eur('0')).toString()).toBe('0.00');
  });

  it('half-up rounding agrees with integer arithmetic on thousandths (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), (milli) => {
        const sign = milli < 0n ? -1n : 1n;
        const abs = milli * sign;
        const expectedCents = sign * ((abs + 5n) / 10n); // half away from zero
        const text = `${milli < 0n ? '-' : ''}${abs / 1000n}.${(abs % 1000n).toString().padStart(3, '0')}`;
        expect(eur(text).roundToCents().toCents()).toBe(expectedCents);
      }),
    );
  });

  it('addition is exact and associative (property)', () => {
    const amount = fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }).map((c) => Money.fromCents(c));
    fc.assert(
      fc.property(amount, amount, amount, (a, b, c) => {
        expect(
          a
            .plus(b)
            .plus(c)
            .equals(a.plus(b.plus(c))),
        ).toBe(true);
        expect(a.plus(b).minus(b).equals(a)).toBe(true);
        expect(a.plus(b).toCents()).toBe(a.toCents() + b.toCents());
      }),
    );
  });
});

describe('format', () => {
  it('formats for nl, fr, de and en', () => {
    expect(eur('0.18').format('nl')).toBe('€ 0,18');
    expect(eur('0.18').format('fr')).toBe('0,18 €');
    expect(eur('0.18').format('de')).toBe('0,18 €');
    expect(eur('0.18').format('en')).toBe('€0.18');
    expect(eur('1234.5').format('nl')).toBe('€ 1.234,50');
    expect(eur('1234.5').format('fr')).toBe('1 234,50 €');
  });

  it('shows sub-cent unit prices in full', () => {
    expect(eur('0.0125').format('nl')).toBe('€ 0,0125');
  });
});
