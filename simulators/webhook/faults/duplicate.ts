import { withFault } from '../deliveryPlan.js';
import type { WebhookFault } from './webhookFault.js';

/** At-least-once delivery: each delivery is sent again, byte for byte, right after itself. */
export const duplicate: WebhookFault<{ copies?: number }> = {
  name: 'duplicate',
  summary: 'send each delivery again, identical (same body, same signature), after the first',
  apply(plan, params) {
    const copies = params.copies ?? 1;
    return plan.flatMap((wave) => [
      wave,
      ...Array.from({ length: copies }, () => wave.map((spec) => withFault(spec, 'duplicate'))),
    ]);
  },
};
