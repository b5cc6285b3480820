import { withFault } from '../deliveryPlan.js';
import type { WebhookFault } from './webhookFault.js';

/**
 * A captured delivery replayed `after_s` seconds later. The receiver's clock is real, so instead
 * of waiting, the copy carries a signature timestamp `after_s` in the past: to the receiver that
 * is exactly a request signed then and arriving now.
 */
export const replay: WebhookFault<{ after_s: number }> = {
  name: 'replay',
  summary: 'after each delivery, replay it as if captured and resent after_s seconds later',
  apply(plan, params) {
    return plan.flatMap((wave) => [
      wave,
      wave.map((spec) =>
        withFault(spec, 'replay', { timestampS: spec.timestampS - params.after_s }),
      ),
    ]);
  },
};
