// node-postgres is CommonJS; its default export carries Pool, Client and types.
import pg from 'pg';

export type { CustomTypesConfig, FieldDef, Pool, PoolClient, PoolConfig, QueryConfig, QueryResult } from 'pg';
export { pg };
