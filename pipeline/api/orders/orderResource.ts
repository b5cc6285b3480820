import type { ApiOrder } from '../../../contracts/api/partnerApi.js';

export interface OrderState {
  orderId: string;
  status: 'open' | 'cancelled';
  totalAmount: number;
  currency: string;
  updatedAt: Date;
  attributes: Record<string, string | number>;
  eventId: string;
}

/**
 * Mapped attributes the API shows. The document declares each one (responses are strict, so a
 * contract test would refuse an undeclared field): a mapping that adds a field adds it there and
 * here together.
 */
const SHOWN_ATTRIBUTES = ['buyer_email'] as const;

/** An order as the partner API shows it (contracts/api/openapi.json, `Order`). */
export function orderResource(state: OrderState): ApiOrder {
  const resource: ApiOrder = {
    order_id: state.orderId,
    status: state.status,
    total_amount: state.totalAmount,
    currency: state.currency,
    updated_at: state.updatedAt.toISOString(),
    event_id: state.eventId,
  };
  for (const name of SHOWN_ATTRIBUTES) {
    const value = state.attributes[name];
    if (typeof value === 'string') resource[name] = value;
  }
  return resource;
}

/**
 * The same presentation in SQL, for a row of order_changes: the export's pages are built by the
 * database as JSON text and passed through, which halves the pipeline's CPU per page (no dates to
 * parse and format, no objects to build and serialise). Field for field what orderResource()
 * makes; the API tests compare the two on the same order.
 */
export const ORDER_RESOURCE_JSON = `json_strip_nulls(json_build_object(
  'order_id', order_id,
  'status', status,
  'total_amount', total_amount,
  'currency', currency,
  'updated_at', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'event_id', event_id,
  'buyer_email', CASE WHEN jsonb_typeof(attributes -> 'buyer_email') = 'string'
                      THEN attributes ->> 'buyer_email' END))::text`;
