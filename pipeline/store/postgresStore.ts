import { createHash } from 'node:crypto';
import pg from 'pg';
import { assertSchemaName, type Sql, type Store, type StoreOptions } from './store.js';

// bigint columns (sequence numbers, counts) come back as numbers, as they do from PGlite.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * Statements with parameters run as named prepared statements: each connection parses and plans
 * a statement once, then only binds and executes it. The code's SQL texts are constants, so the
 * set of names stays small.
 */
const statementNames = new Map<string, string>();
function prepared(text: string, params: unknown[] | undefined): pg.QueryConfig | string {
  if (!params || params.length === 0) return text;
  let name = statementNames.get(text);
  if (!name) {
    name = `b2b_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return { name, text, values: params };
}

/** A pooled connection to a PostgreSQL server. */
export async function openPostgresStore(url: string, options: StoreOptions): Promise<Store> {
  const schema = options.schema ? assertSchemaName(options.schema) : undefined;
  const poolSize = options.poolSize ?? 12;
  if (schema) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (error) {
      // Two workers creating the schema at once: IF NOT EXISTS is not atomic in PostgreSQL, and
      // the loser gets a unique violation on pg_namespace. The schema exists either way.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P06') throw error;
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
    async query<Row>(text: string, params?: unknown[]): Promise<Row[]> {
      return (await pool.query(prepared(text, params))).rows as Row[];
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
            return (await client.query(prepared(text, params))).rows as Row[];
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
