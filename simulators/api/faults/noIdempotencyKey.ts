import { IDEMPOTENCY_KEY_HEADER } from '../../../contracts/api/partnerApi.js';
import { withFault } from '../apiCall.js';
import type { ApiFault } from './apiFault.js';

/** An order created without an Idempotency-Key: a client that cannot retry safely. */
export const noIdempotencyKey: ApiFault<Record<string, never>> = {
  name: 'noIdempotencyKey',
  summary: 'create orders without the Idempotency-Key header',
  apply(plan) {
    return plan.map((wave) =>
      wave.map((call) => {
        if (call.operation !== 'createOrder') return call;
        const headers = Object.fromEntries(
          Object.entries(call.headers).filter(
            ([name]) => name.toLowerCase() !== IDEMPOTENCY_KEY_HEADER.toLowerCase(),
          ),
        );
        return withFault(call, 'noIdempotencyKey', { headers });
      }),
    );
  },
};
