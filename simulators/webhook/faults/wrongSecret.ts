import { generateWebhookSecret } from '../../../contracts/signatures/webhookSecret.js';
import { withFault } from '../deliveryPlan.js';
import type { WebhookFault } from './webhookFault.js';

/** Signed with a secret the receiver never saw: a stale key after rotation, or an impostor. */
export const wrongSecret: WebhookFault<Record<string, never>> = {
  name: 'wrongSecret',
  summary: 'sign with a secret the receiver does not know',
  apply(plan) {
    const secret = generateWebhookSecret();
    return plan.map((wave) => wave.map((spec) => withFault(spec, 'wrongSecret', { secret })));
  },
};
