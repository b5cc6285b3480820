import { operationScope, withFault, type ApiOperation } from '../apiCall.js';
import type { ApiFault } from './apiFault.js';

/** For each operation, a scope the partner holds that is not the one it needs. */
const OTHER_OPERATION: Record<ApiOperation, ApiOperation> = {
  exportOrders: 'createOrder',
  createOrder: 'exportOrders',
};

/**
 * A token asked for with the wrong scope, then used: by default the other operation's scope
 * (orders:read to create an order, orders:write to read the export), which the client is granted,
 * so the token is issued and the refusal comes from the route.
 */
export const wrongScope: ApiFault<{ scope?: string }> = {
  name: 'wrongScope',
  summary: "use a token with another scope than the operation's (default: the other operation's)",
  apply(plan, params) {
    return plan.map((wave) =>
      wave.map((call) =>
        withFault(call, 'wrongScope', {
          scope: params.scope ?? operationScope(OTHER_OPERATION[call.operation]),
        }),
      ),
    );
  },
};
