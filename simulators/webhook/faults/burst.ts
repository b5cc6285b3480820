import { withFault } from '../deliveryPlan.js';
import type { WebhookFault } from './webhookFault.js';

/**
 * The same delivery `count` times at once: a retry storm, or a sender with no dedupe of its own.
 * The copies are one spec listed `count` times (specs are never changed, only replaced), so a storm
 * of 200,000 deliveries costs the plan a pointer each, not a spec each.
 */
export const burst: WebhookFault<{ count: number }> = {
  name: 'burst',
  summary: 'send each delivery count times concurrently',
  apply(plan, params) {
    return plan.map((wave) =>
      wave.flatMap((spec) => {
        const copy = withFault(spec, 'burst');
        return Array.from({ length: params.count }, () => copy);
      }),
    );
  },
};
