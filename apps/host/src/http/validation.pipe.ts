import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { assertStorableText, fieldName, type FieldPath } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';

/**
 * The input step of the one request pipeline (after the guard: a key without the role never has
 * its input read), for core and plugin routes alike:
 *   1. every string the handler will read — path params, query values, body strings and keys — is
 *      text PostgreSQL can store (NUL or a lone surrogate → 400 invalid_text naming the field),
 *      whether or not the route declared a schema;
 *   2. the route's schema (zod or any Standard Schema), issues as `details: [{ path, message }]`.
 * A single named parameter (`@Param('id')`, `@Query('limit')`) is named in the path of each issue.
 */
/** The part of the Standard Schema interface (zod 4 implements it) this pipe uses. */
interface StandardSchema {
  '~standard': {
    validate(value: unknown): StandardResult | Promise<StandardResult>;
  };
}
type StandardResult =
  { value: unknown; issues?: undefined } | { issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> }> };

function segment(part: PropertyKey | { key: PropertyKey }): string | number {
  const key = typeof part === 'object' ? part.key : part;
  return typeof key === 'number' ? key : String(key);
}

/** Both steps for one input (a body, the text fields of an upload): its value as the schema outputs it, or a 400. */
export async function validateInput(input: { value: unknown; schema: StandardSchema | undefined; base?: FieldPath }): Promise<unknown> {
  const base = input.base ?? [];
  const { value, schema } = input;
  assertStorableText(value, base);
  if (!schema?.['~standard']) return value;
  const result = await schema['~standard'].validate(value);
  if (!result.issues) return result.value;
  const details = result.issues.map((issue) => ({
    path: [...base, ...(issue.path ?? []).map(segment)],
    message: issue.message,
  }));
  throw new ValidationError({ message: details.map((d) => `${fieldName(d.path)}: ${d.message}`).join('; '), details });
}

@Injectable()
export class RequestValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom') return value;
    const base: FieldPath = metadata.data ? [metadata.data] : [];
    return validateInput({ value, schema: (metadata as ArgumentMetadata & { schema?: StandardSchema }).schema, base });
  }
}
