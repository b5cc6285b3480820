import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../pipeline/store/migrate.js';
import { openStore } from '../../pipeline/store/openStore.js';
import { assertSchemaName, type Store } from '../../pipeline/store/store.js';

/**
 * The engines a store-touching suite runs on: PGlite (in memory) always, PostgreSQL as well when
 * DATABASE_URL is set. Use with `describe.each(ENGINES)('… on $name', (engine) => …)` so the same
 * assertions run on both.
 */
export interface Engine {
  name: 'pglite' | 'postgres';
  databaseUrl?: string;
}

export const ENGINES: Engine[] = [
  { name: 'pglite' },
  ...(process.env.DATABASE_URL
    ? [{ name: 'postgres' as const, databaseUrl: process.env.DATABASE_URL }]
    : []),
];

/** A schema name no other test file or earlier run uses. */
export function uniqueSchemaName(): string {
  return assertSchemaName(`test_${randomBytes(6).toString('hex')}`);
}

export interface TestStore {
  engine: Engine;
  store: Store;
  /** The PostgreSQL schema the store lives in; undefined on PGlite. */
  schema?: string;
  /** Another store on the same database and schema (PostgreSQL only), closed by `dispose`. */
  openSibling(): Promise<Store>;
  /** Closes every store opened here and drops the PostgreSQL schema. */
  dispose(): Promise<void>;
}

/**
 * A fresh store on `engine`: a new in-memory PGlite, or a new schema on the PostgreSQL server.
 * Migrated unless `migrated: false`, in which case it is empty: no table at all, whatever state
 * the engine hands out new databases in.
 */
export async function openTestStore(
  engine: Engine,
  options: { migrated?: boolean } = {},
): Promise<TestStore> {
  const schema = engine.databaseUrl ? uniqueSchemaName() : undefined;
  const open = () => openStore({ databaseUrl: engine.databaseUrl, schema });
  const stores: Store[] = [await open()];
  const store = stores[0] as Store;
  if (options.migrated === false) {
    // A new PGlite database may start from a template; the PostgreSQL schema is new and empty.
    if (!engine.databaseUrl) await store.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  } else {
    await migrate(store);
  }
  let disposed = false;
  return {
    engine,
    store,
    schema,
    async openSibling() {
      if (!engine.databaseUrl) throw new Error('a sibling store needs PostgreSQL');
      const sibling = await open();
      stores.push(sibling);
      return sibling;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.allSettled(stores.map((one) => one.close()));
      if (engine.databaseUrl && schema) await dropSchema(engine.databaseUrl, schema);
    },
  };
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${assertSchemaName(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Whether a schema exists on the server (to check that `dispose` cleaned up). */
export async function schemaExists(databaseUrl: string, schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

/**
 * The same store, but each transaction first lets the event loop turn once (no timer, no sleep).
 * Requests arriving together then find the inbox busy and are group-committed in one batch, as
 * they would be under real load; without it, PGlite's in-process transactions finish before the
 * next request has even been read, and every batch holds one delivery.
 */
export function yieldingStore(store: Store): Store {
  return {
    engine: store.engine,
    query: (text, params) => store.query(text, params),
    exec: (script) => store.exec(script),
    async transaction(work) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return store.transaction(work);
    },
    close: () => store.close(),
  };
}
