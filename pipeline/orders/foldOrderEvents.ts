import type { EventDelivery } from '../inbox/delivery.js';
import { partnerKey } from '../partnerKey.js';
import { isNewerVersion } from './orderSnapshot.js';

export interface OrderVersion {
  updatedAt: string;
  eventId: string;
}

export interface OrderFold {
  /** Per processed event (by partner + event id): did its state become the order's state? */
  effects: Map<string, 'applied' | 'superseded'>;
  /** Per order (by partner + order id): the event whose state the order ends in, if it changed. */
  winners: Map<string, EventDelivery>;
}

/**
 * Last writer wins by the partner's last-modified time, judged event by event in arrival order:
 * an event older than the order's state at that moment is superseded and changes nothing. The
 * labels are what one-at-a-time processing would give, whatever the batching.
 */
export function foldOrderEvents(
  processed: EventDelivery[],
  current: Map<string, OrderVersion>,
): OrderFold {
  const versions = new Map(current);
  const effects = new Map<string, 'applied' | 'superseded'>();
  const winners = new Map<string, EventDelivery>();
  for (const delivery of processed) {
    const orderKey = partnerKey(delivery.partnerId, delivery.order.order_id);
    const candidate = { updatedAt: delivery.order.updated_at, eventId: delivery.eventId };
    const version = versions.get(orderKey);
    if (version === undefined || isNewerVersion(candidate, version)) {
      versions.set(orderKey, candidate);
      winners.set(orderKey, delivery);
      effects.set(partnerKey(delivery.partnerId, delivery.eventId), 'applied');
    } else {
      effects.set(partnerKey(delivery.partnerId, delivery.eventId), 'superseded');
    }
  }
  return { effects, winners };
}
