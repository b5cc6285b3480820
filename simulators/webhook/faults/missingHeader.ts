import { signatureHeaderOf, withFault } from '../deliveryPlan.js';
import type { WebhookFault } from './webhookFault.js';

/** A header left out: by default the signature header of the scheme in use. */
export const missingHeader: WebhookFault<{ header?: string }> = {
  name: 'missingHeader',
  summary: 'leave out a header (default: the signature header)',
  apply(plan, params) {
    return plan.map((wave) =>
      wave.map((spec) =>
        withFault(spec, 'missingHeader', {
          omitHeaders: [...spec.omitHeaders, params.header ?? signatureHeaderOf(spec.scheme)],
        }),
      ),
    );
  },
};
