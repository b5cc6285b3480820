import pg from 'pg';

export interface CommitRateOptions {
  databaseUrl: string;
  /** Concurrent connections, each committing one single-row insert after another. */
  clients: number;
  /** Measured seconds, after `warmupSeconds` that are not counted. */
  seconds: number;
  warmupSeconds: number;
}

export interface CommitRateFigures {
  clients: number;
  duration_s: number;
  commits: number;
  commits_per_s: number;
  /** As the server has them: the figure means nothing without them. */
  server: {
    synchronous_commit: string;
    fsync: string;
    wal_sync_method: string;
    commit_delay: string;
  };
}

/**
 * The yardstick for webhook ingest on PostgreSQL: how many durable single-row transactions this
 * server commits per second on this machine. Each client runs `INSERT … ; COMMIT` (autocommit, one
 * row per transaction) back to back into a throwaway table in its own schema, with the server's
 * own synchronous_commit; the count of the measured window, divided by its length, is the rate.
 *
 * An ingested event does more than one such row (inbox, order, event chain, audit), so beating
 * this rate at all is group commit at work: several events share one transaction and one WAL flush.
 */
export async function measureCommitRate(options: CommitRateOptions): Promise<CommitRateFigures> {
  const schema = `bench_commits_${Date.now().toString(36)}_${process.pid}`;
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  const clients: pg.Client[] = [];
  try {
    const settings = await admin.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings
        WHERE name IN ('synchronous_commit', 'fsync', 'wal_sync_method', 'commit_delay')`,
    );
    const setting = (name: string) =>
      settings.rows.find((row) => row.name === name)?.setting ?? '?';
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(
      `CREATE TABLE ${schema}.commits (id bigserial PRIMARY KEY, client int NOT NULL, payload text NOT NULL)`,
    );
    for (let index = 0; index < options.clients; index++) {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      await client.connect();
      clients.push(client);
    }
    const insert = {
      name: 'bench_commit',
      text: `INSERT INTO ${schema}.commits (client, payload) VALUES ($1, $2)`,
    };
    // One payload of about an inbox row's size, so the WAL written per commit is comparable.
    const payload = 'x'.repeat(400);

    let counting = false;
    let stopping = false;
    let commits = 0;
    const loops = clients.map(async (client, index) => {
      while (!stopping) {
        await client.query({ ...insert, values: [index, payload] });
        if (counting) commits++;
      }
    });
    await delay(options.warmupSeconds * 1000);
    counting = true;
    const started = performance.now();
    await delay(options.seconds * 1000);
    counting = false;
    const seconds = (performance.now() - started) / 1000;
    stopping = true;
    await Promise.all(loops);

    return {
      clients: options.clients,
      duration_s: Math.round(seconds * 100) / 100,
      commits,
      commits_per_s: Math.round(commits / seconds),
      server: {
        synchronous_commit: setting('synchronous_commit'),
        fsync: setting('fsync'),
        wal_sync_method: setting('wal_sync_method'),
        commit_delay: setting('commit_delay'),
      },
    };
  } finally {
    await Promise.allSettled(clients.map((client) => client.end()));
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
