import { withFault } from '../deliveryPlan.js';
import type { WebhookFault } from './webhookFault.js';

/** The same delivery `count` times at once: a retry storm, or a sender with no dedupe of its own. */
export const burst: WebhookFault<{ count: number }> = {
  name: 'burst',
  summary: 'send each delivery count times concurrently',
  apply(plan, params) {
    return plan.map((wave) =>
      wave.flatMap((spec) => Array.from({ length: params.count }, () => withFault(spec, 'burst'))),
    );
  },
};
