import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { migratedTemplate, pgliteAsStore } from './pgliteTemplate.js';
import type { Store } from './store.js';

/**
 * Embedded PostgreSQL (WASM) in a folder, or in memory. One connection: transactions queue.
 * A new database starts from the migrated template (see pgliteTemplate.ts); an existing folder is
 * opened as it is.
 */
export async function openPgliteStore(dataDir?: string): Promise<Store> {
  let db: PGlite;
  if (dataDir && (await exists(join(dataDir, 'PG_VERSION')))) {
    db = new PGlite(dataDir);
  } else {
    if (dataDir) await mkdir(dataDir, { recursive: true });
    const loadDataDir = await migratedTemplate();
    db = dataDir ? new PGlite(dataDir, { loadDataDir }) : new PGlite({ loadDataDir });
  }
  await db.waitReady;
  return pgliteAsStore(db);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
