import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../store/store.js';
import { claimDueJobs, type Claim } from './claimJobs.js';
import { markDead, markDone, markRetry, type AttemptFence } from './finishJob.js';
import { DEFAULT_LEASE_MS, type ClaimedJob, type JobHandler } from './job.js';
import type { JobMetrics } from './jobMetrics.js';
import { retryDelayMs } from './retryPolicy.js';

/**
 * Background work: one mechanism for everything the pipeline starts itself, durable in the store
 * and shared by every worker on it.
 *
 *   schedule(sql, job) ──> jobs row: pending, run_at          (one pending row per kind+partner+key)
 *                               │ due: run_at ≤ now, or a running job's lease ran out
 *   runDue() ── claim ──> SELECT … FOR UPDATE SKIP LOCKED ──> running, attempts + 1, lease
 *                               │                               (one short transaction)
 *                        handlers[kind].run(job)                (outside any transaction)
 *              ┌────────────────┼─────────────────────────┐
 *           resolved      threw, attempts left      threw on the last attempt
 *              │                │                         │
 *            done       pending at now + backoff     dead, last_error = why
 *                       (capped, jittered: retryPolicy.ts)
 *
 * Every finish is fenced by the claim (finishJob.ts). A worker that dies mid-job leaves its lease
 * to run out and another claims the job again, so a handler must be safe to run twice; it is
 * never run by two workers at once while it finishes within its lease. Recurring work is a
 * handler that schedules its next run (recurring.ts).
 *
 * Time is the injected Clock's. `start()` looks for due work on a wall-clock interval; tests call
 * `runDue()` themselves and move a FakeClock, and nothing here sleeps.
 */
export interface JobRunnerOptions {
  store: Store;
  // Handlers of any payload type share one table; each reads its own payload.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handlers: JobHandler<any>[];
  clock: Clock;
  logger: Logger;
  metrics?: JobMetrics;
  /** In [0, 1), for retry jitter: seeded in tests; Math.random when absent. */
  random?: () => number;
  /** This worker's name in `locked_by`; host:pid:random when absent. */
  workerId?: string;
  /** Jobs this worker runs at once; 4 when absent. */
  concurrency?: number;
  /** With `start()`: how often to look for due jobs; 1 s when absent. */
  pollIntervalMs?: number;
  /** What an error message passes through before it is stored as last_error (secrets, PII). */
  redactText?: (text: string) => string;
}

/** How one claimed job's attempt ended, as `runDue` reports it. */
export interface JobOutcome {
  id: number;
  kind: string;
  partnerId: string | null;
  attempt: number;
  outcome: 'done' | 'retry' | 'dead' | 'lease_lost';
  /** retry: when it runs again. */
  retryAtMs?: number;
  /** retry or dead: why, as stored. */
  error?: string;
}

/** The longest last_error kept: the start of a message says what went wrong. */
const MAX_ERROR_LENGTH = 2_000;

interface Running {
  job: ClaimedJob;
  controller: AbortController;
}

export class JobRunner {
  readonly workerId: string;
  readonly #options: JobRunnerOptions;
  readonly #handlers: Map<string, JobHandler>;
  readonly #leases: Map<string, number>;
  readonly #concurrency: number;
  readonly #random: () => number;
  readonly #running = new Map<number, Running>();
  #claiming: Promise<Promise<JobOutcome>[]> | undefined;
  #lastClaimFilled = false;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: JobRunnerOptions) {
    this.#options = options;
    this.#handlers = new Map();
    for (const handler of options.handlers) {
      if (this.#handlers.has(handler.kind))
        throw new Error(`two job handlers for kind ${handler.kind}`);
      this.#handlers.set(handler.kind, handler);
    }
    this.#leases = new Map(
      options.handlers.map((handler) => [handler.kind, handler.leaseMs ?? DEFAULT_LEASE_MS]),
    );
    this.#concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1)
      throw new RangeError('concurrency must be an integer of at least 1');
    this.#random = options.random ?? Math.random;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Jobs running in this worker now. */
  get running(): number {
    return this.#running.size;
  }

  /**
   * Claims the jobs due now (as many as there are free slots) and runs them; resolves when those
   * have finished, with how each ended. Jobs still running from an earlier call whose lease ran
   * out have their signal aborted first. A claim already under way makes this one claim nothing.
   */
  async runDue(): Promise<JobOutcome[]> {
    const nowMs = this.#options.clock.now();
    for (const { job, controller } of this.#running.values()) {
      if (job.lockedUntilMs <= nowMs && !controller.signal.aborted)
        controller.abort(new Error(`the lease of job ${job.id} ran out`));
    }
    if (this.#stopped || this.#claiming) return [];
    const claiming = this.#claimAndStart(nowMs);
    this.#claiming = claiming;
    let runs: Promise<JobOutcome>[];
    try {
      runs = await claiming;
    } finally {
      this.#claiming = undefined;
    }
    return Promise.all(runs);
  }

  /** Looks for due work every pollIntervalMs until `stop()`; the first look is now. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    const interval = this.#options.pollIntervalMs ?? 1_000;
    const next = () => {
      this.#timer = setTimeout(() => {
        this.#runInBackground();
        next();
      }, interval);
      // The pipeline's server keeps the process alive, not this timer.
      this.#timer.unref();
    };
    this.#runInBackground();
    next();
  }

  /** Claims nothing more, and resolves once the jobs running now have finished (drains). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.idle();
  }

  /** Resolves when no claim is under way and no job is running. */
  async idle(): Promise<void> {
    while (this.#claiming || this.#running.size > 0) {
      if (this.#claiming) await this.#claiming.catch(() => undefined);
      if (this.#running.size > 0)
        await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
  }

  #runInBackground(): void {
    this.runDue().catch((error: unknown) =>
      this.#options.logger.warn({ err: error }, 'could not claim background jobs'),
    );
  }

  async #claimAndStart(nowMs: number): Promise<Promise<JobOutcome>[]> {
    const free = this.#concurrency - this.#running.size;
    if (free < 1) return [];
    const claims = await claimDueJobs(this.#options.store, {
      nowMs,
      limit: free,
      leases: this.#leases,
      workerId: this.workerId,
    });
    this.#lastClaimFilled = claims.length === free;
    return claims.map((claim) => this.#start(claim));
  }

  #start(claim: Claim): Promise<JobOutcome> {
    const { job } = claim;
    if (claim.state === 'dead') {
      this.#options.metrics?.dead.inc({ kind: job.kind });
      this.#jobLogger(job).error(
        { reason: job.lastError },
        `job ${job.kind} dead-lettered: ${job.lastError ?? 'its lease ran out on its last attempt'}`,
      );
      return Promise.resolve(this.#outcome(job, 'dead', { error: job.lastError ?? undefined }));
    }
    const controller = new AbortController();
    this.#running.set(job.id, { job, controller });
    return this.#attempt(job, controller.signal).finally(() => {
      this.#running.delete(job.id);
      if (this.#running.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
      // A full claim means more may be due: use the freed slot now rather than at the next poll.
      if (this.#started && !this.#stopped && this.#lastClaimFilled) this.#runInBackground();
    });
  }

  async #attempt(job: ClaimedJob, signal: AbortSignal): Promise<JobOutcome> {
    const { store, clock, metrics } = this.#options;
    const logger = this.#jobLogger(job);
    const handler = this.#handlers.get(job.kind) as JobHandler;
    const fence: AttemptFence = { id: job.id, workerId: this.workerId, attempt: job.attempt };
    let failure: unknown;
    let failed = false;
    try {
      await handler.run(job, { store, clock, logger, signal });
    } catch (error) {
      failed = true;
      failure = error;
    }
    metrics?.run.inc({ kind: job.kind });
    const nowMs = clock.now();
    try {
      if (!failed) {
        if (await markDone(store, fence, nowMs)) return this.#outcome(job, 'done');
        return this.#leaseLost(job, logger);
      }
      metrics?.failed.inc({ kind: job.kind });
      const reason = this.#reason(failure);
      if (job.attempt >= job.retry.max_attempts) {
        if (!(await markDead(store, fence, nowMs, reason))) return this.#leaseLost(job, logger);
        metrics?.dead.inc({ kind: job.kind });
        logger.error(
          { reason },
          `job ${job.kind} dead-lettered after ${job.attempt} attempts: ${reason}`,
        );
        return this.#outcome(job, 'dead', { error: reason });
      }
      const retryAtMs = nowMs + retryDelayMs(job.retry, job.attempt, this.#random);
      if (!(await markRetry(store, fence, retryAtMs, reason))) return this.#leaseLost(job, logger);
      logger.warn(
        { reason, retry_at: new Date(retryAtMs).toISOString() },
        `job ${job.kind} attempt ${job.attempt} of ${job.retry.max_attempts} failed; retrying`,
      );
      return this.#outcome(job, 'retry', { retryAtMs, error: reason });
    } catch (error) {
      // The store refused the finish (down, say): the lease runs out and the job is claimed
      // again, which is what a handler must be ready for anyway.
      logger.error({ err: error }, `job ${job.kind}: could not record how attempt ended`);
      return this.#outcome(job, 'lease_lost');
    }
  }

  #leaseLost(job: ClaimedJob, logger: Logger): JobOutcome {
    logger.warn(`job ${job.kind} finished after its lease ran out; another worker has it now`);
    return this.#outcome(job, 'lease_lost');
  }

  #reason(error: unknown): string {
    const text = error instanceof Error ? error.message || error.name : String(error);
    const redacted = this.#options.redactText ? this.#options.redactText(text) : text;
    return redacted.length > MAX_ERROR_LENGTH
      ? `${redacted.slice(0, MAX_ERROR_LENGTH)}…`
      : redacted;
  }

  #jobLogger(job: ClaimedJob): Logger {
    return this.#options.logger.child({
      job_id: job.id,
      job_kind: job.kind,
      attempt: job.attempt,
      partner_id: job.partnerId ?? undefined,
      correlation_id: job.correlationId,
    });
  }

  #outcome(
    job: ClaimedJob,
    outcome: JobOutcome['outcome'],
    extra: { retryAtMs?: number; error?: string } = {},
  ): JobOutcome {
    return {
      id: job.id,
      kind: job.kind,
      partnerId: job.partnerId,
      attempt: job.attempt,
      outcome,
      ...extra,
    };
  }
}
