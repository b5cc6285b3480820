import express, { type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/logger.js';
import { clientErrorSpec, PIPELINE_ERRORS, type PipelineErrorSpec } from '../../http/errors.js';
import { issueAccessToken } from './accessToken.js';
import type { ApiClients } from './apiClients.js';
import { countWhenAnswered, requestFacts, type ApiMetrics } from './apiMetrics.js';
import { offeredCredentials, secretMatches } from './clientCredentials.js';
import { refuseApiRequest } from './refuseApiRequest.js';
import type { SigningKey } from './signingKey.js';
import { chooseScopes, readTokenRequestForm } from './tokenRequest.js';

export const TOKEN_ROUTE = '/oauth/token';
/** Far more than a token request needs; a bigger body is refused unread. */
const MAX_TOKEN_REQUEST_BYTES = 8 * 1024;
const BASIC_CHALLENGE = 'Basic realm="b2b-partner-api", charset="UTF-8"';

export interface TokenEndpointDeps {
  clients: ApiClients;
  signingKey(): Promise<SigningKey>;
  clock: Clock;
  logger: Logger;
  metrics: ApiMetrics;
}

/** The 200 answer (RFC 6749 §5.1). */
export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/**
 * `POST /oauth/token`: OAuth2 client credentials (RFC 6749 §4.4).
 *
 *   form body? ─> one client auth ─> known, enabled client? ─> caller allowed? ─> secret ─> grant_type ─> scope ─> token
 *      400            400 / 401           401 invalid_client      403 ip_not_allowed   401        400          400      200
 *
 * The allowlist is checked before the secret, so nobody outside it can even try secrets. Every
 * answer carries `Cache-Control: no-store`; every refusal is logged and counted, never with the
 * secret it was offered.
 */
export function tokenEndpointRouter(deps: TokenEndpointDeps): express.Router {
  const router = express.Router();
  const formBody = express.raw({ type: () => true, limit: MAX_TOKEN_REQUEST_BYTES });

  const formOnly = (req: Request, res: Response, next: NextFunction) => {
    countWhenAnswered(deps.metrics, req, res, TOKEN_ROUTE);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    if (!req.is('application/x-www-form-urlencoded')) {
      return refuseApiRequest(deps.logger, req, res, PIPELINE_ERRORS.tokenRequestInvalid, {
        reason: 'body is not application/x-www-form-urlencoded',
      });
    }
    next();
  };

  const issue = async (req: Request, res: Response) => {
    const refuse = (
      spec: PipelineErrorSpec,
      reason: string,
      who: { partnerId?: string; clientId?: string } = {},
    ) =>
      refuseApiRequest(deps.logger, req, res, spec, {
        ...who,
        reason,
        ...(spec === PIPELINE_ERRORS.invalidClient
          ? { headers: { 'WWW-Authenticate': BASIC_CHALLENGE } }
          : {}),
      });

    const reading = readTokenRequestForm(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    if (!reading.ok) return refuse(reading.error, reading.detail);
    const { form } = reading;
    const offered = offeredCredentials(req.get('authorization'), form);
    if (!offered.ok) {
      return offered.failure === 'several'
        ? refuse(PIPELINE_ERRORS.tokenRequestInvalid, offered.detail)
        : refuse(PIPELINE_ERRORS.invalidClient, offered.detail);
    }
    const client = deps.clients.get(offered.clientId);
    if (!client) {
      return refuse(
        PIPELINE_ERRORS.invalidClient,
        `unknown client ${JSON.stringify(offered.clientId.slice(0, 64))}`,
      );
    }
    const who = { partnerId: client.partnerId, clientId: client.clientId };
    requestFacts(res).partnerId = client.partnerId;
    if (client.secret === undefined)
      return refuse(PIPELINE_ERRORS.invalidClient, 'client disabled: no secret configured', who);
    if (client.allowlist && !client.allowlist.allows(req.socket.remoteAddress))
      return refuse(PIPELINE_ERRORS.ipNotAllowed, 'caller outside the ip_allowlist', who);
    if (!secretMatches(offered.secret, client.secret))
      return refuse(PIPELINE_ERRORS.invalidClient, `wrong secret (${offered.method})`, who);
    if (form.grantType === undefined)
      return refuse(PIPELINE_ERRORS.tokenRequestInvalid, 'grant_type missing', who);
    if (form.grantType !== 'client_credentials') {
      return refuse(
        PIPELINE_ERRORS.unsupportedGrantType,
        `grant_type ${JSON.stringify(form.grantType.slice(0, 64))}`,
        who,
      );
    }
    const scopes = chooseScopes(form.scope, client.scopes);
    if (!scopes.ok) return refuse(PIPELINE_ERRORS.invalidScope, scopes.detail, who);

    const nowMs = deps.clock.now();
    const token = await issueAccessToken(
      await deps.signingKey(),
      { ...who, scopes: scopes.scopes, ttlS: client.tokenTtlS },
      nowMs,
    );
    deps.logger.info(
      {
        partner_id: client.partnerId,
        client_id: client.clientId,
        correlation_id: req.correlationId,
        scope: scopes.scopes.join(' '),
        expires_in: client.tokenTtlS,
      },
      'partner API access token issued',
    );
    const answer: TokenAnswer = {
      access_token: token,
      token_type: 'Bearer',
      expires_in: client.tokenTtlS,
      scope: scopes.scopes.join(' '),
    };
    res.status(200).json(answer);
  };

  /** A body the reader refused (too large, unknown encoding, bad charset): the caller's mistake. */
  const unreadableRequest = (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const spec = clientErrorSpec(error);
    if (!spec || req.path !== TOKEN_ROUTE) return next(error);
    refuseApiRequest(
      deps.logger,
      req,
      res,
      spec === PIPELINE_ERRORS.payloadTooLarge ? spec : PIPELINE_ERRORS.tokenRequestInvalid,
      { reason: `body could not be read (${spec.code})` },
    );
  };

  router.post(TOKEN_ROUTE, formOnly, formBody, issue);
  router.use(unreadableRequest);
  return router;
}
