import document from './openapi.json' with { type: 'json' };

/**
 * The partner API's wire format: the OpenAPI 3.1 document (served at /v1/openapi.json) and the
 * shapes and headers both sides name in code. The document is the contract; these types follow it.
 */
export const partnerApiDocument = document;

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** `true` on an answer replayed for a retry with the same Idempotency-Key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** `Order`: an order's state after one change. */
export interface ApiOrder {
  order_id: string;
  status: 'open' | 'cancelled';
  /** Minor units of `currency`. */
  total_amount: number;
  currency: string;
  buyer_email?: string;
  /** The version time, UTC with Z. */
  updated_at: string;
  /** The change's event: the partner's webhook event_id, or the id of a POST. */
  event_id: string;
}

/** `OrderPage`: one page of the order export. */
export interface ApiOrderPage {
  items: ApiOrder[];
  next_cursor: string;
  has_more: boolean;
}

/** `OrderRequest`: the body of POST /v1/orders. */
export interface ApiOrderRequest {
  order_id: string;
  total_amount: number;
  currency: string;
  buyer_email?: string;
}

/** `OrderReceipt`: the answer to POST /v1/orders. */
export interface ApiOrderReceipt {
  effect: 'applied' | 'superseded';
  order: ApiOrder;
}
