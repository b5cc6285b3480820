import { IDEMPOTENT_REPLAYED_HEADER } from '../../../contracts/api/partnerApi.js';
import type { ApiExchange } from '../../../simulators/api/apiExchange.js';
import type { Acknowledgment, ExchangeDraft } from '../../exchanges/exchange.js';
import { exportPageFacts } from './exportPage.js';

/** Where the call came from, when not from the partner's usual (allowlisted) address. */
export interface CallOrigin {
  fromAddress?: string;
}

/**
 * A call the partner made to the partner API, as the runtime records it: a token request, a page
 * of the order export, an order creation; what came back in the terms oracles compare (status,
 * error code, processed or replayed, applied or superseded). The api flow's own oracles and its
 * report read the facts: the operation, whether the answer kept contracts/api/openapi.json, its
 * rate-limit headers, a token's scopes, an export page's content, a created order's version.
 */
export function apiExchange(
  exchange: ApiExchange,
  partnerId: string,
  origin: CallOrigin = {},
): ExchangeDraft {
  const { entry } = exchange;
  const url = new URL(entry.request.url);
  const body = exchange.body as Record<string, unknown> | undefined;
  const replayed = exchange.headers[IDEMPOTENT_REPLAYED_HEADER.toLowerCase()] === 'true';
  const success = exchange.status >= 200 && exchange.status < 300;
  const receipt =
    exchange.operation === 'createOrder' && success
      ? (body as { effect?: unknown; order?: Record<string, unknown> } | undefined)
      : undefined;
  const orderId = orderIdOf(exchange, receipt?.order);
  const outcome = !success
    ? undefined
    : exchange.operation === 'issueAccessToken'
      ? 'token_issued'
      : exchange.operation === 'exportOrders'
        ? 'page'
        : replayed
          ? 'replayed'
          : 'processed';
  return {
    flow: 'api',
    protocol: url.protocol.replace(/:$/, ''),
    from: `partner ${partnerId}`,
    to: 'pipeline',
    noun: 'request',
    message: `${entry.request.method} ${url.pathname}`,
    ...(orderId !== undefined ? { message_id: orderId, message_kind: 'order' } : {}),
    correlation_id: exchange.correlationId,
    faults: exchange.faults,
    answer: {
      status: exchange.status,
      ...(outcome !== undefined ? { outcome } : {}),
      ...(typeof receipt?.effect === 'string' ? { effect: receipt.effect } : {}),
      ...(exchange.errorCode !== undefined ? { error_code: exchange.errorCode } : {}),
      ...(entry.error !== undefined ? { error: entry.error } : {}),
      acknowledgment: acknowledgmentOf(exchange.status),
    },
    facts: {
      ...factsOf(exchange, receipt?.order),
      ...(origin.fromAddress !== undefined ? { from_address: origin.fromAddress } : {}),
    },
    journal_seq: entry.seq,
    at: entry.at,
    duration_ms: entry.duration_ms,
  };
}

function factsOf(exchange: ApiExchange, order?: Record<string, unknown>): Record<string, string> {
  const headers = exchange.headers;
  const facts: Record<string, string> = { operation: exchange.operation };
  if (exchange.contractProblems.length > 0)
    facts.contract_problems = exchange.contractProblems.join('\n');
  if (headers['ratelimit-limit'] !== undefined)
    facts.rate_limit = `limit=${headers['ratelimit-limit']} remaining=${headers['ratelimit-remaining'] ?? '?'} reset=${headers['ratelimit-reset'] ?? '?'}`;
  if (headers['retry-after'] !== undefined) facts.retry_after = headers['retry-after'];
  if (headers['www-authenticate'] !== undefined)
    facts.www_authenticate = headers['www-authenticate'];
  const body = exchange.body as { scope?: unknown } | undefined;
  if (exchange.operation === 'issueAccessToken' && typeof body?.scope === 'string')
    facts.scope = body.scope;
  if (exchange.operation === 'exportOrders')
    Object.assign(facts, exportPageFacts(exchange.entry.request.url, exchange.status, body));
  if (order && typeof order.updated_at === 'string' && typeof order.event_id === 'string')
    facts.version = JSON.stringify([order.order_id, order.updated_at, order.event_id]);
  return facts;
}

/** The order a creation was about: from the receipt, else from the body the partner sent. */
function orderIdOf(
  exchange: ApiExchange,
  order: Record<string, unknown> | undefined,
): string | undefined {
  if (exchange.operation !== 'createOrder') return undefined;
  if (typeof order?.order_id === 'string') return order.order_id;
  try {
    const sent = JSON.parse(exchange.entry.request.body) as { order_id?: unknown };
    return typeof sent.order_id === 'string' ? sent.order_id : undefined;
  } catch {
    return undefined;
  }
}

/** A 2xx is taken, a 4xx a refusal; a 5xx or no answer is a failure. */
function acknowledgmentOf(status: number): Acknowledgment {
  if (status >= 200 && status < 300) return 'acknowledged';
  if (status >= 400 && status < 500) return 'refused';
  return 'failed';
}
