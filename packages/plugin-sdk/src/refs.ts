/**
 * Typed handles a plugin names in `registerInit({ deps })`. The host resolves each to an
 * implementation (Backstage's service refs and extension points), so plugins never see a container.
 */
export interface ServiceRef<T> {
  readonly $$type: '@tollgate/ServiceRef';
  readonly id: string;
  /** Type carrier only; never read at run time. */
  readonly T?: T;
}

export interface ExtensionPoint<T> {
  readonly $$type: '@tollgate/ExtensionPoint';
  readonly id: string;
  readonly T?: T;
}

export type Dep<T> = ServiceRef<T> | ExtensionPoint<T>;

export function createServiceRef<T>(input: { id: string }): ServiceRef<T> {
  return Object.freeze({ $$type: '@tollgate/ServiceRef', id: input.id }) as ServiceRef<T>;
}

export function createExtensionPoint<T>(input: { id: string }): ExtensionPoint<T> {
  return Object.freeze({ $$type: '@tollgate/ExtensionPoint', id: input.id }) as ExtensionPoint<T>;
}

export function isDep(value: unknown): value is Dep<unknown> {
  const type = (value as { $$type?: unknown } | null)?.$$type;
  return type === '@tollgate/ServiceRef' || type === '@tollgate/ExtensionPoint';
}
