import type { SeededRandom } from '../../../lib/seededRandom.js';
import type { DeliveryPlan } from '../deliveryPlan.js';

/** What a fault may know when it rewrites a plan. */
export interface FaultContext {
  /** The sender's clock, unix seconds: the moment the plan goes out. */
  nowS: number;
  /** The receiver's replay window, from the partner profile. */
  windowS: number;
  random: SeededRandom;
}

/**
 * A fault is a named rewrite of a delivery plan. One per file, registered by name in index.ts,
 * so a scenario names it and `b2b scenarios list` can show it.
 */
export interface WebhookFault<Params = Record<string, unknown>> {
  name: string;
  summary: string;
  apply(plan: DeliveryPlan, params: Params, context: FaultContext): DeliveryPlan;
}
