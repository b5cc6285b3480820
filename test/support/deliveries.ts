import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type { AlertDraft, EventDelivery, RefusedDelivery } from '../../pipeline/inbox/delivery.js';
import type { Store } from '../../pipeline/store/store.js';
import { readOrderEvent } from '../../pipeline/webhooks/readOrderEvent.js';
import { START_MS, WEBHOOK_PARTNER, type PartnerEvent } from './pipelineUnderTest.js';

/**
 * An inbox submission built the way the route builds it: the body text as the partner sent it,
 * read through the partner's event contract and field mapping.
 */
export function eventDelivery(
  profile: PartnerProfile,
  event: PartnerEvent | string,
  overrides: Partial<EventDelivery> = {},
): EventDelivery {
  const payloadText = typeof event === 'string' ? event : JSON.stringify(event);
  const read = readOrderEvent(profile, Buffer.from(payloadText), { nowMs: START_MS });
  if (!read.ok) throw new Error(`test event is invalid: ${JSON.stringify(read.details)}`);
  return {
    kind: 'event',
    partnerId: profile.partner_id,
    eventId: read.event.event_id,
    eventType: read.event.type,
    occurredAt: read.event.occurred_at,
    payloadText,
    payloadSha256: read.payloadSha256,
    order: read.order,
    correlationId: `corr-${read.event.event_id}`,
    scheme: 'x-signature',
    receivedAt: new Date(START_MS),
    ...overrides,
  };
}

export function refusedDelivery(input: {
  correlationId: string;
  partnerId?: string;
  eventId?: string;
  alert?: AlertDraft;
  errorCode?: string;
  httpStatus?: number;
}): RefusedDelivery {
  return {
    kind: 'refusal',
    partnerId: input.partnerId ?? WEBHOOK_PARTNER,
    eventId: input.eventId,
    correlationId: input.correlationId,
    httpStatus: input.httpStatus ?? 401,
    errorCode: input.errorCode ?? 'signature_invalid',
    reason: 'test refusal',
    receivedAt: new Date(START_MS),
    alert: input.alert,
  };
}

/** Every row a delivery can leave behind, for one partner's event or order, read straight from the store. */
export async function inboxRows(store: Store, eventId: string, partnerId = WEBHOOK_PARTNER) {
  return store.query('SELECT * FROM webhook_inbox WHERE partner_id = $1 AND event_id = $2', [
    partnerId,
    eventId,
  ]);
}

export async function orderRows(store: Store, orderId: string, partnerId = WEBHOOK_PARTNER) {
  return store.query('SELECT * FROM orders WHERE partner_id = $1 AND order_id = $2', [
    partnerId,
    orderId,
  ]);
}

export async function orderEventRows(store: Store, orderId: string, partnerId = WEBHOOK_PARTNER) {
  return store.query<{ event_id: string; outcome: string; event_type: string }>(
    'SELECT * FROM order_events WHERE partner_id = $1 AND order_id = $2 ORDER BY seq',
    [partnerId, orderId],
  );
}

export async function auditRows(store: Store, where: { eventId?: string; correlationId?: string }) {
  if (where.correlationId !== undefined) {
    return store.query<{
      outcome: string;
      http_status: number;
      error_code: string | null;
      event_id: string | null;
    }>('SELECT * FROM webhook_deliveries WHERE correlation_id = $1 ORDER BY seq', [
      where.correlationId,
    ]);
  }
  return store.query<{
    outcome: string;
    http_status: number;
    error_code: string | null;
    event_id: string | null;
  }>('SELECT * FROM webhook_deliveries WHERE event_id = $1 ORDER BY seq', [where.eventId]);
}

export async function alertRows(store: Store, correlationId: string) {
  return store.query<{ kind: string; severity: string; details: Record<string, unknown> }>(
    // An alert is a group (partner, kind, window); a delivery names the group it counted in.
    `SELECT * FROM alerts WHERE correlation_id = $1
        OR seq IN (SELECT alert_id FROM webhook_deliveries WHERE correlation_id = $1)
      ORDER BY seq`,
    [correlationId],
  );
}
