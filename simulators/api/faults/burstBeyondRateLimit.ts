import { withFault } from '../apiCall.js';
import type { ApiFault } from './apiFault.js';

/**
 * Each call `count` times at once, none retried: a client that ignores its budget. By default
 * twice the profile's limit plus one, so at least one is refused even if the burst straddles two
 * fixed windows. Identical copies: a burst of creations reuses one Idempotency-Key.
 */
export const burstBeyondRateLimit: ApiFault<{ count?: number }> = {
  name: 'burstBeyondRateLimit',
  summary: 'send each call count times concurrently, without honouring 429 (default 2 × limit + 1)',
  apply(plan, params, context) {
    const count =
      params.count ?? (context.rateLimit ? 2 * context.rateLimit.requests + 1 : undefined);
    if (count === undefined)
      throw new RangeError(
        'burstBeyondRateLimit: give count, the partner profile has no rate_limit',
      );
    return plan.map((wave) =>
      wave.flatMap((call) => {
        const copy = withFault(call, 'burstBeyondRateLimit', { retryWhenLimited: false });
        return Array.from({ length: count }, () => copy);
      }),
    );
  },
};
