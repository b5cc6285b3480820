import type { SeededRandom } from '../../../lib/seededRandom.js';
import type { ApiCallPlan } from '../apiCall.js';

/** What a fault may know when it rewrites a plan. */
export interface ApiFaultContext {
  /** The client's rate limit from the partner profile (`api.rate_limit`), when it has one. */
  rateLimit?: { requests: number; perS: number };
  random: SeededRandom;
}

/**
 * A fault is a named rewrite of an API call plan, the same shape as the webhook sender's faults
 * (simulators/webhook/faults/). One per file, registered by name in index.ts, so a scenario names
 * it and `b2b scenarios list` can show it.
 */
export interface ApiFault<Params = Record<string, unknown>> {
  name: string;
  summary: string;
  apply(plan: ApiCallPlan, params: Params, context: ApiFaultContext): ApiCallPlan;
}
