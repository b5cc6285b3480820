import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Store } from './store.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Any constant: the advisory lock that keeps two pipelines from migrating at the same time. */
const MIGRATION_LOCK = 4_242_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(directory = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(directory))
    .filter((name) => /^\d{3}_[a-z0-9_]+\.sql$/.test(name))
    .sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(`${directory}/${file}`, 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
}

/**
 * Brings the schema up to date, one migration per transaction. An applied migration whose file has
 * since changed stops the pipeline: the database no longer matches the code that describes it.
 */
export async function migrate(
  store: Store,
  migrations?: Migration[],
): Promise<{ applied: string[] }> {
  const all = migrations ?? (await readMigrations());
  // Under the lock too: two concurrent CREATE TABLE IF NOT EXISTS can both try to create the table.
  await store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const applied: string[] = [];
  for (const migration of all) {
    await store.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const [existing] = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE version = $1',
        [migration.version],
      );
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          throw new Error(
            `migration ${migration.name} was changed after it was applied (checksum ${existing.checksum.slice(0, 12)} in the database)`,
          );
        }
        return;
      }
      await tx.exec(migration.sql);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [migration.version, migration.name, migration.checksum],
      );
      applied.push(migration.name);
    });
  }
  return { applied };
}

/** True when every migration this code knows is applied (for /readyz). */
export async function isMigrated(store: Store): Promise<boolean> {
  const known = await readMigrations();
  const [table] = await store.query<{ present: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
  );
  if (!table?.present) return false; // never migrated: pending, not unreachable
  const rows = await store.query<{ version: number }>('SELECT version FROM schema_migrations');
  const versions = new Set(rows.map((row) => Number(row.version)));
  return known.every((migration) => versions.has(migration.version));
}
