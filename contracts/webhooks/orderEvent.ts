import schema from './orderEvent.schema.json' with { type: 'json' };

export type OrderEventType = 'order.created' | 'order.updated' | 'order.cancelled';

export const ORDER_EVENT_TYPES: readonly OrderEventType[] = [
  'order.created',
  'order.updated',
  'order.cancelled',
];

/** What a partner sends: our envelope around the order in the partner's own field names. */
export interface OrderEvent {
  event_id: string;
  type: OrderEventType;
  occurred_at: string;
  data: { order: Record<string, unknown> };
}

export const orderEventSchema = schema;

/** The inbox's answer to an accepted delivery. */
export interface InboxAcceptance {
  status: 'processed' | 'replayed';
  event_id: string;
  correlation_id: string;
  /** For a processed order event: whether its state became the order's state. */
  effect?: 'applied' | 'superseded';
}

/** Header that carries the correlation id both ways. */
export const CORRELATION_HEADER = 'x-correlation-id';

/** What a correlation id may look like; anything else is replaced by a fresh one. */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
