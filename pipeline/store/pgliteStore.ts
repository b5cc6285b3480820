import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Sql, Store } from './store.js';

/** Embedded PostgreSQL (WASM) in a folder, or in memory. One connection: transactions queue. */
export async function openPgliteStore(dataDir?: string): Promise<Store> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = dataDir ? new PGlite(dataDir) : new PGlite();
  await db.waitReady;
  return {
    engine: 'pglite',
    parallelism: 1,
    async query<Row>(text: string, params?: unknown[]): Promise<Row[]> {
      const result = await db.query<Row>(text, params);
      return result.rows;
    },
    async exec(script: string): Promise<void> {
      await db.exec(script);
    },
    transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) =>
        work({
          async query<Row>(text: string, params?: unknown[]): Promise<Row[]> {
            return (await tx.query<Row>(text, params)).rows;
          },
          async exec(script: string): Promise<void> {
            await tx.exec(script);
          },
        }),
      );
    },
    async close(): Promise<void> {
      await db.close();
    },
  };
}
