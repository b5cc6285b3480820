import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/logger.js';
import { PIPELINE_ERRORS } from '../../http/errors.js';
import type { Store } from '../../store/store.js';
import type { ApiClients } from './apiClients.js';
import { countRequestInWindow, windowStart } from './rateWindow.js';
import { refuseApiRequest } from './refuseApiRequest.js';

export interface RateLimitDeps {
  store: Store;
  clients: ApiClients;
  clock: Clock;
  logger: Logger;
}

/**
 * The profile's `rate_limit` for each client, after requireApiScope: a fixed window counted in
 * the store (one upsert per request), so every worker draws on the same budget.
 *
 *   req.apiClient ─> count in window ─> over `requests`? ─> 429 rate_limited + Retry-After
 *                                              └─ no ──> next()
 *
 * Every answer says where the client stands: `RateLimit-Limit`, `RateLimit-Remaining`,
 * `RateLimit-Reset` (seconds to the window's end) and the `X-RateLimit-*` equivalents, whose
 * Reset is the window's end in Unix seconds, as most APIs that send them use it.
 */
export function rateLimit(deps: RateLimitDeps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const caller = req.apiClient;
    if (!caller) throw new Error('rateLimit() must run after requireApiScope()');
    const limit = deps.clients.get(caller.clientId)?.rateLimit;
    if (!limit) return next();
    const windowMs = limit.perS * 1000;
    const nowMs = deps.clock.now();
    const count = await countRequestInWindow(deps.store, caller, windowStart(nowMs, windowMs));
    const windowEndMs = count.windowStartMs + windowMs;
    const resetS = Math.max(1, Math.ceil((windowEndMs - nowMs) / 1000));
    const remaining = Math.max(0, limit.requests - count.requests);
    res.setHeader('RateLimit-Limit', String(limit.requests));
    res.setHeader('RateLimit-Remaining', String(remaining));
    res.setHeader('RateLimit-Reset', String(resetS));
    res.setHeader('X-RateLimit-Limit', String(limit.requests));
    res.setHeader('X-RateLimit-Remaining', String(remaining));
    res.setHeader('X-RateLimit-Reset', String(Math.ceil(windowEndMs / 1000)));
    if (count.requests <= limit.requests) return next();
    refuseApiRequest(deps.logger, req, res, PIPELINE_ERRORS.rateLimited, {
      partnerId: caller.partnerId,
      clientId: caller.clientId,
      reason: `request ${count.requests} of ${limit.requests} per ${limit.perS} s`,
      headers: { 'Retry-After': String(resetS) },
    });
  };
}
