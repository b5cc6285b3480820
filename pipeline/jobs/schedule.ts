import { randomUUID } from 'node:crypto';
import type { Sql } from '../store/store.js';
import type { JobRequest } from './job.js';
import { DEFAULT_RETRY_POLICY } from './retryPolicy.js';

/**
 * One pending job per kind, partner and key. Scheduling again what is already pending changes
 * nothing but its time, which becomes the earlier of the two: "poll now" on demand pulls the next
 * scheduled poll forward instead of adding a second one, and N workers each scheduling the same
 * job at start leave one. The first request's payload and correlation id stay.
 *
 * A job that is running does not count: a poller schedules its next run while it runs.
 */
const SCHEDULE = `
  INSERT INTO jobs AS j (kind, partner_id, key, payload, run_at, max_attempts, backoff_ms_cap, jitter,
                         correlation_id, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (kind, (coalesce(partner_id, '')), key) WHERE state = 'pending'
  DO UPDATE SET run_at = LEAST(j.run_at, EXCLUDED.run_at)
  RETURNING j.seq, (j.xmax = 0) AS created, j.run_at`;

export interface ScheduledJob {
  id: number;
  /** False when the job was already pending (deduplicated). */
  created: boolean;
  /** When it will run: the earlier of the pending job's time and the one asked for. */
  runAtMs: number;
}

/**
 * Puts work on the background queue, in the caller's transaction when `sql` is one: the job then
 * exists exactly when the caller's change does (schedule the 997 deadline with the interchange).
 */
export async function schedule(sql: Sql, job: JobRequest): Promise<ScheduledJob> {
  const retry = job.retry ?? DEFAULT_RETRY_POLICY;
  if (!job.kind) throw new RangeError('a job needs a kind');
  if (!Number.isFinite(job.runAt)) throw new RangeError(`job ${job.kind}: runAt is not a time`);
  if (!Number.isInteger(retry.max_attempts) || retry.max_attempts < 1)
    throw new RangeError(`job ${job.kind}: max_attempts must be an integer of at least 1`);
  const [row] = await sql.query<{ seq: number; created: boolean; run_at: Date | string }>(
    SCHEDULE,
    [
      job.kind,
      job.partnerId ?? null,
      job.key,
      JSON.stringify(job.payload ?? {}),
      new Date(job.runAt).toISOString(),
      retry.max_attempts,
      retry.backoff_ms_cap,
      retry.jitter,
      job.correlationId ?? randomUUID(),
      new Date(job.now ?? job.runAt).toISOString(),
    ],
  );
  if (!row) throw new Error('scheduling a job returned no row');
  return { id: Number(row.seq), created: row.created, runAtMs: new Date(row.run_at).getTime() };
}
