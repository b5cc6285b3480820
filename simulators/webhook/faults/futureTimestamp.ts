import { withFault } from '../deliveryPlan.js';
import type { WebhookFault } from './webhookFault.js';

/** A signature timestamp in the future, as from a partner whose clock runs fast. */
export const futureTimestamp: WebhookFault<{ ahead_s?: number }> = {
  name: 'futureTimestamp',
  summary: 'sign with a timestamp in the future (ahead_s, default window + 60 s)',
  apply(plan, params, context) {
    const timestampS = context.nowS + (params.ahead_s ?? context.windowS + 60);
    return plan.map((wave) =>
      wave.map((spec) => withFault(spec, 'futureTimestamp', { timestampS })),
    );
  },
};
