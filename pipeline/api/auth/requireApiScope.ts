import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/logger.js';
import { PIPELINE_ERRORS, type PipelineErrorSpec } from '../../http/errors.js';
import { verifyAccessToken } from './accessToken.js';
import type { ApiClients } from './apiClients.js';
import { countWhenAnswered, requestFacts, type ApiMetrics } from './apiMetrics.js';
import { refuseApiRequest } from './refuseApiRequest.js';
import type { SigningKey } from './signingKey.js';

/** Who is calling a /v1 route, as the token and the profile say. */
export interface ApiCaller {
  partnerId: string;
  clientId: string;
  /** The token's scopes that the client is still granted. */
  scopes: string[];
  /** The token's jti, for logs. */
  tokenId: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by requireApiScope on the partner API's routes. */
    apiClient?: ApiCaller;
  }
}

export interface ApiGuardDeps {
  clients: ApiClients;
  signingKey(): Promise<SigningKey>;
  clock: Clock;
  logger: Logger;
  metrics: ApiMetrics;
}

const REALM = 'realm="b2b-partner-api"';
/** RFC 6750 §2.1's b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Guards a partner API route (RFC 6750 bearer tokens).
 *
 *   Bearer token? ─> signature, iss, aud, exp ─> client still enabled? ─> caller allowed? ─> scope? ─> req.apiClient, next()
 *    401 invalid_token   401 invalid_token / token_expired   401 invalid_token   403 ip_not_allowed   403 insufficient_scope
 *
 * The scopes that count are the token's, narrowed to what the profile grants now: a scope taken
 * from a client takes effect at once, not when its tokens expire.
 */
export function requireApiScope(deps: ApiGuardDeps, scope: string): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    // The route's pattern, read now: after the answer the router may have moved on.
    countWhenAnswered(deps.metrics, req, res, `${req.baseUrl}${routePattern(req)}`);
    const refuse = (
      spec: PipelineErrorSpec,
      reason: string,
      who: { partnerId?: string; clientId?: string } = {},
    ) => {
      const challenge =
        spec === PIPELINE_ERRORS.insufficientScope
          ? `Bearer ${REALM}, error="insufficient_scope", scope="${scope}"`
          : spec.status === 401
            ? `Bearer ${REALM}, error="invalid_token"`
            : undefined;
      refuseApiRequest(deps.logger, req, res, spec, {
        ...who,
        reason,
        ...(challenge ? { headers: { 'WWW-Authenticate': challenge } } : {}),
      });
    };

    const authorization = req.get('authorization');
    if (authorization === undefined) {
      // §3.1: a request with no credentials at all gets the challenge without an error code.
      res.setHeader('WWW-Authenticate', `Bearer ${REALM}`);
      return refuseApiRequest(deps.logger, req, res, PIPELINE_ERRORS.invalidToken, {
        reason: 'no Authorization header',
      });
    }
    const bearer = BEARER.exec(authorization);
    if (!bearer) return refuse(PIPELINE_ERRORS.invalidToken, 'Authorization is not a Bearer token');

    const nowMs = deps.clock.now();
    const check = await verifyAccessToken(bearer[1] as string, await deps.signingKey(), nowMs);
    if (!check.ok) {
      return check.failure === 'expired'
        ? refuse(PIPELINE_ERRORS.tokenExpired, 'token expired')
        : refuse(PIPELINE_ERRORS.invalidToken, `token: ${check.detail}`);
    }
    const { claims } = check;
    const client = deps.clients.get(claims.clientId);
    if (!client || client.partnerId !== claims.partnerId || client.secret === undefined) {
      return refuse(PIPELINE_ERRORS.invalidToken, 'the client of this token is not enabled', {
        clientId: claims.clientId,
      });
    }
    const who = { partnerId: client.partnerId, clientId: client.clientId };
    requestFacts(res).partnerId = client.partnerId;
    if (client.allowlist && !client.allowlist.allows(req.socket.remoteAddress))
      return refuse(PIPELINE_ERRORS.ipNotAllowed, 'caller outside the ip_allowlist', who);
    const scopes = claims.scopes.filter((one) => client.scopes.includes(one));
    if (!scopes.includes(scope))
      return refuse(PIPELINE_ERRORS.insufficientScope, `token lacks ${scope}`, who);

    req.apiClient = { ...who, scopes, tokenId: claims.tokenId };
    next();
  };
}

function routePattern(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : '/*';
}
