import type { Store, StoreOptions } from './store.js';

/**
 * The store the options ask for. Each engine is loaded only when chosen: a pipeline on PostgreSQL
 * never loads PGlite's WebAssembly, and one on PGlite never opens a pg pool.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    const { openPostgresStore } = await import('./postgresStore.js');
    return openPostgresStore(options.databaseUrl, options);
  }
  const { openPgliteStore } = await import('./pgliteStore.js');
  return openPgliteStore(options.dataDir);
}
