import { withFault, type ApiCall } from '../apiCall.js';
import type { ApiFault } from './apiFault.js';

/**
 * After each order creation, the same Idempotency-Key again: by default with another body (the
 * total one minor unit higher), as a client that reuses keys would, which must be refused; with
 * `body: same`, the honest retry, which must be answered the first answer again.
 */
export const replayIdempotencyKey: ApiFault<{ body?: 'other' | 'same' }> = {
  name: 'replayIdempotencyKey',
  summary: 'send each order creation again with the same Idempotency-Key (body: other | same)',
  apply(plan, params) {
    const body = params.body ?? 'other';
    return plan.flatMap((wave) => {
      const creations = wave.filter((call) => call.operation === 'createOrder');
      if (creations.length === 0) return [wave];
      return [
        wave,
        creations.map((call) =>
          withFault(call, 'replayIdempotencyKey', body === 'same' ? {} : { body: otherBody(call) }),
        ),
      ];
    });
  },
};

function otherBody(call: ApiCall): string {
  const order = JSON.parse(call.body ?? '{}') as Record<string, unknown>;
  if (typeof order.total_amount === 'number') order.total_amount += 1;
  else order.total_amount = 1;
  return JSON.stringify(order);
}
