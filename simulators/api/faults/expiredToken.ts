import { withFault } from '../apiCall.js';
import type { ApiFault } from './apiFault.js';

/**
 * A genuine token presented after its expiry: the client obtains a fresh one and keeps it until it
 * has expired before using it. Nothing is signed here (a token we signed would fail on its
 * signature, not its expiry): the wait is the client's Sleeper, which a harness or test that owns
 * the pipeline's clock turns into a move of that clock, and a real partner into a real wait of
 * the token's lifetime.
 */
export const expiredToken: ApiFault<Record<string, never>> = {
  name: 'expiredToken',
  summary:
    'present a genuine token kept until after it expired (waits expires_in through the sleeper)',
  apply(plan) {
    return plan.map((wave) =>
      wave.map((call) => withFault(call, 'expiredToken', { credential: 'expired' })),
    );
  },
};
