import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApiOrderReceipt } from '../../../contracts/api/partnerApi.js';
import { withOrderRules } from '../../orders/orderRules.js';
import type { Sql, Store } from '../../store/store.js';
import type { OrderRequest } from './orderRequest.js';
import { orderResource } from './orderResource.js';

/**
 * `POST /v1/orders` against the store, in one transaction:
 *
 *   claim (partner, Idempotency-Key) ──┬─ claimed ──> order domain's rules ─> answer stored with the key
 *   + order change (createOrder.sql)   └─ used before ─┬─ same request hash ──> the stored answer, replayed
 *                                                      └─ other request ─────> key reused (422)
 *
 * The key's row and its answer commit together, so nobody sees a claimed key without its answer,
 * and of two concurrent requests with one key only the first changes the order.
 */
const CREATE_ORDER = withOrderRules(
  readFileSync(new URL('./createOrder.sql', import.meta.url), 'utf8'),
);

export interface NewOrder {
  partnerId: string;
  idempotencyKey: string;
  requestSha256: string;
  correlationId: string;
  /** Our clock: the order's version time. */
  now: Date;
  order: OrderRequest;
}

/** What the API answers: the first answer, or the same again for a retry. */
export type CreateOrderAnswer =
  { kind: 'answer'; status: number; body: string; replayed: boolean } | { kind: 'key_reused' };

export function createOrder(store: Store, input: NewOrder): Promise<CreateOrderAnswer> {
  return store.transaction((tx) => createOrderIn(tx, input));
}

/** The same, inside a transaction the caller holds (tests hold one open to interleave commits). */
export async function createOrderIn(tx: Sql, input: NewOrder): Promise<CreateOrderAnswer> {
  const now = input.now.toISOString();
  // A dot never occurs in a webhook event_id (contracts/webhooks), so the two never collide.
  const eventId = `api.${randomUUID()}`;
  const [change] = await tx.query<{ claimed: boolean; effect: 'applied' | 'superseded' | null }>(
    CREATE_ORDER,
    [
      input.partnerId,
      input.idempotencyKey,
      input.requestSha256,
      now,
      input.correlationId,
      input.order.orderId,
      eventId,
      input.order.totalAmount,
      input.order.currency,
      JSON.stringify(input.order.attributes),
    ],
  );
  if (!change?.claimed) return storedAnswer(tx, input);

  // Read after the change: the order is locked by it, so this is its state as this transaction
  // leaves it (ours, or the newer state that superseded ours).
  const [order] = await tx.query<{
    status: 'open' | 'cancelled';
    total_amount: number | string;
    currency: string;
    updated_at: Date;
    attributes: Record<string, string | number>;
    last_event_id: string;
  }>(
    `SELECT status, total_amount, currency, updated_at, attributes, last_event_id
       FROM orders WHERE partner_id = $1 AND order_id = $2`,
    [input.partnerId, input.order.orderId],
  );
  if (!order) throw new Error(`order ${input.order.orderId} is missing right after its change`);
  const effect = change.effect === 'applied' ? 'applied' : 'superseded';
  const receipt: ApiOrderReceipt = {
    effect,
    order: orderResource({
      orderId: input.order.orderId,
      status: order.status,
      totalAmount: Number(order.total_amount),
      currency: order.currency,
      updatedAt: order.updated_at,
      attributes: order.attributes,
      eventId: order.last_event_id,
    }),
  };
  const answer = { status: effect === 'applied' ? 201 : 200, body: JSON.stringify(receipt) };
  await tx.query(
    `UPDATE api_idempotency SET response_status = $3, response_body = $4
      WHERE partner_id = $1 AND idempotency_key = $2`,
    [input.partnerId, input.idempotencyKey, answer.status, answer.body],
  );
  return { kind: 'answer', ...answer, replayed: false };
}

async function storedAnswer(tx: Sql, input: NewOrder): Promise<CreateOrderAnswer> {
  // A new statement: it sees the claim of a transaction the INSERT waited for.
  const [stored] = await tx.query<{
    request_sha256: string;
    response_status: number | null;
    response_body: string | null;
  }>(
    `SELECT request_sha256, response_status, response_body FROM api_idempotency
      WHERE partner_id = $1 AND idempotency_key = $2`,
    [input.partnerId, input.idempotencyKey],
  );
  if (!stored || stored.response_status === null || stored.response_body === null)
    throw new Error('an idempotency key was claimed without its answer');
  if (stored.request_sha256 !== input.requestSha256) return { kind: 'key_reused' };
  return {
    kind: 'answer',
    status: stored.response_status,
    body: stored.response_body,
    replayed: true,
  };
}
