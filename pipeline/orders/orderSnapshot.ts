import type { OrderEventType } from '../../contracts/webhooks/orderEvent.js';

/** An order in our field names, as one event describes it. */
export interface OrderSnapshot {
  order_id: string;
  total_amount: number;
  currency: string;
  /** The partner's last-modified time: the snapshot's version. */
  updated_at: string;
  status: 'open' | 'cancelled';
  /** Any other mapped fields (e.g. buyer_email, flagged PII). */
  attributes: Record<string, string | number>;
}

/** Fields an order mapping must provide for the inbox to apply order events. */
export const REQUIRED_ORDER_FIELDS = [
  'order_id',
  'total_amount',
  'currency',
  'updated_at',
] as const;

export function snapshotFromMapped(
  eventType: OrderEventType,
  mapped: Record<string, string | number>,
): OrderSnapshot {
  const { order_id, total_amount, currency, updated_at, ...attributes } = mapped;
  return {
    order_id: String(order_id),
    total_amount: Number(total_amount),
    currency: String(currency),
    updated_at: String(updated_at),
    status: eventType === 'order.cancelled' ? 'cancelled' : 'open',
    attributes,
  };
}
