import type { DeliveryPlan } from '../deliveryPlan.js';
import { burst } from './burst.js';
import { delay } from './delay.js';
import { duplicate } from './duplicate.js';
import { expiredTimestamp } from './expiredTimestamp.js';
import { futureTimestamp } from './futureTimestamp.js';
import { missingHeader } from './missingHeader.js';
import { reorder } from './reorder.js';
import { replay } from './replay.js';
import { tamperBody } from './tamperBody.js';
import type { FaultContext, WebhookFault } from './webhookFault.js';
import { wrongSecret } from './wrongSecret.js';

export type { FaultContext, WebhookFault } from './webhookFault.js';

/** Every webhook sender fault, by the name scenario files use. */
export const WEBHOOK_FAULTS: Record<string, WebhookFault<never>> = Object.fromEntries(
  [
    duplicate,
    replay,
    delay,
    tamperBody,
    wrongSecret,
    expiredTimestamp,
    futureTimestamp,
    missingHeader,
    burst,
    reorder,
  ].map((fault) => [fault.name, fault as WebhookFault<never>]),
);

/** A fault as a scenario names it: `{ name: duplicate, copies: 2 }`. */
export interface FaultSpec {
  name: string;
  [param: string]: unknown;
}

export function applyFaults(
  plan: DeliveryPlan,
  faults: FaultSpec[],
  context: FaultContext,
): DeliveryPlan {
  return faults.reduce((current, spec) => {
    const fault = WEBHOOK_FAULTS[spec.name];
    if (!fault)
      throw new RangeError(
        `unknown webhook fault "${spec.name}" (known: ${Object.keys(WEBHOOK_FAULTS).join(', ')})`,
      );
    const { name: _name, ...params } = spec;
    return (fault as WebhookFault<Record<string, unknown>>).apply(current, params, context);
  }, plan);
}
