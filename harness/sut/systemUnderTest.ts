import type { OpsClient } from './opsClient.js';
import type { PipelineLog } from './pipelineLog.js';

/**
 * The pipeline being certified, as the harness sees it: a base URL for its partner-facing
 * surfaces, an ops client, and (only when the harness started it) its log.
 */
export interface SystemUnderTest {
  mode: 'bundled' | 'remote';
  url: string;
  engine?: string;
  ops: OpsClient;
  /** The pipeline's log; absent for a remote SUT. */
  log?: PipelineLog;
  /** Webhook secrets by partner id, as handed to (or configured in) the SUT. */
  webhookSecrets: Map<string, string>;
  stop(): Promise<void>;
}
