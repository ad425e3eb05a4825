import { pgArray, type PgArrayElement } from '@tollgate/db';

/** A parameter value: a scalar, or a JS array sent as a PostgreSQL array (cast it in the SQL: `:ids::bigint[]`). */
export type NamedValue = PgArrayElement | readonly PgArrayElement[];

export interface NamedStatement<P extends { [name: string]: NamedValue }> {
  /** The SQL with `$1…$n` placeholders. */
  readonly text: string;
  /** The positional values for `params`, in placeholder order. */
  values(params: P): unknown[];
}

/**
 * SQL with `:name` placeholders (a name used twice is one parameter), compiled once. The big wallet
 * statements take dozens of parameters; naming them keeps the SQL and the values from drifting apart.
 */
export function namedStatement<P extends { [name: string]: NamedValue }>(sql: string): NamedStatement<P> {
  const names: string[] = [];
  const text = sql.replace(/(?<!:):([a-zA-Z]\w*)/g, (_, name: string) => {
    let index = names.indexOf(name);
    if (index < 0) index = names.push(name) - 1;
    return `$${index + 1}`;
  });
  return {
    text,
    values(params: P): unknown[] {
      const values = new Array<unknown>(names.length);
      for (let i = 0; i < names.length; i++) {
        const value = params[names[i]!];
        if (value === undefined) throw new Error(`namedStatement: no value for :${names[i]}`);
        values[i] = Array.isArray(value) ? pgArray(value as readonly PgArrayElement[]) : value;
      }
      return values;
    },
  };
}
