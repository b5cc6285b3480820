import express, { type NextFunction, type Request, type Response } from 'express';
import { piiFields, type PartnerProfile } from '../contracts/partners/partnerProfile.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import {
  apiClientSecrets,
  createApiAuth,
  type ApiAuth,
  type ApiClients,
} from './api/auth/index.js';
import { Redactor } from '../lib/redact.js';
import { correlation } from './http/correlation.js';
import { clientErrorSpec, PIPELINE_ERRORS } from './http/errors.js';
import { sendError } from './http/sendError.js';
import { InboxWriter } from './inbox/inboxWriter.js';
import { DEFAULT_INBOX_POLICY, type InboxPolicy } from './inbox/recordDeliveries.js';
import { createMetrics, type PipelineMetrics } from './observability/metrics.js';
import { healthRouter } from './ops/healthRoutes.js';
import { opsRouter } from './ops/opsRoutes.js';
import { partnerApiRouter } from './api/partnerApiRouter.js';
import type { Store } from './store/store.js';
import { isStoreDown } from './store/storeErrors.js';
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
  /** Alert grouping and the audit bound for unauthenticated refusals; DEFAULT_INBOX_POLICY. */
  inboxPolicy?: InboxPolicy;
  /** What every audit reason and alert detail passes through (secrets and PII masked). */
  redaction?: Redaction;
  /** Partner API clients, secrets resolved (see api/auth/apiClients.ts); none when absent. */
  apiClients?: ApiClients;
}

export interface Redaction {
  text(text: string): string;
  json<T>(value: T): T;
}

export interface Pipeline {
  app: express.Express;
  inbox: InboxWriter;
  metrics: PipelineMetrics;
  /** The partner API's guard for /v1 routes: requireApiScope(scope), then rateLimit(). */
  apiAuth: ApiAuth;
}

/**
 * The system under test, as an express app over a migrated store. Surfaces: the webhook inbox,
 * the partner API's token endpoint, the ops API and health/metrics. Nothing here knows about simulators or the harness.
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics(options.store);
  // Never without redaction: a caller that passes none gets the profiles' PII fields and the
  // secrets in use masked all the same.
  const redaction =
    options.redaction ??
    new Redactor({
      piiFields: [...options.profiles.values()].flatMap(piiFields),
      secrets: [...[...options.secrets.values()].flat(), ...apiClientSecrets(options.apiClients)],
    });
  const inbox = new InboxWriter(options.store, {
    ...options.inboxBatch,
    policy: options.inboxPolicy,
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
  const apiAuth = createApiAuth({
    store: options.store,
    clients: options.apiClients ?? new Map(),
    clock,
    logger: options.logger,
    registry: metrics.registry,
  });
  app.use(apiAuth.tokenRouter);
  app.use(
    partnerApiRouter({
      store: options.store,
      profiles: options.profiles,
      clock,
      logger: options.logger,
      guard: apiAuth,
    }),
  );
  app.use(
    webhookInboxRouter({
      profiles: options.profiles,
      secrets: options.secrets,
      inbox,
      metrics,
      logger: options.logger,
      clock,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      redactText: (text) => redaction.text(text),
      redactJson: (value) => redaction.json(value),
    }),
  );
  app.use(
    opsRouter({
      store: options.store,
      profiles: options.profiles,
      secrets: options.secrets,
      opsToken: options.opsToken,
      auditedPerWindow: (options.inboxPolicy ?? DEFAULT_INBOX_POLICY)
        .unauthenticatedAuditsPerWindow,
    }),
  );
  app.use((req: Request, res: Response) => sendError(req, res, PIPELINE_ERRORS.routeNotFound));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    // A 4xx raised by express itself (e.g. a path that is not valid percent-encoding) is the
    // caller's mistake, answered as such; only what is left is ours.
    const clientError = clientErrorSpec(error);
    if (clientError) {
      if (!res.headersSent) sendError(req, res, clientError);
      return;
    }
    options.logger.error({ correlation_id: req.correlationId, err: error }, 'request failed');
    if (res.headersSent) return;
    sendError(
      req,
      res,
      isStoreDown(error) ? PIPELINE_ERRORS.unavailable : PIPELINE_ERRORS.internal,
    );
  });
  return { app, inbox, metrics, apiAuth };
}
