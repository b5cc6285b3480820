import type { ApiOrderRequest } from '../../../../contracts/api/partnerApi.js';
import { orderNumberFor, type ScenarioContext } from '../../../run/scenarioContext.js';

/** An order as a scenario file writes it, in our field names (the API's). */
export interface ScenarioOrder {
  ref: string;
  total_amount?: number;
  currency?: string;
  buyer_email?: string;
}

/**
 * The order the partner POSTs: its run-unique id, and the fields the scenario leaves out drawn
 * from the run's seed, so a rerun with the same seed sends the same values. The order is filed as
 * a document in the partner's field names (its profile's mapping), as a webhook event's would be,
 * so oracles that derive expectations from what was sent read both modes alike.
 */
export function toApiOrder(order: ScenarioOrder, context: ScenarioContext): ApiOrderRequest {
  const random = context.random.fork(`order:${order.ref}`);
  const request: ApiOrderRequest = {
    order_id: orderNumberFor(context, order.ref),
    total_amount: order.total_amount ?? 1000 + random.int(99_000),
    currency: order.currency ?? 'EUR',
    buyer_email: order.buyer_email ?? `buyer.${order.ref}@example.com`,
  };
  const mapping = context.partner.field_mapping?.order ?? [];
  const fields = Object.fromEntries(
    Object.entries(request).map(([ours, value]) => [
      mapping.find((rule) => rule.ours === ours)?.partner ?? ours,
      value,
    ]),
  );
  context.documents.file({
    ref: order.ref,
    id: request.order_id,
    type: 'order.created',
    order: { ref: order.ref, number: request.order_id, fields },
  });
  return request;
}

/** The order refs a step's `orders` (or `order`) name, for the loader's reference checks. */
export function orderRefs(orders: unknown): unknown[] {
  const list = Array.isArray(orders) ? orders : orders === undefined ? [] : [orders];
  return list.map((order) => (order as { ref?: unknown } | null)?.ref);
}
