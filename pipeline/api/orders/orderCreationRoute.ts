import express, { type Request, type RequestHandler, type Response } from 'express';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
} from '../../../contracts/api/partnerApi.js';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/logger.js';
import type { Store } from '../../store/store.js';
import { createOrder } from './createOrder.js';
import { ORDER_API_ERRORS, sendOrderApiError } from './orderApiErrors.js';
import { readOrderRequest } from './orderRequest.js';

/** An order is a few hundred bytes; a bigger body is refused unread (413). */
export const MAX_ORDER_REQUEST_BYTES = 64 * 1024;

export interface OrderCreationDeps {
  store: Store;
  profiles: Map<string, PartnerProfile>;
  clock: Clock;
  logger: Logger;
}

/**
 * `POST /v1/orders` with `Idempotency-Key`:
 *
 *   key? ─> JSON? ─> order by the mapping rules ─> claim key + order domain (createOrder) ─> 201 / 200
 *   400      415/400        422 invalid_order          422 key used with another body    replay: same answer
 *                                                                                          + Idempotent-Replayed
 *
 * Refusals before the claim leave nothing behind, so a corrected retry may reuse the key.
 */
export function orderCreationRoute(deps: OrderCreationDeps): RequestHandler[] {
  const body = express.raw({ type: () => true, limit: MAX_ORDER_REQUEST_BYTES });
  const create = async (req: Request, res: Response) => {
    const caller = req.apiClient;
    if (!caller) throw new Error('order creation must run after requireApiScope()');
    const keys = req.headersDistinct[IDEMPOTENCY_KEY_HEADER.toLowerCase()] ?? [];
    const idempotencyKey = keys[0];
    if (idempotencyKey === undefined)
      return sendOrderApiError(req, res, ORDER_API_ERRORS.idempotencyKeyMissing);
    if (keys.length > 1 || !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))
      return sendOrderApiError(req, res, ORDER_API_ERRORS.idempotencyKeyInvalid);
    if (!req.is('application/json'))
      return sendOrderApiError(req, res, ORDER_API_ERRORS.unsupportedMediaType);

    const now = deps.clock.now();
    const read = readOrderRequest(
      deps.profiles.get(caller.partnerId),
      Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      now,
    );
    if (!read.ok) return sendOrderApiError(req, res, read.error, read.details);

    const answer = await createOrder(deps.store, {
      partnerId: caller.partnerId,
      idempotencyKey,
      requestSha256: read.requestSha256,
      correlationId: req.correlationId,
      now: new Date(now),
      order: read.order,
    });
    if (answer.kind === 'key_reused')
      return sendOrderApiError(req, res, ORDER_API_ERRORS.idempotencyKeyReused, [
        { field: IDEMPOTENCY_KEY_HEADER, reason: 'was first used with a different body' },
      ]);
    deps.logger.info(
      {
        partner_id: caller.partnerId,
        client_id: caller.clientId,
        correlation_id: req.correlationId,
        order_id: read.order.orderId,
        status: answer.status,
        replayed: answer.replayed,
      },
      answer.replayed ? 'partner API order request replayed' : 'partner API order recorded',
    );
    if (answer.replayed) res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    res.status(answer.status).type('application/json').send(answer.body);
  };
  return [body, create];
}
