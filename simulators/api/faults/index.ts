import type { ApiCallPlan } from '../apiCall.js';
import type { ApiFault, ApiFaultContext } from './apiFault.js';
import { burstBeyondRateLimit } from './burstBeyondRateLimit.js';
import { expiredToken } from './expiredToken.js';
import { forgedToken } from './forgedToken.js';
import { noIdempotencyKey } from './noIdempotencyKey.js';
import { replayIdempotencyKey } from './replayIdempotencyKey.js';
import { tamperCursor } from './tamperCursor.js';
import { wrongScope } from './wrongScope.js';

export type { ApiFault, ApiFaultContext } from './apiFault.js';

/** Every API client fault, by the name scenario files use. */
export const API_FAULTS: Record<string, ApiFault<never>> = Object.fromEntries(
  [
    expiredToken,
    forgedToken,
    wrongScope,
    tamperCursor,
    replayIdempotencyKey,
    noIdempotencyKey,
    burstBeyondRateLimit,
  ].map((fault) => [fault.name, fault as ApiFault<never>]),
);

/** A fault as a scenario names it: `{ name: burstBeyondRateLimit, count: 120 }`. */
export interface ApiFaultSpec {
  name: string;
  [param: string]: unknown;
}

export function applyApiFaults(
  plan: ApiCallPlan,
  faults: ApiFaultSpec[],
  context: ApiFaultContext,
): ApiCallPlan {
  return faults.reduce((current, spec) => {
    const fault = API_FAULTS[spec.name];
    if (!fault)
      throw new RangeError(
        `unknown API client fault "${spec.name}" (known: ${Object.keys(API_FAULTS).join(', ')})`,
      );
    const { name: _name, ...params } = spec;
    return (fault as ApiFault<Record<string, unknown>>).apply(current, params, context);
  }, plan);
}
