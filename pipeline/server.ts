import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { piiFields, type PartnerProfile } from '../contracts/partners/partnerProfile.js';
import type { Clock } from '../lib/clock.js';
import { withRedactor, type Logger } from '../lib/logger.js';
import { Redactor } from '../lib/redact.js';
import { createPipeline, type Pipeline } from './app.js';
import { migrate } from './store/migrate.js';
import { openStore, type Store, type StoreOptions } from './store/store.js';

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
}

export interface RunningPipeline {
  url: string;
  store: Store;
  pipeline: Pipeline;
  server: Server;
  close(): Promise<void>;
}

/** Opens and migrates the store, then listens. `close` drains the inbox before the store shuts. */
export async function startPipelineServer(
  options: PipelineServerOptions,
): Promise<RunningPipeline> {
  // One redactor for everything the pipeline writes: its log, audit reasons, alert details.
  const redactor = new Redactor({
    piiFields: [...options.profiles.values()].flatMap(piiFields),
    secrets: [...[...options.secrets.values()].flat(), options.opsToken ?? ''],
  });
  const logger = withRedactor(options.logger, redactor);
  const store = await openStore(options.store);
  try {
    const { applied } = await migrate(store);
    if (applied.length > 0) logger.info({ applied }, 'store migrated');
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
  let closing: Promise<void> | undefined;
  return {
    url,
    store,
    pipeline,
    server,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await pipeline.inbox.idle();
        await store.close();
      })();
      return closing;
    },
  };
}
