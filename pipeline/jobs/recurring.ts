import type { ClaimedJob, JobContext, JobHandler } from './job.js';
import { schedule } from './schedule.js';

export interface RecurringWork<Payload> {
  kind: string;
  /** Time from the start of one run to the next: fixed, or per job (a partner's poll_every_s). */
  everyMs: number | ((job: ClaimedJob<Payload>) => number);
  leaseMs?: number;
  run(job: ClaimedJob<Payload>, context: JobContext): Promise<void>;
}

/**
 * Recurring work (a poller every N seconds, housekeeping every hour) is a handler that schedules
 * its own next run, first, then works:
 *
 *   run n ──> schedule run n+1 at now + every ──> work ──┬─ done
 *                                                       └─ failed: the retry replaces run n+1
 *                                                          (earlier of the two), attempts kept
 *
 * Scheduling first keeps the chain alive when the work fails or the worker dies mid-run. The
 * dedupe key makes it one chain however many workers start it, and keeps an on-demand run ("poll
 * now": schedule the same kind, partner and key at now) from starting a second one. A run that
 * keeps failing is retried with backoff until its dead letter; the next run, scheduled by its last
 * attempt, carries the chain on. Each run is its own exchange: a new correlation id.
 */
export function recurring<Payload>(work: RecurringWork<Payload>): JobHandler<Payload> {
  return {
    kind: work.kind,
    leaseMs: work.leaseMs,
    async run(job, context) {
      const nowMs = context.clock.now();
      const everyMs = typeof work.everyMs === 'function' ? work.everyMs(job) : work.everyMs;
      await schedule(context.store, {
        kind: job.kind,
        partnerId: job.partnerId,
        key: job.key,
        payload: job.payload,
        retry: job.retry,
        runAt: nowMs + everyMs,
        now: nowMs,
      });
      await work.run(job, context);
    },
  };
}
