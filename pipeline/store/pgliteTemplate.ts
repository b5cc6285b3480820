import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { projectPath } from '../../lib/projectPaths.js';
import { migrate, readMigrations } from './migrate.js';
import type { Sql, Store } from './store.js';

/**
 * A fresh PGlite database costs an initdb in WebAssembly: 7 s idle, over 20 s on a busy machine.
 * So the first store ever opened builds a migrated database once, dumps it, and keeps the dump
 * (gzip, ~5 MB) in a cache keyed by the PGlite version and the migrations; every later store
 * starts from the dump in about a second.
 */
const inProcess = new Map<string, Promise<Buffer>>();

export async function migratedTemplate(): Promise<Blob> {
  const key = await templateKey();
  let template = inProcess.get(key);
  if (!template) {
    template = loadOrBuild(key);
    inProcess.set(key, template);
    template.catch(() => inProcess.delete(key));
  }
  return new Blob([new Uint8Array(await template)]);
}

async function templateKey(): Promise<string> {
  const manifest = fileURLToPath(
    new URL('../package.json', import.meta.resolve('@electric-sql/pglite')),
  );
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  const migrations = (await readMigrations()).map((migration) => migration.checksum).join(',');
  return createHash('sha256').update(`${version}|${migrations}`).digest('hex').slice(0, 16);
}

async function loadOrBuild(key: string): Promise<Buffer> {
  const name = `pglite-template-${key}.tar.gz`;
  for (const dir of cacheDirs()) {
    const cached = await readFile(join(dir, name)).catch(() => undefined);
    if (cached) return gunzipSync(cached);
  }
  const raw = await buildTemplate();
  const packed = gzipSync(raw);
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
  return raw;
}

function cacheDirs(): string[] {
  return [
    process.env.B2B_CACHE_DIR,
    projectPath('.b2b', 'cache'),
    join(tmpdir(), 'b2b-cache'),
  ].filter((dir): dir is string => Boolean(dir));
}

async function buildTemplate(): Promise<Buffer> {
  const db = new PGlite();
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
