import express, { type NextFunction, type Request, type Response } from 'express';
import type { PartnerProfile } from '../contracts/partners/partnerProfile.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { correlation } from './http/correlation.js';
import { PIPELINE_ERRORS } from './http/errors.js';
import { sendError } from './http/sendError.js';
import { InboxWriter } from './inbox/inboxWriter.js';
import { createMetrics, type PipelineMetrics } from './observability/metrics.js';
import { healthRouter } from './ops/healthRoutes.js';
import { opsRouter } from './ops/opsRoutes.js';
import type { Store } from './store/store.js';
import { webhookInboxRouter } from './webhooks/inboxRoute.js';

export interface PipelineOptions {
  store: Store;
  profiles: Map<string, PartnerProfile>;
  /** Webhook secrets by partner id (see partnerSecrets.ts). */
  secrets: Map<string, string[]>;
  logger: Logger;
  clock?: Clock;
  /** Largest webhook body accepted; default 1 MiB. */
  maxBodyBytes?: number;
  opsToken?: string;
  inboxBatch?: { maxBatch?: number; maxConcurrentFlushes?: number };
}

export interface Pipeline {
  app: express.Express;
  inbox: InboxWriter;
  metrics: PipelineMetrics;
}

/**
 * The system under test, as an express app over a migrated store. Surfaces: the webhook inbox,
 * the ops API and health/metrics. Nothing here knows about simulators or the harness.
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics(options.store);
  const inbox = new InboxWriter(options.store, {
    ...options.inboxBatch,
    onBatch: (size, seconds) => {
      metrics.inboxBatchSize.observe(size);
      metrics.inboxFlushSeconds.observe(seconds);
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(correlation);
  app.use(healthRouter(options.store, metrics));
  app.use(
    webhookInboxRouter({
      profiles: options.profiles,
      secrets: options.secrets,
      inbox,
      metrics,
      logger: options.logger,
      clock,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    }),
  );
  app.use(
    opsRouter({
      store: options.store,
      profiles: options.profiles,
      secrets: options.secrets,
      opsToken: options.opsToken,
    }),
  );
  app.use((req: Request, res: Response) => sendError(req, res, PIPELINE_ERRORS.routeNotFound));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    options.logger.error({ correlation_id: req.correlationId, err: error }, 'request failed');
    if (res.headersSent) return;
    sendError(
      req,
      res,
      isStoreDown(error) ? PIPELINE_ERRORS.unavailable : PIPELINE_ERRORS.internal,
    );
  });
  return { app, inbox, metrics };
}

function isStoreDown(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === '57P01' || code === '08006' || code === '08001';
}
