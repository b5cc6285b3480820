import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';
import { Pool } from 'undici';
import YAML from 'yaml';
import { generateWebhookSecret } from '../contracts/signatures/webhookSecret.js';
import { projectPath } from '../lib/projectPaths.js';
import { cpuBetween, sampleCpu } from './cpuAccounting.js';
import { prepareDeliveries } from './signedDeliveries.js';
import { startPipeline } from './startPipeline.js';

/**
 * The order export under load, on PostgreSQL: partners page through GET /v1/orders (pages of 100,
 * each puller following its own cursor, back to the start at the end of the feed) while a partner
 * writes orders through the webhook inbox at a fixed rate. Measured twice, at saturation and at a
 * fixed request rate, and the same twice against a bare express handler serving the same page in
 * its own process: what the pipeline costs beyond HTTP and JSON.
 *
 *   npm run bench -- --export-only [--export-seconds 10] [--export-pullers 32]
 *
 * The run checks itself through the API afterwards: the feed holds every seeded and every written
 * order exactly once, and no request failed.
 */
export interface OrderExportOptions {
  databaseUrl: string;
  /** Orders in the feed before the run, so every page but the last of a pass is full. */
  seedOrders: number;
  /** Webhook deliveries per second during the pipeline's runs. */
  writesPerS: number;
  /** The fixed request rate for the latency figures. */
  fixedRate: number;
  /** Concurrent pullers (HTTP connections). */
  pullers: number;
  /** Length of each measured run. */
  seconds: number;
  /** Where to write a V8 CPU profile of the pipeline process, if anywhere. */
  cpuProfileDir?: string;
  /** Leave the pullers' clients without a rate_limit: what the limiter's upsert costs. */
  withoutRateLimit?: boolean;
}

export interface ExportLoadFigures {
  requests: number;
  requests_per_s: number;
  /** Each answer's own time, from autocannon's per-response timings. */
  latency_ms: { p50: number; p95: number; p99: number; max: number };
  non_2xx: number;
  errors: number;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
}

export interface OrderExportFigures {
  engine: 'postgres';
  page_size: number;
  pullers: number;
  seeded_orders: number;
  writes_per_s: { target: number; measured: number };
  fixed_rate: number;
  /** Whether each request went through the clients' rate limit (one upsert per request). */
  rate_limited: boolean;
  pipeline: { saturation: ExportLoadFigures; at_fixed_rate: ExportLoadFigures };
  bare_express: { saturation: ExportLoadFigures; at_fixed_rate: ExportLoadFigures };
  /** Pipeline requests/s at saturation over the bare handler's. */
  saturation_ratio: number;
  /** Cores each party used during the pipeline's saturation run (Linux only). */
  cpu?: { pipeline_cores: number; load_generator_cores: number; postgres_cores: number };
  load_average: { before: number; after: number };
  check: {
    feed_changes: number;
    expected_changes: number;
    duplicates: number;
    writer_non_2xx: number;
    ok: boolean;
  };
}

const PAGE_SIZE = 100;
const PARTNER = 'p_001';
/** The pullers are spread over this many API clients, as pullers of several partners would be. */
const PULLER_CLIENTS = Array.from({ length: 8 }, (_, index) => `bench-puller-${index + 1}`);
const secretVariable = (client: string) => `B2B_${client.replace(/-/g, '_').toUpperCase()}_SECRET`;

export async function benchOrderExport(options: OrderExportOptions): Promise<OrderExportFigures> {
  const runTag = `export-${Date.now().toString(36)}`;
  const schema = `bench_${runTag.replace(/[^a-z0-9]/g, '_')}`;
  const workDir = await mkdtemp(join(tmpdir(), 'b2b-bench-export-'));
  const webhookSecret = generateWebhookSecret();
  const clientSecret = randomBytes(24).toString('base64url');
  const partnersDir = await benchPartners(workDir, options.withoutRateLimit ?? false);
  // `b2b pipeline serve` in its own process, as users run it, on the bench's partner profiles.
  const pipeline = await startPipeline(
    {
      DATABASE_URL: options.databaseUrl,
      DATABASE_SCHEMA: schema,
      B2B_P_001_WEBHOOK_SECRET: webhookSecret,
      ...Object.fromEntries(PULLER_CLIENTS.map((client) => [secretVariable(client), clientSecret])),
    },
    join(workDir, 'data'),
    1,
    options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [],
    ['--partners', partnersDir],
  );
  let bare: Served | undefined;
  try {
    await seedFeed(options.databaseUrl, schema, options.seedOrders);
    const tokens = await Promise.all(
      PULLER_CLIENTS.map((client) => accessToken(pipeline.url, client, clientSecret)),
    );
    const headers = { authorization: `Bearer ${tokens[0]}` };

    const firstPage = await fetch(`${pipeline.url}/v1/orders?limit=${PAGE_SIZE}`, { headers });
    if (firstPage.status !== 200) throw new Error(`GET /v1/orders: ${firstPage.status}`);
    const pageFile = join(workDir, 'page.json');
    await writeFile(pageFile, await firstPage.text());
    bare = await startBareHandler(pageFile);

    // Writers for the whole of the pipeline's runs, warm-up included, and a second beyond: they
    // are waited for, not cut off, so every write they count was answered.
    const writeSeconds = 1 + 2 * options.seconds + 1;
    const deliveries = prepareDeliveries({
      count: Math.ceil(options.writesPerS * writeSeconds),
      duplicateRatio: 0,
      secret: webhookSecret,
      runTag,
      seed: 7,
    }).deliveries;
    const loadBefore = loadavg()[0] ?? 0;
    const writers = startWriters(
      `${pipeline.url}/webhooks/${PARTNER}`,
      deliveries,
      options.writesPerS,
    );

    await pull(pipeline.url, tokens, { connections: options.pullers, seconds: 1 });
    const cpuBefore = await sampleCpu(pipeline.child.pid);
    const saturation = await pull(pipeline.url, tokens, {
      connections: options.pullers,
      seconds: options.seconds,
    });
    const cpuAfter = await sampleCpu(pipeline.child.pid);
    const atFixedRate = await pullAtFixedRate(pipeline.url, tokens, {
      pullers: options.pullers,
      seconds: options.seconds,
      rate: options.fixedRate,
    });
    const written = await writers.finished();

    await pull(bare.url, tokens, { connections: options.pullers, seconds: 1 });
    const bareSaturation = await pull(bare.url, tokens, {
      connections: options.pullers,
      seconds: options.seconds,
    });
    const bareAtFixedRate = await pullAtFixedRate(bare.url, tokens, {
      pullers: options.pullers,
      seconds: options.seconds,
      rate: options.fixedRate,
    });
    const loadAfter = loadavg()[0] ?? 0;

    const feed = await readWholeFeed(pipeline.url, headers);
    const expected = options.seedOrders + written.ok;
    return {
      engine: 'postgres',
      page_size: PAGE_SIZE,
      pullers: options.pullers,
      seeded_orders: options.seedOrders,
      writes_per_s: { target: options.writesPerS, measured: round(written.perS, 1) },
      fixed_rate: options.fixedRate,
      rate_limited: !options.withoutRateLimit,
      pipeline: { saturation, at_fixed_rate: atFixedRate },
      bare_express: { saturation: bareSaturation, at_fixed_rate: bareAtFixedRate },
      saturation_ratio: round(saturation.requests_per_s / bareSaturation.requests_per_s, 2),
      cpu: cpuBetween(cpuBefore, cpuAfter, options.seconds),
      load_average: { before: round(loadBefore, 2), after: round(loadAfter, 2) },
      check: {
        feed_changes: feed.changes,
        expected_changes: expected,
        duplicates: feed.duplicates,
        writer_non_2xx: written.failed,
        ok:
          feed.changes === expected &&
          feed.duplicates === 0 &&
          written.failed === 0 &&
          [saturation, atFixedRate].every((run) => run.non_2xx === 0 && run.errors === 0),
      },
    };
  } finally {
    await bare?.stop();
    await pipeline.stop();
    await rm(workDir, { recursive: true, force: true });
    await dropSchema(options.databaseUrl, schema);
  }
}

/** The shipped profiles, with p_001's API budget raised beyond what the pullers ask. */
async function benchPartners(workDir: string, withoutRateLimit: boolean): Promise<string> {
  const dir = join(workDir, 'partners');
  await mkdir(dir);
  for (const file of await readdir(projectPath('partners'))) {
    if (!file.endsWith('.yaml')) continue;
    const profile = YAML.parse(await readFile(projectPath('partners', file), 'utf8')) as {
      partner_id: string;
      api?: { clients?: unknown[]; rate_limit?: unknown };
    };
    if (profile.partner_id === PARTNER && profile.api)
      profile.api = {
        ...profile.api,
        clients: [
          ...(profile.api.clients ?? []),
          ...PULLER_CLIENTS.map((client) => ({
            client_id: client,
            secret_env: secretVariable(client),
            scopes: ['orders:read'],
          })),
        ],
        // Each client's own budget (one counter row each, as for separate partners' pullers),
        // raised beyond what the run asks: the limiter's cost is measured, not its refusals.
        rate_limit: withoutRateLimit ? undefined : { requests: 1_000_000, per_s: 1 },
      };
    await writeFile(join(dir, file), YAML.stringify(profile));
  }
  return dir;
}

interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startBareHandler(pageFile: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', projectPath('bench', 'orderExportBare.ts')],
    {
      env: { ...process.env, BENCH_PAGE_FILE: pageFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  const port = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bare handler exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Orders already in the feed, written straight into the store in batches (one transaction id
 * each, like group-committed webhook batches): the run measures reading the feed, and filling it
 * through HTTP first would only make the benchmark slower to start.
 */
async function seedFeed(databaseUrl: string, schema: string, orders: number): Promise<void> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    options: `-c search_path=${schema}`,
  });
  await client.connect();
  try {
    const stamp = new Date(Date.now() - 3_600_000).toISOString();
    for (let first = 1; first <= orders; first += 1000) {
      await client.query(
        `WITH written AS (
           INSERT INTO orders (partner_id, order_id, status, total_amount, currency, updated_at,
                               attributes, last_event_id, correlation_id, first_seen_at, feed_xid)
           SELECT $1, 'ORD-seed-' || g, 'open', 1000 + g, 'EUR', $2::timestamptz,
                  jsonb_build_object('buyer_email', 'buyer' || g || '@example.com'),
                  'evt-seed-' || g, 'bench-seed', now(), pg_current_xact_id()
             FROM generate_series($3::int, $4::int) g
           RETURNING *)
         INSERT INTO order_changes (feed_xid, partner_id, order_id, event_id, source, status,
                                    total_amount, currency, updated_at, attributes, correlation_id,
                                    recorded_at)
         SELECT feed_xid, partner_id, order_id, last_event_id, 'webhook', status, total_amount,
                currency, updated_at, attributes, correlation_id, first_seen_at
           FROM written ORDER BY order_id`,
        [PARTNER, stamp, first, Math.min(orders, first + 999)],
      );
    }
    await client.query('ANALYZE orders; ANALYZE order_changes');
  } finally {
    await client.end();
  }
}

async function accessToken(url: string, client: string, secret: string): Promise<string> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=orders:read',
  });
  if (response.status !== 200) throw new Error(`no token: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Every delivery at a fixed rate. */
function startWriters(
  url: string,
  deliveries: { body: Buffer; headers: Record<string, string> }[],
  perS: number,
): { finished(): Promise<{ ok: number; failed: number; perS: number }> } {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const instance = autocannon({
    url,
    method: 'POST',
    connections: 8,
    overallRate: perS,
    amount: deliveries.length,
    requests: [
      {
        setupRequest: (request) => {
          const delivery = deliveries[next++ % deliveries.length] as (typeof deliveries)[number];
          return { ...request, method: 'POST', body: delivery.body, headers: delivery.headers };
        },
      },
    ],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  let last = started;
  instance.on('response', (_client: unknown, status: number) => {
    if (status === 200) ok++;
    else failed++;
    last = performance.now();
  });
  return {
    async finished() {
      const result = await instance;
      return {
        ok,
        failed: failed + result.errors + result.timeouts,
        perS: ok / ((last - started) / 1000),
      };
    },
  };
}

/**
 * Pullers: each connection follows its own cursor through the feed, pages of PAGE_SIZE, and goes
 * back to the start after the last page (so nearly every page is full).
 */
async function pull(
  url: string,
  tokens: string[],
  load: { connections: number; seconds: number },
): Promise<ExportLoadFigures> {
  const times: number[] = [];
  let connection = 0;
  const instance = autocannon({
    url,
    connections: load.connections,
    duration: load.seconds,
    requests: [
      {
        setupRequest: (request, context) => {
          const puller = context as { cursor?: string; authorization?: string };
          puller.authorization ??= `Bearer ${tokens[connection++ % tokens.length]}`;
          return {
            ...request,
            headers: { ...request.headers, authorization: puller.authorization },
            path: `/v1/orders?limit=${PAGE_SIZE}${puller.cursor ? `&cursor=${puller.cursor}` : ''}`,
          };
        },
        onResponse: (_status, body, context) => {
          // The page's tail, read without parsing 30 kB of JSON in the load generator.
          const tail = /"next_cursor":"([^"]+)","has_more":(true|false)\}$/.exec(body);
          (context as { cursor?: string }).cursor = tail?.[2] === 'true' ? tail[1] : undefined;
        },
      },
    ],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  const started = performance.now();
  let last = started;
  const statuses: Record<string, number> = {};
  instance.on('response', (_client: unknown, status: number, _bytes: number, time: number) => {
    times.push(time);
    statuses[status] = (statuses[status] ?? 0) + 1;
    last = performance.now();
  });
  const result = await instance;
  const seconds = (last - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    round(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0, 1);
  return {
    requests: times.length,
    requests_per_s: Math.round(times.length / seconds),
    latency_ms: { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(times.at(-1) ?? 0, 1) },
    non_2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statuses,
  };
}

/**
 * Pullers at a fixed rate, open model: a request leaves every 1/rate seconds whether or not
 * earlier ones have been answered, and each is timed from when it was due (so a stall shows in
 * the figures instead of slowing the sender). autocannon's own rate sends each second's budget
 * back to back at the start of the second, which measures bursts, not a steady rate. Requests go
 * round the pullers; a puller still waiting for its page sends its last cursor again.
 */
async function pullAtFixedRate(
  url: string,
  tokens: string[],
  load: { pullers: number; seconds: number; rate: number },
): Promise<ExportLoadFigures> {
  const pool = new Pool(url, { connections: load.pullers * 2 });
  const pullers = Array.from({ length: load.pullers }, (_, index) => ({
    cursor: undefined as string | undefined,
    authorization: `Bearer ${tokens[index % tokens.length]}`,
  }));
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const total = Math.round(load.rate * load.seconds);
  const interval = 1000 / load.rate;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let sent = 0; sent < total;) {
    const now = performance.now();
    for (; sent < total && started + sent * interval <= now; sent++) {
      const due = started + sent * interval;
      const puller = pullers[sent % pullers.length] as (typeof pullers)[number];
      const path = `/v1/orders?limit=${PAGE_SIZE}${puller.cursor ? `&cursor=${puller.cursor}` : ''}`;
      inFlight.push(
        pool
          .request({ method: 'GET', path, headers: { authorization: puller.authorization } })
          .then(async (answer) => {
            const body = await answer.body.text();
            times.push(performance.now() - due);
            statuses[answer.statusCode] = (statuses[answer.statusCode] ?? 0) + 1;
            const tail = /"next_cursor":"([^"]+)","has_more":(true|false)\}$/.exec(body);
            puller.cursor = tail?.[2] === 'true' ? tail[1] : undefined;
          })
          .catch(() => {
            errors++;
          }),
      );
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, started + sent * interval - performance.now())),
    );
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    round(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0, 1);
  const ok = statuses['200'] ?? 0;
  return {
    requests: times.length,
    requests_per_s: Math.round(times.length / seconds),
    latency_ms: { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(times.at(-1) ?? 0, 1) },
    non_2xx: times.length - ok,
    errors,
    statuses,
  };
}

/** The whole feed through the API, counting changes and (order, event) pairs seen twice. */
async function readWholeFeed(
  url: string,
  headers: Record<string, string>,
): Promise<{ changes: number; duplicates: number }> {
  const seen = new Set<string>();
  let changes = 0;
  let path = '/v1/orders?limit=500';
  for (;;) {
    const response = await fetch(`${url}${path}`, { headers });
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
    const page = (await response.json()) as {
      items: { order_id: string; event_id: string }[];
      next_cursor: string;
      has_more: boolean;
    };
    for (const item of page.items) seen.add(`${item.order_id} ${item.event_id}`);
    changes += page.items.length;
    if (!page.has_more) return { changes, duplicates: changes - seen.size };
    path = `/v1/orders?limit=500&cursor=${page.next_cursor}`;
  }
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

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Runs the benchmark with the README's load profile, prints its table and writes
 * bench/results/order-export-*.json (and order-export-latest.json). `ok` is false when the run's
 * own check failed.
 */
export async function reportOrderExport(settings: {
  databaseUrl: string;
  seconds: number;
  pullers: number;
  cpuProfileDir?: string;
  withoutRateLimit?: boolean;
}): Promise<{ ok: boolean }> {
  process.stderr.write('order export on postgres…\n');
  const figures = await benchOrderExport({
    databaseUrl: settings.databaseUrl,
    seedOrders: 20_000,
    writesPerS: 200,
    fixedRate: 500,
    pullers: settings.pullers,
    seconds: settings.seconds,
    cpuProfileDir: settings.cpuProfileDir,
    withoutRateLimit: settings.withoutRateLimit,
  });
  const report = {
    benchmark: 'order export: GET /v1/orders pages of 100 while writers commit 200 orders/s',
    measured_at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    result: figures,
  };
  await mkdir('bench/results', { recursive: true });
  const file = `bench/results/order-export-${report.measured_at.replace(/[:.]/g, '-')}.json`;
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile('bench/results/order-export-latest.json', `${JSON.stringify(report, null, 2)}\n`);

  const row = (name: string, load: ExportLoadFigures) => [
    name,
    String(load.requests_per_s),
    load.latency_ms.p50.toFixed(1),
    load.latency_ms.p95.toFixed(1),
    load.latency_ms.p99.toFixed(1),
    String(load.non_2xx + load.errors),
  ];
  const rows = [
    ['', 'requests/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'],
    row('pipeline, saturation', figures.pipeline.saturation),
    row(`pipeline, ${figures.fixed_rate}/s`, figures.pipeline.at_fixed_rate),
    row('bare express, saturation', figures.bare_express.saturation),
    row(`bare express, ${figures.fixed_rate}/s`, figures.bare_express.at_fixed_rate),
  ];
  const widths = (rows[0] as string[]).map((_, column) =>
    Math.max(...rows.map((cells) => (cells[column] ?? '').length)),
  );
  const { check } = figures;
  process.stdout.write(
    `\n${report.benchmark} (${figures.pullers} pullers, ${figures.seeded_orders} orders in the feed, ` +
      `writes ${figures.writes_per_s.measured}/s, rate limit ${figures.rate_limited ? 'on' : 'off'}; load ${figures.load_average.before} → ${figures.load_average.after})\n` +
      rows
        .map((cells) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '))
        .join('\n') +
      `\npipeline at saturation = ${figures.saturation_ratio} × the bare handler` +
      (figures.cpu
        ? `; cores: pipeline ${figures.cpu.pipeline_cores} / PostgreSQL ${figures.cpu.postgres_cores} / load ${figures.cpu.load_generator_cores}`
        : '') +
      `\ncheck: ${check.ok ? 'every change once ✓' : `MISMATCH ${JSON.stringify(check)}`}\nwritten: ${file}\n`,
  );
  return { ok: check.ok };
}

/**
 * This benchmark alone:
 *   npx tsx bench/orderExport.ts [--seconds 10] [--pullers 32] [--without-rate-limit] [--cpu-prof]
 */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      pullers: { type: 'string', default: '32' },
      'without-rate-limit': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  const { ok } = await reportOrderExport({
    databaseUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    seconds: Number(values.seconds),
    pullers: Number(values.pullers),
    withoutRateLimit: values['without-rate-limit'],
    cpuProfileDir: values['cpu-prof'] ? 'bench/results/profiles' : undefined,
  });
  if (!ok) process.exitCode = 1;
}
