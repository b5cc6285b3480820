import { seededRandom } from '../../../lib/seededRandom.js';
import type { ApiCall, ApiCallPlan } from '../../../simulators/api/apiCall.js';
import type { ApiFaultContext } from '../../../simulators/api/faults/index.js';

/** Shared by the API fault tests: calls as PartnerApiClient plans them. */
export function context(rateLimit?: { requests: number; perS: number }): ApiFaultContext {
  return { random: seededRandom(7), ...(rateLimit ? { rateLimit } : {}) };
}

export function exportCall(query: Record<string, string> = {}): ApiCall {
  return {
    operation: 'exportOrders',
    method: 'GET',
    path: '/v1/orders',
    query,
    headers: {},
    credential: 'current',
    retryWhenLimited: true,
    faults: [],
  };
}

export function createCall(orderId = 'A-1', totalAmount = 1999): ApiCall {
  return {
    operation: 'createOrder',
    method: 'POST',
    path: '/v1/orders',
    query: {},
    headers: { 'content-type': 'application/json', 'Idempotency-Key': `key-${orderId}` },
    body: JSON.stringify({ order_id: orderId, total_amount: totalAmount, currency: 'EUR' }),
    credential: 'current',
    retryWhenLimited: true,
    faults: [],
  };
}

/** One wave per call, as the client plans an operation. */
export function plan(...calls: ApiCall[]): ApiCallPlan {
  return calls.map((call) => [call]);
}
