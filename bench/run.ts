import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { benchWebhookIngest, type IngestFigures } from './webhookIngest.js';

/**
 * `npm run bench`: measures, prints a table, writes JSON to bench/results/. Figures are measured
 * here, on this machine, each run; nothing in the test suite asserts on them.
 *
 *   npm run bench -- --events 30000 --connections 64 --workers 2 [--engine pglite|postgres]
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '30000' },
    'pglite-events': { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '128' },
    workers: { type: 'string', default: '1' },
    engine: { type: 'string', multiple: true },
  },
});

const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const engines = (values.engine ?? ['pglite', 'postgres']) as ('pglite' | 'postgres')[];
const results: (IngestFigures | { engine: string; skipped: string })[] = [];

for (const engine of engines) {
  if (engine === 'postgres' && !(await reachable(databaseUrl))) {
    results.push({
      engine,
      skipped: `no PostgreSQL at ${databaseUrl.replace(/\/\/[^@]*@/, '//')}`,
    });
    continue;
  }
  process.stderr.write(`webhook ingest on ${engine}…\n`);
  results.push(
    await benchWebhookIngest({
      engine,
      databaseUrl,
      events: Number(engine === 'pglite' ? values['pglite-events'] : values.events),
      warmup: Number(values.warmup),
      connections: Number(values.connections),
      duplicateRatio: 0.1,
      // PGlite is embedded in one process; PostgreSQL takes several stateless workers.
      workers: engine === 'pglite' ? 1 : Number(values.workers),
    }),
  );
}

const report = {
  benchmark: 'webhook ingest: signed deliveries, 10 % duplicates, durable inbox writes',
  measured_at: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
  results,
};
await mkdir('bench/results', { recursive: true });
const file = `bench/results/webhook-ingest-${report.measured_at.replace(/[:.]/g, '-')}.json`;
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
await writeFile('bench/results/latest.json', `${JSON.stringify(report, null, 2)}\n`);

const rows = results.map((result) =>
  'skipped' in result
    ? [result.engine, 'skipped', result.skipped, '', '', '', '', '', '']
    : [
        result.workers > 1 ? `${result.engine} ×${result.workers}` : result.engine,
        String(result.events),
        String(result.events_per_s),
        result.latency_ms.p50.toFixed(1),
        result.latency_ms.p99.toFixed(1),
        `${result.mean_batch_size} / ${result.mean_flush_ms} ms`,
        String(result.non_2xx + result.errors),
        result.cpu
          ? `${result.cpu.pipeline_cores} / ${result.cpu.postgres_cores} / ${result.cpu.load_generator_cores}`
          : 'n/a',
        result.check.ok ? 'exactly once ✓' : `MISMATCH ${JSON.stringify(result.check)}`,
      ],
);
const header = [
  'engine',
  'events',
  'events/s',
  'p50 ms',
  'p99 ms',
  'batch / flush',
  'errors',
  'cores: pipeline / db / load',
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
process.stdout.write(`\nwritten: ${file}\n`);
if (results.some((result) => !('skipped' in result) && !result.check.ok)) process.exitCode = 1;

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
