import type { DeliveryRecord } from '../../../simulators/webhook/webhookSender.js';
import type { Acknowledgment, ExchangeDraft } from '../../exchanges/exchange.js';

/**
 * A webhook delivery as the runtime records it: the partner POSTs an event to the pipeline's
 * inbox, and the inbox answers with a status and a small JSON body. The signature scheme is kept
 * as a fact, for the report's "signature accepted" checks.
 */
export function webhookExchange(record: DeliveryRecord, partnerId: string): ExchangeDraft {
  const { entry } = record;
  const { protocol, pathname } = urlParts(entry.request.url);
  const body = (record.body ?? {}) as {
    status?: unknown;
    effect?: unknown;
    error?: { code?: unknown };
  };
  const scheme = signatureScheme(entry.request.headers);
  return {
    flow: 'webhook',
    protocol,
    from: `partner ${partnerId}`,
    to: 'pipeline',
    noun: 'delivery',
    message: `${entry.request.method} ${pathname}`,
    message_id: record.eventId,
    message_kind: 'event',
    correlation_id: record.correlationId,
    faults: record.faults,
    answer: {
      status: record.status,
      ...(typeof body.status === 'string' ? { outcome: body.status } : {}),
      ...(typeof body.effect === 'string' ? { effect: body.effect } : {}),
      ...(typeof body.error?.code === 'string' ? { error_code: body.error.code } : {}),
      ...(entry.error !== undefined ? { error: entry.error } : {}),
      acknowledgment: acknowledgmentOf(record.status),
    },
    ...(scheme ? { facts: { scheme } } : {}),
    journal_seq: entry.seq,
    at: entry.at,
    duration_ms: entry.duration_ms,
  };
}

function urlParts(url: string): { protocol: string; pathname: string } {
  const parsed = new URL(url);
  return { protocol: parsed.protocol.replace(/:$/, ''), pathname: parsed.pathname };
}

/** A 2xx is the inbox's acknowledgment, a 4xx a refusal; a 5xx or no answer is a failure. */
function acknowledgmentOf(status: number): Acknowledgment {
  if (status >= 200 && status < 300) return 'acknowledged';
  if (status >= 400 && status < 500) return 'refused';
  return 'failed';
}

function signatureScheme(headers: Record<string, string>): string | undefined {
  if ('x-signature' in headers) return 'x-signature';
  if ('webhook-signature' in headers) return 'standard-webhooks';
  return undefined;
}
