import type { OracleDocument } from '../../../../contracts/scenarios/scenario.js';
import { fail, pass, type OracleKind } from '../../../oracles/oracleKind.js';
import { readInboxEvent, readOrder } from '../../../oracles/opsReads.js';
import { eventIdFor } from '../../../run/scenarioContext.js';
import schema from './inboxAbsent.schema.json' with { type: 'json' };

type Oracle = OracleDocument & { events: string[] };

/** Nothing processed: the events are not in the inbox and no order's event chain mentions them. */
export const inboxAbsent: OracleKind<Oracle> = {
  kind: 'inbox.absent',
  summary: 'the events were never processed: not in the inbox, in no order event chain',
  schema,
  title: (oracle) => `events ${oracle.events.join(', ')} were not processed`,
  async evaluate(oracle, context) {
    for (const ref of oracle.events) {
      const eventId = eventIdFor(context, ref);
      const inbox = await readInboxEvent(context, eventId);
      if (inbox)
        return fail(
          'absent',
          inbox,
          `event ${eventId}`,
          `event ${ref} is in the inbox (processed ${inbox.deliveries.processed ?? 0}×)`,
        );
      const orderNumber = context.documents.orderNumberOf(ref);
      if (orderNumber) {
        const order = await readOrder(context, orderNumber);
        if (order?.event_chain.some((entry) => entry.event_id === eventId)) {
          return fail(
            'not in the event chain',
            order.event_chain,
            `order ${orderNumber}, event_chain`,
            `event ${ref} changed order ${orderNumber}`,
          );
        }
      }
    }
    return pass(
      'absent',
      'absent',
      `${oracle.events.length} event(s) left no trace in inbox or orders`,
    );
  },
};
