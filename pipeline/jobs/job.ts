import type { RetryPolicy } from '../../contracts/partners/partnerProfile.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../store/store.js';

/** Where a job is in its life: pending → running → done, or back to pending, or dead. */
export type JobState = 'pending' | 'running' | 'done' | 'dead';
export const JOB_STATES: readonly JobState[] = ['pending', 'running', 'done', 'dead'];

/** What `schedule` is asked to run. */
export interface JobRequest<Payload = unknown> {
  kind: string;
  /** The partner the work is for; absent for the pipeline's own work. */
  partnerId?: string | null;
  /** Dedupe: at most one pending job per kind, partner and key. */
  key: string;
  payload?: Payload;
  /** When it may run, in ms since the epoch, from the pipeline's Clock. */
  runAt: number;
  /** When it was asked for (the Clock's now), kept as created_at; runAt when absent. */
  now?: number;
  /** The partner profile's retry_policy shape; DEFAULT_RETRY_POLICY when absent. */
  retry?: RetryPolicy;
  /** The exchange that caused the work; a fresh one when absent. */
  correlationId?: string;
}

/** A job as the runner hands it to its handler: claimed, leased, this attempt counted. */
export interface ClaimedJob<Payload = unknown> {
  id: number;
  kind: string;
  partnerId: string | null;
  key: string;
  payload: Payload;
  /** This attempt's number, from 1. */
  attempt: number;
  retry: RetryPolicy;
  correlationId: string;
  runAtMs: number;
  /** The lease: past it, another worker may claim the job again. */
  lockedUntilMs: number;
  /** The previous attempt's error, if any (also: a lease that ran out). */
  lastError: string | null;
}

export interface JobContext {
  store: Store;
  clock: Clock;
  /** The runner's logger, with the job's kind, id, partner_id and correlation_id bound. */
  logger: Logger;
  /** Aborted when the lease runs out: past it the job may be running elsewhere. */
  signal: AbortSignal;
}

/**
 * What runs one kind of job. Resolving means done; throwing means this attempt failed, and the
 * job is retried with backoff or dead-lettered with the error's message. A handler must be safe
 * to run again (its worker may die after the work and before the job is marked done), and must
 * finish within its lease.
 */
export interface JobHandler<Payload = unknown> {
  kind: string;
  run(job: ClaimedJob<Payload>, context: JobContext): Promise<void>;
  /** How long a claim holds; DEFAULT_LEASE_MS when absent. */
  leaseMs?: number;
}

/** Five minutes: far longer than any job the pipeline runs today takes. */
export const DEFAULT_LEASE_MS = 5 * 60_000;
