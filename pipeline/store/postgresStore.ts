import pg from 'pg';
import { assertSchemaName, type Sql, type Store, type StoreOptions } from './store.js';

// bigint columns (sequence numbers, counts) come back as numbers, as they do from PGlite.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** A pooled connection to a PostgreSQL server. */
export async function openPostgresStore(url: string, options: StoreOptions): Promise<Store> {
  const schema = options.schema ? assertSchemaName(options.schema) : undefined;
  const poolSize = options.poolSize ?? 8;
  if (schema) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');
  return {
    engine: 'postgres',
    parallelism: poolSize,
    async query<Row>(text: string, params?: unknown[]): Promise<Row[]> {
      return (await pool.query(text, params as unknown[])).rows as Row[];
    },
    async exec(script: string): Promise<void> {
      await pool.query(script);
    },
    async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          async query<Row>(text: string, params?: unknown[]): Promise<Row[]> {
            return (await client.query(text, params as unknown[])).rows as Row[];
          },
          async exec(script: string): Promise<void> {
            await client.query(script);
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
}
