import type { Request, Response } from 'express';
import { Counter, type Registry } from 'prom-client';

export interface ApiMetrics {
  requests: Counter<'partner_id' | 'route' | 'status' | 'code'>;
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  return {
    requests: new Counter({
      name: 'b2b_api_requests_total',
      help: 'Partner API requests (token endpoint and /v1), by partner, route, HTTP status and error code ("" when answered 2xx). partner_id is "unknown" until a client is identified.',
      labelNames: ['partner_id', 'route', 'status', 'code'] as const,
      registers: [registry],
    }),
  };
}

/** What the auth layer learnt about a request, for its metric and log lines. */
interface ApiRequestFacts {
  partnerId?: string;
  errorCode?: string;
  counted?: boolean;
}

export function requestFacts(res: Response): ApiRequestFacts {
  res.locals.apiRequest ??= {};
  return res.locals.apiRequest as ApiRequestFacts;
}

/**
 * Counts the request once, when its answer has gone out, whoever answered it (a refusal here or
 * the route behind). `route` is a route pattern, never the raw path: the label set stays bounded.
 */
export function countWhenAnswered(
  metrics: ApiMetrics,
  req: Request,
  res: Response,
  route: string,
): void {
  const facts = requestFacts(res);
  if (facts.counted) return;
  facts.counted = true;
  res.once('finish', () => {
    metrics.requests.inc({
      partner_id: facts.partnerId ?? 'unknown',
      route,
      status: String(res.statusCode),
      code: res.statusCode >= 400 ? (facts.errorCode ?? '') : '',
    });
  });
}
