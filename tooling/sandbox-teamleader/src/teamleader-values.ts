// Small value helpers shared by the sandbox: API errors, money in cents, Teamleader's date formats.

/** One entry of Teamleader's error body `{ errors: [...] }`. */
export interface TeamleaderErrorItem {
  title: string;
  status: number;
  code?: string;
}

/** An API error answered as `{ errors: [{ title, status, code? }] }`. */
export class TeamleaderApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;

  constructor(input: { status: number; title: string; code?: string }) {
    super(input.title);
    this.status = input.status;
    this.code = input.code;
  }

  body(): { errors: TeamleaderErrorItem[] } {
    return { errors: [{ title: this.message, status: this.status, ...(this.code ? { code: this.code } : {}) }] };
  }
}

export function badRequest(title: string): TeamleaderApiError {
  return new TeamleaderApiError({ status: 400, title });
}

export function notFound(title: string): TeamleaderApiError {
  return new TeamleaderApiError({ status: 404, title });
}

/** Teamleader's Money: a JSON number of euros. */
export interface MoneyJson {
  amount: number;
  currency: string;
}

/**
 * Amounts are kept as integer cents so sums are exact; they become JSON numbers (decimal euros)
 * only on the wire, as Teamleader sends them.
 */
export function toCents(value: unknown, field: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(-?)(\d+)(?:\.(\d{1,2})0*)?$/.exec(text);
  if (!match) throw badRequest(`${field} must be an amount with at most 2 decimals, got ${JSON.stringify(value)}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) throw badRequest(`${field} is too large`);
  return match[1] === '-' ? -cents : cents;
}

export function money(input: { cents: number; currency: string }): MoneyJson {
  return { amount: input.cents / 100, currency: input.currency };
}

/** A tax rate as basis points (0.21 → 2100), so tax = round(taxable × bp / 10000) stays in integers. */
export function toBasisPoints(value: unknown, field: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(0|1)(?:\.(\d{1,4})0*)?$/.exec(text);
  if (!match) throw badRequest(`${field} must be a rate between 0 and 1 with at most 4 decimals, got ${JSON.stringify(value)}`);
  const bp = Number(match[1]) * 10_000 + Number((match[2] ?? '').padEnd(4, '0'));
  if (bp > 10_000) throw badRequest(`${field} must be at most 1`);
  return bp;
}

/** Half away from zero, on integers only. */
export function taxOf(input: { taxableCents: number; basisPoints: number }): number {
  const product = input.taxableCents * input.basisPoints;
  const sign = product < 0 ? -1 : 1;
  return sign * Math.floor((Math.abs(product) + 5_000) / 10_000);
}

/** Teamleader's date-time: `2016-02-04T16:44:33+00:00` (seconds, explicit offset). */
export function dateTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/**
 * The X-RateLimit-Reset stamp as Teamleader documents it: ISO 8601 in Brussels time with its offset,
 * e.g. `2026-03-01T10:00:00+01:00` (`+02:00` in summer).
 */
export function resetStamp(at: Date): string {
  // Whole seconds, rounded up: a client that waits until the stamp never comes back early.
  const instant = Math.ceil(at.getTime() / 1000) * 1000;
  const offset = brusselsOffsetMinutes(new Date(instant));
  const local = new Date(instant + offset * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

const BRUSSELS = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Brussels', timeZoneName: 'longOffset' });

/** Teamleader's own zone: +60 in winter, +120 in summer. */
function brusselsOffsetMinutes(at: Date): number {
  const name = BRUSSELS.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY-MM-DD` of a moment, in UTC. */
export function dateOnly(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function parseDate(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw badRequest(`${field} must be a date (YYYY-MM-DD), got ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseDateTime(value: unknown, field: string): Date {
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw badRequest(`${field} must be an ISO-8601 date-time, got ${JSON.stringify(value)}`);
  return new Date(ms);
}

export function addDays(date: string, days: number): string {
  return dateOnly(new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000));
}

export function endOfMonth(date: string): string {
  const at = new Date(`${date}T00:00:00Z`);
  return dateOnly(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)));
}

/** A Belgian structured payment reference (OGM): ten digits plus their mod-97 check, `+++123/4567/89012+++`. */
export function structuredReference(sequence: number): string {
  const base = String(sequence).padStart(10, '0').slice(-10);
  const check = Number(BigInt(base) % 97n) || 97;
  const digits = `${base}${String(check).padStart(2, '0')}`;
  return `+++${digits.slice(0, 3)}/${digits.slice(3, 7)}/${digits.slice(7)}+++`;
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireString(body: Json, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw badRequest(`${field} is required`);
  return value;
}

export function optionalString(body: Json, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${field} must be a string`);
  return value;
}

/** `{ type, id }` references, e.g. `customer: { type: 'company', id }`. */
export interface Ref<T extends string = string> {
  type: T;
  id: string;
}

export function parseRef<T extends string>(value: unknown, field: string, types: readonly T[]): Ref<T> {
  if (!isObject(value) || typeof value.id !== 'string' || value.id === '' || !types.includes(value.type as T)) {
    throw badRequest(`${field} must be {type: ${types.join('|')}, id}`);
  }
  return { type: value.type as T, id: value.id };
}
