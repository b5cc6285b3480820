import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { piiFields, type PartnerProfile } from '../contracts/partners/partnerProfile.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { withRedactor, type Logger } from '../lib/logger.js';
import { Redactor } from '../lib/redact.js';
import { apiClientSecrets, type ApiClients } from './api/auth/index.js';
import { createPipeline, type Pipeline } from './app.js';
import { createJobMetrics, JobRunner, pipelineJobs, scheduleStartupJobs } from './jobs/index.js';
import { migrate } from './store/migrate.js';
import { openStore } from './store/openStore.js';
import type { Store, StoreOptions } from './store/store.js';

export interface PipelineServerOptions {
  host: string;
  port: number;
  store: StoreOptions;
  profiles: Map<string, PartnerProfile>;
  secrets: Map<string, string[]>;
  logger: Logger;
  clock?: Clock;
  opsToken?: string;
  maxBodyBytes?: number;
  /** Partner API clients, secrets resolved (resolveApiClients); none when absent. */
  apiClients?: ApiClients;
  /** How often this worker looks for due background jobs; 1 s when absent. */
  jobPollIntervalMs?: number;
}

export interface RunningPipeline {
  url: string;
  store: Store;
  pipeline: Pipeline;
  server: Server;
  /** This worker's background job runner (pipeline/jobs), started once listening. */
  jobs: JobRunner;
  close(): Promise<void>;
}

/**
 * Opens and migrates the store, then listens and starts running background jobs. `close` drains
 * the running jobs and the inbox before the store shuts.
 */
export async function startPipelineServer(
  options: PipelineServerOptions,
): Promise<RunningPipeline> {
  // One redactor for everything the pipeline writes: its log, audit reasons, alert details.
  const redactor = new Redactor({
    piiFields: [...options.profiles.values()].flatMap(piiFields),
    secrets: [
      ...[...options.secrets.values()].flat(),
      options.opsToken ?? '',
      ...apiClientSecrets(options.apiClients),
    ],
  });
  const logger = withRedactor(options.logger, redactor);
  const clock = options.clock ?? systemClock;
  const store = await openStore(options.store);
  try {
    const { applied } = await migrate(store);
    if (applied.length > 0) logger.info({ applied }, 'store migrated');
    await scheduleStartupJobs(store, clock);
  } catch (error) {
    await store.close();
    throw error;
  }
  const pipeline = createPipeline({
    store,
    profiles: options.profiles,
    secrets: options.secrets,
    logger,
    redaction: redactor,
    clock: options.clock,
    opsToken: options.opsToken,
    maxBodyBytes: options.maxBodyBytes,
    apiClients: options.apiClients,
  });
  const jobs = new JobRunner({
    store,
    handlers: pipelineJobs(),
    clock,
    logger,
    metrics: createJobMetrics(pipeline.metrics.registry, store, clock),
    pollIntervalMs: options.jobPollIntervalMs,
    redactText: (text) => redactor.text(text),
  });
  const server = createServer(pipeline.app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  jobs.start();
  let closing: Promise<void> | undefined;
  return {
    url,
    store,
    pipeline,
    server,
    jobs,
    close() {
      closing ??= (async () => {
        await Promise.all([
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
          jobs.stop(),
        ]);
        await pipeline.inbox.idle();
        await store.close();
      })();
      return closing;
    },
  };
}
