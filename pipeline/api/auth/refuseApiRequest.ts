import type { Request, Response } from 'express';
import type { Logger } from '../../../lib/logger.js';
import type { PipelineErrorSpec } from '../../http/errors.js';
import { sendError } from '../../http/sendError.js';
import { requestFacts } from './apiMetrics.js';

export interface ApiRefusal {
  /** Known once a client was identified. */
  partnerId?: string;
  clientId?: string;
  /** Why, for the log: never a secret or a token. */
  reason: string;
  headers?: Record<string, string>;
}

/**
 * One way to say no on the partner API: a warning in the log (partner, client, source address,
 * code, reason), the code on the request's metric, the error body.
 */
export function refuseApiRequest(
  logger: Logger,
  req: Request,
  res: Response,
  spec: PipelineErrorSpec,
  refusal: ApiRefusal,
): void {
  const facts = requestFacts(res);
  facts.errorCode = spec.code;
  if (refusal.partnerId) facts.partnerId = refusal.partnerId;
  logger.warn(
    {
      partner_id: refusal.partnerId,
      client_id: refusal.clientId,
      correlation_id: req.correlationId,
      source_address: req.socket.remoteAddress,
      route: req.path.slice(0, 200),
      code: spec.code,
      reason: refusal.reason,
    },
    'partner API request refused',
  );
  for (const [name, value] of Object.entries(refusal.headers ?? {})) res.setHeader(name, value);
  sendError(req, res, spec);
}
