import type { Sql } from '../store/store.js';
import type { JobHandler, JobRequest } from './job.js';
import { recurring } from './recurring.js';

export const HOUSEKEEPING = 'pipeline.housekeeping';

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;

/** How long the pipeline keeps what it only needs for a while. */
export interface HousekeepingPolicy {
  /** Between runs. */
  everyMs: number;
  /** audit_budget windows: each counts refusals for a minute (inbox policy); a day shows a flood's shape. */
  auditBudgetMs: number;
  /**
   * api_rate_windows rows not touched for this long: a window is at most an hour (the profile's
   * per_s ≤ 3600), so such a row counts nothing any more; the client's next request starts anew.
   */
  rateWindowMs: number;
  /** api_idempotency records: a retry of a POST within this time replays its first answer. */
  idempotencyMs: number;
  /** Finished jobs: done ones a day, dead letters a month for an operator to read. */
  doneJobsMs: number;
  deadJobsMs: number;
}

export const DEFAULT_HOUSEKEEPING: HousekeepingPolicy = {
  everyMs: HOUR_MS,
  auditBudgetMs: DAY_MS,
  rateWindowMs: DAY_MS,
  // Stripe keeps idempotency keys 24 hours; partners retry within minutes.
  idempotencyMs: DAY_MS,
  doneJobsMs: DAY_MS,
  deadJobsMs: 30 * DAY_MS,
};

/** Rows deleted per statement: each delete is a short transaction, even after a flood. */
const BATCH = 5_000;

/**
 * What expires, table by table: the table, its time column, and how long rows live. A table that
 * does not exist (an older schema, a part not installed) is skipped.
 */
function expiries(policy: HousekeepingPolicy): { table: string; where: string; keepMs: number }[] {
  return [
    { table: 'audit_budget', where: 'window_start < $1', keepMs: policy.auditBudgetMs },
    { table: 'api_rate_windows', where: 'window_start < $1', keepMs: policy.rateWindowMs },
    { table: 'api_idempotency', where: 'created_at < $1', keepMs: policy.idempotencyMs },
    {
      table: 'jobs',
      where: `state = 'done' AND finished_at < $1`,
      keepMs: policy.doneJobsMs,
    },
    { table: 'jobs', where: `state = 'dead' AND finished_at < $1`, keepMs: policy.deadJobsMs },
  ];
}

/** Deletes what has expired as of `nowMs`; returns how many rows per table. */
export async function deleteExpiredRows(
  sql: Sql,
  nowMs: number,
  policy: HousekeepingPolicy = DEFAULT_HOUSEKEEPING,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const expiry of expiries(policy)) {
    const [present] = await sql.query<{ present: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS present',
      [expiry.table],
    );
    if (!present?.present) continue;
    const before = new Date(nowMs - expiry.keepMs).toISOString();
    for (;;) {
      // Table and condition are this file's constants, never input.
      const [gone] = await sql.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM ${expiry.table} WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM ${expiry.table} WHERE ${expiry.where} LIMIT ${BATCH}))
           RETURNING 1)
         SELECT count(*)::bigint AS n FROM gone`,
        [before],
      );
      const n = Number(gone?.n ?? 0);
      deleted[expiry.table] = (deleted[expiry.table] ?? 0) + n;
      if (n < BATCH) break;
    }
  }
  return deleted;
}

export function housekeeping(policy: HousekeepingPolicy = DEFAULT_HOUSEKEEPING): JobHandler {
  return recurring({
    kind: HOUSEKEEPING,
    everyMs: policy.everyMs,
    async run(_job, { store, clock, logger }) {
      const deleted = await deleteExpiredRows(store, clock.now(), policy);
      logger.info({ deleted }, 'housekeeping deleted expired rows');
    },
  });
}

/** The one housekeeping chain, started by every worker at start (the dedupe key keeps it one). */
export function housekeepingJob(nowMs: number): JobRequest {
  return {
    kind: HOUSEKEEPING,
    key: 'store',
    runAt: nowMs,
    now: nowMs,
    retry: { max_attempts: 3, backoff_ms_cap: 5 * 60_000, jitter: 'full' },
  };
}
