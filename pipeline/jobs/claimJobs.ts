import type { RetryPolicy } from '../../contracts/partners/partnerProfile.js';
import type { Sql } from '../store/store.js';
import type { ClaimedJob } from './job.js';

/**
 * Claims up to $2 due jobs of the kinds this worker runs, in one statement (one short
 * transaction): a pending job whose time has come, or a running one whose lease ran out (its
 * worker died or hung). `FOR UPDATE SKIP LOCKED` makes concurrent claims by other workers pass
 * over each other's rows instead of waiting on them or taking them twice; a row another worker
 * changed meanwhile is re-checked against the WHERE before it is taken.
 *
 * A claim counts an attempt. A job whose lease ran out on its last attempt is not run again but
 * dead-lettered: a job that kills its worker every time (out of memory, say) must not do so
 * forever.
 *
 * $1 now   $2 how many   $3 kinds   $4 each kind's lease in ms   $5 this worker's id
 */
const CLAIM = `
  WITH leases AS (
    SELECT * FROM unnest($3::text[], $4::bigint[]) AS l(kind, lease_ms)
  ),
  due AS (
    SELECT j.seq, j.state AS was, (j.state = 'running' AND j.attempts >= j.max_attempts) AS exhausted,
           l.lease_ms
      FROM jobs j JOIN leases l ON l.kind = j.kind
     WHERE (j.state = 'pending' AND j.run_at <= $1::timestamptz)
        OR (j.state = 'running' AND j.locked_until <= $1::timestamptz)
     ORDER BY j.run_at, j.seq
     LIMIT $2
       FOR UPDATE OF j SKIP LOCKED
  )
  UPDATE jobs j SET
    state = CASE WHEN due.exhausted THEN 'dead' ELSE 'running' END,
    attempts = CASE WHEN due.exhausted THEN j.attempts ELSE j.attempts + 1 END,
    last_error = CASE WHEN due.was = 'running'
                      THEN 'lease expired: ' || coalesce(j.locked_by, 'its worker') ||
                           ' did not finish attempt ' || j.attempts || ' of ' || j.max_attempts
                      ELSE j.last_error END,
    locked_by = CASE WHEN due.exhausted THEN NULL ELSE $5 END,
    locked_until = CASE WHEN due.exhausted THEN NULL
                        ELSE $1::timestamptz + due.lease_ms * interval '1 millisecond' END,
    finished_at = CASE WHEN due.exhausted THEN $1::timestamptz END
    FROM due
   WHERE j.seq = due.seq
  RETURNING j.seq, j.kind, j.partner_id, j.key, j.payload, j.state, j.attempts, j.max_attempts,
            j.backoff_ms_cap, j.jitter, j.last_error, j.correlation_id, j.run_at, j.locked_until`;

interface ClaimRow {
  seq: number;
  kind: string;
  partner_id: string | null;
  key: string;
  payload: unknown;
  state: 'running' | 'dead';
  attempts: number;
  max_attempts: number;
  backoff_ms_cap: number | string;
  jitter: RetryPolicy['jitter'];
  last_error: string | null;
  correlation_id: string;
  run_at: Date | string;
  locked_until: Date | string | null;
}

export interface Claim {
  /** To run now; or, when its lease ran out on its last attempt, dead-lettered by the claim. */
  state: 'running' | 'dead';
  job: ClaimedJob;
}

export async function claimDueJobs(
  sql: Sql,
  input: { nowMs: number; limit: number; leases: Map<string, number>; workerId: string },
): Promise<Claim[]> {
  if (input.limit < 1 || input.leases.size === 0) return [];
  const rows = await sql.query<ClaimRow>(CLAIM, [
    new Date(input.nowMs).toISOString(),
    input.limit,
    [...input.leases.keys()],
    [...input.leases.values()],
    input.workerId,
  ]);
  return rows
    .map((row) => ({
      state: row.state,
      job: {
        id: Number(row.seq),
        kind: row.kind,
        partnerId: row.partner_id,
        key: row.key,
        payload: row.payload,
        attempt: Number(row.attempts),
        retry: {
          max_attempts: Number(row.max_attempts),
          backoff_ms_cap: Number(row.backoff_ms_cap),
          jitter: row.jitter,
        },
        correlationId: row.correlation_id,
        runAtMs: new Date(row.run_at).getTime(),
        lockedUntilMs: row.locked_until === null ? 0 : new Date(row.locked_until).getTime(),
        lastError: row.last_error,
      },
    }))
    .sort((a, b) => a.job.runAtMs - b.job.runAtMs || a.job.id - b.job.id);
}
