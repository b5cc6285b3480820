import express, { type RequestHandler } from 'express';
import { partnerApiDocument } from '../../contracts/api/partnerApi.js';
import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../store/store.js';
import { storedCursorKey } from './orders/cursorKey.js';
import { orderCreationRoute } from './orders/orderCreationRoute.js';
import { orderExportRoute } from './orders/orderExportRoute.js';

/** The guard every /v1 route takes (pipeline/api/auth): token and scope, then the rate limit. */
export interface PartnerApiGuard {
  requireApiScope(scope: string): RequestHandler;
  rateLimit(): RequestHandler;
}

export interface PartnerApiDeps {
  store: Store;
  profiles: Map<string, PartnerProfile>;
  clock: Clock;
  logger: Logger;
  guard: PartnerApiGuard;
}

/**
 * The partner API's routes, one table (contracts/api/openapi.json is their contract):
 *
 *   GET  /v1/openapi.json   the contract, public
 *   GET  /v1/orders         the order export       orders:read    ?changed_since&cursor&limit
 *   POST /v1/orders         create an order        orders:write   Idempotency-Key
 *
 *   partner ─> /oauth/token ─> Bearer ─> requireApiScope ─> rateLimit ─> route ─> order domain
 *                                         401 / 403           429          (pipeline/orders/)
 */
export function partnerApiRouter(deps: PartnerApiDeps): express.Router {
  const router = express.Router();
  const { guard } = deps;
  const cursorKey = storedCursorKey(deps.store, deps.clock);

  router.get('/v1/openapi.json', (_req, res) => {
    res.json(partnerApiDocument);
  });
  router.get(
    '/v1/orders',
    guard.requireApiScope('orders:read'),
    guard.rateLimit(),
    orderExportRoute({ store: deps.store, cursorKey }),
  );
  router.post(
    '/v1/orders',
    guard.requireApiScope('orders:write'),
    guard.rateLimit(),
    ...orderCreationRoute({
      store: deps.store,
      profiles: deps.profiles,
      clock: deps.clock,
      logger: deps.logger,
    }),
  );
  return router;
}
