import { withFault } from '../apiCall.js';
import type { ApiFault } from './apiFault.js';

/**
 * A token the pipeline never issued: a genuine one's header and claims, signed with a key of the
 * partner's own (see forgedAccessToken.ts). Well-formed, unexpired, for the right client: only the
 * signature is wrong.
 */
export const forgedToken: ApiFault<Record<string, never>> = {
  name: 'forgedToken',
  summary: 'present a well-formed JWT with genuine claims that the pipeline did not sign',
  apply(plan) {
    return plan.map((wave) =>
      wave.map((call) => withFault(call, 'forgedToken', { credential: 'forged' })),
    );
  },
};
