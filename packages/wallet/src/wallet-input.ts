import { ValidationError } from '@tollgate/errors';
import { Money } from '@tollgate/money';
import { isStorableText, unstorableTextError } from '@tollgate/db';

/*
 * Checks on wallet input, made before a command is queued. A command that reaches a batch must be
 * storable: PostgreSQL refuses a NUL character in text and jsonb and a lone UTF-16 surrogate in
 * jsonb, and such a refusal would fail the whole transaction (the service then isolates the
 * command, but a 400 naming the field is the honest answer).
 */

const UNITS = /^(0|[1-9]\d{0,11})(\.\d{1,6})?$/;
const COUNTRY = /^[A-Z]{2}$/;
const CHANNEL = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Ids are bigint in the database; 18 digits always fit. */
const ID = /^\d{1,18}$/;
const MAX_AMOUNT = Money.of('9999999999999999.99');
const MAX_METADATA_DEPTH = 32;

/** Text PostgreSQL can store, or a 400 naming the field. */
export function checkText(field: string, value: string): string {
  if (!isStorableText(value)) throw unstorableTextError({ path: [field], value });
  return value;
}

export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length < 1 || key.length > 255)
    throw new ValidationError({ code: 'invalid_idempotency_key', message: 'An idempotency key (1 to 255 characters) is required.' });
  return checkText('idempotencyKey', key);
}

export function checkUnits(units: unknown): string {
  if (typeof units !== 'string' || !UNITS.test(units) || /^0(\.0+)?$/.test(units)) {
    throw new ValidationError({
      code: 'invalid_units',
      message: `units must be a positive decimal string with at most 6 decimals, e.g. "1" or "2.5"; got ${JSON.stringify(units)}`,
    });
  }
  return units;
}

export function checkAmount(amount: Money | string, what = 'amount'): Money {
  const money = amount instanceof Money ? amount : Money.of(amount, 'EUR', { maxDecimals: 2 });
  if (!money.isPositive()) throw new ValidationError({ code: 'invalid_amount', message: `${what} must be greater than zero` });
  if (!money.roundToCents().equals(money)) throw new ValidationError({ code: 'too_many_decimals', message: `${what} must be in whole cents` });
  if (money.greaterThan(MAX_AMOUNT)) throw new ValidationError({ code: 'invalid_amount', message: `${what} must be at most ${MAX_AMOUNT.toString()}` });
  return money;
}

export function checkChannel(channel: unknown): string {
  if (typeof channel !== 'string' || !CHANNEL.test(channel))
    throw new ValidationError({ code: 'invalid_channel', message: `channel must be a kebab-case id, got ${JSON.stringify(channel)}` });
  return channel;
}

export function checkCountry(country: unknown): string | null {
  if (country === undefined || country === null) return null;
  if (typeof country !== 'string' || !COUNTRY.test(country))
    throw new ValidationError({ code: 'invalid_country', message: `country must be an ISO 3166 alpha-2 code such as "BE", got ${JSON.stringify(country)}` });
  return country;
}

/** A hold, lot or transaction id; anything else cannot name a row, so it is `notFound()`. */
export function checkId(id: unknown, notFound: (id: string) => Error): string {
  const text = String(id);
  if (!ID.test(text)) throw notFound(text);
  return text;
}

/** Caller metadata: a plain object whose keys and strings are storable, at most 32 levels deep. */
export function checkMetadata(metadata: unknown): object {
  if (metadata === undefined) return {};
  if (!isPlainObject(metadata))
    throw new ValidationError({
      code: 'invalid_metadata',
      message: 'metadata must be a JSON object',
      details: [{ path: ['metadata'], message: 'must be an object' }],
    });
  walk(metadata, ['metadata']);
  return metadata;
}

function walk(value: unknown, path: Array<string | number>): void {
  switch (typeof value) {
    case 'string':
      if (!isStorableText(value)) throw unstorableTextError({ path, value });
      return;
    case 'number':
      if (!Number.isFinite(value)) throw metadataError(path, 'is not a finite number');
      return;
    case 'boolean':
    case 'undefined':
      return;
    case 'object':
      break;
    default:
      throw metadataError(path, `is a ${typeof value}, which JSON cannot hold`);
  }
  if (value === null) return;
  if (path.length > MAX_METADATA_DEPTH) throw metadataError(path, `is nested more than ${MAX_METADATA_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) walk(value[i], [...path, i]);
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      if (!isStorableText(key)) throw unstorableTextError({ path: [...path, key], value: key });
      walk((value as Record<string, unknown>)[key], [...path, key]);
    }
  }
  // Other objects (a Date, a Money) are stored through their toJSON.
}

function metadataError(path: ReadonlyArray<string | number>, problem: string): ValidationError {
  return new ValidationError({ code: 'invalid_metadata', message: `${path.join('.')} ${problem}`, details: [{ path, message: problem }] });
}

function isPlainObject(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Plan ids (W-11): 'classic', 'focus', or one the host's config defines. */
const PLAN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** The plan of wallets opened without one (and of every wallet that existed before plans). */
export const DEFAULT_PLAN = 'focus';

export function checkPlan(plan: unknown): string {
  if (typeof plan !== 'string' || plan.length > 64 || !PLAN.test(plan))
    throw new ValidationError({ code: 'invalid_plan', message: `plan must be a kebab-case id such as "classic", got ${JSON.stringify(plan)}` });
  return plan;
}
