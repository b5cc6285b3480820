import type { StepDocument } from '../../../../contracts/scenarios/scenario.js';
import type { ApiFaultSpec } from '../../../../simulators/api/faults/index.js';
import { correlationPrefixFor } from '../../../run/scenarioContext.js';
import type { StepKind } from '../../stepKind.js';
import type { ApiSession } from '../apiSession.js';
import schema from './apiCreateOrders.schema.json' with { type: 'json' };
import { orderRefs, toApiOrder, type ScenarioOrder } from './scenarioOrders.js';

type ApiCreateOrdersStep = StepDocument & {
  orders: ScenarioOrder[];
  faults?: ApiFaultSpec[];
  from_address?: string;
};

/**
 * The partner creates (or, naming an order again, changes) orders through the partner API, one
 * after another, each under a fresh Idempotency-Key and through the step's faults. A refusal is an
 * answer like any other: it is recorded, and the oracles judge it.
 */
export const apiCreateOrders: StepKind<ApiCreateOrdersStep, ApiSession> = {
  kind: 'api.createOrders',
  summary: 'the partner creates or changes orders through POST /v1/orders, through optional faults',
  schema,
  references: (step) => ({ sends: { events: [], orders: orderRefs(step.orders) } }),
  async run(step, run) {
    const { context, session } = run;
    const client = step.from_address ? await session.clientFrom(step.from_address) : session.client;
    const correlationPrefix = correlationPrefixFor(context, step.id);
    await session.recording(run, async () => {
      for (const order of step.orders)
        await client.createOrder(toApiOrder(order, context), {
          correlationPrefix,
          ...(step.faults ? { faults: step.faults } : {}),
        });
    });
  },
};
