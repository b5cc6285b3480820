import { withFault } from '../deliveryPlan.js';
import type { WebhookFault } from './webhookFault.js';

/** A signature timestamp older than the replay window (by default the window plus a minute). */
export const expiredTimestamp: WebhookFault<{ age_s?: number }> = {
  name: 'expiredTimestamp',
  summary: 'sign with a timestamp older than the replay window (age_s, default window + 60 s)',
  apply(plan, params, context) {
    const timestampS = context.nowS - (params.age_s ?? context.windowS + 60);
    return plan.map((wave) =>
      wave.map((spec) => withFault(spec, 'expiredTimestamp', { timestampS })),
    );
  },
};
