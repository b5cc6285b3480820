import { withFault } from '../deliveryPlan.js';
import type { WebhookFault } from './webhookFault.js';

/** A delivery held in transit: signed `seconds` before it arrives (the receiver's clock is real). */
export const delay: WebhookFault<{ seconds: number }> = {
  name: 'delay',
  summary: 'deliver as if held in transit for the given seconds (signed that long ago)',
  apply(plan, params) {
    return plan.map((wave) =>
      wave.map((spec) =>
        withFault(spec, 'delay', { timestampS: spec.timestampS - params.seconds }),
      ),
    );
  },
};
