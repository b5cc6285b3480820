import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { CORRELATION_HEADER, CORRELATION_ID_PATTERN } from '../../contracts/webhooks/orderEvent.js';

declare module 'express-serve-static-core' {
  interface Request {
    correlationId: string;
  }
}

/**
 * Every request gets a correlation id: the caller's `X-Correlation-Id` when it is well-formed, a
 * fresh one otherwise. It is echoed in the response and written on every record and log line the
 * request causes.
 */
export function correlation(req: Request, res: Response, next: NextFunction): void {
  const offered = req.get(CORRELATION_HEADER);
  req.correlationId = offered && CORRELATION_ID_PATTERN.test(offered) ? offered : randomUUID();
  res.setHeader(CORRELATION_HEADER, req.correlationId);
  next();
}
