import { partnerApiDocument } from '../../contracts/api/partnerApi.js';

/**
 * How the API client thinks about one operation: a plan of waves of calls, as the webhook sender
 * plans deliveries. Waves go out one after another; the calls of a wave go out at the same time.
 * Faults rewrite the plan before any token is fetched or anything is sent, so each fault stays a
 * small pure function.
 *
 *   operation ──> plan [[GET /v1/orders?cursor=c1]] ──fault──> [[GET /v1/orders?cursor=c1']]
 *                          │
 *                          └─ per call: credential (cached token, refreshed before expiry; or a
 *                             kept-past-expiry / forged one) ──> HTTP ──> 429? wait Retry-After, again
 */
export type ApiOperation = 'exportOrders' | 'createOrder';

/**
 * Which token a call presents: the client's current one for the call's scope, a genuine one kept
 * until after it expired, or one the pipeline never issued.
 */
export type Credential = 'current' | 'expired' | 'forged';

export interface ApiCall {
  operation: ApiOperation;
  method: 'GET' | 'POST';
  path: string;
  /** Query parameters, in the order they go on the URL. */
  query: Record<string, string>;
  /** Headers the operation needs (Idempotency-Key, Content-Type); never Authorization. */
  headers: Record<string, string>;
  body?: string;
  /** The scope of the token to present; undefined: the client's own choice. */
  scope?: string;
  credential: Credential;
  /** Honour a 429 by waiting Retry-After and asking again; a fault that wants the 429 says no. */
  retryWhenLimited: boolean;
  /** Names of the faults that shaped this call. */
  faults: string[];
}

export type ApiWave = ApiCall[];
export type ApiCallPlan = ApiWave[];

export function withFault(call: ApiCall, fault: string, change: Partial<ApiCall> = {}): ApiCall {
  return { ...call, ...change, faults: [...call.faults, fault] };
}

/**
 * The scope an operation needs, as the contract's security requirement says: the partner reads it
 * from the document, the same way a partner's developer would.
 */
export function operationScope(operation: ApiOperation): string {
  const paths = partnerApiDocument.paths as unknown as Record<
    string,
    Record<string, { operationId?: string; security?: Record<string, string[]>[] }>
  >;
  for (const item of Object.values(paths))
    for (const declared of Object.values(item))
      if (declared.operationId === operation) {
        const scope = declared.security?.[0]?.partnerOAuth?.[0];
        if (scope) return scope;
      }
  throw new Error(`contracts/api/openapi.json declares no partnerOAuth scope for ${operation}`);
}
