import { Decimal as DecimalJs } from 'decimal.js';
import { TollgateError } from '@tollgate/errors';

// A private Decimal constructor: enough precision for any ledger sum, half-up rounding.
const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
type Decimal = InstanceType<typeof Decimal>;

/** Currencies the platform can hold. The wallet is in euro (W-*); more can be added here. */
export const CURRENCIES = ['EUR'] as const;
export type Currency = (typeof CURRENCIES)[number];

const AMOUNT = /^-?(0|[1-9]\d*)(\.\d+)?$/;

export class MoneyError extends TollgateError {
  constructor(input: { code: 'invalid_amount' | 'unknown_currency' | 'currency_mismatch' | 'too_many_decimals'; message: string; details?: unknown }) {
    super({ ...input, status: 400 });
  }
}

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}

function assertCurrency(currency: unknown): Currency {
  if (!isCurrency(currency)) {
    throw new MoneyError({
      code: 'unknown_currency',
      message: `Unknown currency ${JSON.stringify(currency)}; supported: ${CURRENCIES.join(', ')}`,
      details: { currency },
    });
  }
  return currency;
}

/**
 * An exact amount of money. Built only from decimal strings (never from a JS number, which cannot
 * hold 0.1 exactly). Arithmetic keeps full precision; `roundToCents` rounds half-up when an amount
 * is charged. Immutable.
 */
export class Money {
  readonly #value: Decimal;
  readonly currency: Currency;

  private constructor(value: Decimal, currency: Currency) {
    this.#value = value.isZero() ? new Decimal(0) : value; // no "-0"
    this.currency = currency;
  }

  /**
   * Parses "12", "0.18", "-3.5", "0.0125". Refuses numbers, exponents, blanks, "+1", ".5", "1.".
   * `maxDecimals` refuses more precise input (use 2 for amounts a user pays, more for unit prices).
   */
  static of(amount: string, currency: string = 'EUR', options: { maxDecimals?: number } = {}): Money {
    const cur = assertCurrency(currency);
    if (typeof amount !== 'string') {
      throw new MoneyError({ code: 'invalid_amount', message: `Amounts are decimal strings such as "0.18", not ${typeof amount}`, details: { amount } });
    }
    if (!AMOUNT.test(amount)) {
      throw new MoneyError({ code: 'invalid_amount', message: `Not a decimal amount: ${JSON.stringify(amount)} (expected e.g. "0.18")`, details: { amount } });
    }
    const decimals = amount.includes('.') ? amount.length - amount.indexOf('.') - 1 : 0;
    if (options.maxDecimals !== undefined && decimals > options.maxDecimals) {
      throw new MoneyError({
        code: 'too_many_decimals',
        message: `${amount} has ${decimals} decimals; at most ${options.maxDecimals} allowed`,
        details: { amount, maxDecimals: options.maxDecimals },
      });
    }
    return new Money(new Decimal(amount), cur);
  }

  static zero(currency: string = 'EUR'): Money {
    return new Money(new Decimal(0), assertCurrency(currency));
  }

  /** From an integer number of cents (bigint or an integer string), e.g. for storage in minor units. */
  static fromCents(cents: bigint | string, currency: string = 'EUR'): Money {
    const text = typeof cents === 'bigint' ? cents.toString() : cents;
    if (!/^-?\d+$/.test(text)) throw new MoneyError({ code: 'invalid_amount', message: `Not a whole number of cents: ${text}` });
    return new Money(new Decimal(text).div(100), assertCurrency(currency));
  }

  static sum(items: readonly Money[], currency: string = 'EUR'): Money {
    return items.reduce((acc, m) => acc.plus(m), Money.zero(currency));
  }

  #same(other: Money): void {
    if (other.currency !== this.currency) {
      throw new MoneyError({ code: 'currency_mismatch', message: `Cannot combine ${this.currency} and ${other.currency}` });
    }
  }

  plus(other: Money): Money {
    this.#same(other);
    return new Money(this.#value.plus(other.#value), this.currency);
  }

  minus(other: Money): Money {
    this.#same(other);
    return new Money(this.#value.minus(other.#value), this.currency);
  }

  /** Price × units. Units are a count or an exact decimal string (minutes, pages); never a float. */
  times(units: bigint | string | number): Money {
    if (typeof units === 'number' && !Number.isSafeInteger(units)) {
      throw new MoneyError({ code: 'invalid_amount', message: `Multiply by whole numbers or decimal strings, not ${units}` });
    }
    const factor = typeof units === 'string' ? Money.of(units, this.currency).#value : new Decimal(units.toString());
    return new Money(this.#value.times(factor), this.currency);
  }

  negated(): Money {
    return new Money(this.#value.negated(), this.currency);
  }

  abs(): Money {
    return new Money(this.#value.abs(), this.currency);
  }

  /** Half-up to whole cents: 0.125 -> 0.13, -0.125 -> -0.13 (away from zero at the half). */
  roundToCents(): Money {
    return new Money(this.#value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP), this.currency);
  }

  isZero(): boolean {
    return this.#value.isZero();
  }
  isNegative(): boolean {
    return this.#value.isNegative() && !this.#value.isZero();
  }
  isPositive(): boolean {
    return this.#value.isPositive() && !this.#value.isZero();
  }

  compare(other: Money): -1 | 0 | 1 {
    this.#same(other);
    return this.#value.comparedTo(other.#value) as -1 | 0 | 1;
  }
  equals(other: Money): boolean {
    return other.currency === this.currency && this.#value.equals(other.#value);
  }
  greaterThan(other: Money): boolean {
    return this.compare(other) > 0;
  }
  greaterThanOrEqual(other: Money): boolean {
    return this.compare(other) >= 0;
  }
  lessThan(other: Money): boolean {
    return this.compare(other) < 0;
  }
  lessThanOrEqual(other: Money): boolean {
    return this.compare(other) <= 0;
  }

  static min(a: Money, b: Money): Money {
    return a.lessThanOrEqual(b) ? a : b;
  }
  static max(a: Money, b: Money): Money {
    return a.greaterThanOrEqual(b) ? a : b;
  }

  /** Whole cents as a bigint; throws if the amount has sub-cent digits (round first). */
  toCents(): bigint {
    const cents = this.#value.times(100);
    if (!cents.isInteger()) throw new MoneyError({ code: 'too_many_decimals', message: `${this.toString()} is not a whole number of cents; round it first` });
    return BigInt(cents.toFixed(0));
  }

  /** Plain decimal string: at least two decimals ("0.18", "5.00"), more when the value has them ("0.0125"). */
  toString(): string {
    return this.#value.decimalPlaces() <= 2 ? this.#value.toFixed(2) : this.#value.toFixed();
  }

  /** The JSON API shape: amount as a string, never a number. */
  toJSON(): { amount: string; currency: Currency } {
    return { amount: this.toString(), currency: this.currency };
  }

  /** Localised display: nl "€ 0,18", fr "0,18 €", de "0,18 €", en "€0.18". */
  format(locale: string = 'en'): string {
    const tag = LOCALE_TAGS[locale] ?? locale;
    const digits = Math.max(2, this.#value.decimalPlaces());
    // Intl formats a decimal *string* exactly (no float conversion).
    return new Intl.NumberFormat(tag, { style: 'currency', currency: this.currency, minimumFractionDigits: 2, maximumFractionDigits: digits })
      .format(this.toString() as unknown as number)
      .replace(/\u00a0|\u202f/g, ' ');
  }
}

// The product serves Belgium and its neighbours: plain language codes map to these regions.
const LOCALE_TAGS: Record<string, string> = { nl: 'nl-BE', fr: 'fr-BE', de: 'de-DE', en: 'en-IE' };
