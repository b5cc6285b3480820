import type { OracleDocument } from '../../../../contracts/scenarios/scenario.js';
import { fail, pass, type OracleKind } from '../../../oracles/oracleKind.js';
import { readInboxEvent, readOrder } from '../../../oracles/opsReads.js';
import { eventIdFor } from '../../../run/scenarioContext.js';
import schema from './inboxExactlyOnce.schema.json' with { type: 'json' };

type Oracle = OracleDocument & { events: string[]; replayed?: number };

/**
 * Exactly-once, as an operator would check it: each event is in the inbox, its delivery log shows
 * one processed delivery (and the expected replays), and its order's event chain holds it once.
 */
export const inboxExactlyOnce: OracleKind<Oracle> = {
  kind: 'inbox.exactlyOnce',
  summary: 'each event is in the inbox once, processed once, and once in its order event chain',
  schema,
  title: (oracle) =>
    `events ${oracle.events.join(', ')} were processed exactly once${oracle.replayed !== undefined ? ` (each replayed ${oracle.replayed}×)` : ''}`,
  async evaluate(oracle, context) {
    const found: Record<string, unknown> = {};
    for (const ref of oracle.events) {
      const eventId = eventIdFor(context, ref);
      const inbox = await readInboxEvent(context, eventId);
      if (!inbox)
        return fail(
          'in the inbox',
          'absent',
          `event ${eventId}`,
          `event ${ref} is not in the inbox`,
        );
      const processed = inbox.deliveries.processed ?? 0;
      if (processed !== 1)
        return fail(
          1,
          processed,
          `event ${eventId}, deliveries.processed`,
          `event ${ref} was processed ${processed} times`,
        );
      if (oracle.replayed !== undefined && (inbox.deliveries.replayed ?? 0) !== oracle.replayed) {
        return fail(
          oracle.replayed,
          inbox.deliveries.replayed ?? 0,
          `event ${eventId}, deliveries.replayed`,
          `event ${ref} shows ${inbox.deliveries.replayed ?? 0} replayed deliveries`,
        );
      }
      const orderNumber = context.documents.orderNumberOf(ref);
      if (!orderNumber)
        return fail(
          'an order number',
          undefined,
          `event ${eventId}`,
          `event ${ref} carried no OrderNumber`,
        );
      const order = await readOrder(context, orderNumber);
      const inChain = order?.event_chain.filter((entry) => entry.event_id === eventId).length ?? 0;
      if (inChain !== 1)
        return fail(
          1,
          inChain,
          `order ${orderNumber}, event_chain`,
          `event ${ref} appears ${inChain} times in its order's event chain`,
        );
      found[ref] = { deliveries: inbox.deliveries, in_event_chain: inChain };
    }
    return pass(
      Object.fromEntries(oracle.events.map((ref) => [ref, 'processed once, once in chain'])),
      found,
      `${oracle.events.length} event(s) processed exactly once`,
    );
  },
};
