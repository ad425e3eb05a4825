/**
 * Query parameters are converted here, the same way for both engines, before the driver sees them:
 *
 * - string, number, boolean, null: as they are (pass money as a string: '12.50')
 * - undefined: NULL
 * - Date: ISO-8601 in UTC ('2026-01-01T00:00:00.000Z'), so timestamptz gets the exact instant and
 *   timestamp (without time zone) gets the UTC wall time, whatever the process's time zone
 * - bigint: its decimal string
 * - Uint8Array / Buffer: bytea
 * - a plain object or an array: JSON.stringify'd (for json/jsonb columns)
 * - a value made with `pgArray([...])`: a Postgres array literal (for `= ANY($1::text[])`)
 * - any other object (e.g. a Money or Decimal): String(value)
 */

const PG_ARRAY = Symbol('tollgate.db.pgArray');

export type PgArrayElement = string | number | bigint | boolean | Date | null;

/** A Postgres array parameter; plain JS arrays are sent as JSON. */
export interface PgArray {
  readonly [PG_ARRAY]: readonly PgArrayElement[];
}

/** Marks a JS array to be sent as a Postgres array: `query('... = ANY($1::uuid[])', [pgArray(ids)])`. */
export function pgArray(values: readonly PgArrayElement[]): PgArray {
  return { [PG_ARRAY]: values };
}

function isPgArray(value: object): value is PgArray {
  return PG_ARRAY in value;
}

function arrayElement(value: PgArrayElement): string {
  if (value === null) return 'NULL';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function toDriverParam(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      if (value instanceof Date) return value.toISOString();
      if (value instanceof Uint8Array) return value;
      if (isPgArray(value)) return `{${value[PG_ARRAY].map(arrayElement).join(',')}}`;
      if (Array.isArray(value) || isPlainObject(value)) return JSON.stringify(value);
      return String(value);
    default:
      throw new TypeError(`Cannot pass a ${typeof value} as a query parameter`);
  }
}

export function toDriverParams(params: readonly unknown[] | undefined): unknown[] {
  return params ? params.map(toDriverParam) : [];
}
