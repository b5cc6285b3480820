import type { OpsClient } from './opsClient.js';
import type { PipelineLog } from './pipelineLog.js';

/**
 * The pipeline being certified, as the harness sees it: a base URL for its partner-facing
 * surfaces, an ops client, and (only when the harness started it) its log. What it was configured
 * with (secrets, partner addresses, time scale) is the run's wiring, provisioned by the flows
 * before it started.
 */
export interface SystemUnderTest {
  mode: 'bundled' | 'remote';
  url: string;
  engine?: string;
  ops: OpsClient;
  /** The pipeline's log; absent for a remote SUT. */
  log?: PipelineLog;
  stop(): Promise<void>;
}
