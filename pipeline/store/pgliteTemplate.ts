import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { projectPath } from '../../lib/projectPaths.js';
import { migrate, readMigrations } from './migrate.js';
import { pgliteFootprintOptions } from './pgliteFootprint.js';
import type { Sql, Store } from './store.js';

/**
 * A fresh PGlite database costs an initdb in WebAssembly: 7 s idle, over 20 s on a busy machine.
 * So the first store ever opened builds a migrated database once, dumps it, and keeps the dump
 * (gzip, ~5 MB) in a cache keyed by the PGlite version and the migrations; every later store
 * starts from the dump in about a second.
 *
 * The process keeps the dump compressed and hands it to PGlite as gzip, which unpacks it while
 * loading. A store in a folder does not load the dump at all: it starts as a copy of the template
 * unpacked once into a folder of the cache (see migratedTemplateFolder).
 */
const inProcess = new Map<string, Promise<Buffer>>();
const foldersInProcess = new Map<string, Promise<string | undefined>>();

export async function migratedTemplate(): Promise<Blob> {
  const key = await templateKey();
  let template = inProcess.get(key);
  if (!template) {
    template = loadOrBuild(key);
    inProcess.set(key, template);
    template.catch(() => inProcess.delete(key));
  }
  return gzipBlob(await template);
}

/** The MIME type is how PGlite's loadDataDir knows to gunzip. */
function gzipBlob(packed: Buffer): Blob {
  return new Blob([new Uint8Array(packed)], { type: 'application/gzip' });
}

/**
 * The migrated template as a PostgreSQL data folder in the cache, to be copied by a store that
 * lives in a folder; undefined when no cache folder is writable. Loading the dump instead makes
 * PGlite gunzip and untar ~40 MB inside the process, and a pipeline that runs for hours kept those
 * buffers' worth of resident memory (the allocator does not hand it back): 310–370 MB idle
 * instead of 220–230 MB. A copy is made by the file system, outside the JavaScript heap, and the
 * pipeline is ready sooner too.
 */
export async function migratedTemplateFolder(): Promise<string | undefined> {
  const key = await templateKey();
  let folder = foldersInProcess.get(key);
  if (!folder) {
    folder = findOrUnpack(key);
    foldersInProcess.set(key, folder);
    folder.catch(() => foldersInProcess.delete(key));
  }
  return folder;
}

async function findOrUnpack(key: string): Promise<string | undefined> {
  const name = `pglite-template-${key}`;
  for (const dir of cacheDirs()) {
    if (await isDataFolder(join(dir, name))) return join(dir, name);
  }
  const loadDataDir = await migratedTemplate();
  for (const dir of cacheDirs()) {
    const folder = join(dir, name);
    // Unpacked aside and renamed, so a concurrent reader never copies half a template.
    const partial = join(dir, `${name}.${randomBytes(4).toString('hex')}.partial`);
    try {
      await mkdir(partial, { recursive: true });
      // PGlite unpacks its own dump; shut down cleanly, the folder is a consistent cluster.
      const db = new PGlite({ ...pgliteFootprintOptions(), dataDir: partial, loadDataDir });
      await db.waitReady;
      await db.close();
      await rename(partial, folder);
      return folder;
    } catch {
      await rm(partial, { recursive: true, force: true });
      // Another process renamed its copy first (ours then fails: the folder is not empty).
      if (await isDataFolder(folder)) return folder;
      // Otherwise a read-only install: try the next cache folder.
    }
  }
  return undefined;
}

/** PG_VERSION is what makes a folder a PostgreSQL data folder (and it is copied last). */
export async function isDataFolder(dir: string): Promise<boolean> {
  return access(join(dir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

async function templateKey(): Promise<string> {
  const manifest = fileURLToPath(
    new URL('../package.json', import.meta.resolve('@electric-sql/pglite')),
  );
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  const migrations = (await readMigrations()).map((migration) => migration.checksum).join(',');
  return createHash('sha256').update(`${version}|${migrations}`).digest('hex').slice(0, 16);
}

/** The template as a gzipped tarball: from the cache, or built and cached. */
async function loadOrBuild(key: string): Promise<Buffer> {
  const name = `pglite-template-${key}.tar.gz`;
  for (const dir of cacheDirs()) {
    const cached = await readFile(join(dir, name)).catch(() => undefined);
    if (cached) return cached;
  }
  const packed = gzipSync(await buildTemplate());
  for (const dir of cacheDirs()) {
    try {
      await mkdir(dir, { recursive: true });
      // Written aside and renamed, so a concurrent reader never sees half a template.
      const partial = join(dir, `${name}.${randomBytes(4).toString('hex')}.partial`);
      await writeFile(partial, packed);
      await rename(partial, join(dir, name));
      break;
    } catch {
      // A read-only install: try the next cache folder.
    }
  }
  return packed;
}

function cacheDirs(): string[] {
  return [
    process.env.B2B_CACHE_DIR,
    projectPath('.b2b', 'cache'),
    join(tmpdir(), 'b2b-cache'),
  ].filter((dir): dir is string => Boolean(dir));
}

async function buildTemplate(): Promise<Buffer> {
  const db = new PGlite(pgliteFootprintOptions());
  await db.waitReady;
  try {
    await migrate(pgliteAsStore(db));
    const dump = await db.dumpDataDir('none');
    return Buffer.from(await dump.arrayBuffer());
  } finally {
    await db.close();
  }
}

/** A PGlite handle seen through the Store interface. */
export function pgliteAsStore(db: PGlite): Store {
  const asSql = (handle: Pick<PGlite, 'query' | 'exec'>): Sql => ({
    async query<Row>(text: string, params?: unknown[]): Promise<Row[]> {
      return (await handle.query<Row>(text, params)).rows;
    },
    async exec(script: string): Promise<void> {
      await handle.exec(script);
    },
  });
  return {
    engine: 'pglite',
    ...asSql(db),
    transaction: <T>(work: (tx: Sql) => Promise<T>): Promise<T> =>
      db.transaction((tx) => work(asSql(tx))),
    close: () => db.close(),
  };
}
