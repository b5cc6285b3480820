/**
 * The pipeline's database. One SQL dialect (PostgreSQL) on two engines: PGlite embedded in the
 * process by default, a real PostgreSQL server when DATABASE_URL is set. Code above this file sees
 * only `query` and `transaction`. This file imports nothing, so the engines can depend on it and
 * openStore.ts on them, without a cycle.
 */
export interface Sql {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface Store extends Sql {
  readonly engine: 'pglite' | 'postgres';
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…`; when absent the embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite data folder; in memory when absent. */
  dataDir?: string;
  /** PostgreSQL schema to live in (created if missing); lets several pipelines share one database. */
  schema?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`database schema "${schema}" must be lower-case letters, digits and _`);
  }
  return schema;
}
