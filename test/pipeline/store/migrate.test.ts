import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isMigrated,
  migrate,
  readMigrations,
  type Migration,
} from '../../../pipeline/store/migrate.js';
import type { Store } from '../../../pipeline/store/store.js';
import { ENGINES, openTestStore, schemaExists, type TestStore } from '../../support/stores.js';

/** Unmigrated stores for one test, disposed after it. */
function freshStores(engine: (typeof ENGINES)[number]): () => Promise<TestStore> {
  const opened: TestStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((testStore) => testStore.dispose()));
  });
  return async () => {
    const testStore = await openTestStore(engine, { migrated: false });
    opened.push(testStore);
    return testStore;
  };
}

function customMigration(version: number, name: string, sql: string): Migration {
  return { version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
}

/** A migration that leaves one row behind each time it runs, so running twice shows. */
const counted = customMigration(
  2,
  '002_counted',
  'CREATE TABLE IF NOT EXISTS migration_runs (at timestamptz NOT NULL DEFAULT now()); INSERT INTO migration_runs DEFAULT VALUES;',
);

async function tableNames(store: Store): Promise<string[]> {
  const rows = await store.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

describe.each(ENGINES)('migrate on $name', (engine) => {
  const fresh = freshStores(engine);

  it('brings a fresh store up to date, and a second run applies nothing', async () => {
    const { store } = await fresh();
    expect(await tableNames(store)).toEqual([]);
    const known = await readMigrations();
    expect(known.map((migration) => migration.name)).toContain('001_webhook_inbox');

    const first = await migrate(store);
    expect(first.applied).toEqual(known.map((migration) => migration.name));
    expect(await tableNames(store)).toEqual(
      expect.arrayContaining([
        'webhook_inbox',
        'webhook_deliveries',
        'alerts',
        'orders',
        'order_events',
        'schema_migrations',
      ]),
    );
    const recorded = await store.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    expect(recorded.map((row) => ({ ...row, version: Number(row.version) }))).toEqual(
      known.map(({ version, name, checksum }) => ({ version, name, checksum })),
    );

    const second = await migrate(store);
    expect(second.applied).toEqual([]);
    expect(await store.query('SELECT version FROM schema_migrations')).toHaveLength(known.length);
  });

  it('reports the schema as migrated only once every known migration is applied', async () => {
    const { store } = await fresh();
    await migrate(store, []);
    expect(await isMigrated(store)).toBe(false);
    await migrate(store);
    expect(await isMigrated(store)).toBe(true);
  });

  it('refuses a migration whose SQL changed after it was applied, naming it', async () => {
    const { store } = await fresh();
    const original = customMigration(
      1,
      '001_widgets',
      'CREATE TABLE widgets (id integer PRIMARY KEY);',
    );
    expect((await migrate(store, [original])).applied).toEqual(['001_widgets']);

    const edited = customMigration(
      1,
      '001_widgets',
      'CREATE TABLE widgets (id integer PRIMARY KEY, name text);',
    );
    const later = customMigration(
      2,
      '002_gadgets',
      'CREATE TABLE gadgets (id integer PRIMARY KEY);',
    );
    await expect(migrate(store, [edited, later])).rejects.toThrow(
      /migration 001_widgets was changed/,
    );
    // Nothing after the refused migration ran.
    expect(await tableNames(store)).not.toContain('gadgets');
    expect(await store.query('SELECT version FROM schema_migrations')).toHaveLength(1);
    // The unchanged list still goes through.
    expect((await migrate(store, [original, later])).applied).toEqual(['002_gadgets']);
  });
});

// Only PostgreSQL has more than one connection to race and a schema to drop; these run when
// DATABASE_URL is set (CI sets it when a server answers), and are absent, not skipped, otherwise.
describe.each(ENGINES.filter((engine) => engine.name === 'postgres'))(
  'migrate on $name, concurrently',
  (engine) => {
    const fresh = freshStores(engine);

    it('lets two pipelines migrate one schema at the same time, applying each migration once', async () => {
      const migrations = [
        ...(await readMigrations()),
        customMigration(99, '099_counted', counted.sql),
      ];
      // A handful of fresh schemas: the race, if any, shows within a few tries.
      for (let attempt = 0; attempt < 5; attempt++) {
        const testStore = await fresh();
        const sibling = await testStore.openSibling();
        const results = await Promise.all([
          migrate(testStore.store, migrations),
          migrate(sibling, migrations),
        ]);
        const applied = results.flatMap((result) => result.applied).sort();
        expect(applied).toEqual(migrations.map((migration) => migration.name).sort());
        expect(await testStore.store.query('SELECT 1 FROM migration_runs')).toHaveLength(1);
        expect(await sibling.query('SELECT version FROM schema_migrations')).toHaveLength(
          migrations.length,
        );
        expect(await isMigrated(sibling)).toBe(true);
      }
    });

    it('drops its schema when disposed', async () => {
      const testStore = await fresh();
      const schema = testStore.schema as string;
      expect(await schemaExists(engine.databaseUrl as string, schema)).toBe(true);
      await testStore.dispose();
      expect(await schemaExists(engine.databaseUrl as string, schema)).toBe(false);
    });
  },
);
