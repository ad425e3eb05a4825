import { StripeApiError, type Params } from './card-processor.js';

/**
 * What one form parameter may be. The processor refuses what a route does not list
 * (`parameter_unknown`), so each route of the sandbox lists exactly what it implements.
 */
export type ParamSpec =
  | { kind: 'string'; required?: boolean; emptyable?: boolean; maxLength?: number }
  | { kind: 'integer'; required?: boolean; min?: number; max?: number }
  /** 'true' / 'false', plus any `also` words (off_session also takes 'one_off' and 'recurring'). */
  | { kind: 'boolean'; also?: readonly string[] }
  | { kind: 'enum'; values: readonly string[]; required?: boolean }
  /** Any keys, string values: at most 50 keys, keys ≤ 40 characters, values ≤ 500; '' unsets. */
  | { kind: 'metadata' }
  /** expand[]=…: a list of strings; which paths may be expanded is the route's business. */
  | { kind: 'expand' }
  /** A timestamp, or a hash of gt / gte / lt / lte timestamps (list filters such as `created`). */
  | { kind: 'range' }
  /** A typed hash: its own keys are checked like top-level ones. */
  | { kind: 'hash'; fields: Readonly<Record<string, ParamSpec>> }
  /** An array (`a[0][b]=…`): each item checked against `of`. */
  | { kind: 'list'; of: ParamSpec; required?: boolean; maxItems?: number };

export type ParamsSpec = Readonly<Record<string, ParamSpec>>;

export const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 } as const;

function refuse(input: { message: string; param: string; code?: string }): StripeApiError {
  return new StripeApiError({
    status: 400,
    body: { error: { type: 'invalid_request_error', ...(input.code ? { code: input.code } : {}), message: input.message, param: input.param } },
  });
}

function isHash(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How the processor prints a value it could not use in a message (arrays and hashes as JSON). */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const INTEGER = /^-?\d+$/;

/**
 * Checks form parameters (after qs parsing) against a route's spec as the processor does:
 * unknown names first (`parameter_unknown`, `param` naming the first one, nested as `a[b]`),
 * then each known value's type, then what is required. Throws the processor's 400.
 */
export function checkParams(params: Params, spec: ParamsSpec, prefix?: string): void {
  const name = (key: string) => (prefix ? `${prefix}[${key}]` : key);
  for (const key of Object.keys(params)) {
    if (!Object.hasOwn(spec, key)) throw refuse({ message: `Received unknown parameter: ${name(key)}`, param: name(key), code: 'parameter_unknown' });
  }
  for (const [key, rule] of Object.entries(spec)) {
    const param = name(key);
    const value = params[key];
    if (value === undefined) {
      if ('required' in rule && rule.required) throw refuse({ message: `Missing required param: ${param}.`, param, code: 'parameter_missing' });
      continue;
    }
    checkValue({ value, rule, param });
  }
}

function checkValue(input: { value: unknown; rule: ParamSpec; param: string }): void {
  const { value, rule, param } = input;
  const empty = value === '';
  if (empty && !(rule.kind === 'metadata' || (rule.kind === 'string' && rule.emptyable))) {
    // The processor reads '' as "unset this", which only some parameters allow.
    throw refuse({
      message: `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
      param,
      code: 'parameter_invalid_empty',
    });
  }
  switch (rule.kind) {
    case 'string':
      if (typeof value !== 'string') throw refuse({ message: `Invalid string: ${shown(value)}`, param });
      if (rule.maxLength !== undefined && value.length > rule.maxLength) {
        throw refuse({ message: `Invalid string: ${value.slice(0, 20)}...; must be at most ${rule.maxLength} characters`, param });
      }
      return;
    case 'integer': {
      if (typeof value !== 'string' || !INTEGER.test(value) || !Number.isSafeInteger(Number(value))) {
        throw refuse({ message: `Invalid integer: ${shown(value)}`, param, code: 'parameter_invalid_integer' });
      }
      const n = Number(value);
      if (rule.min !== undefined && n < rule.min) throw refuse({ message: `This value must be greater than or equal to ${rule.min}.`, param });
      if (rule.max !== undefined && n > rule.max) throw refuse({ message: `This value must be less than or equal to ${rule.max}.`, param });
      return;
    }
    case 'boolean':
      if (value === 'true' || value === 'false' || (typeof value === 'string' && rule.also?.includes(value))) return;
      throw refuse({ message: `Invalid boolean: ${shown(value)}`, param });
    case 'enum':
      if (typeof value === 'string' && rule.values.includes(value)) return;
      throw refuse({ message: `Invalid ${param}: must be one of ${rule.values.join(', ')}`, param });
    case 'metadata':
      checkMetadata({ value, param });
      return;
    case 'expand':
      if (!Array.isArray(value)) throw refuse({ message: 'Invalid array', param });
      for (const [i, path] of value.entries()) {
        if (typeof path !== 'string' || path === '') throw refuse({ message: `Invalid string: ${shown(path)}`, param: `${param}[${i}]` });
      }
      return;
    case 'range':
      if (typeof value === 'string') {
        if (!INTEGER.test(value)) throw refuse({ message: `Invalid integer: ${value}`, param, code: 'parameter_invalid_integer' });
        return;
      }
      if (!isHash(value)) throw refuse({ message: 'Invalid hash', param });
      checkParams(value, RANGE, param);
      return;
    case 'hash':
      if (!isHash(value)) throw refuse({ message: 'Invalid hash', param });
      checkParams(value, rule.fields, param);
      return;
    case 'list': {
      if (!Array.isArray(value)) throw refuse({ message: 'Invalid array', param });
      if (rule.maxItems !== undefined && value.length > rule.maxItems) throw refuse({ message: `${param} can have at most ${rule.maxItems} items.`, param });
      for (const [i, item] of value.entries()) checkValue({ value: item, rule: rule.of, param: `${param}[${i}]` });
      return;
    }
  }
}

const RANGE: ParamsSpec = {
  gt: { kind: 'integer' },
  gte: { kind: 'integer' },
  lt: { kind: 'integer' },
  lte: { kind: 'integer' },
};

function checkMetadata(input: { value: unknown; param: string }): void {
  const { value, param } = input;
  if (value === '') return;
  if (!isHash(value)) throw refuse({ message: 'Invalid hash', param });
  const keys = Object.keys(value);
  if (keys.length > METADATA_LIMITS.keys) {
    throw refuse({ message: `Invalid ${param}: ${param} can have at most ${METADATA_LIMITS.keys} keys.`, param });
  }
  for (const key of keys) {
    const entry = value[key];
    const at = `${param}[${key}]`;
    if (key.length > METADATA_LIMITS.keyLength) {
      throw refuse({ message: `Invalid ${param}: keys must be at most ${METADATA_LIMITS.keyLength} characters (${key.slice(0, 20)}...).`, param: at });
    }
    if (typeof entry !== 'string') throw refuse({ message: `Invalid string: ${shown(entry)}`, param: at });
    if (entry.length > METADATA_LIMITS.valueLength) {
      throw refuse({ message: `Invalid ${param}: values must be at most ${METADATA_LIMITS.valueLength} characters (${at}).`, param: at });
    }
  }
}

/** Numbers of a `range` parameter that passed checkParams. */
export function rangeOf(value: unknown): { gt?: number; gte?: number; lt?: number; lte?: number } | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { gte: Number(value), lte: Number(value) };
  const out: { gt?: number; gte?: number; lt?: number; lte?: number } = {};
  for (const key of ['gt', 'gte', 'lt', 'lte'] as const) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'string') out[key] = Number(v);
  }
  return out;
}
