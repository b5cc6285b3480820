import type { Clock } from '../../lib/clock.js';
import type { Sql } from '../store/store.js';
import {
  DEFAULT_HOUSEKEEPING,
  housekeeping,
  housekeepingJob,
  type HousekeepingPolicy,
} from './housekeeping.js';
import type { JobHandler } from './job.js';
import { schedule } from './schedule.js';

export { JobRunner, type JobOutcome, type JobRunnerOptions } from './jobRunner.js';
export { createJobMetrics, type JobMetrics } from './jobMetrics.js';
export { schedule, type ScheduledJob } from './schedule.js';
export { recurring } from './recurring.js';
export type { ClaimedJob, JobContext, JobHandler, JobRequest, JobState } from './job.js';

export interface PipelineJobsOptions {
  housekeeping?: HousekeepingPolicy;
}

/**
 * The pipeline's job kinds, one table: the runner runs these and nothing else (a worker never
 * claims a kind it has no handler for). New work (SFTP polls, 997 deadlines, outbound retries,
 * brownout drains) registers here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function pipelineJobs(options: PipelineJobsOptions = {}): JobHandler<any>[] {
  return [housekeeping(options.housekeeping ?? DEFAULT_HOUSEKEEPING)];
}

/** What every worker starts at start; deduplicated, so N workers start each chain once. */
export async function scheduleStartupJobs(sql: Sql, clock: Clock): Promise<void> {
  await schedule(sql, housekeepingJob(clock.now()));
}
