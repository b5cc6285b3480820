import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isMigrated } from '../../../pipeline/store/migrate.js';
import { PGLITE_FOOTPRINT_SETTINGS } from '../../../pipeline/store/pgliteFootprint.js';
import { migratedTemplateFolder } from '../../../pipeline/store/pgliteTemplate.js';
import { openStore } from '../../../pipeline/store/openStore.js';
import type { Store } from '../../../pipeline/store/store.js';

/** The server settings as PostgreSQL reports them, in the units `SHOW` uses (16MB, 1MB, 4). */
async function footprintSettings(store: Store): Promise<Record<string, string>> {
  const shown: Record<string, string> = {};
  for (const name of Object.keys(PGLITE_FOOTPRINT_SETTINGS)) {
    const [row] = await store.query<Record<string, string>>(`SHOW ${name}`);
    shown[name] = row?.[name] ?? '';
  }
  return shown;
}

describe('the embedded store opens with the small-footprint settings', () => {
  const opened: Store[] = [];
  const folders: string[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((store) => store.close()));
    await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const open = async (dataDir?: string) => {
    const store = await openStore({ dataDir });
    opened.push(store);
    return store;
  };
  const newFolder = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'b2b-pglite-'));
    folders.push(dir);
    return join(dir, 'data');
  };

  it('in memory: migrated, with the footprint settings, writes and reads back', async () => {
    const store = await open();
    expect(await footprintSettings(store)).toEqual(PGLITE_FOOTPRINT_SETTINGS);
    expect(await isMigrated(store)).toBe(true);
    await store.exec('CREATE TABLE footprint_probe (n int)');
    await store.query('INSERT INTO footprint_probe SELECT generate_series(1, 1000)');
    expect(await store.query('SELECT count(*)::int AS n FROM footprint_probe')).toEqual([
      { n: 1000 },
    ]);
  });

  it('in a new folder: a copy of the migrated template, with the footprint settings', async () => {
    const dataDir = await newFolder();
    const store = await open(dataDir);
    expect(await footprintSettings(store)).toEqual(PGLITE_FOOTPRINT_SETTINGS);
    expect(await isMigrated(store)).toBe(true);
    const template = await migratedTemplateFolder();
    expect(template).toBeDefined();
    expect(await readdir(dataDir)).toEqual(
      expect.arrayContaining(await readdir(template as string)),
    );
  });

  it('reopening a folder keeps its rows and applies the settings again', async () => {
    const dataDir = await newFolder();
    const first = await open(dataDir);
    await first.exec(
      'CREATE TABLE footprint_probe (n int); INSERT INTO footprint_probe VALUES (7)',
    );
    await first.close();
    opened.splice(opened.indexOf(first), 1);

    const again = await open(dataDir);
    expect(await again.query('SELECT n FROM footprint_probe')).toEqual([{ n: 7 }]);
    expect(await footprintSettings(again)).toEqual(PGLITE_FOOTPRINT_SETTINGS);
  });

  it('a copy cut short (no PG_VERSION yet) is copied again, not opened as a database', async () => {
    const dataDir = await newFolder();
    await (await open(dataDir)).close();
    opened.splice(0);
    await unlink(join(dataDir, 'PG_VERSION'));
    await rm(join(dataDir, 'global'), { recursive: true });

    const store = await open(dataDir);
    expect(await isMigrated(store)).toBe(true);
  });
});
