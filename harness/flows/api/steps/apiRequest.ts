import type { StepDocument } from '../../../../contracts/scenarios/scenario.js';
import { isoUtc } from '../../../../lib/clock.js';
import type { ApiFaultSpec } from '../../../../simulators/api/faults/index.js';
import type { ExportQuery } from '../../../../simulators/api/partnerApiClient.js';
import { correlationPrefixFor, type ScenarioContext } from '../../../run/scenarioContext.js';
import type { StepKind } from '../../stepKind.js';
import type { ApiSession } from '../apiSession.js';
import schema from './apiRequest.schema.json' with { type: 'json' };
import { keptCursor } from './earlierSteps.js';
import { orderRefs, toApiOrder, type ScenarioOrder } from './scenarioOrders.js';

type ApiRequestStep = StepDocument & {
  operation: 'issueAccessToken' | 'exportOrders' | 'createOrder';
  scope?: string;
  limit?: number;
  changed_since_s?: number;
  cursor_from?: string;
  order?: ScenarioOrder;
  faults?: ApiFaultSpec[];
  from_address?: string;
};

/**
 * One call, the way the negative cases need it: a token kept past its expiry, a token of the
 * wrong scope, a call from an address outside the allowlist, a key reused, a burst beyond the rate
 * limit, a cursor edited on its way back. The client still behaves as a careful partner would
 * where no fault says otherwise (it renews tokens and waits out a 429's Retry-After), and every
 * exchange it makes is recorded.
 */
export const apiRequest: StepKind<ApiRequestStep, ApiSession> = {
  kind: 'api.request',
  summary:
    'one call of the partner API (a token, an export page, an order creation), through optional faults',
  schema,
  references: (step) => ({
    earlierSteps: step.cursor_from === undefined ? [] : [['cursor_from', step.cursor_from]],
    sends: { events: [], orders: orderRefs(step.order) },
  }),
  async run(step, run) {
    const { context, session } = run;
    const client = step.from_address ? await session.clientFrom(step.from_address) : session.client;
    const correlationPrefix = correlationPrefixFor(context, step.id);
    const options = { correlationPrefix, ...(step.faults ? { faults: step.faults } : {}) };
    await session.recording(run, async () => {
      switch (step.operation) {
        case 'issueAccessToken':
          await client.requestToken({
            correlationPrefix,
            ...(step.scope !== undefined ? { scope: step.scope } : {}),
          });
          return;
        case 'exportOrders':
          await client.exportOrders(await exportQuery(step, context), options);
          return;
        case 'createOrder':
          if (!step.order) throw new Error('createOrder needs an order');
          await client.createOrder(toApiOrder(step.order, context), options);
          return;
      }
    });
  },
};

async function exportQuery(step: ApiRequestStep, context: ScenarioContext): Promise<ExportQuery> {
  const limit = step.limit === undefined ? {} : { limit: step.limit };
  if (step.cursor_from !== undefined)
    return { cursor: await keptCursor(context, step.cursor_from), ...limit };
  return {
    changedSince: isoUtc(context.startedAtMs + (step.changed_since_s ?? 0) * 1000),
    ...limit,
  };
}
