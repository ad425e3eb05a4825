import { ValidationError } from '@tollgate/errors';

/*
 * Text PostgreSQL cannot store: it refuses U+0000 in text and jsonb, and a lone UTF-16 surrogate
 * in jsonb (in text the driver would turn it into U+FFFD, a silent change). One refused value
 * fails the whole transaction it is in, so such input is refused at the door with a 400 naming the
 * field — by the host for every route's params, query and body, by the wallet for its own input.
 */

/** A NUL, or a surrogate that is not half of a pair (with the u flag a valid pair is one code point). */
const UNSTORABLE = /[\0\p{Cs}]/u;
/** Deeper input is not walked further (the validation pipe and JSON limits refuse it anyway). */
const MAX_DEPTH = 64;

export type FieldPath = ReadonlyArray<string | number>;

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** The first string (or object key) in `value` that PostgreSQL cannot store, with its path; null if none. */
export function findUnstorableText(value: unknown, path: FieldPath = []): { path: FieldPath; value: string } | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? { path, value } : null;
  if (value === null || typeof value !== 'object' || path.length > MAX_DEPTH) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) return { path: [...path, key], value: key };
    const found = findUnstorableText(inner, [...path, key]);
    if (found) return found;
  }
  return null;
}

/** `a.b[2].c` for error messages. */
export function fieldName(path: FieldPath): string {
  return path.reduce<string>((name, part) => (typeof part === 'number' ? `${name}[${part}]` : name ? `${name}.${part}` : part), '') || '(root)';
}

/** 400 invalid_text naming the field and what is wrong with it. */
export function unstorableTextError(input: { path: FieldPath; value: string }): ValidationError {
  const what = input.value.includes('\0') ? 'a NUL character (U+0000)' : 'a lone UTF-16 surrogate';
  const message = `contains ${what}, which cannot be stored`;
  return new ValidationError({ code: 'invalid_text', message: `${fieldName(input.path)} ${message}`, details: [{ path: input.path, message }] });
}

/** Throws 400 invalid_text if anything in `value` cannot be stored; returns `value` otherwise. */
export function assertStorableText<T>(value: T, path: FieldPath = []): T {
  const found = findUnstorableText(value, path);
  if (found) throw unstorableTextError(found);
  return value;
}
