import type { Store } from '../store/store.js';
import { sqlState } from '../store/storeErrors.js';

/**
 * How an attempt ends in the store. Every statement is fenced by the claim (the same worker, the
 * same attempt, still running): a worker whose lease ran out while it worked finds the job taken
 * by another and changes nothing, so a late finish never overwrites the new owner's state.
 */
export interface AttemptFence {
  id: number;
  workerId: string;
  attempt: number;
}

const FENCE = `seq = $1 AND locked_by = $2 AND attempts = $3 AND state = 'running'`;

/** False when the lease was lost: the job is someone else's now. */
export async function markDone(store: Store, fence: AttemptFence, nowMs: number): Promise<boolean> {
  const rows = await store.query(
    `UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, finished_at = $4
      WHERE ${FENCE} RETURNING seq`,
    [fence.id, fence.workerId, fence.attempt, new Date(nowMs).toISOString()],
  );
  return rows.length === 1;
}

/** The last attempt failed: the job is a dead letter, with the reason an operator reads. */
export async function markDead(
  store: Store,
  fence: AttemptFence,
  nowMs: number,
  reason: string,
): Promise<boolean> {
  const rows = await store.query(
    `UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, finished_at = $4,
                     last_error = $5
      WHERE ${FENCE} RETURNING seq`,
    [fence.id, fence.workerId, fence.attempt, new Date(nowMs).toISOString(), reason],
  );
  return rows.length === 1;
}

/** Times a retry is tried again when a pending job with its key appears at the same moment. */
const RETRY_ROUNDS = 3;

/**
 * The attempt failed and attempts remain: pending again at `retryAtMs`. If a job with the same
 * key became pending while this one ran (a poller scheduled its next run, an operator asked for
 * one), the two are one: the pending one is removed and this one runs at the earlier of the two
 * times, keeping its attempt count, so a job that keeps failing still reaches its dead letter.
 */
export async function markRetry(
  store: Store,
  fence: AttemptFence,
  retryAtMs: number,
  reason: string,
): Promise<boolean> {
  for (let round = 1; ; round++) {
    try {
      return await store.transaction(async (tx) => {
        const [mine] = await tx.query(`SELECT seq FROM jobs WHERE ${FENCE} FOR UPDATE`, [
          fence.id,
          fence.workerId,
          fence.attempt,
        ]);
        if (!mine) return false;
        const twins = await tx.query<{ run_at: Date | string }>(
          `DELETE FROM jobs t USING jobs me
            WHERE me.seq = $1 AND t.kind = me.kind AND coalesce(t.partner_id, '') = coalesce(me.partner_id, '')
              AND t.key = me.key AND t.state = 'pending'
           RETURNING t.run_at`,
          [fence.id],
        );
        const runAt = Math.min(retryAtMs, ...twins.map((twin) => new Date(twin.run_at).getTime()));
        await tx.query(
          `UPDATE jobs SET state = 'pending', run_at = $2, locked_by = NULL, locked_until = NULL,
                           last_error = $3
            WHERE seq = $1`,
          [fence.id, new Date(runAt).toISOString(), reason],
        );
        return true;
      });
    } catch (error) {
      // A twin was inserted between our DELETE and UPDATE: the next round removes it.
      if (sqlState(error) !== '23505' || round >= RETRY_ROUNDS) throw error;
    }
  }
}
