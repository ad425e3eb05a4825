import fc from 'fast-check';

/*
 * Inputs for the bad-input sweep, generated from the host's own OpenAPI document: a body that has
 * the declared shape, then one thing wrong with it (a field replaced by a hostile value, a required
 * field dropped, an unknown field, a hostile key, or another value altogether); hostile path ids
 * and query values. Seeded, so a run is repeatable and a failure names its input.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
}

export interface OpenApiOperation {
  parameters?: Array<{ name: string; in: 'path' | 'query' | 'header'; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
export type OpenApiDocument = { paths: Record<string, Record<string, OpenApiOperation>> };

/** Values that break a rule somewhere: storage (NUL, lone surrogates), types, ranges, sizes, formats. */
export const HOSTILE_VALUES: readonly unknown[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '',
  ' ',
  'x'.repeat(20_000),
  -1,
  0,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  null,
  true,
  [],
  {},
  [null],
  { a: { b: { c: {} } } },
  '1e999',
  'NaN',
  'Infinity',
  '-0',
  '0.000001',
  '0.0000001',
  '-0.01',
  '99999999999999999999.99',
  '9999999999999999.99',
  '1,5',
  ' 1',
  '0x10',
  "'; drop table wallets; --",
  '../../etc/passwd',
  '%00',
  '\u202e',
  '😀',
  '2026-02-30T00:00:00Z',
  '2026-12-05',
  'EUR',
  'pm_\u0000',
];

/** Path ids as they go into the URL (already encoded). */
export const HOSTILE_PATH_IDS: readonly string[] = [
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%',
  'x'.repeat(3000),
  '-1',
  '0',
  '99999999999999999999999999',
  '1e5',
  'null',
  '%F0%9F%98%80',
  '..%2F..%2Fadmin',
  "'%20or%201=1",
  '%20',
];

/** Query values as they go into the URL (already encoded). */
export const HOSTILE_QUERY_VALUES: readonly string[] = [
  '%00',
  'a%00b',
  '%ED%A0%80',
  '-1',
  '1e309',
  'abc',
  'x'.repeat(3000),
  '',
  '2026-02-30',
  '9999999999999999999999',
];

const MAX_DEPTH = 4;

/** A value of the declared shape (not always valid: patterns and formats are approximated). */
export function shaped(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > MAX_DEPTH) return fc.jsonValue({ maxDepth: 1 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices?.length) return fc.oneof(...choices.map((c) => shaped(c, depth + 1)));
  if (schema.allOf?.length) return shaped(Object.assign({}, ...schema.allOf) as JsonSchema, depth + 1);
  const type = [schema.type ?? []].flat().find((t) => t !== 'null') ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'string':
      return text(schema);
    case 'integer':
    case 'number':
      return fc.integer({ min: Math.max(schema.minimum ?? -1000, -1e6), max: Math.min(schema.maximum ?? 1000, 1e6) });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(shaped(schema.items, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'object': {
      const props = schema.properties ?? {};
      if (!Object.keys(props).length) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      const record = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, shaped(v, depth + 1)]));
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function text(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'date-time')
    return fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.format === 'email') return fc.constantFrom('ann@example.test', 'bob@example.test');
  if (schema.pattern) {
    try {
      const max = schema.maxLength ?? 64;
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= max);
    } catch {
      // A pattern JavaScript cannot compile: plain text instead.
    }
  }
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 24, 24) });
}

type Path = Array<string | number>;

function pathsIn(value: unknown, path: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [path];
  const inner = Array.isArray(value) ? value.map((v, i) => pathsIn(v, [...path, i])) : Object.entries(value).map(([k, v]) => pathsIn(v, [...path, k]));
  return [path, ...inner.flat()];
}

function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (!path.length) return replacement;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[path[0]!] = setAt(copy[path[0]!], path.slice(1), replacement);
  return copy;
}

/** A body of the declared shape with one thing wrong with it. */
export function brokenBody(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  return fc
    .tuple(shaped(schema), fc.nat(), fc.constantFrom(...HOSTILE_VALUES), fc.integer({ min: 0, max: 5 }), fc.constantFrom(...(schema?.required ?? ['x'])))
    .map(([body, pick, hostile, how, required]) => {
      const paths = pathsIn(body).filter((p) => p.length > 0);
      switch (how) {
        case 0:
        case 1:
          return paths.length ? setAt(body, paths[pick % paths.length]!, hostile) : hostile;
        case 2: {
          if (body === null || typeof body !== 'object' || Array.isArray(body)) return hostile;
          const { [required]: _dropped, ...rest } = body as Record<string, unknown>;
          return rest;
        }
        case 3:
          return body !== null && typeof body === 'object' ? { ...body, unknownField: hostile } : hostile;
        case 4:
          return body !== null && typeof body === 'object' ? { ...body, 'key\u0000': 1, '\ud800': 2 } : hostile;
        default:
          return hostile;
      }
    });
}
