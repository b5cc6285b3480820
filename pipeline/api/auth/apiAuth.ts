import type express from 'express';
import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/logger.js';
import type { Store } from '../../store/store.js';
import type { ApiClients } from './apiClients.js';
import { createApiMetrics } from './apiMetrics.js';
import { rateLimit } from './rateLimit.js';
import { requireApiScope } from './requireApiScope.js';
import { storedSigningKey } from './signingKey.js';
import { tokenEndpointRouter } from './tokenEndpoint.js';

export interface ApiAuthDeps {
  store: Store;
  clients: ApiClients;
  clock: Clock;
  logger: Logger;
  /** The pipeline's metrics registry: b2b_api_requests_total is added to it. */
  registry: Registry;
}

export interface ApiAuth {
  /** `POST /oauth/token`; mount it on the app. */
  tokenRouter: express.Router;
  /** Bearer token with `scope` required; sets `req.apiClient`. */
  requireApiScope(scope: string): RequestHandler;
  /** The client's rate limit; after requireApiScope. */
  rateLimit(): RequestHandler;
}

/** The partner API's security layer over one store: every worker on it shares key and counters. */
export function createApiAuth(deps: ApiAuthDeps): ApiAuth {
  const metrics = createApiMetrics(deps.registry);
  const signingKey = storedSigningKey(deps.store, deps.clock);
  const guard = { clients: deps.clients, signingKey, clock: deps.clock, logger: deps.logger };
  const limiter = rateLimit({ ...guard, store: deps.store });
  return {
    tokenRouter: tokenEndpointRouter({ ...guard, metrics }),
    requireApiScope: (scope) => requireApiScope({ ...guard, metrics }, scope),
    rateLimit: () => limiter,
  };
}
