import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { reportOrderExport } from './orderExport.js';
import { measureCommitRate, type CommitRateFigures } from './postgresCommitRate.js';
import { benchWebhookIngest, type IngestFigures } from './webhookIngest.js';

/**
 * `npm run bench`: measures, prints a table, writes JSON to bench/results/. Figures are measured
 * here, on this machine, each run; nothing in the test suite asserts on them.
 *
 *   npm run bench -- --events 30000 --connections 64 --workers 2 [--engine pglite|postgres]
 *                    [--commit-clients 16] [--commit-seconds 5] [--cpu-prof]
 *
 * --cpu-prof writes a V8 CPU profile of each pipeline process to bench/results/profiles/ (open it
 * in Chrome DevTools or VS Code).
 *
 * With PostgreSQL, the run also measures the server's own rate of durable single-row commits
 * (postgresCommitRate.ts) and reports ingest as a multiple of it. Its clients default to 16, not
 * to the ingest's 128 HTTP connections: 128 backends exceed what a shared server allows
 * (max_connections=100 by default) and on two cores would mostly measure scheduling, and 16 is
 * above the pipeline's own pool (12), so the yardstick is not given less than the pipeline uses.
 * The rate still grows with clients on a fast disk, so the figure is printed with its count.
 *
 * Then, on PostgreSQL, the order export (orderExport.ts, its own table and results file):
 *   [--export-seconds 10] [--export-pullers 32] [--skip-export]
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '30000' },
    'pglite-events': { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '128' },
    workers: { type: 'string', default: '1' },
    engine: { type: 'string', multiple: true },
    'commit-clients': { type: 'string', default: '16' },
    'commit-seconds': { type: 'string', default: '5' },
    'cpu-prof': { type: 'boolean', default: false },
    'export-seconds': { type: 'string', default: '10' },
    'export-pullers': { type: 'string', default: '32' },
    'skip-export': { type: 'boolean', default: false },
  },
});

const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const engines = (values.engine ?? ['pglite', 'postgres']) as ('pglite' | 'postgres')[];
type EngineResult = IngestFigures & { ingest_per_postgres_commit?: number };
const results: (EngineResult | { engine: string; skipped: string })[] = [];
let commitRate: (CommitRateFigures & { load_average: number }) | undefined;

for (const engine of engines) {
  if (engine === 'postgres' && !(await reachable(databaseUrl))) {
    results.push({
      engine,
      skipped: `no PostgreSQL at ${databaseUrl.replace(/\/\/[^@]*@/, '//')}`,
    });
    continue;
  }
  if (engine === 'postgres' && !commitRate) {
    process.stderr.write('PostgreSQL single-row commit rate…\n');
    commitRate = {
      ...(await measureCommitRate({
        databaseUrl,
        clients: Number(values['commit-clients']),
        seconds: Number(values['commit-seconds']),
        warmupSeconds: 1,
      })),
      load_average: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    };
  }
  process.stderr.write(`webhook ingest on ${engine}…\n`);
  const figures: EngineResult = await benchWebhookIngest({
    engine,
    databaseUrl,
    events: Number(engine === 'pglite' ? values['pglite-events'] : values.events),
    warmup: Number(values.warmup),
    connections: Number(values.connections),
    duplicateRatio: 0.1,
    // PGlite is embedded in one process; PostgreSQL takes several stateless workers.
    workers: engine === 'pglite' ? 1 : Number(values.workers),
    cpuProfileDir: values['cpu-prof'] ? 'bench/results/profiles' : undefined,
  });
  // Only PostgreSQL's ingest is compared with PostgreSQL's commits: PGlite runs with fsync off
  // (PGlite's default), so its commits are not the same kind of work.
  if (engine === 'postgres' && commitRate) {
    figures.ingest_per_postgres_commit =
      Math.round((figures.events_per_s / commitRate.commits_per_s) * 100) / 100;
  }
  results.push(figures);
}

const report = {
  benchmark: 'webhook ingest: signed deliveries, 10 % duplicates, durable inbox writes',
  measured_at: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
  postgres_commit_rate: commitRate,
  results,
};
await mkdir('bench/results', { recursive: true });
const file = `bench/results/webhook-ingest-${report.measured_at.replace(/[:.]/g, '-')}.json`;
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
await writeFile('bench/results/latest.json', `${JSON.stringify(report, null, 2)}\n`);

const rows = results.map((result) =>
  'skipped' in result
    ? [result.engine, 'skipped', result.skipped, '', '', '', '', '', '', '', '', '', '']
    : [
        result.workers > 1 ? `${result.engine} ×${result.workers}` : result.engine,
        String(result.events),
        String(result.events_per_s),
        result.ingest_per_postgres_commit === undefined
          ? '—'
          : `${result.ingest_per_postgres_commit.toFixed(2)} ×`,
        result.latency_ms.p50.toFixed(1),
        result.latency_ms.p99.toFixed(1),
        `${result.mean_batch_size} / ${result.mean_flush_ms} ms`,
        String(result.non_2xx + result.errors),
        result.cpu
          ? `${result.cpu.pipeline_cores} / ${result.cpu.postgres_cores} / ${result.cpu.load_generator_cores}`
          : 'n/a',
        result.cpu ? result.cpu.pipeline_cpu_ms_per_event.toFixed(2) : 'n/a',
        result.memory ? `${result.memory.ready_rss_mb} / ${result.memory.peak_rss_mb} MB` : 'n/a',
        `${result.load_average.before} → ${result.load_average.after}`,
        result.check.ok ? 'exactly once ✓' : `MISMATCH ${JSON.stringify(result.check)}`,
      ],
);
const header = [
  'engine',
  'events',
  'events/s',
  '× PG commits/s',
  'p50 ms',
  'p99 ms',
  'batch / flush',
  'errors',
  'cores: pipeline / db / load',
  'pipeline CPU ms/event',
  'RSS: ready / peak',
  'load avg',
  'check',
];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
);
const line = (cells: string[]) =>
  cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
process.stdout.write(
  `\n${report.benchmark} (${report.machine.cpus} CPUs, Node ${report.machine.node})\n${line(header)}\n${line(widths.map((width) => '-'.repeat(width)))}\n`,
);
for (const row of rows) process.stdout.write(`${line(row)}\n`);
if (commitRate) {
  const { server } = commitRate;
  process.stdout.write(
    `\nPostgreSQL single-row commits: ${commitRate.commits_per_s}/s (${commitRate.clients} clients, ` +
      `${commitRate.duration_s} s, synchronous_commit=${server.synchronous_commit}, fsync=${server.fsync}, ` +
      `${server.wal_sync_method}; load ${commitRate.load_average})\n`,
  );
  for (const result of results) {
    if ('skipped' in result || result.ingest_per_postgres_commit === undefined) continue;
    process.stdout.write(
      `${result.workers > 1 ? `${result.engine} ×${result.workers}` : result.engine} ingest = ` +
        `${result.ingest_per_postgres_commit.toFixed(2)} × PostgreSQL single-row commits/s\n`,
    );
  }
}
process.stdout.write(`\nwritten: ${file}\n`);
if (results.some((result) => !('skipped' in result) && !result.check.ok)) process.exitCode = 1;

if (!values['skip-export'] && engines.includes('postgres') && (await reachable(databaseUrl))) {
  const exported = await reportOrderExport({
    databaseUrl,
    seconds: Number(values['export-seconds']),
    pullers: Number(values['export-pullers']),
    cpuProfileDir: values['cpu-prof'] ? 'bench/results/profiles' : undefined,
  });
  if (!exported.ok) process.exitCode = 1;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
