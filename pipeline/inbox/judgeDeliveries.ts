import { partnerKey } from '../partnerKey.js';
import type { AlertDraft, DeliveryOutcome, EventDelivery } from './delivery.js';

/** What the store said about a batch's event keys. */
export interface InboxKeyState {
  /** Keys this batch inserted into the inbox (its first deliveries of new events). */
  claimed: Set<string>;
  /** Payload hashes of keys that were already in the inbox. */
  stored: Map<string, string>;
}

export interface Judgement {
  /** One per event delivery, in the batch's order. */
  outcomes: Map<EventDelivery, DeliveryOutcome>;
  /** Deliveries that are new events: their effects must be applied. */
  processed: EventDelivery[];
  conflictAlerts: { delivery: EventDelivery; alert: AlertDraft }[];
}

/**
 * The inbox's verdict on each delivery, in arrival order, so it never depends on how requests
 * happened to be batched: the first delivery of a new event is processed; a later one with the
 * same payload hash is a replay; with another hash, a conflict (alerted, never applied).
 */
export function judgeDeliveries(events: EventDelivery[], state: InboxKeyState): Judgement {
  const outcomes = new Map<EventDelivery, DeliveryOutcome>();
  const processed: EventDelivery[] = [];
  const conflictAlerts: Judgement['conflictAlerts'] = [];
  const firstOfKey = new Map<string, EventDelivery>();
  for (const delivery of events) {
    const key = partnerKey(delivery.partnerId, delivery.eventId);
    const first = firstOfKey.get(key);
    if (!first) firstOfKey.set(key, delivery);
    if (!first && state.claimed.has(key)) {
      outcomes.set(delivery, { outcome: 'processed', effect: 'applied' });
      processed.push(delivery);
      continue;
    }
    const storedSha = state.claimed.has(key)
      ? (first as EventDelivery).payloadSha256
      : state.stored.get(key);
    if (storedSha === undefined)
      throw new Error(`inbox row for ${delivery.partnerId}/${delivery.eventId} is missing`);
    if (storedSha === delivery.payloadSha256) {
      outcomes.set(delivery, { outcome: 'replayed' });
      continue;
    }
    outcomes.set(delivery, { outcome: 'conflict', storedSha256: storedSha });
    conflictAlerts.push({
      delivery,
      alert: {
        kind: 'webhook.event_conflict',
        severity: 'critical',
        message: `event ${delivery.eventId} was redelivered with a different payload; the redelivery was not applied`,
        details: {
          event_id: delivery.eventId,
          stored_sha256: storedSha,
          received_sha256: delivery.payloadSha256,
        },
      },
    });
  }
  return { outcomes, processed, conflictAlerts };
}
