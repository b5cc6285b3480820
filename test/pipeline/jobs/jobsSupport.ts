import { Registry } from 'prom-client';
import type { Clock } from '../../../lib/clock.js';
import { silentLogger } from '../../../lib/logger.js';
import { seededRandom } from '../../../lib/seededRandom.js';
import type { JobHandler } from '../../../pipeline/jobs/job.js';
import { createJobMetrics, type JobMetrics } from '../../../pipeline/jobs/jobMetrics.js';
import { JobRunner, type JobRunnerOptions } from '../../../pipeline/jobs/jobRunner.js';
import type { Sql, Store } from '../../../pipeline/store/store.js';

/** A promise to settle by hand: a handler that runs until the test lets it finish. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A runner as a worker would have one, on a fake clock and a seeded jitter source. */
export function testRunner(
  store: Store,
  clock: Clock,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handlers: JobHandler<any>[],
  overrides: Partial<JobRunnerOptions> = {},
): JobRunner {
  return new JobRunner({
    store,
    clock,
    handlers,
    logger: silentLogger(),
    random: seededRandom(20_260_115).next,
    ...overrides,
  });
}

export function testMetrics(
  store: Store,
  clock: Clock,
): { registry: Registry; metrics: JobMetrics } {
  const registry = new Registry();
  return { registry, metrics: createJobMetrics(registry, store, clock) };
}

/** A metric's value for `labels` as the registry would expose it (0 when never set). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((one) => one.name === name);
  const sample = metric?.values.find((value) =>
    Object.entries(labels).every(([label, expected]) => value.labels[label] === expected),
  );
  return sample ? Number(sample.value) : 0;
}

export interface JobRow {
  id: number;
  kind: string;
  partner_id: string | null;
  key: string;
  state: string;
  attempts: number;
  max_attempts: number;
  run_at_ms: number;
  locked_by: string | null;
  last_error: string | null;
  finished: boolean;
  correlation_id: string;
  payload: unknown;
}

export async function jobRows(sql: Sql, where = 'TRUE', params: unknown[] = []): Promise<JobRow[]> {
  const rows = await sql.query<{
    seq: number;
    kind: string;
    partner_id: string | null;
    key: string;
    state: string;
    attempts: number;
    max_attempts: number;
    run_at: Date;
    locked_by: string | null;
    last_error: string | null;
    finished_at: Date | null;
    correlation_id: string;
    payload: unknown;
  }>(`SELECT * FROM jobs WHERE ${where} ORDER BY seq`, params);
  return rows.map((row) => ({
    id: Number(row.seq),
    kind: row.kind,
    partner_id: row.partner_id,
    key: row.key,
    state: row.state,
    attempts: Number(row.attempts),
    max_attempts: Number(row.max_attempts),
    run_at_ms: new Date(row.run_at).getTime(),
    locked_by: row.locked_by,
    last_error: row.last_error,
    finished: row.finished_at !== null,
    correlation_id: row.correlation_id,
    payload: row.payload,
  }));
}

export async function jobRow(sql: Sql, id: number): Promise<JobRow> {
  const [row] = await jobRows(sql, 'seq = $1', [id]);
  if (!row) throw new Error(`no job ${id}`);
  return row;
}

let kinds = 0;
/** A kind no other test in this store uses, so tests share one store without seeing each other's jobs. */
export function uniqueKind(label: string): string {
  kinds += 1;
  return `test.${label}.${process.pid}.${kinds}`;
}
