import { constants } from 'node:fs';
import { copyFile, cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteFootprintOptions } from './pgliteFootprint.js';
import {
  isDataFolder,
  migratedTemplate,
  migratedTemplateFolder,
  pgliteAsStore,
} from './pgliteTemplate.js';
import type { Store } from './store.js';

/**
 * Embedded PostgreSQL (WASM) in a folder, or in memory. One connection: transactions queue.
 * A new database starts from the migrated template (see pgliteTemplate.ts): a folder as a copy of
 * the template's folder, in memory by loading its dump. An existing folder is opened as it is.
 * Either way with the small-footprint settings of pgliteFootprint.ts.
 */
export async function openPgliteStore(dataDir?: string): Promise<Store> {
  const options = pgliteFootprintOptions();
  if (dataDir && !(await isDataFolder(dataDir))) {
    const template = await migratedTemplateFolder();
    if (template) await copyDataFolder(template, dataDir);
  }
  let db: PGlite;
  if (dataDir && (await isDataFolder(dataDir))) {
    db = new PGlite(dataDir, options);
  } else {
    if (dataDir) await mkdir(dataDir, { recursive: true });
    const loadDataDir = await migratedTemplate();
    db = new PGlite({ ...options, ...(dataDir ? { dataDir } : {}), loadDataDir });
  }
  await db.waitReady;
  return pgliteAsStore(db);
}

/**
 * PG_VERSION last: a copy cut short leaves a folder that is not yet a database, and the next
 * open copies again instead of starting PostgreSQL on half a cluster. Copy-on-write clones where
 * the file system has them.
 */
async function copyDataFolder(template: string, dataDir: string): Promise<void> {
  await cp(template, dataDir, {
    recursive: true,
    mode: constants.COPYFILE_FICLONE,
    filter: (source) => source !== join(template, 'PG_VERSION'),
  });
  await copyFile(join(template, 'PG_VERSION'), join(dataDir, 'PG_VERSION'));
}
