// The part of node-postgres (`pg`, plain JS, no bundled types) that this package uses.
// Replace with @types/pg if it is ever added to the workspace.
declare module 'pg' {
  export interface FieldDef {
    name: string;
    dataTypeID: number;
  }

  export interface QueryResult<R = any> {
    command: string;
    rowCount: number | null;
    rows: R[];
    fields: FieldDef[];
  }

  export interface QueryConfig {
    text: string;
    values?: unknown[];
    /** 'extended' forces the extended protocol (one statement) even without values. */
    queryMode?: 'extended';
  }

  export interface CustomTypesConfig {
    getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown;
  }

  export interface ClientConfig {
    connectionString?: string;
    application_name?: string;
    /** Startup options, e.g. '-c search_path=x'. */
    options?: string;
    types?: CustomTypesConfig;
    connectionTimeoutMillis?: number;
  }

  export interface PoolConfig extends ClientConfig {
    max?: number;
    idleTimeoutMillis?: number;
  }

  export class Client {
    constructor(config?: ClientConfig);
    connect(): Promise<void>;
    query<R = any>(text: string | QueryConfig, values?: unknown[]): Promise<QueryResult<R>>;
    end(): Promise<void>;
    on(event: 'error', listener: (error: Error) => void): this;
  }

  export interface PoolClient extends Client {
    release(destroy?: boolean | Error): void;
  }

  export class Pool {
    constructor(config?: PoolConfig);
    readonly totalCount: number;
    readonly idleCount: number;
    readonly waitingCount: number;
    connect(): Promise<PoolClient>;
    query<R = any>(text: string | QueryConfig, values?: unknown[]): Promise<QueryResult<R>>;
    end(): Promise<void>;
    on(event: 'error', listener: (error: Error, client: PoolClient) => void): this;
  }

  export const types: CustomTypesConfig;

  const pg: { Pool: typeof Pool; Client: typeof Client; types: CustomTypesConfig };
  export default pg;
}
