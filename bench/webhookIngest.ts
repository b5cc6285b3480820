import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import { generateWebhookSecret } from '../contracts/signatures/webhookSecret.js';
import { parsePrometheusText, sumMatching } from '../harness/sut/metricsSnapshot.js';
import { cpuBetween, sampleCpu } from './cpuAccounting.js';
import { MemoryWatch, type MemoryFigures } from './processMemory.js';
import { prepareDeliveries } from './signedDeliveries.js';
import { startPipeline } from './startPipeline.js';

export interface IngestOptions {
  engine: 'pglite' | 'postgres';
  databaseUrl?: string;
  events: number;
  warmup: number;
  connections: number;
  duplicateRatio: number;
  /** Pipeline processes (PostgreSQL only). */
  workers: number;
  /** Folder for a V8 CPU profile of the pipeline process (whole run, warm-up included). */
  cpuProfileDir?: string;
}

export interface IngestFigures {
  engine: string;
  workers: number;
  events: number;
  duplicates: number;
  connections: number;
  duration_s: number;
  events_per_s: number;
  latency_ms: { p50: number; p90: number; p99: number; max: number };
  non_2xx: number;
  errors: number;
  mean_batch_size: number;
  mean_flush_ms: number;
  /** Cores each party used on average during the measured run (Linux only). */
  cpu?: {
    pipeline_cores: number;
    load_generator_cores: number;
    postgres_cores: number;
    /**
     * Pipeline CPU per delivery. Steadier than events/s when others load the machine: a process
     * that gets less CPU is slower, but spends about the same CPU per delivery.
     */
    pipeline_cpu_ms_per_event: number;
  };
  /** The pipeline's resident memory, from start-up to the end of the run (Linux only). */
  memory?: MemoryFigures;
  /** 1-minute load average before and after the measured run: others share the machine. */
  load_average: { before: number; after: number };
  /** Through /metrics after the run: every unique event recorded once, every duplicate replayed. */
  check: {
    inbox_events: number;
    expected_events: number;
    processed: number;
    replayed: number;
    ok: boolean;
  };
}

/**
 * Webhook ingest: signed order.created deliveries with ~10 % exact redeliveries, against the
 * pipeline's inbox with durable writes (each answer waits for its transaction's commit). Reports
 * events/s and latency percentiles, then checks through the ops API that every event was recorded
 * exactly once, so a fast but wrong run cannot pass for a result.
 */
export async function benchWebhookIngest(options: IngestOptions): Promise<IngestFigures> {
  const secret = generateWebhookSecret();
  const runTag = `${options.engine}-${Date.now().toString(36)}`;
  const schema = `bench_${runTag.replace(/[^a-z0-9]/g, '_')}`;
  const dataDir = `.b2b/data/bench-${runTag}`;
  const env: NodeJS.ProcessEnv = { B2B_P_001_WEBHOOK_SECRET: secret, DATABASE_URL: '' };
  if (options.engine === 'postgres')
    Object.assign(env, { DATABASE_URL: options.databaseUrl, DATABASE_SCHEMA: schema });
  const pipeline = await startPipeline(
    env,
    dataDir,
    options.workers,
    options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [],
  );
  const memory = await MemoryWatch.start(pipeline.child.pid);
  try {
    const target = `${pipeline.url}/webhooks/p_001`;
    // Warm the JIT and the connection pool; these events are not counted. `--warmup 0` measures
    // a cold pipeline (e.g. its peak memory in a first burst).
    if (options.warmup > 0) {
      const warm = prepareDeliveries({
        count: options.warmup,
        duplicateRatio: options.duplicateRatio,
        secret,
        runTag: `${runTag}-warm`,
        seed: 1,
      });
      await fire(target, warm.deliveries, options.connections);
    }

    const load = prepareDeliveries({
      count: options.events,
      duplicateRatio: options.duplicateRatio,
      secret,
      runTag,
      seed: 42,
    });
    const before = await counters(pipeline.url);
    const loadBefore = loadavg()[0] ?? 0;
    const cpuBefore = await sampleCpu(pipeline.child.pid);
    const { result, seconds } = await fire(target, load.deliveries, options.connections);
    const cpuAfter = await sampleCpu(pipeline.child.pid);
    const loadAfter = loadavg()[0] ?? 0;
    const memoryFigures = await memory?.stop();
    const after = await counters(pipeline.url);

    const duplicates = load.deliveries.filter((delivery) => delivery.duplicate).length;
    const check = {
      inbox_events: after.inboxEvents - before.inboxEvents,
      expected_events: load.uniqueEvents,
      processed: after.processed - before.processed,
      replayed: after.replayed - before.replayed,
    };
    return {
      engine: options.engine,
      workers: options.workers,
      events: options.events,
      duplicates,
      connections: options.connections,
      duration_s: round(seconds, 2),
      events_per_s: Math.round(options.events / seconds),
      latency_ms: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      non_2xx: result.non2xx,
      errors: result.errors,
      mean_batch_size: round(
        (after.batchSum - before.batchSum) / Math.max(1, after.batchCount - before.batchCount),
        1,
      ),
      cpu: withCpuPerEvent(cpuBetween(cpuBefore, cpuAfter, seconds), seconds, options.events),
      memory: memoryFigures,
      load_average: { before: round(loadBefore, 2), after: round(loadAfter, 2) },
      mean_flush_ms: round(
        (1000 * (after.flushSum - before.flushSum)) /
          Math.max(1, after.batchCount - before.batchCount),
        2,
      ),
      check: {
        ...check,
        ok:
          check.inbox_events === load.uniqueEvents &&
          check.processed === load.uniqueEvents &&
          check.replayed === duplicates &&
          result.non2xx === 0 &&
          result.errors === 0,
      },
    };
  } finally {
    await memory?.stop();
    await pipeline.stop();
    await rm(dataDir, { recursive: true, force: true });
    if (options.engine === 'postgres') await dropSchema(options.databaseUrl as string, schema);
  }
}

/**
 * Sends every delivery through autocannon and times the run from the first request to the last
 * answer. autocannon's own `duration` only advances in whole-second ticks, which understated
 * throughput by up to a second's worth (30,000 events "in 8.02 s").
 */
async function fire(
  url: string,
  deliveries: { body: Buffer; headers: Record<string, string> }[],
  connections: number,
): Promise<{ result: autocannon.Result; seconds: number }> {
  let next = 0;
  const started = performance.now();
  let lastAnswer = started;
  // autocannon's tracker is an EventEmitter that is also thenable; its typings know only the latter.
  const instance = autocannon({
    url,
    method: 'POST',
    // autocannon refuses more connections than requests.
    connections: Math.min(connections, deliveries.length),
    amount: deliveries.length,
    requests: [
      {
        setupRequest: (request) => {
          const delivery = deliveries[next++ % deliveries.length] as {
            body: Buffer;
            headers: Record<string, string>;
          };
          return { ...request, method: 'POST', body: delivery.body, headers: delivery.headers };
        },
      },
    ],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', () => {
    lastAnswer = performance.now();
  });
  const result = await instance;
  return { result, seconds: (lastAnswer - started) / 1000 };
}

interface Counters {
  inboxEvents: number;
  processed: number;
  replayed: number;
  batchSum: number;
  batchCount: number;
  flushSum: number;
}

/** The counters the check needs, from /metrics (the pipeline's public surface). */
async function counters(url: string): Promise<Counters> {
  const metrics = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
  const partner = { partner_id: 'p_001' };
  return {
    inboxEvents: sumMatching(metrics, 'b2b_webhook_inbox_events', partner),
    processed: sumMatching(metrics, 'b2b_webhook_deliveries_total', {
      ...partner,
      outcome: 'processed',
    }),
    replayed: sumMatching(metrics, 'b2b_webhook_deliveries_total', {
      ...partner,
      outcome: 'replayed',
    }),
    flushSum: sumMatching(metrics, 'b2b_inbox_flush_seconds_sum', {}),
    batchSum: sumMatching(metrics, 'b2b_inbox_batch_size_sum', {}),
    batchCount: sumMatching(metrics, 'b2b_inbox_batch_size_count', {}),
  };
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

function withCpuPerEvent(
  cpu: ReturnType<typeof cpuBetween>,
  seconds: number,
  events: number,
): IngestFigures['cpu'] {
  if (!cpu) return undefined;
  return {
    ...cpu,
    pipeline_cpu_ms_per_event: round((1000 * cpu.pipeline_cores * seconds) / events, 3),
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
