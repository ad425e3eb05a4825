/**
 * One table of result parsers, given to both engines, so a row reads the same on PGlite and on
 * PostgreSQL. Both drivers' defaults differ (and node-postgres turns numeric[] into floats, PGlite
 * turns int8 into number/bigint and date into Date), so nothing is left to defaults for these types.
 *
 * Sessions run with TimeZone=UTC and DateStyle=ISO (see the engines), which is what these parsers read.
 */

export type TextParser = (text: string) => unknown;

/** Postgres type OIDs (pg_type.oid); stable across versions. */
export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

const identity: TextParser = (text) => text;
const parseInteger: TextParser = (text) => Number.parseInt(text, 10);
const parseFloatText: TextParser = (text) => Number(text);
const parseBool: TextParser = (text) => text === 't' || text === 'true';
const parseJson: TextParser = (text) => JSON.parse(text);

// bytea_output is 'hex' by default on both engines: '\x0a0b...'.
const parseBytea: TextParser = (text) => (text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : Buffer.from(text, 'latin1'));

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( BC)?$/;

/**
 * ISO timestamp text to Date. A value without an offset (timestamp without time zone) is read as
 * UTC, never as the process's local time, so results do not depend on where the host runs.
 * 'infinity' / '-infinity' become Infinity / -Infinity, as node-postgres does.
 */
export function parseTimestamp(text: string): Date | number {
  if (text === 'infinity') return Number.POSITIVE_INFINITY;
  if (text === '-infinity') return Number.NEGATIVE_INFINITY;
  const m = TIMESTAMP.exec(text);
  if (!m) return new Date(Number.NaN);
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os, bc] = m;
  let year = Number(y);
  if (bc) year = 1 - year;
  const ms = frac ? Number(frac.slice(1, 4).padEnd(3, '0')) : 0;
  const date = new Date(Date.UTC(2000, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
  date.setUTCFullYear(year); // Date.UTC maps years 0..99 to 1900..1999
  if (sign) {
    const offsetSeconds = Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0);
    date.setTime(date.getTime() - (sign === '+' ? 1 : -1) * offsetSeconds * 1000);
  }
  return date;
}

/** Parsers for scalar types, by OID. */
export const SCALAR_PARSERS: Readonly<Record<number, TextParser>> = {
  [OID.bool]: parseBool,
  [OID.bytea]: parseBytea,
  [OID.int8]: identity, // exact: a JS number loses precision past 2^53
  [OID.int2]: parseInteger,
  [OID.int4]: parseInteger,
  [OID.oid]: parseInteger,
  [OID.text]: identity,
  [OID.bpchar]: identity,
  [OID.varchar]: identity,
  [OID.json]: parseJson,
  [OID.jsonb]: parseJson,
  [OID.float4]: parseFloatText,
  [OID.float8]: parseFloatText,
  [OID.numeric]: identity, // exact money: never a float
  [OID.date]: identity, // 'YYYY-MM-DD': a calendar day has no time zone
  [OID.time]: identity,
  [OID.timestamp]: parseTimestamp,
  [OID.timestamptz]: parseTimestamp,
  [OID.interval]: identity,
  [OID.uuid]: identity,
};

/** Array type OID -> element type OID, for the element types above. */
const ARRAY_ELEMENTS: Readonly<Record<number, number>> = {
  1000: OID.bool,
  1001: OID.bytea,
  1005: OID.int2,
  1007: OID.int4,
  1016: OID.int8,
  1028: OID.oid,
  1009: OID.text,
  1014: OID.bpchar,
  1015: OID.varchar,
  199: OID.json,
  3807: OID.jsonb,
  1021: OID.float4,
  1022: OID.float8,
  1231: OID.numeric,
  1182: OID.date,
  1183: OID.time,
  1115: OID.timestamp,
  1185: OID.timestamptz,
  1187: OID.interval,
  2951: OID.uuid,
};

/** Parses a Postgres array literal ('{1,2,NULL}', '{{a,"b c"}}', '[0:1]={x,y}'). */
export function parseArrayLiteral(text: string, parseElement: TextParser): unknown[] {
  let i = text.startsWith('[') ? text.indexOf('=') + 1 : 0;

  const parseLevel = (): unknown[] => {
    if (text[i] !== '{') throw new SyntaxError(`malformed array literal: ${text}`);
    i++;
    const out: unknown[] = [];
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      const ch = text[i];
      if (ch === '{') {
        out.push(parseLevel());
      } else if (ch === '"') {
        i++;
        let value = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          value += text[i];
          i++;
        }
        i++;
        out.push(parseElement(value));
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',' && text[i] !== '}') i++;
        const raw = text.slice(start, i).trim();
        out.push(raw === 'NULL' ? null : parseElement(raw));
      }
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return out;
      }
      throw new SyntaxError(`malformed array literal: ${text}`);
    }
  };

  return parseLevel();
}

/** Scalar and array parsers by OID (node-postgres needs arrays spelled out; PGlite derives them). */
export function allParsers(): Map<number, TextParser> {
  const parsers = new Map<number, TextParser>();
  for (const [oid, parser] of Object.entries(SCALAR_PARSERS)) parsers.set(Number(oid), parser);
  for (const [arrayOid, elementOid] of Object.entries(ARRAY_ELEMENTS)) {
    const element = SCALAR_PARSERS[elementOid] ?? identity;
    parsers.set(Number(arrayOid), (text) => parseArrayLiteral(text, element));
  }
  return parsers;
}

/** Session settings the parsers above rely on, applied on every connection of both engines. */
export const SESSION_SETTINGS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO',
  IntervalStyle: 'postgres',
};
